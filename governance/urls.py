from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from consultations.api import MeetingViewSet, ProjectViewSet, TopicViewSet
from governance import views as governance_views
from governance.dashboard import views as dashboard_views
from governance.dashboard.api import DashboardView, RankingView
from grids.api import (
    GridStaffViewSet,
    GridViewSet,
    HouseholdViewSet,
    ResidentViewSet,
    VisitViewSet,
)
from orgchart import account_views
from orgchart.api import (
    DepartmentViewSet,
    OrgUnitViewSet,
    PartyMemberViewSet,
    PersonViewSet,
    PostViewSet,
    UserViewSet,
)
from orgchart.sections import section_urls, section_view
from petitions.api import (
    DeadlinePolicyViewSet,
    DispatchViewSet,
    NotificationViewSet,
    PetitionViewSet,
)
from volunteers.api import (
    ActivityViewSet,
    DualRegistrationViewSet,
    PartnerUnitViewSet,
    PointViewSet,
    RedemptionViewSet,
    RewardViewSet,
    TeamViewSet,
    VolunteerViewSet,
    WishViewSet,
    WorkOrderViewSet,
)


class JSONRouter(DefaultRouter):
    """The API speaks JSON only: no format-suffix routes (``/api/petitions.json``, which the
    list views answered with a server error)."""

    include_format_suffixes = False


router = JSONRouter()
router.register("orgunits", OrgUnitViewSet, basename="orgunit")
router.register("departments", DepartmentViewSet, basename="department")
router.register("people", PersonViewSet, basename="person")
router.register("party-members", PartyMemberViewSet, basename="party-member")
router.register("posts", PostViewSet, basename="post")
router.register("users", UserViewSet, basename="user")
router.register("grids", GridViewSet, basename="grid")
router.register("grid-staff", GridStaffViewSet, basename="grid-staff")
router.register("households", HouseholdViewSet, basename="household")
router.register("residents", ResidentViewSet, basename="resident")
router.register("visits", VisitViewSet, basename="visit")
router.register("deadline-policies", DeadlinePolicyViewSet, basename="deadline-policy")
router.register("petitions", PetitionViewSet, basename="petition")
router.register("dispatches", DispatchViewSet, basename="dispatch")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("wishes", WishViewSet, basename="wish")
router.register("work-orders", WorkOrderViewSet, basename="work-order")
router.register("activities", ActivityViewSet, basename="activity")
router.register("points", PointViewSet, basename="points")
router.register("rewards", RewardViewSet, basename="reward")
router.register("redemptions", RedemptionViewSet, basename="redemption")
router.register("volunteers", VolunteerViewSet, basename="volunteer")
router.register("teams", TeamViewSet, basename="team")
router.register("partner-units", PartnerUnitViewSet, basename="partner-unit")
router.register("dual-registrations", DualRegistrationViewSet, basename="dual-registration")
router.register("topics", TopicViewSet, basename="topic")
router.register("meetings", MeetingViewSet, basename="meeting")
router.register("projects", ProjectViewSet, basename="project")

# A request Django cannot read (too large, too many fields, malformed multipart): JSON under
# /api/, the app's error page elsewhere.
handler400 = "governance.views.bad_request"

admin.site.site_header = settings.SITE_TITLE
admin.site.site_title = settings.SITE_TITLE

urlpatterns = [
    *section_urls("home", [path("", dashboard_views.home, name="home")]),
    *section_urls(
        "dashboard",
        [
            path("dashboard/<int:pk>/", dashboard_views.unit_board, name="dashboard_unit"),
            path(
                "dashboard/<int:pk>/ranking/",
                dashboard_views.ranking_page,
                name="dashboard_ranking",
            ),
            path("dashboard/<int:pk>/screen/", dashboard_views.screen, name="dashboard_screen"),
            path(
                "dashboard/<int:pk>/ranking/print/",
                dashboard_views.ranking_print,
                name="dashboard_ranking_print",
            ),
        ],
    ),
    path("org/", include("orgchart.urls")),
    path("grids/", include("grids.urls")),
    path("petitions/", include("petitions.urls")),
    path("volunteers/", include("volunteers.urls")),
    path("consultations/", include("consultations.urls")),
    # 公示: readable without login while a community publishes its notice board.
    path("notices/", include("consultations.public_urls")),
    path("ledgers/", include("governance.ledger.urls")),
    path(
        "accounts/login/",
        account_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", account_views.password_change, name="password_change"),
    path("i18n/setlang/", set_language, name="set_language"),
    # Anonymous, GET and HEAD only, no personal data: for load balancers and monitoring.
    path("healthz/", governance_views.healthz, name="healthz"),
    path("readyz/", governance_views.readyz, name="readyz"),
    # Browsers ask for /favicon.ico whatever the page says.
    path("favicon.ico", governance_views.favicon, name="favicon"),
    # The admin's login through the audited login view (same form and template).
    # A signed-in user whose role has no admin site gets the section's 403, not a second login.
    path("admin/login/", section_view("admin", account_views.admin_login)),
    path("admin/", admin.site.urls),
    path("api/auth/token/", account_views.TokenLoginView.as_view(), name="api-token"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The docs are a page: an anonymous visitor is sent to log in (the schema stays a 401). Its
    # script is a second request (?script), not inline: the Content-Security-Policy allows none.
    path(
        "api/docs/",
        login_required(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
    path("api/dashboard/", DashboardView.as_view(), name="api-dashboard"),
    path("api/dashboard/ranking/", RankingView.as_view(), name="api-ranking"),
    path("api/", include(router.urls)),
]
