"""Best-interests assessment, the panel's determination (return or not) and the return plan."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from carnet.cases.models.codes import DecisionStatus, DurableSolution


class BestInterestsAssessment(models.Model):
    """A repeatable assessment. Its texts (the child's own words above all) are encrypted."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="assessments")
    assessed_on = models.DateField(_("date of assessment"))
    child_views_enc = models.BinaryField(null=True, editable=False)
    family_enc = models.BinaryField(null=True, editable=False)
    safety_enc = models.BinaryField(null=True, editable=False)
    care_at_origin_enc = models.BinaryField(null=True, editable=False)
    education_health_enc = models.BinaryField(null=True, editable=False)
    guardian_opinion_enc = models.BinaryField(null=True, editable=False)
    re_trafficking_risk = models.CharField(_("risk of re-trafficking in the country of origin"), max_length=10, blank=True)
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "cases_bestinterestsassessment"
        ordering = ["-assessed_on", "-created_at"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class Determination(models.Model):
    """The panel's formal best-interests determination; a supervisor approves it before it counts."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="determinations")
    assessment = models.ForeignKey(BestInterestsAssessment, on_delete=models.PROTECT, related_name="determinations")
    panel = models.CharField(_("panel members"), max_length=500)
    options_weighed = models.JSONField(_("options weighed"), default=list)  # DurableSolution values
    decision = models.CharField(_("decision"), max_length=20, choices=DurableSolution.choices)
    reasons_enc = models.BinaryField(null=True, editable=False)
    decided_on = models.DateField(_("date of decision"))
    review_on = models.DateField(_("review date"), null=True, blank=True)
    appeal = models.CharField(_("appeal"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=DecisionStatus.choices, default=DecisionStatus.DRAFT)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    sent_back_reason = models.CharField(_("why it was sent back"), max_length=500, blank=True)

    class Meta:
        db_table = "cases_determination"
        ordering = ["-decided_on"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="approved") | ~models.Q(decided_by=models.F("submitted_by")), name="determination_four_eyes"
            ),
            models.CheckConstraint(
                condition=models.Q(review_on__isnull=True) | models.Q(review_on__gte=models.F("decided_on")),
                name="determination_review_after",
            ),
        ]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class ReturnPlan(models.Model):
    determination = models.OneToOneField(Determination, on_delete=models.CASCADE, related_name="return_plan")
    receiving_country = models.CharField(_("country of return"), max_length=2)
    receiving_agency = models.CharField(_("receiving agency"), max_length=200)
    escort = models.CharField(_("travel escort"), max_length=200, blank=True)
    travel_on = models.DateField(_("travel date"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        db_table = "cases_returnplan"

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class FollowUpVisit(models.Model):
    return_plan = models.ForeignKey(ReturnPlan, on_delete=models.CASCADE, related_name="visits")
    planned_on = models.DateField(_("planned"))
    visited_on = models.DateField(_("visited"), null=True, blank=True)
    result_enc = models.BinaryField(null=True, editable=False)

    class Meta:
        db_table = "cases_followupvisit"
        ordering = ["planned_on"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"
