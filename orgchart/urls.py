from django.urls import path

from orgchart import views

app_name = "orgchart"

urlpatterns = [
    path("", views.tree, name="tree"),
    path("<int:pk>/", views.unit_detail, name="unit"),
    path("<int:pk>/children/", views.tree_children, name="children"),
]
