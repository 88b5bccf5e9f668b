"""What the endpoints of the volunteers app share: the acting user, the serializer
context (one clock per response), the common query parameters and the photo renderer."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request

from orgchart.models import User
from orgchart.policy import is_volunteer_account


def _actor(request: Request) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - IsAuthenticated guarantees a real user
    return user


def _context(request: Request) -> dict[str, Any]:
    """Serializer context: the request, and one clock for every light of the response."""
    return {"request": request, "now": timezone.now()}


def _is_volunteer_account(user: Any) -> bool:
    return is_volunteer_account(user) and not user.is_superuser


UNIT_PARAMETER = OpenApiParameter("unit", int, description=gettext_lazy("Within this subtree."))
DATE_PARAMETERS = [
    OpenApiParameter("from", OpenApiTypes.DATE, description=gettext_lazy("From this day.")),
    OpenApiParameter("to", OpenApiTypes.DATE, description=gettext_lazy("Up to this day.")),
]
