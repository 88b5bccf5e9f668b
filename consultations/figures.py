"""Consultation figures of a unit for the dashboards, read in the one query of scalar
subqueries with the other apps' figures (``governance.database.select_scalars``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone

from consultations.models import (
    FiveHaves,
    Meeting,
    MeetingStatus,
    Project,
    ProjectStatus,
    Topic,
    TopicStatus,
)
from governance.database import scalar_count
from orgchart.models import OrgUnit

CONSULTATION_FIGURES = "consultations__"


def _within(prefix: str, unit: OrgUnit) -> Q:
    return Q(
        **{
            f"{prefix}__tree_id": unit.tree_id,
            f"{prefix}__lft__gte": unit.lft,
            f"{prefix}__lft__lte": unit.rght,
        }
    )


def _within_self(unit: OrgUnit) -> Q:
    return Q(tree_id=unit.tree_id, lft__gte=unit.lft, lft__lte=unit.rght)


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


@dataclass(frozen=True)
class UnitConsultationFigures:
    """Topics of a unit's subtree by stage (as they stand now), and in the period: topics
    solicited, decisions published (决议公开), results published (结果公开), meetings held."""

    by_stage: dict[str, int]
    solicited: int
    decisions_published: int
    results_published: int
    meetings_held: int
    # 三无院落 → 五有院落: compounds of the subtree with all five marks, of all its compounds.
    compounds: int
    five_haves: int
    projects_in_progress: int
    projects_completed: int

    @property
    def five_haves_share(self) -> float | None:
        return round(self.five_haves / self.compounds, 4) if self.compounds else None


def unit_consultation_expressions(
    unit: OrgUnit, *, date_from: dt.date, date_to: dt.date
) -> dict[str, Any]:
    """The consultation figures of ``unit``'s subtree as scalar expressions;
    ``unit_consultation_figures`` reads them back."""
    start, end = _day_start(date_from), _day_start(date_to)
    topics = Topic.objects.filter(_within("community", unit))
    prefix = CONSULTATION_FIGURES
    expressions: dict[str, Any] = {
        f"{prefix}solicited": scalar_count(
            topics.filter(solicited_at__gte=start, solicited_at__lt=end)
        ),
        f"{prefix}decisions": scalar_count(
            topics.filter(published_at__gte=start, published_at__lt=end)
        ),
        f"{prefix}results": scalar_count(
            topics.filter(result_published_at__gte=start, result_published_at__lt=end)
        ),
        f"{prefix}meetings": scalar_count(
            Meeting.objects.filter(
                _within("community", unit),
                status=MeetingStatus.HELD,
                starts_at__gte=start,
                starts_at__lt=end,
            )
        ),
    }
    projects = Project.objects.filter(_within("community", unit))
    expressions.update(
        {
            f"{prefix}compounds": scalar_count(
                OrgUnit.objects.filter(_within_self(unit), kind=OrgUnit.Kind.COMPOUND)
            ),
            f"{prefix}five_haves": scalar_count(
                FiveHaves.objects.filter(
                    _within("compound", unit),
                    party_org=True,
                    self_management_group=True,
                    platform=True,
                    convention=True,
                    actions=True,
                )
            ),
            f"{prefix}projects_open": scalar_count(
                projects.filter(status=ProjectStatus.IN_PROGRESS)
            ),
            f"{prefix}projects_done": scalar_count(projects.filter(status=ProjectStatus.COMPLETED)),
        }
    )
    expressions.update(
        {
            f"{prefix}stage_{stage}": scalar_count(topics.filter(status=stage))
            for stage in TopicStatus.values
        }
    )
    return expressions


def unit_consultation_figures(row: dict[str, Any]) -> UnitConsultationFigures:
    prefix = CONSULTATION_FIGURES
    return UnitConsultationFigures(
        by_stage={stage: row[f"{prefix}stage_{stage}"] for stage in TopicStatus.values},
        solicited=row[f"{prefix}solicited"],
        decisions_published=row[f"{prefix}decisions"],
        results_published=row[f"{prefix}results"],
        meetings_held=row[f"{prefix}meetings"],
        compounds=row[f"{prefix}compounds"],
        five_haves=row[f"{prefix}five_haves"],
        projects_in_progress=row[f"{prefix}projects_open"],
        projects_completed=row[f"{prefix}projects_done"],
    )
