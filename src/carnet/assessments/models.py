"""The self-assessment tool: instruments as data (versioned, translated with a status), readings over time.

An instrument's version is frozen once published: editing makes a new version, and every
reading keeps the version it was taken with. A reading belongs to a child's case; its
answers say who gave them (child or worker), so both views stay side by side.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from parler.models import TranslatableModel, TranslatedFields


class TranslationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REVIEWED = "reviewed", _("Reviewed")
    APPROVED = "approved", _("Approved")


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


class Colour(models.TextChoices):
    GREEN = "green", _("Green")
    AMBER = "amber", _("Amber")
    RED = "red", _("Red")


class Instrument(TranslatableModel):
    slug = models.SlugField(_("code"), unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    translations = TranslatedFields(
        name=models.CharField(_("name"), max_length=200),
        description=models.TextField(_("description"), blank=True),
        status=models.CharField(_("translation status"), max_length=10, choices=TranslationStatus.choices, default=TranslationStatus.DRAFT),
    )

    class Meta:
        db_table = "assessments_instrument"
        verbose_name = _("instrument")
        verbose_name_plural = _("instruments")

    def __str__(self) -> str:
        return str(self.safe_translation_getter("name", any_language=True) or self.slug)


class InstrumentVersion(models.Model):  # type: ignore[django-manager-missing]  # Domain is a parler model the plugin cannot see through
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    notes = models.CharField(_("what changed"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "assessments_instrumentversion"
        ordering = ["instrument", "-number"]
        constraints = [models.UniqueConstraint(fields=["instrument", "number"], name="instrumentversion_unique")]

    def __str__(self) -> str:
        return f"{self.instrument} v{self.number}"


class Domain(TranslatableModel):
    version = models.ForeignKey(InstrumentVersion, on_delete=models.CASCADE, related_name="domains")
    key = models.SlugField(_("key"))
    position = models.PositiveSmallIntegerField(_("position"))
    translations = TranslatedFields(
        name=models.CharField(_("name"), max_length=200),
        status=models.CharField(_("translation status"), max_length=10, choices=TranslationStatus.choices, default=TranslationStatus.DRAFT),
    )

    class Meta:
        db_table = "assessments_domain"
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="domain_key_unique"),
            models.UniqueConstraint(fields=["version", "position"], name="domain_position_unique"),
        ]

    def __str__(self) -> str:
        return str(self.safe_translation_getter("name", any_language=True) or self.key)


class Level(TranslatableModel):
    """One statement of a domain. ``score`` orders them: the highest is "fine", 1 is "at risk"."""

    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="levels")
    position = models.PositiveSmallIntegerField(_("position"))
    score = models.PositiveSmallIntegerField(_("score"))
    colour = models.CharField(_("colour"), max_length=10, choices=Colour.choices)
    risk_flag = models.BooleanField(_("a worker must act"), default=False)
    translations = TranslatedFields(
        statement=models.CharField(_("statement"), max_length=500),
        status=models.CharField(_("translation status"), max_length=10, choices=TranslationStatus.choices, default=TranslationStatus.DRAFT),
    )

    class Meta:
        db_table = "assessments_level"
        ordering = ["domain", "position"]
        constraints = [
            models.UniqueConstraint(fields=["domain", "position"], name="level_position_unique"),
            models.UniqueConstraint(fields=["domain", "score"], name="level_score_unique"),
        ]

    def __str__(self) -> str:
        return str(self.safe_translation_getter("statement", any_language=True) or self.pk)


class ReadingStatus(models.TextChoices):
    DRAFT = "draft", _("In progress")  # a paused reading: not a reading yet
    COMPLETE = "complete", _("Complete")
    CANCELLED = "cancelled", _("Cancelled")


class ReadingMode(models.TextChoices):
    WITH_WORKER = "with_worker", _("With a worker")
    CHILD_ALONE = "child_alone", _("By the child, through a link")
    PAPER = "paper", _("Entered from paper")


class Respondent(models.TextChoices):
    CHILD = "child", _("Child")
    WORKER = "worker", _("Worker")
    TOGETHER = "together", _("Child and worker together")


class Reading(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="readings")
    version = models.ForeignKey(InstrumentVersion, on_delete=models.PROTECT, related_name="readings")
    mode = models.CharField(_("how it was taken"), max_length=20, choices=ReadingMode.choices)
    status = models.CharField(_("status"), max_length=10, choices=ReadingStatus.choices, default=ReadingStatus.DRAFT)
    language = models.CharField(_("language"), max_length=10, default="en")
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(auto_now_add=True)
    taken_on = models.DateField(_("date of the reading"))
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    row_version = models.PositiveIntegerField(default=1)

    class Meta:
        db_table = "assessments_reading"
        ordering = ["-taken_on", "-started_at"]
        indexes = [models.Index(fields=["case", "status", "taken_on"], name="reading_case_status_idx")]

    def __str__(self) -> str:
        return f"{self.case} {self.taken_on}"


class Answer(models.Model):
    """One respondent's answer to one domain. ``level`` empty with ``declined``: "I don't want to say"."""

    reading = models.ForeignKey(Reading, on_delete=models.CASCADE, related_name="answers")
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="+")
    respondent = models.CharField(_("who answered"), max_length=10, choices=Respondent.choices)
    level = models.ForeignKey(Level, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    declined = models.BooleanField(_("did not want to say"), default=False)
    wished_level = models.ForeignKey(Level, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    answered_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "assessments_answer"
        constraints = [
            models.UniqueConstraint(fields=["reading", "domain", "respondent"], name="answer_unique"),
            models.CheckConstraint(condition=models.Q(level__isnull=True) | models.Q(declined=False), name="answer_level_or_declined"),
        ]

    def __str__(self) -> str:
        return f"{self.reading_id} {self.domain_id} {self.respondent}"


class ReadingLink(models.Model):
    """A one-time link (and short code) that lets the child answer alone: no account, expires, shows only this reading."""

    reading = models.OneToOneField(Reading, on_delete=models.CASCADE, related_name="link")
    digest = models.CharField(max_length=64, unique=True)  # SHA-256 of the secret in the link
    code_digest = models.CharField(max_length=64, unique=True)  # SHA-256 of the short code typed on a phone
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "assessments_readinglink"

    def __str__(self) -> str:
        return f"link for {self.reading_id}"


class ActionPlanItem(models.Model):
    """What the child wants to change in a domain, the next steps, who helps, and when to look again."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="action_plan")
    domain_key = models.SlugField(_("domain"))
    reading = models.ForeignKey(Reading, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    wants_to_change_enc = models.BinaryField(null=True, editable=False)
    next_steps_enc = models.BinaryField(null=True, editable=False)
    who_helps = models.CharField(_("who helps"), max_length=200, blank=True)
    review_on = models.DateField(_("review date"), null=True, blank=True)
    done_on = models.DateField(_("done"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "assessments_actionplanitem"
        ordering = ["domain_key", "-created_at"]

    def __str__(self) -> str:
        return f"{self.case} {self.domain_key}"


class RiskAlert(models.Model):
    """A reading reached a level where a worker must act: shown on the case owner's dashboard until a safety note is written."""

    reading = models.ForeignKey(Reading, on_delete=models.CASCADE, related_name="alerts")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="risk_alerts")
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="+")
    level = models.ForeignKey(Level, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(auto_now_add=True)
    safety_note_enc = models.BinaryField(null=True, editable=False)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "assessments_riskalert"
        ordering = ["-raised_at"]
        constraints = [models.UniqueConstraint(fields=["reading", "domain"], name="riskalert_once_per_domain")]

    def __str__(self) -> str:
        return f"alert {self.case} {self.domain_id}"


class DomainProgress(models.Model):
    """A child's first and latest answer in one domain of one instrument version, kept at write time for the aggregate outcomes.

    One row per child, version, country and domain, rewritten by
    :func:`carnet.assessments.progress.progress_refresh` whenever one of the child's readings
    is completed (never written anywhere else). It follows the rules of
    :mod:`carnet.assessments.outcomes`: the child's readings of the version in the country of
    their case, first and latest by (date, completed, id); a score is the child's own answer
    (alone, or together with the worker when the child gave none alone), empty when the child
    declined or only the worker answered; the organisation is that of the latest reading's case.
    """

    child = models.ForeignKey("cases.Child", on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")  # the case of the latest reading
    version = models.ForeignKey(InstrumentVersion, on_delete=models.PROTECT, related_name="+")
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="+")
    country = models.ForeignKey("core.Country", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("directory.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    first_score = models.PositiveSmallIntegerField(null=True, blank=True)  # empty: no answer of the child's own
    first_taken_on = models.DateField()
    latest_score = models.PositiveSmallIntegerField(null=True, blank=True)
    latest_taken_on = models.DateField()
    readings = models.PositiveIntegerField()  # the child's complete readings of the version in the country

    class Meta:
        db_table = "assessments_domainprogress"
        constraints = [models.UniqueConstraint(fields=["child", "version", "country", "domain"], name="domainprogress_unique")]
        indexes = [models.Index(fields=["version", "country", "latest_taken_on"], name="domainprogress_version_idx")]

    def __str__(self) -> str:
        return f"{self.child_id} {self.version_id} {self.domain_id}"
