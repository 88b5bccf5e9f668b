"""The request mix of ``make load`` (locust, run by ``scripts/load.py``): each simulated user
logs in as one of the generated accounts of its role and then reads the pages that role uses,
with a think time between requests. Weights give the share of each role among the users.

``LOAD_UNITS`` (JSON: the city's and a street's unit ids, the number of streets, communities
and departments) comes from ``scripts/load.py``; the password is the demo one.
"""

from __future__ import annotations

import json
import os
import random
import re
from typing import Any

from locust import HttpUser, between, task

UNITS: dict[str, Any] = json.loads(os.environ.get("LOAD_UNITS", "{}"))
PASSWORD = os.environ.get("LOAD_PASSWORD", "")
DETAIL = re.compile(r'href="/petitions/(\d+)/"')


class Account(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    account = ""

    def username(self) -> str:
        return self.account

    def on_start(self) -> None:
        self.client.get("/accounts/login/", name="login page")
        token = self.client.cookies.get("csrftoken", "")
        response = self.client.post(
            "/accounts/login/",
            {"username": self.username(), "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": f"{self.host}/accounts/login/"},
            name="login",
            allow_redirects=False,
        )
        if response.status_code != 302:
            raise RuntimeError(f"login of {self.username()} answered {response.status_code}")

    def petition_detail(self) -> None:
        listing = self.client.get("/petitions/", name="/petitions/")
        found = DETAIL.findall(listing.text)
        if found:
            self.client.get(f"/petitions/{random.choice(found)}/", name="/petitions/<pk>/")


def some(kind: str) -> int:
    return random.randint(1, int(UNITS[kind]))


class CityOfficial(Account):
    weight = 1
    account = "city-official"

    @task(3)
    def home(self) -> None:
        self.client.get("/", name="/ (official)")

    @task(2)
    def dashboard(self) -> None:
        self.client.get(f"/dashboard/{UNITS['city']}/", name="/dashboard/<city>/")

    @task(1)
    def ranking(self) -> None:
        self.client.get(f"/dashboard/{UNITS['city']}/ranking/", name="/dashboard/<pk>/ranking/")

    @task(2)
    def petitions(self) -> None:
        self.petition_detail()


class StreetOfficial(Account):
    weight = 2

    def username(self) -> str:
        return f"street-{some('streets')}-official"

    @task(3)
    def home(self) -> None:
        self.client.get("/", name="/ (official)")

    @task(3)
    def petitions(self) -> None:
        self.petition_detail()

    @task(1)
    def supervision(self) -> None:
        self.client.get("/petitions/supervision/", name="/petitions/supervision/")


class CommunityWorker(Account):
    weight = 4

    def username(self) -> str:
        return f"community-{some('communities')}-worker"

    @task(2)
    def home(self) -> None:
        self.client.get("/", name="/ (community worker)")

    @task(4)
    def petitions(self) -> None:
        self.petition_detail()

    @task(2)
    def households(self) -> None:
        surname = random.choice("王李张刘陈杨赵黄周吴")
        self.client.get(f"/grids/households/?q={surname}", name="/grids/households/?q=")

    @task(1)
    def residents(self) -> None:
        self.client.get("/grids/residents/", name="/grids/residents/")


class GridWorker(Account):
    weight = 4

    def username(self) -> str:
        return f"community-{some('communities')}-grid"

    @task(2)
    def home(self) -> None:
        self.client.get("/", name="/ (grid worker)")

    @task(3)
    def households(self) -> None:
        self.client.get("/grids/households/", name="/grids/households/")

    @task(1)
    def visits(self) -> None:
        self.client.get("/grids/visits/", name="/grids/visits/")


class VolunteerAccount(Account):
    weight = 2

    def username(self) -> str:
        return f"community-{some('communities')}-volunteer"

    @task(2)
    def home(self) -> None:
        self.client.get("/", name="/ (volunteer)")

    @task(2)
    def wishes(self) -> None:
        self.client.get("/volunteers/wishes/", name="/volunteers/wishes/")

    @task(1)
    def points(self) -> None:
        self.client.get("/volunteers/points/", name="/volunteers/points/")


class DepartmentHandler(Account):
    weight = 1

    def username(self) -> str:
        return f"department-{some('departments')}-handler"

    @task(2)
    def home(self) -> None:
        self.client.get("/", name="/ (department handler)")

    @task(3)
    def inbox(self) -> None:
        self.client.get("/petitions/inbox/", name="/petitions/inbox/")
