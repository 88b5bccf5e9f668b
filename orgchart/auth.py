"""Authentication backend that loads the account with its anchor in one query.

Every page reads the anchor (the scope and the navbar need it); loading it with the user saves
a query per request, and it is fresh because the user is loaded anew for each request.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from orgchart.models import User


class AuthenticationBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        try:
            user = User.objects.select_related("anchor_unit", "anchor_department").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
