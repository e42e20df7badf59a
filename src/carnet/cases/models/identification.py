"""Identification of a victim of trafficking: status history, forms of exploitation, control, recruitment, route, indicators."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from parler.models import TranslatableModel, TranslatedFields

from carnet.cases.models.codes import (
    CriminalitySubtype,
    ExploitationType,
    IndicatorAnswer,
    MeansOfControl,
    Recruitment,
    Relationship,
    RouteStage,
    TraffickingStatus,
)


class StatusDecision(models.Model):
    """One step of the trafficking status history (HTCDS): who decided what, and when."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="status_decisions")
    status = models.CharField(_("trafficking status"), max_length=20, choices=TraffickingStatus.choices)
    deciding_organisation = models.CharField(_("deciding organisation"), max_length=200)
    decided_on = models.DateField(_("date of decision"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "cases_statusdecision"
        ordering = ["-decided_on", "-recorded_at"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class Exploitation(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="exploitations")
    kind = models.CharField(_("form of exploitation"), max_length=20, choices=ExploitationType.choices)
    criminality_subtype = models.CharField(_("criminal activity"), max_length=20, choices=CriminalitySubtype.choices, blank=True)
    country = models.CharField(_("country of exploitation"), max_length=2, blank=True)
    started_on = models.DateField(_("from"), null=True, blank=True)
    ended_on = models.DateField(_("until"), null=True, blank=True)
    non_punishment_considered = models.BooleanField(
        _("non-punishment principle considered"),
        default=False,
        help_text=_("A child forced to commit offences is a victim: record that prosecutors or police were reminded of it."),
    )
    non_punishment_note = models.CharField(_("how it was considered"), max_length=500, blank=True)

    class Meta:
        db_table = "cases_exploitation"
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="criminality") | ~models.Q(criminality_subtype=""), name="exploitation_criminality_has_subtype"
            ),
            models.CheckConstraint(
                condition=models.Q(started_on__isnull=True)
                | models.Q(ended_on__isnull=True)
                | models.Q(started_on__lte=models.F("ended_on")),
                name="exploitation_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class Identification(models.Model):
    """How the child came into the trafficker's hands: one per case."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="identification")
    recruitment = models.CharField(_("recruitment"), max_length=20, choices=Recruitment.choices, default=Recruitment.UNKNOWN)
    relationship = models.CharField(
        _("relationship to the trafficker"), max_length=20, choices=Relationship.choices, default=Relationship.UNKNOWN
    )
    means_of_control = models.JSONField(_("means of control"), default=list, blank=True)  # MeansOfControl values
    version = models.PositiveIntegerField(default=1)

    class Meta:
        db_table = "cases_identification"

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        unknown = [code for code in self.means_of_control if code not in MeansOfControl.values]
        if unknown:
            raise ValidationError({"means_of_control": _("Unknown means of control: %(codes)s") % {"codes": ", ".join(map(str, unknown))}})


class RouteLeg(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="route")
    stage = models.CharField(_("stage"), max_length=20, choices=RouteStage.choices)
    country = models.CharField(_("country"), max_length=2)
    city = models.CharField(_("city"), max_length=100, blank=True)
    on = models.DateField(_("date"), null=True, blank=True)

    class Meta:
        db_table = "cases_routeleg"
        ordering = ["on", "pk"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class Indicator(TranslatableModel):
    """One operational indicator of trafficking of children, in the ILO/EC structure (dimension, strength).

    Content as data: the texts are carnet's own, translated per language.
    """

    class Strength(models.TextChoices):
        STRONG = "strong", _("Strong")
        MEDIUM = "medium", _("Medium")
        WEAK = "weak", _("Weak")

    class Dimension(models.TextChoices):
        DECEPTIVE_RECRUITMENT = "deceptive_recruitment", _("Deceptive recruitment")
        COERCIVE_RECRUITMENT = "coercive_recruitment", _("Coercive recruitment")
        ABUSE_OF_VULNERABILITY = "abuse_of_vulnerability", _("Recruitment by abuse of vulnerability")
        EXPLOITATIVE_CONDITIONS = "exploitative_conditions", _("Exploitative conditions")
        COERCION_AT_DESTINATION = "coercion_at_destination", _("Coercion at destination")
        VULNERABILITY_AT_DESTINATION = "vulnerability_at_destination", _("Abuse of vulnerability at destination")

    code = models.SlugField(_("code"), unique=True)
    dimension = models.CharField(_("dimension"), max_length=40, choices=Dimension.choices)
    strength = models.CharField(_("strength"), max_length=10, choices=Strength.choices)
    sort_order = models.PositiveSmallIntegerField(default=0)
    translations = TranslatedFields(text=models.CharField(_("indicator"), max_length=300))

    class Meta:
        db_table = "cases_indicator"
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return str(self.safe_translation_getter("text", any_language=True) or self.code)


class IndicatorResponse(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="indicator_responses")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    answer = models.CharField(_("answer"), max_length=10, choices=IndicatorAnswer.choices, default=IndicatorAnswer.UNKNOWN)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "cases_indicatorresponse"
        constraints = [models.UniqueConstraint(fields=["case", "indicator"], name="indicatorresponse_unique")]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"
