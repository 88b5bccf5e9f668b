from django.urls import path

from consultations import views
from orgchart.sections import section_urls

app_name = "consultations"

urlpatterns = section_urls(
    "consultations",
    [
        path("", views.topic_list, name="topics"),
        path("new/", views.topic_new, name="topic_new"),
        path("<int:pk>/", views.topic_detail, name="topic"),
        path("<int:pk>/votes/", views.topic_vote, name="topic_vote"),
        path("<int:pk>/<slug:action>/", views.topic_act, name="topic_act"),
    ],
)
