"""People services: registration (idempotent by document, linking without revealing where),
validation, updates, the audited reveal, party members and posts (one holder per unique post)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from unittest import mock

import pytest
from django.db import IntegrityError, transaction
from django.db.models.query import QuerySet
from django.utils import translation

from governance import pii
from governance.errors import ConcurrentUpdate, NotAllowed, OutOfScope, ValidationFailed
from governance.models import AuditEvent
from orgchart import selectors, services
from orgchart.models import OrgUnit, PartyMember, Person, PersonRegistration, Post, User
from tests import factories
from tests.conftest import Personas, Tree

# The example number of GB 11643: born 1949-12-31, sequence 002 (even: female), check X.
ID_NUMBER = "11010519491231002X"
ID_BIRTH_DATE = dt.date(1949, 12, 31)
MOBILE = "13812345678"
LANDLINE = "0315-2812345-808"


def resident_id(area: str = "130203", birth: str = "19800101", sequence: str = "123") -> str:
    """A valid ID number from its parts (by default 孙新人's, the newcomer of these tests)."""
    return factories.resident_id(area + birth + sequence)


def people_snapshot() -> tuple[Any, ...]:
    """Every row the people services write, to assert that a refused call changed nothing."""
    return (
        list(Person.objects.order_by("pk").values()),
        list(PersonRegistration.objects.order_by("pk").values()),
        list(PartyMember.objects.order_by("pk").values()),
        list(Post.objects.order_by("pk").values()),
        list(AuditEvent.objects.order_by("pk").values()),
        list(
            User.objects.order_by("pk").values_list(
                "pk", "username", "password", "is_active", "must_change_password"
            )
        ),
    )


# The tree fixture's own audit rows (units, departments) are not what these tests look at.
TREE_TYPES = ("orgchart.OrgUnit", "orgchart.Department")


def audit_rows(since: int = 0) -> list[tuple[Any, ...]]:
    return list(
        AuditEvent.objects.filter(pk__gt=since)
        .exclude(object_type__in=TREE_TYPES)
        .order_by("pk")
        .values_list("actor__username", "action", "object_type", "object_id", "changes")
    )


def last_audit_id() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def register(tree: Tree, people: Personas, **fields: Any) -> Person:
    """王秀英, registered at 光明社区 by its community worker with ID, mobile and landline."""
    values: dict[str, Any] = {
        "name": "王秀英",
        "document_number": ID_NUMBER,
        "mobile": "+86 138-1234-5678",
        "landline": "(0315) 281 2345 转 808",
        "address": "光明小区1号楼101",
    }
    values.update(fields)
    return factories.PersonFactory.create(actor=people.worker, unit=tree.guangming, **values)


SECRETS_OF_WANG = (
    ID_NUMBER,
    "19491231",
    "1949-12-31",
    "110105",
    "002X",
    MOBILE,
    "5678",
    "2812345",
    "0315",
    "808",
)


def assert_audit_holds_no_personal_numbers(person: Person, *more: str) -> None:
    text = json.dumps(
        list(
            AuditEvent.objects.exclude(object_type__in=TREE_TYPES).values(
                "object_id", "object_repr", "changes"
            )
        ),
        ensure_ascii=False,
    )
    hashes = [
        value
        for value in (person.document_number_hash, person.mobile_hash, person.landline_hash)
        if value
    ]
    for secret in (*SECRETS_OF_WANG, *hashes, *more):
        assert secret not in text, secret


# --- Registration ----------------------------------------------------------------------------


def test_register_creates_person_registration_and_audit(tree: Tree, people: Personas) -> None:
    result = services.person_register(
        actor=people.worker,
        unit=tree.guangming,
        name=" 王秀英 ",
        document_number=ID_NUMBER,
        mobile="+86 138-1234-5678",
        landline="(0315) 281 2345 转 808",
        sex="male",  # the ID number decides: 002 is even, a woman
        address="光明小区1号楼101",
    )
    assert result.created is True
    person = Person.objects.get()
    assert result.person.pk == person.pk
    assert (
        person.name,
        person.name_pinyin,
        person.name_initials,
        person.sex,
        person.birth_date,
        person.document_type,
        person.address,
    ) == (
        "王秀英",
        "wang xiu ying",
        "wxy",
        "female",
        ID_BIRTH_DATE,
        "resident_id",
        "光明小区1号楼101",
    )
    assert (person.masked_document_number, person.masked_mobile, person.masked_landline) == (
        "110105********002X",
        "138****5678",
        "0315-***2345",
    )
    # Sealed at rest, found by keyed hash, plaintext nowhere in the row.
    assert pii.decrypt(person.document_number_encrypted) == ID_NUMBER
    assert pii.decrypt(person.mobile_encrypted) == MOBILE
    assert pii.decrypt(person.landline_encrypted) == LANDLINE
    assert person.document_number_hash == pii.blind_index(ID_NUMBER, purpose="document:resident_id")
    assert person.mobile_hash == pii.blind_index(MOBILE, purpose="phone")
    assert person.landline_hash == pii.blind_index(LANDLINE, purpose="phone")
    row = json.dumps(
        Person.objects.values(
            "document_number_encrypted", "mobile_encrypted", "landline_encrypted"
        ).get()
    )
    assert ID_NUMBER not in row
    assert MOBILE not in row
    assert list(PersonRegistration.objects.values_list("person", "unit", "registered_by")) == [
        (person.pk, tree.guangming.pk, people.worker.pk)
    ]
    assert audit_rows() == [
        (
            "worker",
            "create",
            "orgchart.Person",
            str(person.pk),
            {
                "name": "王秀英",
                "name_pinyin": "wang xiu ying",
                "name_initials": "wxy",
                "sex": "female",
                "address": "光明小区1号楼101",
                "birth_date": "***",
                "document_type": "resident_id",
                "document_number_encrypted": "***",
                "document_number_hash": "***",
                "document_number_head": "***",
                "document_number_tail": "***",
                "document_number_length": 18,
                "mobile_encrypted": "***",
                "mobile_hash": "***",
                "mobile_head": "***",
                "mobile_tail": "***",
                "landline_encrypted": "***",
                "landline_hash": "***",
                "landline_head": "***",
                "landline_tail": "***",
                "landline_length": 12,
            },
        ),
        (
            "worker",
            "create",
            "orgchart.PersonRegistration",
            f"{person.pk}@{tree.guangming.pk}",
            {"person": person.pk, "unit": tree.guangming.pk},
        ),
    ]
    assert AuditEvent.objects.get(object_type="orgchart.Person").object_repr == "王**"
    assert_audit_holds_no_personal_numbers(person)


def test_register_without_document_is_never_linked(tree: Tree, people: Personas) -> None:
    first = services.person_register(actor=people.worker, unit=tree.guangming, name="张三")
    second = services.person_register(actor=people.worker, unit=tree.guangming, name="张三")
    assert (first.created, second.created) == (True, True)
    assert first.person.pk != second.person.pk
    assert Person.objects.get(pk=first.person.pk).document_type == ""
    assert Person.objects.get(pk=first.person.pk).masked_document_number == ""


@pytest.mark.parametrize(
    "typed",
    [
        "１１０１０５１９４９１２３１００２Ｘ",  # full-width, from a Chinese IME
        "11010519491231002x",  # lower-case x
        " 110105 1949 1231 002X ",  # spaces
        "110105-19491231-002X",  # dashes
        "110105491231002",  # legacy 15 digits
    ],
)
def test_same_document_typed_differently_links_the_known_person(
    tree: Tree, people: Personas, typed: str
) -> None:
    person = register(tree, people)
    stored = Person.objects.values().get(pk=person.pk)
    before = last_audit_id()

    result = services.person_register(
        actor=people.other_worker,
        unit=tree.xinhua,
        name="王秀瑛",
        document_number=typed,
        mobile="13900001111",
        address="新华路8号",
    )

    assert result.created is False
    assert result.person.pk == person.pk
    assert Person.objects.count() == 1
    # The stored record is kept as it was: name, phones, address untouched.
    assert Person.objects.values().get(pk=person.pk) == stored
    assert pii.decrypt(Person.objects.get().mobile_encrypted) == MOBILE
    assert set(PersonRegistration.objects.values_list("unit__name", "registered_by__username")) == {
        ("光明社区", "worker"),
        ("新华社区", "other_worker"),
    }
    assert audit_rows(before) == [
        (
            "other_worker",
            "create",
            "orgchart.PersonRegistration",
            f"{person.pk}@{tree.xinhua.pk}",
            {"person": person.pk, "unit": tree.xinhua.pk},
        )
    ]

    # Nobody learns where else the person is known.
    def units(user: User) -> list[str]:
        return [u.name for u in selectors.person_units_visible(user=user, person=person)]

    assert units(people.other_worker) == ["新华社区"]
    assert units(people.worker) == ["光明社区"]
    assert units(people.official) == ["光明社区"]
    assert units(people.superuser) == ["光明社区", "新华社区"]


def test_registering_again_at_the_same_unit_changes_nothing(tree: Tree, people: Personas) -> None:
    person = register(tree, people)
    before = people_snapshot()
    result = services.person_register(
        actor=people.grid, unit=tree.guangming, name="王秀英", document_number=ID_NUMBER
    )
    assert (result.person.pk, result.created) == (person.pk, False)
    assert people_snapshot() == before


def test_concurrent_duplicate_registration_links_the_winner(tree: Tree, people: Personas) -> None:
    """Another request inserts the same person between our lookup and our insert: the unique
    constraint refuses our row and we link to theirs instead of failing."""
    real_first = QuerySet.first
    raced: list[Person] = []

    def lookup_then_lose_the_race(queryset: QuerySet[Any]) -> Any:
        found = real_first(queryset)
        if queryset.model is Person and not raced:
            assert found is None
            winner = services.person_clean(
                name="王秀英", document_number=ID_NUMBER, mobile=MOBILE
            ).fields
            raced.append(Person.objects.create(**winner))
        return found

    with mock.patch.object(QuerySet, "first", lookup_then_lose_the_race):
        result = services.person_register(
            actor=people.other_worker,
            unit=tree.xinhua,
            name="王秀瑛",
            document_number=ID_NUMBER.lower(),
        )

    assert len(raced) == 1
    assert result.created is False
    assert result.person.pk == raced[0].pk
    assert Person.objects.count() == 1
    assert Person.objects.get().name == "王秀英"
    assert list(PersonRegistration.objects.values_list("person", "unit")) == [
        (raced[0].pk, tree.xinhua.pk)
    ]
    # The loser created no person, so it audits only its registration.
    assert audit_rows() == [
        (
            "other_worker",
            "create",
            "orgchart.PersonRegistration",
            f"{raced[0].pk}@{tree.xinhua.pk}",
            {"person": raced[0].pk, "unit": tree.xinhua.pk},
        )
    ]


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        (
            {"document_number": "110105194912310021"},
            {"document_number": ["The check digit of the ID number is wrong."]},
        ),
        (
            {"document_number": resident_id(birth="20991231")},
            {"document_number": ["The birth date in the ID number is not a real date."]},
        ),
        (
            {"document_number": resident_id(birth="19800231")},
            {"document_number": ["The birth date in the ID number is not a real date."]},
        ),
        (
            {"document_number": "1101051949123100"},
            {
                "document_number": [
                    "A resident ID number has 18 characters: 17 digits and a check digit or X."
                ]
            },
        ),
        (
            {"document_type": "passport", "document_number": "E12345678", "birth_date": "FUTURE"},
            {"birth_date": ["The date cannot be in the future."]},
        ),
        (
            {"document_type": "passport", "document_number": "E1"},
            {"document_number": ["A document number has 5 to 30 letters and digits."]},
        ),
        (
            {"document_type": "passport"},
            {"document_number": ["Enter the number of the document."]},
        ),
        (
            {"document_type": "martian", "document_number": "E12345678"},
            {"document_type": ["Not a valid choice."]},
        ),
        (
            {"mobile": "12345"},
            {
                "mobile": [
                    "Not a phone number: a mobile has 11 digits starting 13-19, "
                    "a landline an area code."
                ]
            },
        ),
        ({"mobile": "010-12345678"}, {"mobile": ["This is not a mobile number."]}),
        ({"landline": MOBILE}, {"landline": ["This is a mobile number."]}),
        (
            {"mobile": "138abcd5678"},
            {"mobile": ["A phone number has digits only (with +86, spaces or dashes)."]},
        ),
        ({"name": "  "}, {"name": ["This field is required."]}),
        ({"sex": "other"}, {"sex": ["Not a valid choice."]}),
        (
            {"name": "", "document_number": "110105194912310021", "mobile": "010-12345678"},
            {
                "name": ["This field is required."],
                "document_number": ["The check digit of the ID number is wrong."],
                "mobile": ["This is not a mobile number."],
            },
        ),
    ],
)
def test_register_validation_errors_per_field_write_nothing(
    tree: Tree, people: Personas, fields: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    if fields.get("birth_date") == "FUTURE":
        fields = {**fields, "birth_date": dt.date.today() + dt.timedelta(days=1)}  # noqa: DTZ011
    values: dict[str, Any] = {"name": "王秀英", **fields}
    before = people_snapshot()
    with translation.override("en"), pytest.raises(ValidationFailed) as error:
        services.person_register(actor=people.worker, unit=tree.guangming, **values)
    assert {field: [str(m) for m in ms] for field, ms in error.value.fields.items()} == errors
    assert people_snapshot() == before


def test_other_documents_are_masked_with_most_characters_hidden(
    tree: Tree, people: Personas
) -> None:
    """A 9-character passport masked as first 6 + last 4 would show every character."""
    passport = services.person_register(
        actor=people.worker,
        unit=tree.guangming,
        name="李四",
        document_type="passport",
        document_number="e 1234 5678",
    ).person
    assert passport.masked_document_number == "E1*****78"
    assert pii.decrypt(passport.document_number_encrypted) == "E12345678"
    permit = services.person_register(
        actor=people.worker,
        unit=tree.guangming,
        name="陈五",
        document_type="hmt_residence",
        document_number="810000199408230021",
    ).person
    assert permit.masked_document_number == "8100**********0021"
    for person in (passport, permit):
        stored = Person.objects.values(
            "document_number_head", "document_number_tail", "document_number_length"
        ).get(pk=person.pk)
        assert stored["document_number_length"] >= 2 * (
            len(stored["document_number_head"]) + len(stored["document_number_tail"])
        )


def test_register_outside_area_or_by_a_role_that_may_not(tree: Tree, people: Personas) -> None:
    before = people_snapshot()
    for actor, unit, error in (
        (people.worker, tree.xinhua, OutOfScope),
        (people.official, tree.guangming, NotAllowed),
        (people.handler, tree.guangming, NotAllowed),
        (people.volunteer, tree.guangming, NotAllowed),
    ):
        with pytest.raises(error):
            services.person_register(
                actor=actor, unit=unit, name="王秀英", document_number=ID_NUMBER
            )
    assert people_snapshot() == before
    # The grid worker registers residents in the field.
    assert services.person_register(actor=people.grid, unit=tree.guangming, name="赵六").created


# --- Update ----------------------------------------------------------------------------------


def test_update_changes_and_audits(tree: Tree, people: Personas) -> None:
    person = register(tree, people)
    before = last_audit_id()
    updated = services.person_update(
        actor=people.worker, person=person, mobile="139 0000 1111", address="光明小区2号楼202"
    )
    person.refresh_from_db()
    assert updated.pk == person.pk
    assert (person.masked_mobile, person.address) == ("139****1111", "光明小区2号楼202")
    assert pii.decrypt(person.mobile_encrypted) == "13900001111"
    assert person.mobile_hash == pii.blind_index("13900001111", purpose="phone")
    assert pii.decrypt(person.document_number_encrypted) == ID_NUMBER  # untouched
    assert audit_rows(before) == [
        (
            "worker",
            "update",
            "orgchart.Person",
            str(person.pk),
            {
                "address": "光明小区2号楼202",
                "mobile_encrypted": "***",
                "mobile_hash": "***",
                "mobile_head": "***",
                "mobile_tail": "***",
            },
        )
    ]

    services.person_update(actor=people.worker, person=person, landline="")
    person.refresh_from_db()
    assert (person.landline_encrypted, person.landline_hash, person.masked_landline) == ("", "", "")
    assert audit_rows()[-1][-1] == {
        "landline_encrypted": "***",
        "landline_hash": "***",
        "landline_head": "***",
        "landline_tail": "***",
        "landline_length": 0,
    }
    assert_audit_holds_no_personal_numbers(person, "13900001111", "1111")


def test_update_of_another_documents_number_keeps_its_type(tree: Tree, people: Personas) -> None:
    person = services.person_register(
        actor=people.worker,
        unit=tree.guangming,
        name="李四",
        document_type="passport",
        document_number="E12345678",
    ).person
    services.person_update(actor=people.worker, person=person, document_number="E87654321")
    person.refresh_from_db()
    assert person.document_type == "passport"
    assert pii.decrypt(person.document_number_encrypted) == "E87654321"


def test_update_refuses_a_sex_or_birth_date_the_id_contradicts(
    tree: Tree, people: Personas
) -> None:
    person = register(tree, people)
    before = people_snapshot()
    with translation.override("en"):
        for changes in ({"sex": "male"}, {"birth_date": dt.date(1950, 1, 1)}):
            with pytest.raises(ValidationFailed) as error:
                services.person_update(actor=people.worker, person=person, **changes)
            field = next(iter(changes))
            assert error.value.fields == {field: ["This is derived from the ID number."]}
    assert people_snapshot() == before
    # Repeating what the ID says is harmless.
    services.person_update(actor=people.worker, person=person, sex="female")


def test_update_racing_a_registration_of_the_same_document(tree: Tree, people: Personas) -> None:
    """The clash check passes, then another request stores the document first: the unique
    constraint refuses ours and the caller gets the field message, not a server error."""
    person = register(tree, people)
    number = resident_id()
    real_exists = QuerySet.exists

    def check_then_lose_the_race(queryset: QuerySet[Any]) -> bool:
        found = real_exists(queryset)
        if queryset.model is Person and not found:
            services.person_register(
                actor=None, unit=tree.heping, name="李四", document_number=number
            )
        return found

    before = Person.objects.values().get(pk=person.pk)
    with (
        translation.override("en"),
        mock.patch.object(QuerySet, "exists", check_then_lose_the_race),
        pytest.raises(ValidationFailed) as error,
    ):
        services.person_update(actor=people.worker, person=person, document_number=number)
    assert error.value.fields == {
        "document_number": ["Another person is registered with this document."]
    }
    assert Person.objects.values().get(pk=person.pk) == before
    assert not AuditEvent.objects.filter(action="update").exists()


def test_update_refused_paths_change_nothing(tree: Tree, people: Personas) -> None:
    person = register(tree, people)
    other = services.person_register(
        actor=people.other_worker,
        unit=tree.xinhua,
        name="李四",
        document_number=resident_id(),
    ).person
    before = people_snapshot()
    with pytest.raises(NotAllowed):
        services.person_update(actor=people.official, person=person, address="x")
    with pytest.raises(OutOfScope):  # not a resident of the grid worker's grids
        services.person_update(actor=people.grid, person=person, address="x")
    with pytest.raises(OutOfScope):
        services.person_update(actor=people.worker, person=other, address="x")
    with pytest.raises(OutOfScope):
        services.person_update(actor=people.volunteer, person=person, address="x")
    with translation.override("en"):
        with pytest.raises(ValidationFailed) as error:
            services.person_update(actor=people.worker, person=person, registrations=[])
        assert error.value.fields == {"registrations": ["This field cannot be changed here."]}
        with pytest.raises(ValidationFailed) as error:
            services.person_update(
                actor=people.worker, person=person, document_number=resident_id()
            )
        assert error.value.fields == {
            "document_number": ["Another person is registered with this document."]
        }
        with pytest.raises(ValidationFailed) as error:
            services.person_update(actor=people.worker, person=person, mobile="110")
        assert set(error.value.fields) == {"mobile"}
    assert people_snapshot() == before


# --- Reveal ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [("document_number", ID_NUMBER), ("mobile", MOBILE), ("landline", LANDLINE)],
)
def test_reveal_returns_plaintext_and_audits_once(
    tree: Tree, people: Personas, field: str, value: str
) -> None:
    person = register(tree, people)
    before = last_audit_id()
    assert services.person_reveal(actor=people.worker, person=person, field=field) == value
    assert audit_rows(before) == [
        ("worker", "reveal", "orgchart.Person", str(person.pk), {"field": field})
    ]
    assert services.person_reveal(actor=people.street_admin, person=person, field=field) == value
    assert services.person_reveal(actor=people.superuser, person=person, field=field) == value
    assert AuditEvent.objects.filter(pk__gt=before, action="reveal").count() == 3


def test_reveal_of_an_empty_field_is_empty_and_still_audited(tree: Tree, people: Personas) -> None:
    person = register(tree, people, landline="")
    before = last_audit_id()
    assert services.person_reveal(actor=people.worker, person=person, field="landline") == ""
    assert len(audit_rows(before)) == 1


def test_reveal_refused_writes_no_audit_row(tree: Tree, people: Personas) -> None:
    person = register(tree, people)
    before = people_snapshot()
    for actor, error in (
        (people.official, NotAllowed),
        (people.grid, OutOfScope),  # they see their grids' residents only (the grids app)
        (people.volunteer, OutOfScope),
        (people.handler, OutOfScope),
        (people.other_worker, OutOfScope),
    ):
        with pytest.raises(error):
            services.person_reveal(actor=actor, person=person, field="document_number")
    with translation.override("en"), pytest.raises(ValidationFailed) as unknown:
        services.person_reveal(actor=people.worker, person=person, field="document_number_hash")
    assert unknown.value.fields == {"field": ["Not a valid choice."]}
    assert people_snapshot() == before


# --- Posts -----------------------------------------------------------------------------------


def holder(tree: Tree, people: Personas, name: str, unit: OrgUnit | None = None) -> Person:
    """``name`` (no document), registered by the superuser at 光明社区 unless told."""
    return factories.PersonFactory.create(
        actor=people.superuser, unit=unit or tree.guangming, name=name, document_number=""
    )


def test_one_current_secretary_per_unit(tree: Tree, people: Personas) -> None:
    first, second = holder(tree, people, "张书记"), holder(tree, people, "李书记")
    start = dt.date(2024, 1, 1)
    post = services.post_assign(
        actor=people.worker, unit=tree.guangming, kind="secretary", holder=first, started_on=start
    )
    assert (post.unit, post.kind, post.holder, post.started_on, post.ended_on) == (
        tree.guangming,
        "secretary",
        first,
        start,
        None,
    )
    assert audit_rows()[-1] == (
        "worker",
        "create",
        "orgchart.Post",
        str(post.pk),
        {
            "unit": tree.guangming.pk,
            "kind": "secretary",
            "holder": first.pk,
            "started_on": "2024-01-01",
        },
    )
    before = people_snapshot()
    with translation.override("en"), pytest.raises(ValidationFailed) as error:
        services.post_assign(
            actor=people.worker,
            unit=tree.guangming,
            kind="secretary",
            holder=second,
            started_on=start,
        )
    assert error.value.fields == {"kind": ["This post is held; end the current term first."]}
    assert people_snapshot() == before
    # Another unit has its own secretary.
    services.post_assign(
        actor=people.street_admin,
        unit=tree.heping,
        kind="secretary",
        holder=second,
        started_on=start,
    )


def test_the_database_refuses_a_second_current_secretary(tree: Tree, people: Personas) -> None:
    first, second = holder(tree, people, "张书记"), holder(tree, people, "李书记")
    Post.objects.create(
        unit=tree.guangming, kind="secretary", holder=first, started_on=dt.date(2024, 1, 1)
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Post.objects.create(
            unit=tree.guangming, kind="secretary", holder=second, started_on=dt.date(2024, 2, 1)
        )
    # An ended term does not count.
    Post.objects.create(
        unit=tree.guangming,
        kind="secretary",
        holder=second,
        started_on=dt.date(2020, 1, 1),
        ended_on=dt.date(2023, 12, 31),
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Post.objects.create(
            unit=tree.guangming,
            kind="secretary",
            holder=second,
            started_on=dt.date(2024, 1, 1),
            ended_on=dt.date(2023, 1, 1),
        )
    assert Post.objects.count() == 2


def test_plural_posts_take_several_holders_but_not_the_same_twice(
    tree: Tree, people: Personas
) -> None:
    residents = [holder(tree, people, name) for name in ("甲一", "乙二", "丙三")]
    start = dt.date(2024, 3, 1)
    for person in residents:
        services.post_assign(
            actor=people.worker,
            unit=tree.building_1,
            kind="unit_head",
            holder=person,
            started_on=start,
        )
    assert Post.objects.filter(unit=tree.building_1, kind="unit_head").count() == 3
    before = people_snapshot()
    with translation.override("en"):
        with pytest.raises(ValidationFailed) as error:
            services.post_assign(
                actor=people.worker,
                unit=tree.building_1,
                kind="unit_head",
                holder=residents[0],
                started_on=start,
            )
        assert error.value.fields == {"holder": ["This person already holds this post."]}
        with pytest.raises(ValidationFailed) as error:
            services.post_assign(
                actor=people.worker,
                unit=tree.guangming,
                kind="building_head",
                holder=residents[0],
                started_on=start,
            )
        assert error.value.fields == {"kind": ["A unit of this kind has no such post."]}
        with pytest.raises(ValidationFailed) as error:
            services.post_assign(
                actor=people.worker,
                unit=tree.guangming,
                kind="mayor",
                holder=residents[0],
                started_on=start,
            )
        assert error.value.fields == {"kind": ["Not a valid choice."]}
    assert people_snapshot() == before


def test_a_concurrent_assignment_of_the_same_post_is_409(tree: Tree, people: Personas) -> None:
    """Both requests see the post vacant; the constraint lets one win, the other gets
    ``ConcurrentUpdate`` (HTTP 409) and writes nothing."""
    mine, theirs = holder(tree, people, "张书记"), holder(tree, people, "李书记")
    real_exists = QuerySet.exists

    def vacant_then_taken(queryset: QuerySet[Any]) -> bool:
        found = real_exists(queryset)
        if queryset.model is Post and not Post.objects.filter(holder=theirs).count():
            Post.objects.create(
                unit=tree.guangming, kind="secretary", holder=theirs, started_on=dt.date(2024, 1, 1)
            )
        return found

    before = last_audit_id()
    with (
        mock.patch.object(QuerySet, "exists", vacant_then_taken),
        pytest.raises(ConcurrentUpdate),
    ):
        services.post_assign(
            actor=people.worker,
            unit=tree.guangming,
            kind="secretary",
            holder=mine,
            started_on=dt.date(2024, 1, 1),
        )
    # (The simulated winner ran inside our transaction, so it rolled back with it.)
    assert not Post.objects.filter(holder=mine).exists()
    assert audit_rows(before) == []


def test_post_assign_registers_the_holder_at_the_unit(tree: Tree, people: Personas) -> None:
    person = holder(tree, people, "张书记")
    post = services.post_assign(
        actor=people.worker,
        unit=tree.building_2,
        kind="building_head",
        holder=person,
        started_on=dt.date(2024, 1, 1),
    )
    assert set(PersonRegistration.objects.values_list("unit__name", flat=True)) == {
        "光明社区",
        "2号楼",
    }
    assert (
        "worker",
        "create",
        "orgchart.PersonRegistration",
        f"{person.pk}@{tree.building_2.pk}",
        {"person": person.pk, "unit": tree.building_2.pk},
    ) in audit_rows()
    assert post.holder == person


def test_post_assign_refused_outside_area_or_role(tree: Tree, people: Personas) -> None:
    person = holder(tree, people, "张书记")
    outsider = holder(tree, people, "王外人", unit=tree.xinhua)
    before = people_snapshot()
    start = dt.date(2024, 1, 1)
    for actor, unit, who, error in (
        (people.worker, tree.xinhua, person, OutOfScope),
        (people.worker, tree.guangming, outsider, OutOfScope),  # holder not visible
        (people.official, tree.guangming, person, NotAllowed),
        (people.grid, tree.guangming, person, NotAllowed),
        (people.volunteer, tree.guangming, person, NotAllowed),
    ):
        with pytest.raises(error):
            services.post_assign(
                actor=actor, unit=unit, kind="secretary", holder=who, started_on=start
            )
    assert people_snapshot() == before


def test_post_end_makes_a_vacancy_and_is_idempotent(tree: Tree, people: Personas) -> None:
    person = holder(tree, people, "张书记")
    post = services.post_assign(
        actor=people.worker,
        unit=tree.guangming,
        kind="secretary",
        holder=person,
        started_on=dt.date(2024, 1, 1),
    )

    def vacancies() -> list[tuple[str, str]]:
        return [
            (v.unit.name, v.kind)
            for v in selectors.post_vacancies(user=people.worker, within=tree.guangming)
        ]

    all_but_secretary = [
        ("光明社区", "chief_grid_head"),
        ("光明小区", "secretary"),
        ("光明小区", "area_grid_head"),
        ("1号楼", "building_head"),
        ("2号楼", "building_head"),
        ("下沉党员支部", "secretary"),
    ]
    assert vacancies() == all_but_secretary

    before = people_snapshot()
    with translation.override("en"), pytest.raises(ValidationFailed) as error:
        services.post_end(actor=people.worker, post=post, ended_on=dt.date(2023, 12, 31))
    assert error.value.fields == {"ended_on": ["A term cannot end before it starts."]}
    with pytest.raises(NotAllowed):
        services.post_end(actor=people.official, post=post, ended_on=dt.date(2025, 1, 1))
    with pytest.raises(OutOfScope):
        services.post_end(actor=people.other_worker, post=post, ended_on=dt.date(2025, 1, 1))
    assert people_snapshot() == before

    mark = last_audit_id()
    ended = services.post_end(actor=people.worker, post=post, ended_on=dt.date(2025, 1, 1))
    assert ended.ended_on == dt.date(2025, 1, 1)
    assert audit_rows(mark) == [
        ("worker", "update", "orgchart.Post", str(post.pk), {"ended_on": "2025-01-01"})
    ]
    assert vacancies() == [("光明社区", "secretary"), *all_but_secretary]

    after_end = people_snapshot()
    again = services.post_end(actor=people.worker, post=post, ended_on=dt.date(2025, 1, 1))
    assert again.ended_on == dt.date(2025, 1, 1)
    assert people_snapshot() == after_end
    with translation.override("en"), pytest.raises(ValidationFailed) as error:
        services.post_end(actor=people.worker, post=post, ended_on=dt.date(2025, 2, 1))
    assert error.value.fields == {"ended_on": ["This term has already ended."]}
    assert people_snapshot() == after_end

    # The vacancy can be filled again.
    services.post_assign(
        actor=people.worker,
        unit=tree.guangming,
        kind="secretary",
        holder=holder(tree, people, "李书记"),
        started_on=dt.date(2025, 1, 2),
    )
    assert vacancies() == all_but_secretary


# --- Party members ---------------------------------------------------------------------------


def test_party_member_create(tree: Tree, people: Personas) -> None:
    person = holder(tree, people, "刘党员", unit=tree.building_1)
    mark = last_audit_id()
    member = services.party_member_create(
        actor=people.worker,
        person=person,
        organisation=tree.branch,
        status="in_service",
        membership="probationary",
        joined_on=dt.date(2023, 7, 1),
        home_community=tree.guangming,
        employer="云阳区财政局",
        employer_party_org=" 中共云阳区财政局 机关委员会 ",
        dual_registered_on=dt.date(2023, 9, 1),
    )
    stored = PartyMember.objects.values().get()
    assert {k: v for k, v in stored.items() if k not in ("created_at", "updated_at")} == {
        "id": member.pk,
        "person_id": person.pk,
        "organisation_id": tree.branch.pk,
        "status": "in_service",
        "membership": "probationary",
        "joined_on": dt.date(2023, 7, 1),
        "home_community_id": tree.guangming.pk,
        "employer": "云阳区财政局",
        "employer_party_org": "中共云阳区财政局 机关委员会",  # spaces collapsed, ends trimmed
        "dual_registered_on": dt.date(2023, 9, 1),
    }
    assert member.party_organisation == "中共云阳区财政局 机关委员会"
    assert set(PersonRegistration.objects.values_list("unit__name", flat=True)) == {
        "1号楼",
        "下沉党员支部",
        "光明社区",
    }
    assert audit_rows(mark) == [
        (
            "worker",
            "create",
            "orgchart.PersonRegistration",
            f"{person.pk}@{tree.branch.pk}",
            {"person": person.pk, "unit": tree.branch.pk},
        ),
        (
            "worker",
            "create",
            "orgchart.PersonRegistration",
            f"{person.pk}@{tree.guangming.pk}",
            {"person": person.pk, "unit": tree.guangming.pk},
        ),
        (
            "worker",
            "create",
            "orgchart.PartyMember",
            str(member.pk),
            {
                "organisation": tree.branch.pk,
                "status": "in_service",
                "membership": "probationary",
                "joined_on": "2023-07-01",
                "home_community": tree.guangming.pk,
                "employer": "云阳区财政局",
                "employer_party_org": "中共云阳区财政局 机关委员会",
                "dual_registered_on": "2023-09-01",
            },
        ),
    ]


def test_party_member_refusals_change_nothing(tree: Tree, people: Personas) -> None:
    person = holder(tree, people, "刘党员")
    services.party_member_create(
        actor=people.worker, person=person, organisation=tree.guangming, status="retired"
    )
    newcomer = holder(tree, people, "孙新人")
    outsider = holder(tree, people, "王外人", unit=tree.xinhua)
    before = people_snapshot()
    tomorrow = dt.date.today() + dt.timedelta(days=1)  # noqa: DTZ011
    with translation.override("en"):
        for fields, errors in (
            (
                {"person": person},
                {"person": ["This person is already a party member."]},
            ),
            (
                {"person": newcomer, "home_community": tree.guangming_compound},
                {"home_community": ["Dual registration is with a community."]},
            ),
            (
                {"person": newcomer, "status": "dead"},
                {"status": ["Not a valid choice."]},
            ),
            (
                {"person": newcomer, "membership": "honorary"},
                {"membership": ["Not a valid choice."]},
            ),
            (
                {"person": newcomer, "joined_on": tomorrow},
                {"joined_on": ["The date cannot be in the future."]},
            ),
            (
                {"person": newcomer, "home_community": tree.xinhua},
                {"home_community": ["Choose a community in your area."]},
            ),
        ):
            values: dict[str, Any] = {"organisation": tree.guangming, "status": "in_service"}
            values.update(fields)
            with pytest.raises(ValidationFailed) as error:
                services.party_member_create(actor=people.worker, **values)
            assert error.value.fields == errors, fields
        refusals: tuple[tuple[User, dict[str, Any], type[Exception]], ...] = (
            (people.worker, {"person": newcomer, "organisation": tree.xinhua}, OutOfScope),
            (people.worker, {"person": outsider, "organisation": tree.guangming}, OutOfScope),
            (people.official, {"person": newcomer, "organisation": tree.guangming}, NotAllowed),
            (people.grid, {"person": newcomer, "organisation": tree.guangming}, NotAllowed),
            (people.handler, {"person": newcomer, "organisation": tree.guangming}, NotAllowed),
        )
        for actor, values, exception in refusals:
            with pytest.raises(exception):
                services.party_member_create(actor=actor, status="in_service", **values)
    assert people_snapshot() == before


def test_party_member_update(tree: Tree, people: Personas) -> None:
    person = holder(tree, people, "刘党员")
    member = services.party_member_create(
        actor=people.worker, person=person, organisation=tree.guangming, status="in_service"
    )
    mark = last_audit_id()
    services.party_member_update(
        actor=people.worker, member=member, status="retired", organisation=tree.branch
    )
    member.refresh_from_db()
    assert (member.status, member.organisation) == ("retired", tree.branch)
    assert audit_rows(mark) == [
        (
            "worker",
            "create",
            "orgchart.PersonRegistration",
            f"{person.pk}@{tree.branch.pk}",
            {"person": person.pk, "unit": tree.branch.pk},
        ),
        (
            "worker",
            "update",
            "orgchart.PartyMember",
            str(member.pk),
            {"status": "retired", "organisation": tree.branch.pk},
        ),
    ]
    before = people_snapshot()
    with translation.override("en"):
        with pytest.raises(ValidationFailed) as error:
            services.party_member_update(actor=people.worker, member=member, person=person)
        assert error.value.fields == {"person": ["This field cannot be changed here."]}
        with pytest.raises(ValidationFailed) as error:
            services.party_member_update(
                actor=people.worker, member=member, organisation=tree.xinhua
            )
        assert error.value.fields == {"organisation": ["Choose a party organisation in your area."]}
    with pytest.raises(NotAllowed):
        services.party_member_update(actor=people.official, member=member, status="floating")
    with pytest.raises(OutOfScope):
        services.party_member_update(actor=people.other_worker, member=member, status="floating")
    assert people_snapshot() == before
