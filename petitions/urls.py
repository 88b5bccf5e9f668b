from django.urls import path

from orgchart.sections import section_urls
from petitions import views

app_name = "petitions"

urlpatterns = [
    *section_urls(
        "petitions",
        [
            path("", views.petition_list, name="list"),
            path("new/", views.petition_new, name="new"),
            path("new/petitioners/", views.petitioner_search, name="petitioner_search"),
            path("supervision/", views.supervision, name="supervision"),
            path("complex/", views.complex_cases, name="complex"),
            path("<int:pk>/", views.petition_detail, name="detail"),
            path("<int:pk>/notice/", views.notice, name="notice"),
            path("<int:pk>/reveal-petitioner/", views.petitioner_reveal, name="reveal_petitioner"),
            path("<int:pk>/attachments/<int:attachment_id>/", views.attachment, name="attachment"),
            path("<int:pk>/<slug:action>/", views.petition_act, name="act"),
            path(
                "dispatches/<int:pk>/photos/<int:photo_id>/",
                views.dispatch_photo,
                name="dispatch_photo",
            ),
            path("dispatches/<int:pk>/<slug:action>/", views.dispatch_act, name="dispatch_act"),
        ],
    ),
    *section_urls("inbox", [path("inbox/", views.inbox, name="inbox")]),
    *section_urls(
        "notifications",
        [
            path("notifications/", views.notifications, name="notifications"),
            path("notifications/read/", views.notifications_read, name="notifications_read"),
        ],
    ),
]
