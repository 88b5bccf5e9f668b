"""议事台账: the consultation topics a list shows, with every stage's date and text, the
votes and the notice period. Names nobody (the votes are counts), so it is not logged."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.http.response import HttpResponseBase
from django.utils.translation import pgettext_lazy

from consultations.models import (
    Meeting,
    MeetingStatus,
    Project,
    ProjectStatus,
    Topic,
    TopicFormat,
    TopicStatus,
)
from governance.ledger.export import Column, Kind
from orgchart.exports import ExportRequest, LedgerContext, LedgerSpec, export_ledger, header, labels

__all__ = [
    "ExportRequest",
    "meeting_columns",
    "meeting_export",
    "project_export",
    "topic_columns",
    "topic_export",
]


def topic_columns(context: LedgerContext) -> list[Column[Topic]]:
    C = Column[Topic]
    status, format_ = labels(TopicStatus), labels(TopicFormat)
    return [
        C(header(Topic, "solicited_at"), lambda t: t.solicited_at, Kind.DATETIME, width=17),
        C(header(Topic, "title"), lambda t: t.title, width=24),
        C(header(Topic, "community"), lambda t: t.community.name, width=14),
        C(header(Topic, "unit"), lambda t: t.unit.name, width=14),
        C(header(Topic, "format"), lambda t: format_(t.format), width=14),
        C(
            header(Topic, "petition"),
            lambda t: t.petition.number if t.petition is not None else "",
            width=13,
        ),
        C(header(Topic, "status"), lambda t: status(t.status), width=12),
        C(header(Topic, "proposal"), lambda t: t.proposal, width=30),
        C(header(Topic, "deliberation"), lambda t: t.deliberation, width=30),
        C(header(Topic, "electorate"), lambda t: t.electorate, Kind.INTEGER, width=8),
        C(header(Topic, "quorum"), lambda t: t.quorum, Kind.INTEGER, width=8),
        C(header(Topic, "votes_for"), lambda t: t.votes_for, Kind.INTEGER, width=6),
        C(header(Topic, "votes_against"), lambda t: t.votes_against, Kind.INTEGER, width=6),
        C(header(Topic, "votes_abstain"), lambda t: t.votes_abstain, Kind.INTEGER, width=6),
        C(header(Topic, "decision"), lambda t: t.decision, width=30),
        C(header(Topic, "decided_at"), lambda t: t.decided_at, Kind.DATETIME, width=17),
        C(header(Topic, "published_at"), lambda t: t.published_at, Kind.DATETIME, width=17),
        C(header(Topic, "notice_until"), lambda t: t.notice_until, Kind.DATETIME, width=17),
        C(header(Topic, "result"), lambda t: t.result, width=30),
        C(
            header(Topic, "result_published_at"),
            lambda t: t.result_published_at,
            Kind.DATETIME,
            width=17,
        ),
    ]


def topic_export(request: ExportRequest, topics: QuerySet[Topic]) -> HttpResponseBase:
    """议事台账 of ``topics`` (from ``selectors.topic_list_visible``)."""
    spec: LedgerSpec[Any] = LedgerSpec(
        "topics", pgettext_lazy("ledger", "consultation ledger"), topic_columns
    )
    rows = topics.select_related("community", "unit", "petition")
    return export_ledger(request, rows, spec)


def meeting_columns(context: LedgerContext) -> list[Column[Meeting]]:
    C = Column[Meeting]
    status, format_ = labels(MeetingStatus), labels(TopicFormat)
    return [
        C(header(Meeting, "starts_at"), lambda m: m.starts_at, Kind.DATETIME, width=17),
        C(header(Meeting, "title"), lambda m: m.title, width=24),
        C(header(Meeting, "community"), lambda m: m.community.name, width=14),
        C(header(Meeting, "format"), lambda m: format_(m.format), width=14),
        C(header(Meeting, "place"), lambda m: m.place, width=16),
        C(header(Meeting, "status"), lambda m: status(m.status), width=8),
        C(header(Meeting, "agenda"), lambda m: m.agenda, width=30),
        C(header(Meeting, "minutes"), lambda m: m.minutes, width=40),
        C(header(Meeting, "held_at"), lambda m: m.held_at, Kind.DATETIME, width=17),
    ]


def meeting_export(request: ExportRequest, meetings: QuerySet[Meeting]) -> HttpResponseBase:
    """议事会议台账 of ``meetings`` (from ``selectors.meeting_list_visible``); names nobody."""
    spec: LedgerSpec[Any] = LedgerSpec(
        "meetings", pgettext_lazy("ledger", "meeting ledger"), meeting_columns
    )
    return export_ledger(request, meetings.select_related("community"), spec)


def project_columns(context: LedgerContext) -> list[Column[Project]]:
    C = Column[Project]
    status = labels(ProjectStatus)
    return [
        C(header(Project, "started_at"), lambda p: p.started_at, Kind.DATETIME, width=17),
        C(header(Project, "title"), lambda p: p.title, width=24),
        C(header(Project, "compound"), lambda p: p.compound.name, width=14),
        C(header(Project, "community"), lambda p: p.community.name, width=14),
        C(header(Project, "status"), lambda p: status(p.status), width=8),
        C(
            pgettext_lazy("ledger", "steps done"),
            lambda p: getattr(p, "steps_done", 0),
            Kind.INTEGER,
            width=6,
        ),
        C(
            pgettext_lazy("ledger", "funds (yuan)"),
            lambda p: getattr(p, "funds_total", 0),
            Kind.NUMBER,
            width=10,
        ),
        C(header(Project, "completed_at"), lambda p: p.completed_at, Kind.DATETIME, width=17),
    ]


def project_export(request: ExportRequest, projects: QuerySet[Project]) -> HttpResponseBase:
    """微治理项目台账 of ``projects``, with their steps done and funds; names nobody."""
    spec: LedgerSpec[Any] = LedgerSpec(
        "projects", pgettext_lazy("ledger", "micro-governance ledger"), project_columns
    )
    rows = (
        projects.select_related("compound", "community")
        .prefetch_related(None)
        .annotate(
            steps_done=Count("steps", distinct=True),
            funds_total=Coalesce(Sum("funds__amount"), Value(Decimal(0))),
        )
    )
    return export_ledger(request, rows, spec)
