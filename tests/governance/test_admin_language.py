"""The Django admin in zh-hans says nothing in English that the project can translate: Django's
screen-reader headers and icons, django-axes' names and columns, the audit log's record types,
the calendar's holiday names."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.utils import timezone

from governance.audit import audit_record
from governance.models import AuditEvent
from petitions import services as petition_services
from petitions.models import CalendarDay
from tests.conftest import Personas, Tree, client_for
from tests.grids.conftest import GridWorld
from tests.grids.conftest import world as world  # the grids' fixture: staff rows to list
from tests.petitions.conftest import log_petition

pytestmark = pytest.mark.django_db


def page(client: Any, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.fixture
def login_records() -> None:
    attempt = {"user_agent": "Mozilla/5.0", "http_accept": "*/*", "path_info": "/accounts/login/"}
    AccessAttempt.objects.create(
        username="zhangsan",
        ip_address="10.0.0.8",
        get_data="",
        post_data="",
        failures_since_start=2,
        **attempt,
    )
    AccessFailureLog.objects.create(
        username="zhangsan", ip_address="10.0.0.8", locked_out=True, **attempt
    )
    AccessLog.objects.create(
        username="lisi", ip_address="10.0.0.9", logout_time=timezone.now(), **attempt
    )


def test_the_admin_index_names_every_app_and_header_in_chinese(
    tree: Tree, people: Personas
) -> None:
    html = page(client_for(people.superuser), "/admin/")
    for english, chinese in (
        ("Model name", "模型名称"),
        ("Add link", "添加链接"),
        ("Change or view list link", "修改或查看列表链接"),
        ("Axes", "登录安全"),
        ("Access attempts", "登录尝试"),
        ("Access failures", "登录失败记录"),
        ("Access logs", "登录日志"),
    ):
        assert english not in html
        assert chinese in html


def test_the_axes_changelists_speak_chinese(
    tree: Tree, people: Personas, login_records: None
) -> None:
    client = client_for(people.superuser)
    attempts = page(client, "/admin/axes/accessattempt/")
    for english, chinese in (
        ("Attempt Time", "尝试时间"),
        ("IP Address", "IP地址"),
        ("User Agent", "浏览器标识"),
        ("Failed Logins", "失败次数"),
        ("Status", "状态"),
        ("Attempt Remaining", "还可尝试3次"),  # the limit is 5
        ("Locked Out", "已锁定"),  # the filter
        ("Clean up expired attempts", "清理过期的登录尝试"),
    ):
        assert english not in attempts
        assert chinese in attempts
    assert ">请求路径<" in attempts
    failures = page(client, "/admin/axes/accessfailurelog/")
    assert "Access lock out" not in failures
    assert 'alt="是"' in failures  # locked out
    logs = page(client, "/admin/axes/accesslog/")
    assert "Logout Time" not in logs
    assert "退出时间" in logs
    attempt = AccessAttempt.objects.get()
    form = page(client, f"/admin/axes/accessattempt/{attempt.pk}/change/")
    for english in ("Form Data", "Meta Data", "GET Data:", "POST Data:", "HTTP Accept:"):
        assert english not in form
    assert "表单数据" in form


def test_no_changelist_draws_an_english_alt_text(
    tree: Tree, people: Personas, login_records: None, world: GridWorld
) -> None:
    """Every registered changelist, with rows where a boolean column has them (accounts,
    departments, calendar days, grid staff, login failures): the icons say 是 / 否, the
    search icon 搜索."""
    client = client_for(people.superuser)
    seen_booleans = 0
    for model in admin.site._registry:
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        html = page(client, url)
        english = re.findall(r'alt="(True|False|None|Search)"', html)
        assert english == [], url
        seen_booleans += len(re.findall(r'alt="(?:是|否)"', html))
    assert seen_booleans > 10


def test_the_accounts_and_units_columns(tree: Tree, people: Personas) -> None:
    client = client_for(people.superuser)
    accounts = page(client, "/admin/orgchart/user/")
    assert "Get full name" not in accounts
    assert '<th scope="col" class="sortable column-full_name">' in accounts
    active = r'<td class="field-is_active"><img src="[^"]+icon-yes.svg" alt="是">'
    assert re.search(active, accounts)


def test_the_audit_log_names_record_types_as_users_call_them(tree: Tree, people: Personas) -> None:
    audit_record(actor=people.superuser, action=AuditEvent.Action.UPDATE, obj=tree.guangming)
    audit_record(actor=people.superuser, action=AuditEvent.Action.UPDATE, obj=people.worker)
    AuditEvent.objects.create(
        at=timezone.now(), action=AuditEvent.Action.EXPORT, object_type="gone.Model"
    )
    client = client_for(people.superuser)
    html = page(client, "/admin/governance/auditevent/")
    assert ">orgchart.OrgUnit<" not in html
    assert ">orgchart.User<" not in html
    assert '<td class="field-record_type">组织单位</td>' in html
    assert '<td class="field-record_type">账号</td>' in html
    assert '<td class="field-record_type">gone.Model</td>' in html  # no such model: as written
    # The filter offers the same names, and filters by the label.
    assert 'href="?object_type=orgchart.OrgUnit"' in html
    filtered = client.get("/admin/governance/auditevent/", {"object_type": "orgchart.User"})
    assert [event.object_type for event in filtered.context["cl"].result_list] == ["orgchart.User"]
    event = AuditEvent.objects.filter(object_type="orgchart.OrgUnit").latest("id")
    detail = page(client, f"/admin/governance/auditevent/{event.pk}/change/")
    assert '<div class="readonly">组织单位</div>' in detail
    assert "orgchart.OrgUnit" not in detail


def test_the_calendar_names_holidays_in_chinese(tree: Tree, people: Personas) -> None:
    CalendarDay.objects.update_or_create(
        date=dt.date(2026, 2, 17), defaults={"is_working_day": False, "name": "Spring Festival"}
    )
    CalendarDay.objects.update_or_create(
        date=dt.date(2026, 2, 18), defaults={"is_working_day": False, "name": "厂休日"}
    )
    html = page(client_for(people.superuser), "/admin/petitions/calendarday/?date__year=2026")
    assert "Spring Festival" not in html
    assert '<td class="field-holiday_name">春节</td>' in html
    assert '<td class="field-holiday_name">厂休日</td>' in html  # edited names as written
    policies = page(client_for(people.superuser), "/admin/petitions/deadlinepolicy/")
    assert "% of the time" not in policies
    assert "亮黄灯阈值（占时限的百分比）" in policies


def test_the_petition_events_name_their_statuses(tree: Tree, people: Personas) -> None:
    petition = log_petition(people, tree)
    petition_services.petition_accept(actor=people.worker, petition=petition)
    html = page(client_for(people.superuser), "/admin/petitions/petitionevent/")
    assert '<td class="field-status_before">已登记</td>' in html
    assert '<td class="field-status_after">已受理</td>' in html
    assert ">accepted<" not in html
