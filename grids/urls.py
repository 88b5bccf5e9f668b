from django.urls import path

from grids import views
from orgchart.sections import section_urls

app_name = "grids"

urlpatterns = section_urls(
    "grids",
    [
        path("", views.grid_list, name="grids"),
        path("<int:pk>/", views.grid_detail, name="grid"),
        path("<int:pk>/households/new/", views.household_new, name="household_new"),
        path("<int:pk>/staff/new/", views.staff_new, name="staff_new"),
        path("staff/<int:pk>/end/", views.staff_end, name="staff_end"),
        path("households/", views.household_list, name="households"),
        path("households/<int:pk>/", views.household_detail, name="household"),
        path("households/<int:pk>/edit/", views.household_edit, name="household_edit"),
        path("households/<int:pk>/move/", views.household_move, name="household_move"),
        path("households/<int:pk>/residents/new/", views.resident_new, name="resident_new"),
        path("residents/", views.resident_list, name="residents"),
        path("residents/<int:pk>/edit/", views.resident_edit, name="resident_edit"),
        path("residents/<int:pk>/move-out/", views.resident_move_out, name="resident_move_out"),
        path(
            "residents/<int:pk>/restricted/", views.resident_restricted, name="resident_restricted"
        ),
        path("visits/", views.visit_list, name="visits"),
        path("visits/new/", views.visit_new, name="visit_new"),
        path("visits/<int:pk>/", views.visit_detail, name="visit"),
        path("visits/photos/<int:pk>/", views.visit_photo, name="visit_photo"),
    ],
)
