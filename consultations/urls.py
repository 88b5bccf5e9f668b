from django.urls import path

from consultations import views
from orgchart.sections import section_urls

app_name = "consultations"

urlpatterns = section_urls(
    "consultations",
    [
        path("", views.topic_list, name="topics"),
        path("new/", views.topic_new, name="topic_new"),
        path("meetings/", views.meeting_list, name="meetings"),
        path("meetings/new/", views.meeting_new, name="meeting_new"),
        path("meetings/<int:pk>/", views.meeting_detail, name="meeting"),
        path("meetings/<int:pk>/invitees/", views.meeting_invite, name="meeting_invite"),
        path("meetings/<int:pk>/sign-in/", views.meeting_sign_in, name="meeting_sign_in"),
        path("meetings/<int:pk>/<slug:action>/", views.meeting_act, name="meeting_act"),
        path("<int:pk>/", views.topic_detail, name="topic"),
        path("<int:pk>/votes/", views.topic_vote, name="topic_vote"),
        path("<int:pk>/order-work/", views.topic_order_work, name="topic_order_work"),
        path("<int:pk>/<slug:action>/", views.topic_act, name="topic_act"),
    ],
)
