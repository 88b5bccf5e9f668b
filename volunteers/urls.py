from django.urls import path

from orgchart.sections import section_urls
from volunteers import views
from volunteers.views import activities, ranking, registrations, work_orders

app_name = "volunteers"

urlpatterns = [
    *section_urls(
        "volunteers",
        [
            path("", views.index, name="index"),
            path("wishes/", views.wish_list, name="wishes"),
            path("wishes/new/", views.wish_new, name="wish_new"),
            path("wishes/<int:pk>/", views.wish_detail, name="wish"),
            path("wishes/<int:pk>/<slug:action>/", views.wish_act, name="wish_act"),
            path("work-orders/", views.work_order_board, name="work_orders"),
            path("work-orders/new/", work_orders.work_order_new, name="work_order_new"),
            path("work-orders/<int:pk>/", views.work_order_detail, name="work_order"),
            path(
                "work-orders/<int:pk>/<slug:action>/",
                views.work_order_act,
                name="work_order_act",
            ),
            path("points/ranking/", ranking.points_ranking, name="ranking"),
            # Each of these modules keeps its own routes.
            *activities.urlpatterns,
        ],
    ),
    *section_urls(
        "points",
        [
            path("points/", views.my_points, name="points"),
            path("rewards/<int:pk>/redeem/", views.reward_redeem, name="redeem"),
        ],
    ),
    *section_urls(
        "volunteer_staff",
        [
            path("redemptions/", views.redemption_list, name="redemptions"),
            path(
                "redemptions/<int:pk>/hand-over/",
                views.redemption_hand_over,
                name="hand_over",
            ),
            *registrations.urlpatterns,
        ],
    ),
]
