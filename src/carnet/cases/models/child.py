"""The child: a pseudonym in clear, everything that identifies them encrypted under the child's own data key."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from carnet.cases.models.codes import AgeAssessmentMethod, AgeBand, Sex


class Child(models.Model):
    """A child known to a case.

    Identity fields are ``*_enc`` BinaryFields written and read only through
    :mod:`carnet.cases.identity` (AES-GCM under ``data_key``, bound to this table,
    field and row). Deleting the data key shreds them. ``pseudonym`` and ``age_band``
    are what lists, exports and statistics may show.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    pseudonym = models.CharField(_("pseudonym"), max_length=60)
    data_key = models.ForeignKey("core.DataKey", on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("data key"))
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    age_band = models.CharField(_("age band"), max_length=10, choices=AgeBand.choices, default=AgeBand.UNKNOWN)
    presumed_minor = models.BooleanField(
        _("presumed to be a child"),
        default=True,
        help_text=_("Until an age assessment says otherwise, a person who may be a child is treated as one."),
    )
    # Encrypted identity (see carnet.cases.identity.Identity for the shape of each value).
    given_names_enc = models.BinaryField(null=True, editable=False)
    family_name_enc = models.BinaryField(null=True, editable=False)
    aliases_enc = models.BinaryField(null=True, editable=False)
    date_of_birth_enc = models.BinaryField(null=True, editable=False)
    estimated_age_enc = models.BinaryField(null=True, editable=False)
    citizenships_enc = models.BinaryField(null=True, editable=False)
    languages_enc = models.BinaryField(null=True, editable=False)
    contacts_enc = models.BinaryField(null=True, editable=False)
    photo_enc = models.BinaryField(null=True, editable=False)
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        db_table = "cases_child"
        verbose_name = _("child")
        verbose_name_plural = _("children")

    def __str__(self) -> str:
        return self.pseudonym


class ChildIndex(models.Model):
    """Blind index entries: keyed hashes of a child's normalised names and document numbers, for exact-match search."""

    class Kind(models.TextChoices):
        NAME = "name", _("Name")
        DOCUMENT = "document", _("Document number")
        NAME_DOB = "name_dob", _("Name and date of birth")

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="index_entries")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    digest = models.CharField(max_length=64, db_index=True)

    class Meta:
        db_table = "cases_childindex"
        constraints = [models.UniqueConstraint(fields=["child", "kind", "digest"], name="childindex_unique")]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class IdentityDocument(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="documents_of_identity")
    kind = models.CharField(_("type"), max_length=30)  # passport, national id, birth certificate...
    issuing_country = models.CharField(_("issuing country"), max_length=2, blank=True)
    number_enc = models.BinaryField(null=True, editable=False)
    expires_enc = models.BinaryField(null=True, editable=False)
    verified = models.BooleanField(_("verified"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "cases_identitydocument"
        verbose_name = _("identity document")
        verbose_name_plural = _("identity documents")

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class AgeAssessment(models.Model):
    """How the child's age was assessed; the presumption of minority holds while it is contested."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="age_assessments")
    method = models.CharField(_("method"), max_length=20, choices=AgeAssessmentMethod.choices)
    assessed_on = models.DateField(_("date"))
    minimum_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    maximum_age = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    contested = models.BooleanField(_("contested"), default=False)
    assessed_by = models.CharField(_("assessed by"), max_length=200, blank=True)
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "cases_ageassessment"
        ordering = ["-assessed_on", "-recorded_at"]
        verbose_name = _("age assessment")
        verbose_name_plural = _("age assessments")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(minimum_age__isnull=True)
                | models.Q(maximum_age__isnull=True)
                | models.Q(minimum_age__lte=models.F("maximum_age")),
                name="ageassessment_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"
