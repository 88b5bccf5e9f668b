from django.urls import path

from consultations import views
from consultations.views import projects
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
        path("projects/", projects.project_list, name="projects"),
        path("projects/new/", projects.project_new, name="project_new"),
        path("projects/<int:pk>/", projects.project_detail, name="project"),
        path("projects/<int:pk>/steps/", projects.project_record_step, name="project_step"),
        path("projects/<int:pk>/funds/", projects.project_add_fund, name="project_fund"),
        path("projects/<int:pk>/<slug:action>/", projects.project_act, name="project_act"),
        path("compounds/<int:pk>/five-haves/", projects.five_haves_edit, name="five_haves"),
        path("<int:pk>/", views.topic_detail, name="topic"),
        path("<int:pk>/votes/", views.topic_vote, name="topic_vote"),
        path("<int:pk>/order-work/", views.topic_order_work, name="topic_order_work"),
        path("<int:pk>/<slug:action>/", views.topic_act, name="topic_act"),
    ],
)
