"""The case: who owns it, who works on it, its status, risk, flags, guardian and legal basis."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from carnet.cases.models.codes import CaseStatus, FlagKind, LegalBasis, RiskLevel, TeamRole


class Case(models.Model):
    """A child's case, owned by one country and organisation ("national ownership": its data stays there)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    number = models.CharField(_("case number"), max_length=20, unique=True)
    child = models.ForeignKey("cases.Child", on_delete=models.PROTECT, related_name="cases", verbose_name=_("child"))
    country = models.ForeignKey("core.Country", on_delete=models.PROTECT, related_name="cases", verbose_name=_("country"))
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="cases", verbose_name=_("organisation")
    )
    status = models.CharField(_("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.OPEN, db_index=True)
    risk_level = models.CharField(_("risk level"), max_length=10, choices=RiskLevel.choices, default=RiskLevel.MEDIUM, db_index=True)
    opened_on = models.DateField(_("opened"))
    identified_on = models.DateField(_("identified"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closure_reason = models.CharField(_("reason for closing"), max_length=500, blank=True)
    retain_until = models.DateField(
        _("keep until"), null=True, blank=True, help_text=_("Set when the case is closed, by the country's policy.")
    )
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "cases_case"
        ordering = ["-opened_on", "number"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [models.Index(fields=["country", "status"], name="case_country_status_idx")]

    def __str__(self) -> str:
        return self.number


class TeamMember(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="team")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_teams")
    role = models.CharField(_("role in the case"), max_length=20, choices=TeamRole.choices)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "cases_teammember"
        verbose_name = _("case team member")
        verbose_name_plural = _("case team")
        constraints = [
            models.UniqueConstraint(fields=["case", "user"], name="teammember_unique"),
            models.UniqueConstraint(fields=["case"], condition=models.Q(role="owner"), name="teammember_one_owner"),
        ]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class RiskChange(models.Model):
    """The history of a case's risk level: every change, by whom and why."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="risk_history")
    level = models.CharField(_("risk level"), max_length=10, choices=RiskLevel.choices)
    reason = models.CharField(_("reason"), max_length=500)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "cases_riskchange"
        ordering = ["-changed_at"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class Flag(models.Model):
    """A warning on the case. Removing a protective flag is requested by one person and confirmed by another."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="flags")
    kind = models.CharField(_("flag"), max_length=20, choices=FlagKind.choices)
    reason = models.CharField(_("reason"), max_length=500)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(auto_now_add=True)
    removal_requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    removal_reason = models.CharField(_("reason for removal"), max_length=500, blank=True)
    removed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "cases_flag"
        ordering = ["-raised_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(removed_by__isnull=True) | ~models.Q(removed_by=models.F("removal_requested_by")),
                name="flag_removal_by_second_person",
            )
        ]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class GuardianAppointment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="guardians")
    guardian_enc = models.BinaryField(null=True, editable=False)  # name and contact of the guardian: identifying
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    appointed_on = models.DateField(_("appointed"))
    ended_on = models.DateField(_("ended"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        db_table = "cases_guardianappointment"
        ordering = ["-appointed_on"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class LegalBasisRecord(models.Model):
    """Why carnet may hold this case: consent (by whom) or a legal basis; an override needs a reason and an approver."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="legal_bases")
    basis = models.CharField(_("legal basis"), max_length=20, choices=LegalBasis.choices)
    given_by = models.CharField(_("given by"), max_length=200, blank=True)
    scope = models.CharField(_("what it covers"), max_length=500, blank=True)
    recorded_on = models.DateField(_("date"))
    withdrawn_on = models.DateField(_("withdrawn"), null=True, blank=True)
    override_reason = models.CharField(_("reason for overriding the child's or guardian's wish"), max_length=500, blank=True)
    override_approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        db_table = "cases_legalbasisrecord"
        ordering = ["-recorded_on"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class BreakGlass(models.Model):
    """Emergency access by a supervisor or NCP outside the case team: reasoned, time-limited, shown to the owner."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="break_glass")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=500)
    granted_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("until"))

    class Meta:
        db_table = "cases_breakglass"
        ordering = ["-granted_at"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class CaseCounter(models.Model):
    """The last case number issued per country and year; incremented under a row lock, never by reading a max()."""

    country = models.ForeignKey("core.Country", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "cases_casecounter"
        constraints = [models.UniqueConstraint(fields=["country", "year"], name="casecounter_unique")]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class RetentionPolicy(models.Model):
    """How long a country keeps a closed case before it is anonymised (its own law decides)."""

    country = models.OneToOneField("core.Country", on_delete=models.PROTECT, related_name="case_retention")
    years_after_closure = models.PositiveSmallIntegerField(_("years after closure"), default=5)

    class Meta:
        db_table = "cases_retentionpolicy"
        verbose_name = _("retention policy")
        verbose_name_plural = _("retention policies")

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"
