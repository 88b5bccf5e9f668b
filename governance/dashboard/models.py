"""每月通报排队: how the monthly ranking scores a unit (weights an admin sets) and the frozen
ranking of each closed month (a published 通报 never changes afterwards)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from orgchart.models import OrgUnit

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# The rates a unit's score weighs (names of ``petitions.figures.Tally`` properties), and a
# department's.
UNIT_RATES = (
    "response_rate",
    "resolution_rate",
    "satisfaction_rate",
    "first_time_resolution_rate",
    "on_time_acceptance_rate",
    "on_time_resolution_rate",
)
DEPARTMENT_RATES = ("on_time_report_rate", "completion_rate", "rating_rate")


def _weight(label: StrOrPromise, default: str) -> models.DecimalField[Decimal, Decimal]:
    return models.DecimalField(
        label,
        max_digits=5,
        decimal_places=2,
        default=Decimal(default),
        validators=[MinValueValidator(Decimal("0"))],
    )


class RankingScheme(models.Model):
    """The weights of the monthly ranking's composite score: each rate (0–100 %) times its
    weight, over the sum of the weights of the rates the unit has (a unit without evaluated
    cases is scored on the others). The active scheme scores the months not yet frozen."""

    name = models.CharField(_("name"), max_length=100)
    is_active = models.BooleanField(_("active"), default=True)
    response_rate = _weight(_("weight of the response rate (响应率)"), "20")
    resolution_rate = _weight(_("weight of the resolution rate (解决率)"), "25")
    satisfaction_rate = _weight(_("weight of the satisfaction rate (满意率)"), "25")
    first_time_resolution_rate = _weight(_("weight of first-time resolution (一次性化解率)"), "10")
    on_time_acceptance_rate = _weight(_("weight of acceptance on time"), "10")
    on_time_resolution_rate = _weight(_("weight of closing on time"), "10")
    on_time_report_rate = _weight(_("department: weight of reporting on time"), "40")
    completion_rate = _weight(_("department: weight of the completion rate"), "30")
    rating_rate = _weight(_("department: weight of the average rating"), "30")
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("ranking scheme")
        verbose_name_plural = _("ranking schemes")
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"],
                condition=models.Q(is_active=True),
                name="rankingscheme_one_active",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def weights(self, rates: tuple[str, ...]) -> dict[str, Decimal]:
        return {rate: getattr(self, rate) for rate in rates}


class RankingSnapshot(models.Model):
    """The ranking of a unit's children (or of the departments serving it) for one closed
    month, as published: rows, weights and totals frozen when the month was first ranked after
    it ended."""

    class Kind(models.TextChoices):
        UNITS = "units", _("units")
        DEPARTMENTS = "departments", _("departments")

    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="+"
    )
    month = models.DateField(_("month"), help_text=_("Its first day."))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    weights = models.JSONField(_("weights"))
    rows = models.JSONField(_("rows"))
    frozen_at = models.DateTimeField(_("frozen at"))
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("frozen by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("frozen ranking")
        verbose_name_plural = _("frozen rankings")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "month", "kind"], name="rankingsnapshot_once_per_month"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.month:%Y-%m} {self.kind}"
