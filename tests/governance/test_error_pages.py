"""The app's own error pages, in Chinese, with DEBUG off (as the embedded run serves them):
never Django's debug page with the URL patterns."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path

from governance.urls import urlpatterns as app_urlpatterns
from tests.conftest import Personas, Tree, client_for


def refused(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


# The app's URLs plus two that fail the way a bug or Django's own permission check does.
urlpatterns = [path("test-refused/", refused), path("test-broken/", broken), *app_urlpatterns]

DEBUG_PAGE_MARKS = ("URLconf", "Django tried these URL patterns", "Traceback", "DEBUG = True")


def assert_no_debug_page(content: str) -> None:
    for mark in DEBUG_PAGE_MARKS:
        assert mark not in content


def test_debug_is_off() -> None:
    assert settings.DEBUG is False


@pytest.mark.django_db
def test_a_wrong_url_is_the_apps_404_page_in_chinese(people: Personas) -> None:
    for client in (Client(), client_for(people.worker)):
        response = client.get("/no-such-page/")
        assert response.status_code == 404
        assert [t.name for t in response.templates][:2] == ["404.html", "base.html"]
        content = response.content.decode()
        assert '<html lang="zh-hans"' in content
        assert "页面不存在" in content
        assert "该页面不存在，或不在您的辖区范围内。" in content
        assert 'data-testid="error-home"' in content
        assert "Not found" not in content
        assert_no_debug_page(content)


@pytest.mark.django_db
def test_a_role_refused_is_the_apps_403_page_in_chinese(tree: Tree, people: Personas) -> None:
    # A department handler has no dashboards.
    response = client_for(people.handler).get(f"/dashboard/{tree.east.pk}/")
    assert response.status_code == 403
    content = response.content.decode()
    assert '<html lang="zh-hans"' in content
    assert 'data-testid="error-status">403<' in content
    assert_no_debug_page(content)


@pytest.mark.urls(__name__)
@pytest.mark.django_db
def test_a_permission_denied_is_the_apps_403_page_in_chinese(people: Personas) -> None:
    response = client_for(people.worker).get("/test-refused/")
    assert response.status_code == 403
    assert [t.name for t in response.templates][:2] == ["403.html", "base.html"]
    content = response.content.decode()
    assert "无权操作" in content
    assert "您的角色无权进行此操作。" in content
    assert_no_debug_page(content)


@pytest.mark.urls(__name__)
@pytest.mark.django_db
def test_a_server_error_is_the_apps_500_page(people: Personas) -> None:
    client = client_for(people.worker)
    client.raise_request_exception = False
    response = client.get("/test-broken/")
    assert response.status_code == 500
    content = response.content.decode()
    assert "服务器出错，请稍后再试。" in content
    assert "a bug" not in content
    assert_no_debug_page(content)
