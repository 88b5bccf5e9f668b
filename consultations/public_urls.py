"""公示: the communities' public notice boards, outside the sections (readable without login
while a community publishes its board; the view asks the policy)."""

from django.urls import path

from consultations.views import notices

app_name = "notices"

urlpatterns = [
    path("<int:pk>/", notices.notice_board, name="board"),
    path("<int:pk>/publish/", notices.notice_board_publish, name="publish"),
]
