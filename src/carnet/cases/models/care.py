"""The care plan: objectives under the seed's four pillars, services, reviews."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from carnet.cases.models.codes import Pillar, ServiceStatus


class CareObjective(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="objectives")
    pillar = models.CharField(_("pillar"), max_length=20, choices=Pillar.choices)
    text = models.CharField(_("objective"), max_length=500)
    target_on = models.DateField(_("target date"), null=True, blank=True)
    achieved_on = models.DateField(_("achieved"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "cases_careobjective"
        ordering = ["pillar", "created_at"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class CareService(models.Model):
    objective = models.ForeignKey(CareObjective, on_delete=models.CASCADE, related_name="services")
    kind = models.CharField(_("service"), max_length=100)
    provider = models.CharField(_("provider"), max_length=200)
    status = models.CharField(_("status"), max_length=20, choices=ServiceStatus.choices, default=ServiceStatus.PLANNED)
    starts_on = models.DateField(_("from"), null=True, blank=True)
    ends_on = models.DateField(_("until"), null=True, blank=True)
    referred = models.BooleanField(_("referred to another service in the country"), default=False)

    class Meta:
        db_table = "cases_careservice"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(starts_on__isnull=True) | models.Q(ends_on__isnull=True) | models.Q(starts_on__lte=models.F("ends_on")),
                name="careservice_dates_in_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class CareReview(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="care_reviews")
    reviewed_on = models.DateField(_("review date"))
    summary_enc = models.BinaryField(null=True, editable=False)
    next_review_on = models.DateField(_("next review"), null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        db_table = "cases_carereview"
        ordering = ["-reviewed_on"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"
