"""Factories for the rows the tests need (factory_boy, Faker with the ``zh_CN`` locale).

Rows an app service writes are created through that service, so the sealed personal data, the
hashes, the numbers, the events and the audit rows are what the app itself writes: a factory's
``_create`` calls the service with the factory's values (and cannot ``build``). Plain
accounts are plain rows (``UserFactory``, a ``DjangoModelFactory``).

* ``UserFactory``: an account (password ``PASSWORD``, ``first_name`` = the username).
  ``AccountFactory``: ``user_create``, an account with a one-time password; it gives
  ``(user, password)``.
* ``PersonFactory``: ``person_register``. A fresh valid ID number by default (``first17=``
  gives the first 17 digits of a chosen one, ``document_number=""`` none), no mobile unless
  ``with_mobile=True`` (a fresh valid one) or ``mobile=`` is given.
* ``PartyMemberFactory``: ``party_member_create`` (a person registered at the organisation).
* ``VolunteerFactory``: ``volunteer_register`` (a person registered at the community;
  ``with_account=True`` adds a volunteer account of the community).
* ``PetitionFactory``: ``petition_create``; ``WishFactory``: ``wish_post``;
  ``WorkOrderFactory``: ``work_order_create``; ``ActivityFactory``: ``activity_create``.

Names and titles a test does not look at come from Faker; tests pass the values they assert
on. Faker and factory_boy draw from one generator, reseeded before every test
(``tests/conftest.py``), so a test gets the same values whichever worker runs it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

import factory
import factory.random
from django.utils import timezone
from faker import Faker

from governance.identity import check_character
from orgchart import services as org
from orgchart.models import PartyMember, Person, User
from petitions import services as petition_services
from petitions.models import Category, Channel, Petition
from volunteers import services as volunteer_services
from volunteers.models import Activity, Volunteer, Wish, WorkOrder

T = TypeVar("T")

LOCALE = "zh_CN"
SEED = "governance-tests"
PASSWORD = "correct-horse-battery"

# The registration area of the generated ID numbers: 云阳区 of the named tree (division code
# 139902000000). The numbers the tests write out use other areas (110101, 110105, 130203).
GENERATED_AREA = "139902"
FIRST_BIRTH_DATE = dt.date(1970, 1, 1)

fake = Faker(LOCALE)


def reseed() -> None:
    """Start factory_boy's and Faker's shared generator afresh (before each test)."""
    factory.random.reseed_random(SEED)


def resident_id(first17: str) -> str:
    """A valid 18-digit ID number: the first 17 characters plus their check character."""
    return first17 + check_character(first17)


def resident_number(n: int) -> str:
    """The ``n``-th generated ID number (GB 11643, valid check character): born ``n // 1000``
    days after 1970-01-01, sequence ``n % 1000``; no two ``n`` give the same number."""
    born = FIRST_BIRTH_DATE + dt.timedelta(days=n // 1000)
    return resident_id(f"{GENERATED_AREA}{born:%Y%m%d}{n % 1000:03d}")


def mobile_number(n: int) -> str:
    """The ``n``-th generated mobile: ``1[3-9]`` and 9 digits (17000000000, 17000000001...)."""
    return f"17{n:09d}"


def fake_title() -> str:
    """A short Chinese title: a few Faker words, without the sentence's full stop."""
    return fake.sentence(nb_words=3).rstrip(".")


def fake_text() -> str:
    return fake.sentence(nb_words=8)


def zh(provider: str, **kwargs: Any) -> Any:
    """A Faker declaration in the ``zh_CN`` locale."""
    return factory.Faker(provider, locale=LOCALE, **kwargs)


class UserFactory(factory.django.DjangoModelFactory[User]):
    """An account as ``tests.conftest.make_user`` makes it (a community worker unless told)."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = User.Role.COMMUNITY_WORKER
    anchor_unit = None
    anchor_department = None
    first_name = factory.SelfAttribute("username")
    password = factory.django.Password(PASSWORD)


class ServiceFactory(factory.Factory[T]):
    """A factory whose rows only an app service writes: ``create`` calls it; no ``build``."""

    class Meta:
        abstract = True

    @classmethod
    def _build(cls, model_class: type[T], *args: Any, **kwargs: Any) -> T:
        raise TypeError(f"{cls.__name__} creates rows through their service only")


class AccountFactory(ServiceFactory[tuple[User, str]]):
    """A community worker's account created by the accounts service, as an administrator
    creates one: ``(user, one-time password)``, the password to be changed at first login."""

    class Meta:
        model = User

    actor = None
    username = factory.Sequence(lambda n: f"account{n}")
    full_name = zh("name")
    role = User.Role.COMMUNITY_WORKER

    @classmethod
    def _create(cls, model_class: type[User], *args: Any, **kwargs: Any) -> tuple[User, str]:
        return org.user_create(**kwargs)


class PersonFactory(ServiceFactory[Person]):
    """A person registered at ``unit`` (required) by ``actor`` (default: the system)."""

    class Meta:
        model = Person

    class Params:
        first17 = ""  # the first 17 digits of the ID number; the check character is added
        with_mobile = factory.Trait(mobile=factory.Sequence(mobile_number))

    actor = None
    name = zh("name")
    document_number = factory.LazyAttributeSequence(
        lambda o, n: resident_id(o.first17) if o.first17 else resident_number(n)
    )
    mobile = ""

    @classmethod
    def _create(cls, model_class: type[Person], *args: Any, **kwargs: Any) -> Person:
        return org.person_register(**kwargs).person


class PartyMemberFactory(ServiceFactory[PartyMember]):
    """An in-service member of ``organisation`` (required); the person is registered there."""

    class Meta:
        model = PartyMember

    actor = None
    person = factory.SubFactory(PersonFactory, unit=factory.SelfAttribute("..organisation"))
    status = PartyMember.Status.IN_SERVICE

    @classmethod
    def _create(cls, model_class: type[PartyMember], *args: Any, **kwargs: Any) -> PartyMember:
        return org.party_member_create(**kwargs)


class VolunteerFactory(ServiceFactory[Volunteer]):
    """A volunteer of ``community`` (required); the person is registered there.
    ``registered_on`` defaults to the service's (today)."""

    class Meta:
        model = Volunteer

    class Params:
        with_account = factory.Trait(
            account=factory.SubFactory(
                UserFactory,
                role=User.Role.VOLUNTEER,
                anchor_unit=factory.SelfAttribute("..community"),
            )
        )

    actor = None
    person = factory.SubFactory(PersonFactory, unit=factory.SelfAttribute("..community"))
    account = None
    registered_on = None

    @classmethod
    def _create(cls, model_class: type[Volunteer], *args: Any, **kwargs: Any) -> Volunteer:
        return volunteer_services.volunteer_register(**kwargs)


class PetitionFactory(ServiceFactory[Petition]):
    """A petition logged by ``actor`` at ``location`` (both required), walk-in, sanitation."""

    class Meta:
        model = Petition

    channel = Channel.WALK_IN
    category = Category.SANITATION
    title = factory.LazyFunction(fake_title)
    description = factory.LazyFunction(fake_text)

    @classmethod
    def _create(cls, model_class: type[Petition], *args: Any, **kwargs: Any) -> Petition:
        return petition_services.petition_create(**kwargs)


class WishFactory(ServiceFactory[Wish]):
    """A micro-wish posted by ``actor`` at ``community`` (both required)."""

    class Meta:
        model = Wish

    title = factory.LazyFunction(fake_title)

    @classmethod
    def _create(cls, model_class: type[Wish], *args: Any, **kwargs: Any) -> Wish:
        return volunteer_services.wish_post(**kwargs)


class WorkOrderFactory(ServiceFactory[WorkOrder]):
    """A work order ordered by ``actor`` at ``community`` (both required)."""

    class Meta:
        model = WorkOrder

    title = factory.LazyFunction(fake_title)
    content = factory.LazyFunction(fake_text)

    @classmethod
    def _create(cls, model_class: type[WorkOrder], *args: Any, **kwargs: Any) -> WorkOrder:
        return volunteer_services.work_order_create(**kwargs)


class ActivityFactory(ServiceFactory[Activity]):
    """An activity of ``unit`` (required) announced by ``actor`` (default: the system, which
    needs ``created_by``): a volunteer day in three days, ``hours`` (2) long, 10 places."""

    class Meta:
        model = Activity

    class Params:
        hours = 2

    actor = None
    title = factory.LazyFunction(fake_title)
    kind = Activity.Kind.VOLUNTEER_DAY
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=3))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(hours=o.hours))
    capacity = 10

    @classmethod
    def _create(cls, model_class: type[Activity], *args: Any, **kwargs: Any) -> Activity:
        return volunteer_services.activity_create(**kwargs)
