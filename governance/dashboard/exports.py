"""The monthly ranking as a 通报 workbook: title, unit, period, rank, figures, totals."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from governance.dashboard.ranking import Ranking
from governance.ledger.export import Column, Kind, Ledger


def _percent(name: str) -> Any:
    def value(row: dict[str, Any]) -> float | None:
        rate = row.get(name)
        return round(rate * 100, 1) if rate is not None else None

    return value


RATE_COLUMNS = (
    ("response_rate", gettext_lazy("Response rate (%)")),
    ("resolution_rate", gettext_lazy("Resolution rate (%)")),
    ("satisfaction_rate", gettext_lazy("Satisfaction rate (%)")),
    ("first_time_resolution_rate", gettext_lazy("First-time resolution (%)")),
    ("on_time_acceptance_rate", gettext_lazy("Accepted on time (%)")),
    ("on_time_resolution_rate", gettext_lazy("Closed on time (%)")),
)


def ranking_ledger(ranking: Ranking) -> Ledger[dict[str, Any]]:
    """东城街道2026年11月诉求办理通报排队: one row per child unit in rank order, a totals row."""
    month = ranking.month
    period = _("%(year)d-%(month)02d") % {"year": month.year, "month": month.month}
    title = _("%(unit)s petition handling ranking, %(period)s") % {
        "unit": ranking.unit.name,
        "period": period,
    }
    columns: list[Column[dict[str, Any]]] = [
        Column(gettext_lazy("Rank"), lambda row: row.get("rank"), Kind.INTEGER, 6),
        Column(gettext_lazy("Unit"), lambda row: row["name"], Kind.TEXT, 16),
        Column(gettext_lazy("Score"), lambda row: row.get("score"), Kind.NUMBER, 8),
        Column(gettext_lazy("Change"), lambda row: row.get("change"), Kind.INTEGER, 8),
        Column(gettext_lazy("Received"), lambda row: row["received"], Kind.INTEGER, 8, True),
        Column(gettext_lazy("Closed"), lambda row: row["closed"], Kind.INTEGER, 8, True),
        Column(gettext_lazy("Overdue"), lambda row: row["overdue"], Kind.INTEGER, 8, True),
        *[Column(label, _percent(name), Kind.NUMBER, 10) for name, label in RATE_COLUMNS],
    ]
    frozen = (
        _("frozen on %(date)s") % {"date": timezone.localtime(ranking.frozen_at).date()}
        if ranking.frozen_at
        else _("running month, figures as of %(date)s") % {"date": timezone.localdate()}
    )
    return Ledger(
        name="ranking",
        title=title,
        file_stem=title,
        unit_line=_("Unit: %(unit)s") % {"unit": ranking.unit.name},
        date_line=_("Period: %(period)s (%(frozen)s)") % {"period": period, "frozen": frozen},
        columns=columns,
        rows=ranking.rows,
        on=timezone.localdate(),
    )
