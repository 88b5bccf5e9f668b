"""Account lifecycle: login lockout, password policy, first-login change, reset, deactivation
with hand-over, idle timeout, login audit and the accounts admin."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from governance.errors import NotAllowed
from governance.models import AuditEvent
from orgchart import services
from orgchart.lockout import lockout_message
from orgchart.models import User
from orgchart.services.accounts import user_update
from tests.conftest import PASSWORD, Personas, Tree, client_for, make_user
from tests.factories import AccountFactory

LOGIN = "/accounts/login/"
PASSWORD_PAGE = "/accounts/password/"
TOKEN = "/api/auth/token/"
USERS_ADMIN = "/admin/orgchart/user/"
NEW_PASSWORD = "Guangming2024road"
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def english_client(**defaults: Any) -> Client:
    client = Client(**defaults)
    client.cookies["django_language"] = "en"
    return client


# The clients here mostly browse in English: compare with English messages too (lazy strings
# read by the test are translated in the test's own active language).
pytestmark = pytest.mark.usefixtures("english")


def log_in(client: Client, username: str, password: str) -> Any:
    return client.post(LOGIN, {"username": username, "password": password})


def fail_logins(client: Client, username: str, times: int) -> list[int]:
    return [log_in(client, username, "wrong-password-1").status_code for _ in range(times)]


def one_time_password_in(response: Any) -> str:
    text = " ".join(str(message) for message in response.context["messages"])
    found = re.search(r"[:：]\s*([A-Za-z0-9]{12})[.。]", text)
    assert found, text
    return found.group(1)


def account_changes(
    user: User, action: str = AuditEvent.Action.ACCOUNT, actor: User | None = None
) -> list[dict[str, Any]]:
    events = AuditEvent.objects.filter(
        action=action, object_type="orgchart.User", object_id=str(user.pk)
    ).order_by("id")
    return [event.changes for event in events if actor is None or event.actor == actor]


# --- Lockout ---------------------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_account_at_that_address_only(
    tree: Tree, people: Personas
) -> None:
    client = english_client()
    assert fail_logins(client, "worker", 4) == [200, 200, 200, 200]
    fifth = log_in(client, "worker", "wrong-password-1")
    assert fifth.status_code == 429
    html = fifth.content.decode()
    assert 'data-testid="login-locked"' in html
    assert (
        "Too many failed attempts. This account is locked here for 15 more minutes; colleagues "
        "can still log in from here, and an administrator can unlock it sooner." in html
    )
    # The right password does not open it from there, whatever the case of the name.
    right = log_in(client, "Worker", PASSWORD)
    assert right.status_code == 429
    assert "This account is locked here" in right.content.decode()
    assert client.get("/")["Location"].startswith(LOGIN)
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN).exists()
    # A colleague behind the same office address logs in, and so does the worker elsewhere.
    assert log_in(english_client(), "official", PASSWORD).status_code == 302
    assert log_in(english_client(REMOTE_ADDR="10.9.9.9"), "worker", PASSWORD).status_code == 302


def test_one_address_is_locked_only_at_the_higher_threshold(tree: Tree, people: Personas) -> None:
    office = english_client(REMOTE_ADDR="10.1.1.1")
    names = [f"guess{number}" for number in range(49)]
    # 49 failures over many names (none of them five times): the office still logs in.
    assert {log_in(office, name, "wrong-password-1").status_code for name in names} == {200}
    assert log_in(english_client(REMOTE_ADDR="10.1.1.1"), "grid", PASSWORD).status_code == 302
    # The 50th failure from the address locks it for every account...
    assert log_in(office, "nobody", "wrong-password-1").status_code == 429
    locked = log_in(english_client(REMOTE_ADDR="10.1.1.1"), "worker", PASSWORD)
    assert locked.status_code == 429
    assert "Too many failed attempts from this address." in locked.content.decode()
    # ...and nowhere else.
    assert log_in(english_client(REMOTE_ADDR="10.2.2.2"), "worker", PASSWORD).status_code == 302


def test_one_account_guessed_from_many_addresses_is_locked_everywhere(
    tree: Tree, people: Personas
) -> None:
    for number in range(20):
        client = english_client(REMOTE_ADDR=f"10.7.0.{number + 1}")
        expected = 429 if number == 19 else 200
        assert log_in(client, "worker", "wrong-password-1").status_code == expected
    anywhere = log_in(english_client(REMOTE_ADDR="10.8.8.8"), "worker", PASSWORD)
    assert anywhere.status_code == 429
    assert "Too many failed attempts for this account." in anywhere.content.decode()
    assert log_in(english_client(REMOTE_ADDR="10.8.8.8"), "grid", PASSWORD).status_code == 302


def test_the_lock_ends_after_the_cool_off(tree: Tree, people: Personas, time_machine: Any) -> None:
    time_machine.move_to(START, tick=False)
    client = english_client()
    fail_logins(client, "worker", 5)
    time_machine.shift(dt.timedelta(minutes=14))
    refused = log_in(client, "worker", PASSWORD)
    assert refused.status_code == 429
    # The message counts down, and the refused attempt did not restart the clock.
    assert "locked here for 1 more minute;" in refused.content.decode()
    time_machine.shift(dt.timedelta(minutes=1, seconds=1))
    response = log_in(client, "worker", PASSWORD)
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_a_successful_login_resets_the_count(tree: Tree, people: Personas) -> None:
    client = english_client()
    fail_logins(client, "worker", 4)
    assert log_in(client, "worker", PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    assert fail_logins(client, "worker", 4) == [200, 200, 200, 200]


def test_a_login_at_the_address_does_not_forgive_failures_on_other_accounts(
    tree: Tree, people: Personas
) -> None:
    address = english_client(REMOTE_ADDR="10.5.5.5")
    fail_logins(address, "official", 4)
    assert log_in(address, "worker", PASSWORD).status_code == 302
    address.post("/accounts/logout/")
    # The official's four failures still count: the fifth locks the account there.
    assert log_in(address, "official", "wrong-password-1").status_code == 429


def test_behind_a_proxy_the_forwarded_address_is_counted(
    tree: Tree, people: Personas, settings: Any
) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    careless = english_client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7")
    fail_logins(careless, "worker", 5)
    assert log_in(careless, "worker", PASSWORD).status_code == 429
    # The same account from another client behind the same proxy is not affected.
    colleague = english_client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.8")
    assert log_in(colleague, "worker", PASSWORD).status_code == 302
    assert AuditEvent.objects.get(action=AuditEvent.Action.LOGIN).changes["address"] == (
        "203.0.113.8"
    )


def test_an_admin_unlocks_an_account_in_the_admin(tree: Tree, people: Personas) -> None:
    locked_client = english_client()
    fail_logins(locked_client, "worker", 5)
    assert log_in(locked_client, "worker", PASSWORD).status_code == 429
    admin_client = client_for(people.superuser)
    admin_client.cookies["django_language"] = "en"
    response = admin_client.post(
        USERS_ADMIN,
        {"action": "unlock_logins", "_selected_action": [people.worker.pk]},
        follow=True,
    )
    assert response.status_code == 200
    # (The admin capitalises the first letter of a message.)
    assert "Worker: 5 failed logins cleared; the account can log in." in response.content.decode()
    assert account_changes(people.worker, actor=people.superuser) == [
        {"event": "login unlocked", "failures": 5}
    ]
    assert log_in(locked_client, "worker", PASSWORD).status_code == 302


def test_a_street_admin_may_not_unlock_an_account_outside_their_area(
    tree: Tree, people: Personas
) -> None:
    outsider = make_user("far_worker", "community_worker", unit=tree.xinhua)
    fail_logins(english_client(), "far_worker", 5)
    client = client_for(people.street_admin)
    client.cookies["django_language"] = "en"
    response = client.post(
        USERS_ADMIN, {"action": "unlock_logins", "_selected_action": [outsider.pk]}, follow=True
    )
    # Outside the admin's area the account is not in the list, so the action touches nothing.
    assert "failed logins cleared" not in response.content.decode()
    assert log_in(english_client(), "far_worker", PASSWORD).status_code == 429


def test_an_admin_unlocks_an_address_from_the_login_attempts(tree: Tree, people: Personas) -> None:
    office = english_client(REMOTE_ADDR="10.1.1.1")
    for number in range(50):
        log_in(office, f"guess{number}", "wrong-password-1")
    assert log_in(office, "worker", PASSWORD).status_code == 429
    rows = list(AccessAttempt.objects.filter(ip_address="10.1.1.1").values_list("pk", flat=True))
    response = client_for(people.superuser).post(
        "/admin/axes/accessattempt/",
        {"action": "unlock", "_selected_action": rows},
        follow=True,
    )
    assert response.status_code == 200
    assert not AccessAttempt.objects.exists()
    unlocked = AuditEvent.objects.filter(object_type="axes.AccessAttempt")
    assert unlocked.count() == 50
    assert {event.changes["address"] for event in unlocked} == {"10.1.1.1"}
    assert log_in(office, "worker", PASSWORD).status_code == 302


def test_wrong_current_passwords_count_toward_the_lock(tree: Tree, people: Personas) -> None:
    client = english_client()
    assert log_in(client, "worker", PASSWORD).status_code == 302
    form = {
        "old_password": "wrong-password-1",
        "new_password": NEW_PASSWORD,
        "new_password_confirm": NEW_PASSWORD,
    }
    assert [client.post(PASSWORD_PAGE, form).status_code for _ in range(4)] == [200] * 4
    fifth = client.post(PASSWORD_PAGE, form)
    # Locked: the session ends and the login page says for how long.
    assert fifth.status_code == 429
    assert "This account is locked here for 15 more minutes" in fifth.content.decode()
    assert client.get("/")["Location"].startswith(LOGIN)
    assert log_in(client, "worker", PASSWORD).status_code == 429
    worker = User.objects.get(pk=people.worker.pk)
    assert worker.check_password(PASSWORD)


def test_wrong_current_passwords_on_the_api_count_toward_the_lock(
    tree: Tree, people: Personas
) -> None:
    client = APIClient()
    client.force_authenticate(people.worker)
    body = {"old_password": "wrong-password-1", "new_password": NEW_PASSWORD}
    statuses = [
        client.post("/api/users/me/password/", body, format="json").status_code for _ in range(6)
    ]
    assert statuses == [400, 400, 400, 400, 429, 429]
    # Locked, the right current password is not even checked.
    right = client.post(
        "/api/users/me/password/",
        {"old_password": PASSWORD, "new_password": NEW_PASSWORD},
        format="json",
    )
    assert right.status_code == 429
    assert right.json()["detail"].startswith("登录失败次数过多：该账号在本地址已锁定")
    assert User.objects.get(pk=people.worker.pk).check_password(PASSWORD)
    assert APIClient().post(TOKEN, {"username": "worker", "password": PASSWORD}).status_code == 429


def test_the_lockout_message_is_on_the_chinese_page_too(tree: Tree, people: Personas) -> None:
    client = Client()
    fail_logins(client, "worker", 5)
    response = log_in(client, "worker", PASSWORD)
    assert response.status_code == 429
    assert response["Content-Language"] == "zh-hans"
    html = response.content.decode()
    assert 'data-testid="login-locked"' in html
    assert 'id="id_username"' in html  # the form is still there, to try again later


def test_token_login_lockout_is_a_json_429(tree: Tree, people: Personas) -> None:
    client = APIClient()
    statuses = [
        client.post(TOKEN, {"username": "worker", "password": "wrong-password-1"}).status_code
        for _ in range(5)
    ]
    assert statuses == [400, 400, 400, 400, 429]
    locked = client.post(TOKEN, {"username": "worker", "password": PASSWORD})
    assert locked.status_code == 429
    with translation.override("zh-hans"):  # API clients get the default language
        assert locked.json() == {"detail": lockout_message()}
    assert locked.json()["detail"].startswith("登录失败次数过多")
    assert not Token.objects.filter(user=people.worker).exists()


def test_token_login_success_resets_the_count_and_is_audited(tree: Tree, people: Personas) -> None:
    client = APIClient()
    for _ in range(4):
        client.post(TOKEN, {"username": "worker", "password": "wrong-password-1"})
    ok = client.post(TOKEN, {"username": "worker", "password": PASSWORD})
    assert ok.status_code == 200
    assert ok.json()["token"] == Token.objects.get(user=people.worker).key
    login = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN, actor=people.worker)
    assert login.changes == {"address": "127.0.0.1", "via": "api"}
    assert User.objects.get(pk=people.worker.pk).last_login is not None
    statuses = [
        client.post(TOKEN, {"username": "worker", "password": "wrong-password-1"}).status_code
        for _ in range(4)
    ]
    assert statuses == [400, 400, 400, 400]


def test_admin_login_locks_out_with_the_message_not_a_500(tree: Tree, people: Personas) -> None:
    client = english_client()
    statuses = [
        client.post(
            "/admin/login/", {"username": "street_admin", "password": "wrong-password-1"}
        ).status_code
        for _ in range(5)
    ]
    assert statuses == [200, 200, 200, 200, 429]
    locked = client.post("/admin/login/", {"username": "street_admin", "password": PASSWORD})
    assert locked.status_code == 429
    assert lockout_message() in locked.content.decode()


def test_admin_login_works_and_is_audited(tree: Tree, people: Personas) -> None:
    client = Client()
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "street_admin", "password": PASSWORD, "next": "/admin/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    event = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN)
    assert (event.actor, event.object_id) == (people.street_admin, str(people.street_admin.pk))
    assert event.changes == {"address": "127.0.0.1", "via": "admin"}


def test_page_login_is_audited(tree: Tree, people: Personas) -> None:
    assert log_in(Client(REMOTE_ADDR="10.3.3.3"), "worker", PASSWORD).status_code == 302
    event = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN)
    assert (event.actor, event.object_type) == (people.worker, "orgchart.User")
    assert event.changes == {"address": "10.3.3.3", "via": "page"}


def test_failed_logins_are_kept_in_the_failure_log(tree: Tree, people: Personas) -> None:
    fail_logins(Client(REMOTE_ADDR="10.4.4.4"), "Worker", 2)
    failures = AccessFailureLog.objects.order_by("id")
    assert [(f.username, f.ip_address, f.locked_out) for f in failures] == [
        ("worker", "10.4.4.4", False),
        ("worker", "10.4.4.4", False),
    ]


# --- Password policy -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("short1abc", "password_too_short"),
        ("onlyletterslong", "password_needs_letters_and_digits"),
        ("8264019375", "password_entirely_numeric"),
        ("password123", "password_too_common"),
    ],
)
def test_password_policy_refuses(password: str, code: str) -> None:
    with pytest.raises(ValidationError) as error:
        password_validation.validate_password(password)
    assert code in [item.code for item in error.value.error_list]


def test_password_policy_accepts_letters_and_digits_of_ten_or_more() -> None:
    password_validation.validate_password(NEW_PASSWORD)
    password_validation.validate_password("网格员2024年的密码")  # any script's letters count
    with translation.override("en"):
        rules = " ".join(password_validation.password_validators_help_texts())
    assert "at least 10 characters" in rules
    assert "at least one letter and one digit" in rules


def test_one_time_passwords_satisfy_the_policy(tree: Tree, people: Personas) -> None:
    for _ in range(200):
        password_validation.validate_password(services.one_time_password(), people.worker)


# --- First login -----------------------------------------------------------------------------


def test_a_one_time_password_leads_to_the_password_page_first(tree: Tree) -> None:
    user, password = AccountFactory.create(anchor_unit=tree.guangming)
    assert user.must_change_password
    client = english_client()
    assert log_in(client, user.username, password)["Location"] == "/"
    for path in ("/", "/org/", f"/org/{tree.guangming.pk}/", "/admin/", "/accounts/login/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(PASSWORD_PAGE), path
    assert client.get("/org/")["Location"] == f"{PASSWORD_PAGE}?next=%2Forg%2F"
    page = client.get(PASSWORD_PAGE)
    assert page.status_code == 200
    assert 'data-testid="must-change-password"' in page.content.decode()
    # Static files, the language switch and logout stay reachable.
    assert client.get("/static/css/app.css").status_code == 200
    assert client.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 302
    assert client.post("/accounts/logout/")["Location"] == LOGIN


def test_the_api_answers_403_until_the_password_is_changed(tree: Tree) -> None:
    user, password = AccountFactory.create(anchor_unit=tree.guangming)
    session = english_client()
    log_in(session, user.username, password)
    refused = session.get("/api/orgunits/")
    assert refused.status_code == 403
    assert "change your password first" in refused.json()["detail"]
    assert session.get("/api/users/me/").json()["username"] == user.username

    token_client = APIClient()
    token_client.cookies["django_language"] = "en"
    token = token_client.post(TOKEN, {"username": user.username, "password": password})
    assert token.status_code == 200
    token_client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    token_refused = token_client.get("/api/orgunits/")
    assert token_refused.status_code == 403
    assert "change your password first" in token_refused.json()["detail"]
    assert token_client.get("/api/users/me/").status_code == 200
    changed = token_client.post(
        "/api/users/me/password/", {"old_password": password, "new_password": NEW_PASSWORD}
    )
    assert changed.status_code == 204
    assert token_client.get("/api/orgunits/").status_code == 200


def test_the_password_page_shows_the_policy_errors_then_changes_it(tree: Tree) -> None:
    user, password = AccountFactory.create(anchor_unit=tree.guangming)
    client = english_client()
    log_in(client, user.username, password)

    def change(old: str, new: str, again: str | None = None, **extra: str) -> Any:
        data = {"old_password": old, "new_password": new, "new_password_confirm": again or new}
        return client.post(PASSWORD_PAGE, {**data, **extra})

    mismatch = change(password, NEW_PASSWORD, "something-else-1")
    assert mismatch.context["form"].errors == {
        "new_password_confirm": ["The two new passwords do not match."]
    }
    wrong_old = change("not-my-password-1", NEW_PASSWORD)
    assert wrong_old.context["form"].errors == {
        "old_password": ["Your current password is not correct."]
    }
    weak = change(password, "abcdefgh")
    errors = weak.context["form"].errors["new_password"]
    assert "This password is too short. It must contain at least 10 characters." in errors
    assert "This password must contain at least one letter and one digit." in errors
    assert 'data-testid="new_password-error"' in weak.content.decode()
    assert User.objects.get(pk=user.pk).check_password(password)

    done = change(password, NEW_PASSWORD, next="/org/")
    assert done.status_code == 302
    assert done["Location"] == "/org/"
    user.refresh_from_db()
    assert not user.must_change_password
    assert user.check_password(NEW_PASSWORD)
    home = client.get("/")  # still logged in, and free to go anywhere
    assert home.status_code == 200
    assert [str(m) for m in home.context["messages"]] == ["Your password has been changed."]
    # governance.audit masks every key that mentions a password, this marker too.
    assert account_changes(user)[-1] == {"event": "password changed"}

    fresh = english_client()
    assert log_in(fresh, user.username, password).status_code == 200  # old password refused
    assert log_in(fresh, user.username, NEW_PASSWORD)["Location"] == "/"
    assert fresh.get("/").status_code == 200


def test_the_password_page_redirects_home_and_refuses_an_outside_next(
    tree: Tree, people: Personas
) -> None:
    client = client_for(people.worker)
    assert client.get(PASSWORD_PAGE).status_code == 200  # any user may change their password
    data = {
        "old_password": PASSWORD,
        "new_password": NEW_PASSWORD,
        "new_password_confirm": NEW_PASSWORD,
        "next": "https://evil.example/",
    }
    response = client.post(PASSWORD_PAGE, data)
    assert response["Location"] == "/"
    assert Client().get(PASSWORD_PAGE)["Location"].startswith(LOGIN)


def test_demo_style_accounts_are_not_asked_to_change(tree: Tree, people: Personas) -> None:
    assert not people.worker.must_change_password
    client = Client()
    log_in(client, "worker", PASSWORD)
    assert client.get("/").status_code == 200


# --- Idle timeout ----------------------------------------------------------------------------


def test_an_idle_session_expires_and_activity_extends_it(
    tree: Tree, people: Personas, time_machine: Any
) -> None:
    time_machine.move_to(START, tick=False)
    client = Client()
    assert log_in(client, "worker", PASSWORD).status_code == 302
    # Active every 20 minutes for an hour: each request moves the 30-minute deadline.
    for _ in range(3):
        time_machine.shift(dt.timedelta(minutes=20))
        assert client.get("/").status_code == 200
    time_machine.shift(dt.timedelta(minutes=30, seconds=1))
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


# --- Reset, deactivation ---------------------------------------------------------------------


def test_an_admin_reset_ends_sessions_and_tokens_and_forces_a_change(
    tree: Tree, people: Personas
) -> None:
    worker_session = client_for(people.worker)
    token = Token.objects.create(user=people.worker)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/orgunits/").status_code == 200

    admin = client_for(people.street_admin)
    url = f"{USERS_ADMIN}{people.worker.pk}/reset-password/"
    confirm = admin.get(url)
    assert confirm.status_code == 200
    assert User.objects.get(pk=people.worker.pk).check_password(PASSWORD)  # GET changes nothing
    response = admin.post(url, follow=True)
    assert response.redirect_chain[-1][0] == f"{USERS_ADMIN}{people.worker.pk}/change/"
    password = one_time_password_in(response)

    worker = User.objects.get(pk=people.worker.pk)
    assert worker.must_change_password
    assert worker.check_password(password)
    assert not worker.check_password(PASSWORD)
    assert worker_session.get("/")["Location"].startswith(LOGIN)
    assert api.get("/api/orgunits/").status_code == 401
    assert not Token.objects.filter(user=worker).exists()
    assert account_changes(worker, actor=people.street_admin) == [{"event": "password reset"}]
    # Shown once: the next page has no password in it.
    assert password not in admin.get(f"{USERS_ADMIN}{worker.pk}/change/").content.decode()
    fresh = Client()
    log_in(fresh, "worker", password)
    assert fresh.get("/")["Location"].startswith(PASSWORD_PAGE)


def test_reset_and_deactivate_pages_follow_the_policy(tree: Tree, people: Personas) -> None:
    west_admin = client_for(make_user("west_admin", User.Role.ADMIN, unit=tree.west, is_staff=True))
    street_admin = client_for(people.street_admin)
    for page in ("reset-password", "deactivate"):
        assert west_admin.get(f"{USERS_ADMIN}{people.worker.pk}/{page}/").status_code == 404
        assert west_admin.post(f"{USERS_ADMIN}{people.worker.pk}/{page}/").status_code == 404
        own = f"{USERS_ADMIN}{people.street_admin.pk}/{page}/"
        assert street_admin.get(own).status_code == 403  # not one's own account
    assert User.objects.get(pk=people.worker.pk).check_password(PASSWORD)
    # Django's "set a password" page is replaced by the reset.
    old_page = street_admin.get(f"{USERS_ADMIN}{people.worker.pk}/password/")
    assert old_page["Location"] == f"{USERS_ADMIN}{people.worker.pk}/reset-password/"


def test_the_reset_action_on_the_list(tree: Tree, people: Personas) -> None:
    admin = client_for(people.street_admin)
    response = admin.post(
        USERS_ADMIN,
        {
            "action": "reset_passwords",
            "_selected_action": [people.grid.pk, people.street_admin.pk],
        },
        follow=True,
    )
    assert response.status_code == 200
    grid = User.objects.get(pk=people.grid.pk)
    assert grid.must_change_password
    assert grid.check_password(one_time_password_in(response))
    street_admin = User.objects.get(pk=people.street_admin.pk)
    assert street_admin.check_password(PASSWORD)  # one's own account is skipped, with a message
    assert not street_admin.must_change_password


@pytest.fixture
def handover_calls() -> Iterator[list[tuple[int, int]]]:
    calls: list[tuple[int, int]] = []

    def hand_over_test_items(*, leaving: User, successor: User) -> dict[str, int]:
        calls.append((leaving.pk, successor.pk))
        return {"test items": 3}

    services.register_handover_hook(hand_over_test_items)
    try:
        yield calls
    finally:
        services.HANDOVER_HOOKS.remove(hand_over_test_items)


def test_deactivate_and_hand_over(
    tree: Tree, people: Personas, handover_calls: list[tuple[int, int]]
) -> None:
    successor = make_user("worker_2", User.Role.COMMUNITY_WORKER, unit=tree.guangming)
    worker_session = client_for(people.worker)
    admin = client_for(people.street_admin)
    url = f"{USERS_ADMIN}{people.worker.pk}/deactivate/"
    page = admin.get(url)
    assert page.status_code == 200
    choices = {user.username for user in page.context["form"].fields["successor"].queryset}
    assert choices == {"worker_2"}  # active, same role, in the area, not the leaver

    wrong_role = admin.post(url, {"successor": people.grid.pk})
    assert wrong_role.status_code == 200
    assert "successor" in wrong_role.context["form"].errors
    assert User.objects.get(pk=people.worker.pk).is_active
    assert handover_calls == []

    response = admin.post(url, {"successor": successor.pk}, follow=True)
    assert response.status_code == 200
    assert handover_calls == [(people.worker.pk, successor.pk)]
    assert not User.objects.get(pk=people.worker.pk).is_active
    assert worker_session.get("/")["Location"].startswith(LOGIN)
    messages = " ".join(str(m) for m in response.context["messages"])
    assert "test items: 3" in messages
    event = AuditEvent.objects.get(
        action=AuditEvent.Action.ACCOUNT, object_id=str(people.worker.pk)
    )
    assert event.actor == people.street_admin
    assert event.changes == {"deactivated": True, "successor": successor.pk, "test items": 3}
    # Done once: the page now only says so.
    again = admin.get(url)
    assert again["Location"] == f"{USERS_ADMIN}{people.worker.pk}/change/"
    assert handover_calls == [(people.worker.pk, successor.pk)]


# --- The accounts admin ----------------------------------------------------------------------


def test_add_account_goes_through_the_service_and_shows_the_password_once(
    tree: Tree, people: Personas
) -> None:
    admin = client_for(people.street_admin)
    form = admin.get(f"{USERS_ADMIN}add/").content.decode()
    assert 'name="username"' in form
    assert 'name="role"' in form
    assert "password1" not in form
    assert 'name="password' not in form

    data = {
        "username": "zhao_worker",
        "first_name": "赵社工",
        "email": "",
        "role": "community_worker",
        "anchor_unit": tree.heping.pk,
    }
    taken = admin.post(f"{USERS_ADMIN}add/", {**data, "username": "WORKER"})
    assert taken.status_code == 200
    assert "username" in taken.context["adminform"].form.errors
    outside = admin.post(f"{USERS_ADMIN}add/", {**data, "anchor_unit": tree.xinhua.pk})
    assert outside.status_code == 200
    assert "anchor_unit" in outside.context["adminform"].form.errors

    response = admin.post(f"{USERS_ADMIN}add/", data, follow=True)
    created = User.objects.get(username="zhao_worker")
    assert response.redirect_chain[-1][0] == f"{USERS_ADMIN}{created.pk}/change/"
    password = one_time_password_in(response)
    assert created.check_password(password)
    assert created.must_change_password
    assert (created.first_name, created.role, created.anchor_unit_id, created.is_staff) == (
        "赵社工",
        "community_worker",
        tree.heping.pk,
        False,
    )
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.ACCOUNT, actor=people.street_admin, object_id=str(created.pk)
    ).exists()
    assert password not in admin.get(f"{USERS_ADMIN}{created.pk}/change/").content.decode()


def test_only_superusers_grant_administrator_rights(tree: Tree, people: Personas) -> None:
    admin = client_for(people.street_admin)
    url = f"{USERS_ADMIN}{people.worker.pk}/change/"
    page = admin.get(url).content.decode()
    assert 'name="is_staff"' not in page
    assert 'name="is_superuser"' not in page
    assert 'name="is_active"' not in page  # deactivation has its own page
    assert 'data-testid="reset-password"' in page
    assert 'data-testid="deactivate"' in page
    response = admin.post(
        url,
        {
            "first_name": "王社工",
            "role": "community_worker",
            "anchor_unit": tree.guangming.pk,
            "is_staff": "on",
            "is_superuser": "on",
        },
    )
    assert response.status_code == 302
    worker = User.objects.get(pk=people.worker.pk)
    assert (worker.first_name, worker.is_staff, worker.is_superuser) == ("王社工", False, False)
    assert account_changes(worker, AuditEvent.Action.UPDATE) == [{"first_name": "王社工"}]
    with pytest.raises(NotAllowed):
        user_update(actor=people.street_admin, user=worker, is_staff=True)

    root = client_for(people.superuser)
    assert 'name="is_staff"' in root.get(url).content.decode()
    promoted = root.post(
        url,
        {
            "first_name": "王社工",
            "role": "community_worker",
            "anchor_unit": tree.guangming.pk,
            "is_staff": "on",
        },
    )
    assert promoted.status_code == 302
    assert User.objects.get(pk=people.worker.pk).is_staff


def test_a_role_change_keeps_staff_access_in_step(tree: Tree, people: Personas) -> None:
    promoted = user_update(actor=people.street_admin, user=people.worker, role=User.Role.ADMIN)
    assert (promoted.role, promoted.is_staff) == ("admin", True)
    demoted = user_update(actor=people.street_admin, user=promoted, role=User.Role.COMMUNITY_WORKER)
    assert (demoted.role, demoted.is_staff) == ("community_worker", False)


def test_accounts_are_never_deleted(tree: Tree, people: Personas) -> None:
    admin = client_for(people.superuser)
    assert admin.get(f"{USERS_ADMIN}{people.worker.pk}/delete/").status_code == 403
    assert User.objects.filter(pk=people.worker.pk).exists()
