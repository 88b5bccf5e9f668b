"""Small pieces of the dashboard pages: a figure card, a rate card, percentages, bar shares."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import number_format

from consultations.models import TopicStatus
from petitions.models import Category, Channel
from volunteers.models import WorkOrderStatus

register = template.Library()


@register.filter
def percent(rate: float | None) -> str:
    """0.8571 → 85.7%; — when there is nothing to rate."""
    if rate is None:
        return "—"
    return f"{number_format(rate * 100, 1)}%"


@register.filter
def share(part: int, whole: int) -> str:
    """The share of a bar (a CSS number between 0 and 1)."""
    return f"{part / whole:.4f}" if whole else "0"


@register.filter
def category_label(value: str) -> str:
    return str(dict(Category.choices).get(value, value))


@register.filter
def channel_label(value: str) -> str:
    return str(dict(Channel.choices).get(value, value))


@register.filter
def order_stage_label(value: str) -> str:
    return str(dict(WorkOrderStatus.choices).get(value, value))


@register.filter
def topic_stage_label(value: str) -> str:
    return str(dict(TopicStatus.choices).get(value, value))


@register.inclusion_tag("dashboard/_figure.html")
def figure_card(label: str, value: int, href: str | None, testid: str) -> dict[str, Any]:
    return {"label": label, "value": value, "href": href, "testid": testid}


@register.inclusion_tag("dashboard/_rate.html")
def rate_card(label: str, rate: float | None, testid: str) -> dict[str, Any]:
    return {"label": label, "rate": rate, "testid": testid}


@register.inclusion_tag("dashboard/_change.html")
def rank_change(change: int | None) -> dict[str, Any]:
    """↑2 / ↓1 / – against last month."""
    return {"change": change, "size": abs(change) if change else 0}
