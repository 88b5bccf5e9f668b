"""Micro-wishes and work orders in every stage, played through ``volunteers.services`` with
``now=`` at each step's moment."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from orgchart.models import Person
from volunteers import services
from volunteers.demo.state import VOLUNTEER_COMMUNITY, DemoCommunity, Seeder, phase_rng
from volunteers.demo.texts import WISHES, WORK_ORDERS
from volunteers.models import Wish, WorkOrder


def create_wishes(seeder: Seeder, community: DemoCommunity) -> None:
    unit = community.unit
    if Wish.objects.filter(community=unit).exists() or not community.accounts:
        return
    rng = phase_rng(seeder.seed, "wishes", unit)
    worker = community.worker
    poster = seeder.poster(community)
    claimers = community.accounts
    journey = unit.name == VOLUNTEER_COMMUNITY
    # (stage, days ago it was posted): every stage, most confirmed; the demo community
    # keeps three posted wishes open for the demo journey.
    script = [
        ("confirmed", 80),
        ("confirmed", 62),
        ("released", 50),
        ("confirmed", 41),
        ("withdrawn", 33),
        ("confirmed", 24),
        ("fulfilled", 12),
        ("claimed", 6),
        ("posted", 3),
    ]
    if journey:
        script += [("posted", 2), ("posted", 1)]
    texts = rng.sample(WISHES, len(script)) if len(script) <= len(WISHES) else list(WISHES)
    beneficiaries = list(
        Person.objects.filter(
            registrations__unit=unit, birth_date__lt=dt.date(seeder.today.year - 70, 1, 1)
        ).order_by("pk")[:40]
    )
    for index, ((stage, days_ago), (title, description)) in enumerate(
        zip(script, texts, strict=False)
    ):
        start = seeder.now - dt.timedelta(days=days_ago, hours=rng.randrange(1, 6))
        # The demo account claims some of its community's wishes (the fulfilled and the
        # claimed one, and a confirmed one), others claim the rest.
        if journey and stage in ("fulfilled", "claimed"):
            claimer = claimers[0]
        else:
            claimer = claimers[index % len(claimers)]
        assert claimer.account is not None  # noqa: S101 - chosen among accounts
        wish = services.wish_post(
            actor=None,
            community=unit,
            title=title,
            description=description,
            beneficiary=rng.choice(beneficiaries) if beneficiaries else None,
            posted_by=poster,
            now=start,
        )
        seeder.result.created_wishes += 1
        if stage == "posted":
            continue
        if stage == "withdrawn":
            services.wish_withdraw(
                actor=worker,
                wish=wish,
                reason="居民家属已自行解决",
                now=start + dt.timedelta(days=2),
            )
            continue
        if stage == "released":
            first = claimers[(index + 1) % len(claimers)]
            assert first.account is not None  # noqa: S101
            services.wish_claim(actor=first.account, wish=wish, now=start + dt.timedelta(hours=5))
            services.wish_release(
                actor=first.account,
                wish=wish,
                reason="近期出差，无法按时完成",
                now=start + dt.timedelta(days=1),
            )
        services.wish_claim(
            actor=claimer.account, wish=wish, now=start + dt.timedelta(days=1, hours=3)
        )
        if stage == "claimed":
            continue
        services.wish_fulfil(
            actor=claimer.account,
            wish=wish,
            note="已上门完成，居民表示满意",
            now=start + dt.timedelta(days=3),
        )
        if stage == "fulfilled":
            continue
        services.wish_confirm(
            actor=worker, wish=wish, note="已回访确认", now=start + dt.timedelta(days=4)
        )


def create_work_orders(seeder: Seeder, community: DemoCommunity) -> None:
    unit = community.unit
    if WorkOrder.objects.filter(community=unit).exists() or not community.teams:
        return
    rng = phase_rng(seeder.seed, "work_orders", unit)
    worker = community.worker
    official = community.official
    orderer = seeder.poster(community)
    # (stage, provider, days ago it was ordered): every stage of the 五单法.
    script = [
        ("verified", "team", 75),
        ("verified", "partner", 60),
        ("returned", "team", 45),
        ("cancelled", "team", 38),
        ("completed", "partner", 20),
        ("accepted", "team", 14),
        ("dispatched", "team", 5),
        ("ordered", "", 2),
    ]
    texts = rng.sample(WORK_ORDERS, len(script))
    for index, ((stage, provider, days_ago), (title, content, source, funds)) in enumerate(
        zip(script, texts, strict=True)
    ):
        start = seeder.now - dt.timedelta(days=days_ago, hours=rng.randrange(1, 6))
        order = services.work_order_create(
            actor=None,
            community=unit,
            title=title,
            content=content,
            source=WorkOrder.Source.COMMUNITY if index % 2 else WorkOrder.Source.RESIDENT,
            funds=Decimal(funds),
            funds_source=source,
            ordered_by=orderer,
            now=start,
        )
        seeder.result.created_work_orders += 1
        if stage == "ordered":
            continue
        team = community.teams[index % len(community.teams)] if provider == "team" else None
        partner = (
            community.partners[index % len(community.partners)]
            if provider == "partner" and community.partners
            else None
        )
        if team is None and partner is None:
            team = community.teams[0]
        dispatched = start + dt.timedelta(hours=20)
        order = services.work_order_dispatch(
            actor=worker,
            work_order=order,
            team=team,
            partner=partner,
            due_at=dispatched + dt.timedelta(days=rng.choice([7, 10, 14])),
            now=dispatched,
        )
        if stage == "cancelled":
            services.work_order_cancel(
                actor=worker,
                work_order=order,
                reason="居民需求已由物业解决",
                now=dispatched + dt.timedelta(days=1),
            )
            continue
        if official is not None and index % 3 == 0:
            services.work_order_supervise(
                actor=official,
                work_order=order,
                note="请按期完成并公开资金使用情况",
                now=dispatched + dt.timedelta(hours=6),
            )
        if stage == "dispatched":
            continue
        lead = team.lead if team is not None else None
        accepter = lead.account if lead is not None and lead.account_id else None
        order = services.work_order_accept(
            actor=accepter,  # a partner unit's contact without an account: None (the system)
            work_order=order,
            now=dispatched + dt.timedelta(days=1),
        )
        if stage == "accepted":
            continue
        done = dispatched + dt.timedelta(days=rng.randrange(3, 6))
        order = services.work_order_complete(
            actor=accepter,
            work_order=order,
            note="已按项目内容完成，照片已存档",
            now=done,
        )
        if stage == "completed":
            continue
        if stage == "returned":
            order = services.work_order_return(
                actor=official,
                work_order=order,
                reason="部分点位未完成，请补充",
                now=done + dt.timedelta(days=1),
            )
            done += dt.timedelta(days=3)
            order = services.work_order_complete(
                actor=accepter,
                work_order=order,
                note="已补充完成全部点位",
                now=done,
            )
        services.work_order_verify(
            actor=official, work_order=order, note="验收合格", now=done + dt.timedelta(days=2)
        )
