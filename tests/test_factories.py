"""The factories of tests/factories.py: valid, unique generated numbers; rows written by the
app services; the same Faker values in a test whichever worker runs it."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from governance import pii
from governance.identity import parse_phone, parse_resident_id
from orgchart.models import Person, User
from petitions.models import PetitionEvent, Status
from tests import factories
from tests.conftest import PASSWORD, Personas, Tree
from volunteers.models import WishEvent, WishStatus, WorkOrderEvent, WorkOrderStatus


def test_generated_id_numbers_are_valid_and_distinct() -> None:
    numbers = [factories.resident_number(n) for n in range(0, 30_000, 7)]
    assert len(set(numbers)) == len(numbers)
    for number in numbers:
        assert parse_resident_id(number).number == number
        assert number.startswith(factories.GENERATED_AREA)


def test_generated_mobiles_are_valid_and_distinct() -> None:
    mobiles = [factories.mobile_number(n) for n in range(0, 30_000, 7)]
    assert len(set(mobiles)) == len(mobiles)
    for mobile in mobiles:
        assert re.fullmatch(r"1[3-9][0-9]{9}", mobile)
        assert parse_phone(mobile).is_mobile


def test_a_person_is_registered_through_the_service(tree: Tree) -> None:
    first, second = (
        factories.PersonFactory.create(unit=tree.guangming, with_mobile=True) for _ in range(2)
    )
    assert first.pk != second.pk
    for person in (first, second):
        row = Person.objects.get(pk=person.pk)
        number = pii.decrypt(row.document_number_encrypted)
        mobile = pii.decrypt(row.mobile_encrypted)
        assert parse_resident_id(number).birth_date == row.birth_date
        assert row.document_number_hash
        assert row.mobile_hash
        assert parse_phone(mobile).is_mobile
        assert row.name
        assert row.registrations.filter(unit=tree.guangming).exists()
    chosen = factories.PersonFactory.create(
        unit=tree.xinhua, name="王秀英", first17="11010519491231002"
    )
    assert (chosen.name, pii.decrypt(chosen.document_number_encrypted)) == (
        "王秀英",
        "11010519491231002X",
    )
    assert chosen.mobile_encrypted == ""
    bare = factories.PersonFactory.create(unit=tree.xinhua, document_number="")
    assert (bare.document_number_hash, bare.mobile_hash) == ("", "")


def test_service_factories_do_not_build() -> None:
    with pytest.raises(TypeError):
        factories.PersonFactory.build(name="王秀英")


def test_a_volunteer_with_an_account(tree: Tree) -> None:
    volunteer = factories.VolunteerFactory.create(
        community=tree.guangming, with_account=True, account__username="helper"
    )
    account = volunteer.account
    assert account is not None
    assert (account.username, account.role, account.anchor_unit) == (
        "helper",
        User.Role.VOLUNTEER,
        tree.guangming,
    )
    assert account.check_password(PASSWORD)
    assert volunteer.person.registrations.filter(unit=tree.guangming).exists()
    assert factories.VolunteerFactory.create(community=tree.guangming).account is None


def test_petitions_wishes_and_work_orders_come_with_their_events(
    tree: Tree, people: Personas
) -> None:
    petition = factories.PetitionFactory.create(actor=people.worker, location=tree.building_1)
    assert (petition.status, petition.number[4:]) == (Status.SUBMITTED, "-000001")
    assert PetitionEvent.objects.filter(petition=petition).count() == 1
    wish = factories.WishFactory.create(actor=people.worker, community=tree.guangming)
    assert wish.status == WishStatus.POSTED
    assert WishEvent.objects.filter(wish=wish).count() == 1
    order = factories.WorkOrderFactory.create(actor=people.worker, community=tree.guangming)
    assert order.status == WorkOrderStatus.ORDERED
    assert WorkOrderEvent.objects.filter(work_order=order).count() == 1


def test_faker_values_repeat_after_a_reseed() -> None:
    factories.reseed()
    first = [factories.fake.name(), factories.fake_title()]
    factories.reseed()
    assert [factories.fake.name(), factories.fake_title()] == first


def test_an_account_with_a_one_time_password(tree: Tree) -> None:
    user, password = factories.AccountFactory.create(anchor_unit=tree.guangming)
    assert (user.role, user.anchor_unit, user.must_change_password) == (
        User.Role.COMMUNITY_WORKER,
        tree.guangming,
        True,
    )
    assert user.check_password(password)
    assert user.get_full_name()


def test_an_activity_lasts_its_hours(tree: Tree, people: Personas) -> None:
    activity = factories.ActivityFactory.create(unit=tree.guangming, actor=people.worker, hours=3)
    assert activity.ends_at - activity.starts_at == dt.timedelta(hours=3)
    assert activity.created_by == people.worker
