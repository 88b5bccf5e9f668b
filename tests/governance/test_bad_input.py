"""Bad input never makes a server error (DESIGN §7: "never a 500 for anything a client can
send").

Every API endpoint that writes (POST, PATCH, DELETE) and every one that reads (GET), found in
the URL configuration, so that a new endpoint is covered without a line here, gets what
hypothesis draws: JSON of every type and depth (objects with the operation's own field names
holding values of the wrong type, huge numbers, impossible dates, NUL bytes, escaped lone
surrogates), text that is not JSON or not UTF-8, form and multipart bodies (empty files, text
where a photo goes, malformed multipart), odd ``Content-Type``, ``Content-Length`` and
``Accept`` headers, and query strings with malformed filters, huge numbers, NUL bytes and
escapes that decode to no UTF-8. Each example is sent as the superuser and as the community
worker of 光明社区, on a row of the endpoint that they may see. Whatever comes:

* no 5xx;
* a 4xx is a JSON object, a 400 names what was wrong (a field or ``detail``) with messages;
* a refused request changed nothing: the audit rows, the workflow events, the rows of the
  endpoint's model and the row the request was sent to are as they were.

The examples are drawn deterministically (``derandomize``), a few per endpoint, plus the
classes that once made a server error as explicit examples: JSON nested thousands deep, a list
where an object goes, a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``, more fields than
``DATA_UPLOAD_MAX_NUMBER_FIELDS``, a lone surrogate echoed in a message, broken multipart.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Model
from django.test.client import BOUNDARY, MULTIPART_CONTENT
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.exceptions import ParseError
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.viewsets import ViewSetMixin

from consultations import services as consultation_services
from governance.models import AuditEvent, WorkflowEvent
from governance.parsers import JSON_MAX_DEPTH, JSONObjectParser
from grids import services as grid_services
from grids.models import GridStaff, Resident, Visit
from orgchart import services as org_services
from orgchart.models import Post, User
from orgchart.policy import policy
from petitions import services as petition_services
from tests.conftest import Personas, Tree
from tests.factories import (
    ActivityFactory,
    PartyMemberFactory,
    PersonFactory,
    PetitionFactory,
    VolunteerFactory,
    WishFactory,
    WorkOrderFactory,
)
from tests.helpers import english_client_for
from volunteers import services as volunteer_services
from volunteers.models import PartnerUnit, Team

# Endpoints that serve documents about the API rather than its data (the schema takes a second
# to build): reached by the other tests.
NOT_DATA = {"api-schema", "api-docs"}

EXAMPLES_PER_ENDPOINT = 5

# --- The routes ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str  # the URL name, for reverse()
    template: str  # the path as the schema writes it: /api/petitions/{id}/accept/
    view: Any  # the view class (a viewset or an APIView)
    methods: dict[str, str]  # HTTP method → the viewset action (the method for an APIView)
    kwargs: tuple[str, ...]  # the URL's parameters

    def __str__(self) -> str:
        return self.template


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern


def _template(route: str) -> str:
    """``api/^petitions/(?P<pk>[^/.]+)/accept/$`` → ``/api/petitions/{id}/accept/``."""
    path = route.replace("^", "").replace("$", "")
    path = re.sub(r"\(\?P<pk>[^)]*\)", "{id}", path)
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", path)
    path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", path)
    return "/" + path


def api_routes() -> list[Route]:
    """Every API route of the URL configuration but the format-suffix twins DRF adds."""
    found = []
    for route, pattern in _walk(get_resolver().url_patterns):
        view = getattr(pattern.callback, "cls", None)
        if not route.startswith("api/") or view is None or pattern.name in NOT_DATA:
            continue
        if "(?P<format>" in route or "drf_format_suffix" in route:
            continue
        actions = getattr(pattern.callback, "actions", None)
        if actions is None:  # an APIView: its handlers
            methods = {
                method: method
                for method in ("get", "post", "put", "patch", "delete")
                if hasattr(view, method)
            }
        else:
            methods = dict(actions)
        kwargs = tuple(pattern.pattern.regex.groupindex)
        found.append(Route(pattern.name or "", _template(route), view, methods, kwargs))
    return found


ROUTES = api_routes()
WRITES = [(method, route) for route in ROUTES for method in route.methods if method != "get"]
READS = [route for route in ROUTES if "get" in route.methods]


def test_the_routes_are_found() -> None:
    """The enumeration sees the API as the README describes it (a broken walk would make
    every other test here pass on nothing)."""
    templates = {str(route) for route in ROUTES}
    assert {"/api/petitions/{id}/accept/", "/api/orgunits/", "/api/dashboard/"} <= templates
    assert len(WRITES) >= 70
    assert len(READS) >= 50


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


def field_names(schema: dict[str, Any], route: Route, method: str) -> list[str]:
    """The names the operation's request body takes, per the schema (every media type)."""
    operation = schema["paths"].get(route.template, {}).get(method, {})
    names: set[str] = set()
    for body in (operation.get("requestBody") or {}).get("content", {}).values():
        component = body["schema"]
        if "$ref" in component:
            component = schema["components"]["schemas"][component["$ref"].rsplit("/", 1)[-1]]
        names.update(component.get("properties", {}))
    return sorted(names)


def query_names(schema: dict[str, Any], route: Route) -> list[str]:
    operation = schema["paths"].get(route.template, {}).get("get", {})
    named = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
    return sorted(named | {"page", "page_size", "format", "reveal", "unit", "q"})


# --- The world: a row of every kind, in 光明社区 --------------------------------------------


@pytest.fixture
def world(tree: Tree, people: Personas, settings: Any) -> Personas:
    """One row of every model an endpoint acts on, in 光明社区 (where the worker works).

    The rate limits are off: hundreds of examples a minute would be refused with 429 before a
    body is read (the limits have their own tests, ``test_rate_limits.py``)."""
    settings.RATE_LIMITS = dict.fromkeys(settings.RATE_LIMITS, "")
    g = tree.guangming
    grid = grid_services.grid_create(
        actor=None, community=g, name="光明一网格", code="G01", compound=tree.guangming_compound
    )
    grid_services.grid_staff_appoint(
        actor=None,
        grid=grid,
        person=PersonFactory.create(unit=g, name="网格员甲"),
        role=GridStaff.Role.HEAD,
        account=people.grid,
        started_on=dt.date(2024, 1, 1),
    )
    home = grid_services.household_create(
        actor=None, grid=grid, building=tree.building_1, entrance="1", room="101"
    )
    elder = PersonFactory.create(unit=g, name="王秀英", with_mobile=True)
    grid_services.resident_add(
        actor=None,
        household=home,
        person=elder,
        relation=Resident.Relation.HEAD,
        restricted_tags=["key_petitioner"],
    )
    grid_services.visit_record(
        actor=people.grid,
        household=home,
        purpose=Visit.Purpose.CARE_VISIT,
        notes="身体健康",
        visited_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=3),
    )
    member = PartyMemberFactory.create(organisation=g, person__unit=g, employer="云阳供电公司")
    org_services.post_assign(
        actor=None,
        unit=g,
        kind=Post.Kind.SUPERVISOR,
        holder=member.person,
        started_on=dt.date(2024, 1, 1),
    )
    petition = PetitionFactory.create(actor=people.worker, location=tree.building_1)
    petition = petition_services.petition_accept(actor=people.worker, petition=petition)
    petition_services.petition_dispatch(actor=people.worker, petition=petition, lead=tree.chengguan)
    volunteer_services.point_rules_ensure_defaults()
    volunteer = VolunteerFactory.create(community=g, account=people.volunteer)
    volunteer_services.team_create(
        actor=None, unit=g, name="光明先锋队", kind=Team.Kind.VANGUARD, lead=volunteer
    )
    reward = volunteer_services.reward_create(actor=None, unit=g, name="洗衣液", points=10, stock=3)
    wish = WishFactory.create(actor=people.worker, community=g)
    volunteer_services.points_award(volunteer=volunteer, rule_code="wish_fulfilled", source=wish)
    volunteer_services.redemption_create(actor=people.volunteer, volunteer=volunteer, reward=reward)
    WorkOrderFactory.create(actor=people.worker, community=g)
    activity = ActivityFactory.create(unit=g, created_by=people.worker)
    volunteer_services.activity_sign_up(actor=people.volunteer, activity=activity)
    partner = volunteer_services.partner_unit_create(
        actor=None, unit=tree.district, name="云阳供电公司", kind=PartnerUnit.Kind.STATE_ENTERPRISE
    )
    volunteer_services.pairing_create(
        actor=None, partner=partner, community=g, started_on=dt.date(2026, 1, 1)
    )
    volunteer_services.dual_register(actor=None, party_member=member, community=g, partner=partner)
    topic = consultation_services.topic_solicit(
        actor=people.worker, community=g, title="楼道堆物清理", format="house_meeting"
    )
    meeting = consultation_services.meeting_schedule(
        actor=people.worker,
        community=g,
        title="居民代表会议",
        format="joint",
        starts_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10),
        topics=[topic],
    )
    consultation_services.meeting_invite(
        actor=people.worker, meeting=meeting, kind="property", name="物业服务中心"
    )
    consultation_services.project_start(
        actor=people.worker, compound=tree.guangming_compound, title="楼道微改造"
    )
    return people


# --- Rows, and what must not change ----------------------------------------------------------


def queryset_of(route: Route, method: str, user: User) -> Any:
    """The rows the route's viewset offers ``user`` for this action (None for an APIView)."""
    if not issubclass(route.view, ViewSetMixin):
        return None
    view = route.view()
    request = Request(APIRequestFactory().get("/"))
    request.user = user
    view.request, view.args, view.kwargs, view.format_kwarg = request, (), {}, None
    view.action = route.methods[method]
    return view.get_queryset()


def first_pk(rows: Any, user: User) -> Any:
    """The first row of the viewset's queryset; of the policy's rows when the viewset reaches
    its rows through ``get_object()`` only (an empty queryset)."""
    pk = rows.order_by("pk").values_list("pk", flat=True).first()
    if pk is None:
        pk = policy(user, rows.model).order_by("pk").values_list("pk", flat=True).first()
    return pk


EVENT_MODELS: list[type[Model]] = [
    model for model in apps.get_models() if issubclass(model, WorkflowEvent)
]


@dataclass(frozen=True)
class Target:
    """Where a request goes, and what it must leave as it was when it is refused: the audit
    rows, the workflow events, the rows of the endpoint's model and the row it is sent to."""

    client: APIClient
    url: str
    model: type[Model] | None
    pk: Any

    def fingerprint(self) -> tuple[Any, ...]:
        tables: list[type[Model]] = [
            AuditEvent,
            *EVENT_MODELS,
            *([self.model] if self.model else []),
        ]
        counts = ", ".join(
            f"(SELECT COUNT(*) FROM {connection.ops.quote_name(model._meta.db_table)})"  # noqa: S608 - table names
            for model in tables
        )
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {counts}")
            row = cursor.fetchone()
        if self.model is not None and self.pk is not None:
            row += (self.model._default_manager.filter(pk=self.pk).values().first(),)
        return tuple(row)


def target(route: Route, method: str, user: User, superuser: User) -> Target:
    """The URL to send to: a row ``user`` may see, else (a row of another area) the
    superuser's, which ``user`` gets as a 404. The world must hold one for every route."""
    rows = queryset_of(route, method, user)
    kwargs: dict[str, Any] = {}
    if "pk" in route.kwargs:
        assert rows is not None, f"{route}: a detail route of a view with no queryset"
        pk = first_pk(rows, user) or first_pk(queryset_of(route, method, superuser), superuser)
        assert pk is not None, f"{route}: the world holds no {rows.model.__name__}; add one"
        kwargs["pk"] = pk
    for name in route.kwargs:
        kwargs.setdefault(name, 1)  # a file of the row (photo_id, attachment_id): any number
    client = APIClient()
    client.force_authenticate(user)
    model = rows.model if rows is not None else None
    return Target(client, reverse(route.name, kwargs=kwargs), model, kwargs.get("pk"))


def leaves(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for item in value.values():
            yield from leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from leaves(item)
    else:
        yield value


def send(goal: Target, method: str, url: str, body: Body) -> None:
    """Send in a savepoint that is rolled back (every example starts from the same rows) and
    check the answer."""
    with transaction.atomic():
        before = goal.fingerprint()
        response = goal.client.generic(
            method.upper(),
            url,
            body.content,  # type: ignore[arg-type]  # bytes are sent as they are
            content_type=body.content_type,
            **dict(body.headers),  # type: ignore[arg-type]  # headers as WSGI keys
        )
        after = goal.fingerprint()
        transaction.set_rollback(True)
    status = response.status_code
    assert status < 500, f"{status}: {response.content[:300]!r}"
    assert status != 429, "a rate limit answered instead of the endpoint"
    if status < 400:
        return
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    answer = json.loads(response.content)
    assert isinstance(answer, dict), answer
    assert answer, "an empty error"
    if status == 400:
        messages = list(leaves(answer))
        assert messages, answer
        assert all(isinstance(m, str) and m.strip() for m in messages), answer
    assert after == before, "a refused request changed something"


# --- What clients may send ---------------------------------------------------------------------


@dataclass(frozen=True)
class Body:
    content: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...] = ()

    def __repr__(self) -> str:  # hypothesis prints the falsifying example
        shown = self.content[:120] + (b"..." if len(self.content) > 120 else b"")
        return f"Body({shown!r}, {self.content_type!r}, {dict(self.headers)})"

    def with_headers(self, headers: tuple[tuple[str, str], ...]) -> Body:
        return Body(self.content, self.content_type, headers)


JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
NASTY_TEXT = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ud800",
    "\udfff",
    "2026-13-45",
    "2026-02-30",
    "0001-01-01",
    "9999-12-31",
    "9999-12-31T23:59:59",
    "2026-01-01T25:00",
    "99999999999999999999",
    "-99999999999999999999",
    "-1",
    "0",
    "1.5",
    "abc",
    "x" * 3000,
    "１２３",
    "true",
    "null",
    "[]",
    "{}",
    "<b>",
    "%ff",
    "1e999",
    "NaN",
]
NUMBERS = [10**20, -(10**20), 2**63, 2**31, 2**53 + 1, 1e308, -1e308, 0.5, -1, 0]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from(NUMBERS),
    st.floats(),
    st.text(max_size=12),
    st.sampled_from(NASTY_TEXT),
)


def _containers(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)


values = st.recursive(scalars, _containers, max_leaves=6)


def _header_tuple(headers: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(headers.items()))


ACCEPTS = ["application/json", "*/*", "text/html", "application/xml", "image/*", ";q=x,,", ""]
odd_headers = st.fixed_dictionaries(
    {},
    optional={
        "HTTP_ACCEPT": st.sampled_from(ACCEPTS),
        "CONTENT_LENGTH": st.sampled_from(["abc", "-1", "0"]),
    },
).map(_header_tuple)


def json_body(value: Any) -> Body:
    return Body(json.dumps(value).encode(), JSON)


def percent(text: str) -> str:
    """Percent-escaped as UTF-8; a lone surrogate as the bytes it would be (no UTF-8)."""
    return quote(text, safe="", errors="surrogatepass")


def form_body(pairs: dict[str, str]) -> Body:
    return Body("&".join(f"{percent(k)}={percent(v)}" for k, v in pairs.items()).encode(), FORM)


FILES = [
    (b"", "empty.jpg", "image/jpeg"),
    (b"not a photo", "photo.jpg", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "cut.png", "image/png"),
    (b"\xff\xd8\xff", "", "image/jpeg"),
    (b"a,b\n1,2", "table.csv", "text/csv"),
]


def multipart(parts: list[tuple[str, Any]]) -> Body:
    """A multipart body: a text value or a (content, file name, type) file per part."""
    chunks = []
    for name, value in parts:
        head = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"'
        if isinstance(value, tuple):
            content, filename, content_type = value
            head += f'; filename="{filename}"\r\nContent-Type: {content_type}'
        else:
            content = value.encode("utf-8", "surrogatepass")
        chunks.append(head.encode("utf-8", "surrogatepass") + b"\r\n\r\n" + content + b"\r\n")
    return Body(b"".join(chunks) + f"--{BOUNDARY}--\r\n".encode(), MULTIPART_CONTENT)


DEEP = Body(b"[" * 100_000 + b"]" * 100_000, JSON)
BROKEN_MULTIPART = Body(b"--xyz\r\ngarbage\r\n", "multipart/form-data; boundary=xyz")
RAW = [
    DEEP,
    Body(b'{"a":' * 50_000 + b"1" + b"}" * 50_000, JSON),
    Body(b"[]", JSON),
    Body(b"null", JSON),
    Body(b'"text"', JSON),
    Body(b"12", JSON),
    Body(b'{"a":', JSON),
    Body(b'{"a": NaN}', JSON),
    Body(b'{"a": "\xff\xfe"}', JSON),
    Body(b'\xef\xbb\xbf{"a": 1}', JSON),
    Body(b"{}", JSON + "; charset=utf-16"),
    Body(b"{}", JSON + "; charset=bogus"),
    Body(b"{}", JSON + "; charset=bz2_codec"),
    Body(b"hello", "text/plain"),
    Body(b"<a/>", "application/xml"),
    Body(b"a=1", ""),
    Body(b"abc", "multipart/form-data"),
    Body(b"abc", "multipart/form-data; boundary="),
    BROKEN_MULTIPART,
    Body(
        b'--xyz\r\nContent-Disposition: form-data; name="a"\r\n\r\nunfinished',
        "multipart/form-data; boundary=xyz",
    ),
    Body(b"a=%ff%fe&b=%c3%28&%=%", FORM),
    Body(b"a=\xff\xfe", FORM),
    Body(b"a=1", FORM + "; charset=bogus"),
    Body(b"\xff\xd8\xff\xe0", "image/jpeg"),
]


def bodies(fields: list[str]) -> st.SearchStrategy[Body]:
    names = st.sampled_from(fields) if fields else st.text(max_size=6)
    texts = st.one_of(st.text(max_size=12), st.sampled_from(NASTY_TEXT))
    drawn = st.one_of(
        st.dictionaries(names, values, max_size=4).map(json_body),
        values.map(json_body),
        st.dictionaries(names, texts, max_size=4).map(form_body),
        st.lists(st.tuples(names, st.one_of(texts, st.sampled_from(FILES))), max_size=3).map(
            multipart
        ),
        st.sampled_from(RAW),
    )
    return st.builds(Body.with_headers, drawn, odd_headers)


def known_bodies(fields: list[str]) -> list[Body]:
    """The classes that once made a server error, or a 400 that was not JSON."""
    names = fields or ["a"]
    too_large = b'{"a": "' + b"x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE + b'"}'
    too_many = "&".join(f"f{n}=1" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    files = [(f"f{n}", FILES[1]) for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1)]
    return [
        DEEP,
        Body(b"[]", JSON),
        Body(too_large, JSON),
        Body(too_many.encode(), FORM),
        multipart(files),
        BROKEN_MULTIPART,
        json_body(dict.fromkeys(names, "\ud800")),
        json_body({name: [10**20, "\x00"] for name in names}),
    ]


QUERY_VALUES = [
    "abc",
    "0",
    "-1",
    "99999999999999999999",
    "-99999999999999999999",
    "%00",
    "a%00b",
    "%ff",
    "%c3%28",
    "%e4%b8",
    "%",
    "%zz",
    "2026-13-45",
    "2026-02-30",
    "0001-01-01",
    "9999-12-31",
    "1e999",
    "nan",
    "inf",
    "",
    "1.5",
    "true",
    "last",
    "xlsx",
    "csv",
    "api",
    "bogus",
    "x" * 2000,
    "%EF%BC%91",
]


def _query_string(pairs: list[tuple[str, str]]) -> str:
    return "&".join(f"{name}={value}" for name, value in pairs)


def query_strings(names: list[str]) -> st.SearchStrategy[str]:
    pairs = st.tuples(
        st.one_of(st.sampled_from(names), st.text(max_size=4).map(percent)),
        st.one_of(
            st.sampled_from(QUERY_VALUES),
            st.text(max_size=10).map(percent),
            st.integers().map(str),
        ),
    )
    return st.lists(pairs, max_size=4).map(_query_string)


KNOWN_QUERIES = [
    "page=abc",
    "page=0&page_size=99999999999999999999",
    "unit=99999999999999999999&page=99999999999999999999",
    "from=2026-13-45&to=0001-01-01&q=%00",
    "q=%ff%fe&kind=%c3%28&status=%00",
    "format=xlsx&unit=abc",
    "&".join(f"f{n}=1" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)),
]


# --- The tests ---------------------------------------------------------------------------------


def nested(depth: int) -> bytes:
    """An object ``depth`` levels deep: {"a": [[...]]}."""
    return b'{"a": ' + b"[" * (depth - 1) + b"]" * (depth - 1) + b"}"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"[]", "Send a JSON object"),
        (b'"text"', "Send a JSON object"),
        (b"null", "Send a JSON object"),
        (b'{"a": NaN}', "not valid JSON"),
        (b'{"a": "\xff"}', "not valid utf-8 text"),
        (b'{"a": "\\ud800"}', "lone surrogate"),
        (b'{"\\udfff": 1}', "lone surrogate"),
        (nested(JSON_MAX_DEPTH + 1), "nested too deeply"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ],
)
def test_the_json_parser_takes_only_a_json_object_of_text(content: bytes, message: str) -> None:
    with translation.override("en"), pytest.raises(ParseError, match=message):
        JSONObjectParser().parse(io.BytesIO(content), JSON, {})


def test_the_json_parser_reads_an_object_as_deep_as_the_limit() -> None:
    parsed = JSONObjectParser().parse(io.BytesIO(nested(JSON_MAX_DEPTH)), JSON, {})
    assert list(parsed) == ["a"]
    assert JSONObjectParser().parse(io.BytesIO('{"名": "张三"}'.encode()), JSON, {}) == {
        "名": "张三"
    }


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        ("a=" + "x" * 2_700_000, FORM, "The request is too large: at most 2.5\xa0MB"),
        ("&".join(f"f{n}=1" for n in range(1001)), FORM, "too many fields: at most 1000"),
        ("title=x", "multipart/form-data", "could not be read"),
    ],
    ids=["too large", "too many fields", "multipart without a boundary"],
)
def test_a_page_answers_an_unreadable_form_with_its_400_page(
    people: Personas, body: str, content_type: str, message: str
) -> None:
    """Pages read the form through Django (the CSRF check reads it first): a form Django
    refuses is the app's error page with the reason, not Django's bare 400."""
    client = english_client_for(people.worker)
    response = client.generic("POST", "/petitions/new/", body, content_type=content_type)
    assert response.status_code == 400
    assert response.templates[0].name == "error.html"
    assert message in response.context["message"]


def actors(world: Personas) -> list[User]:
    """Who sends: the superuser (no scope stops them before the body is read) and the
    community worker of 光明社区."""
    return [world.superuser, world.worker]


PROPERTY_SETTINGS = hypothesis_settings(
    max_examples=EXAMPLES_PER_ENDPOINT,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


def run_each(items: list[Any], check: Callable[[Any], None]) -> None:
    """Run ``check`` for every item; report every one that failed, not only the first."""
    failures = []
    for item in items:
        try:
            check(item)
        except Exception as error:  # collected, reported below
            notes = "\n".join(getattr(error, "__notes__", []))
            failures.append(f"{item}: {type(error).__name__}: {error}\n{notes}")
    assert not failures, "\n\n".join(failures)


@dataclass(frozen=True)
class Write:
    method: str
    route: Route

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.route}"


def test_every_write_endpoint_answers_bad_bodies_without_a_server_error(
    world: Personas, schema: dict[str, Any]
) -> None:
    """Drawn examples as either actor; the known classes as the superuser."""

    def check(write: Write) -> None:
        goals = [target(write.route, write.method, user, world.superuser) for user in actors(world)]
        fields = field_names(schema, write.route, write.method)

        @PROPERTY_SETTINGS
        @given(goal=st.sampled_from(goals), body=bodies(fields))
        def attempt(goal: Target, body: Body) -> None:
            send(goal, write.method, goal.url, body)

        for body in known_bodies(fields):
            attempt = example(goal=goals[0], body=body)(attempt)
        attempt()

    run_each([Write(method, route) for method, route in WRITES], check)


def test_every_read_endpoint_answers_bad_query_strings_without_a_server_error(
    world: Personas, schema: dict[str, Any]
) -> None:
    def check(route: Route) -> None:
        goals = [target(route, "get", user, world.superuser) for user in actors(world)]

        @PROPERTY_SETTINGS
        @given(
            goal=st.sampled_from(goals),
            query=query_strings(query_names(schema, route)),
            headers=odd_headers,
        )
        def attempt(goal: Target, query: str, headers: tuple[tuple[str, str], ...]) -> None:
            kept = tuple((name, value) for name, value in headers if name != "CONTENT_LENGTH")
            send(goal, "get", f"{goal.url}?{query}", Body(b"", "", kept))

        for query in KNOWN_QUERIES:
            attempt = example(goal=goals[0], query=query, headers=())(attempt)
        attempt()

    run_each(READS, check)


def ACTORS_OF(world: Personas) -> list[User]:
    return [world.superuser, world.worker]
