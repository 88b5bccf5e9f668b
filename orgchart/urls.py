from django.urls import path

from orgchart import views
from orgchart.sections import section_urls

app_name = "orgchart"

urlpatterns = [
    *section_urls(
        "org",
        [
            path("", views.tree, name="tree"),
            path("<int:pk>/", views.unit_detail, name="unit"),
            path("<int:pk>/children/", views.tree_children, name="children"),
            path("<int:pk>/party-members/", views.unit_party_members, name="party_members"),
            path("<int:pk>/posts/", views.unit_posts, name="posts"),
        ],
    ),
    *section_urls(
        "people",
        [
            path("people/", views.people, name="people"),
            path("people/new/", views.person_new, name="person_new"),
            path("people/<int:pk>/", views.person_detail, name="person"),
            path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
            path(
                "people/<int:pk>/reveal/<slug:field>/",
                views.person_reveal,
                name="person_reveal",
            ),
        ],
    ),
]
