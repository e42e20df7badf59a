"""The shared kernel: the region's countries and the WGCC's priorities.

Names are content, translated as data (django-parler, see docs/decisions/0002), so a
third language needs rows, not code.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _
from parler.models import TranslatableModel, TranslatedFields


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class NcpStatus(models.TextChoices):
    OPERATIONAL = "operational", _("Operational")
    NOT_OPERATIONAL = "not_operational", _("Not yet operational")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class Country(TranslatableModel):
    """A CBSS member: the eleven member states and the European Commission."""

    code = models.CharField(_("code"), max_length=2, unique=True, help_text=_("ISO 3166-1 alpha-2; EU for the European Commission."))
    is_state = models.BooleanField(_("member state"), default=True)
    ncp_status = models.CharField(_("national contact point"), max_length=20, choices=NcpStatus.choices, default=NcpStatus.NOT_OPERATIONAL)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    translations = TranslatedFields(name=models.CharField(_("name"), max_length=100))

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("country")
        verbose_name_plural = _("countries")

    def __str__(self) -> str:
        return str(self.safe_translation_getter("name", any_language=True) or self.code)


class Priority(TranslatableModel):
    """One of the priorities of the Working Group for Cooperation on Children at Risk."""

    number = models.PositiveSmallIntegerField(_("number"), unique=True)
    slug = models.SlugField(_("slug"), unique=True)
    translations = TranslatedFields(
        title=models.CharField(_("title"), max_length=200),
        summary=models.TextField(_("summary"), blank=True),
    )

    class Meta:
        ordering = ["number"]
        verbose_name = _("priority")
        verbose_name_plural = _("priorities")

    def __str__(self) -> str:
        return str(self.safe_translation_getter("title", any_language=True) or self.slug)


class DataKey(models.Model):
    """One record's data-encryption key, stored only wrapped (AES-GCM) by a key-encryption key.

    Every protected value of a record (a child's name, date of birth, documents...)
    is encrypted under the record's own data key; see :mod:`carnet.core.crypto`.
    The plaintext key never touches the database: ``wrapped`` holds it encrypted by
    the key-encryption key (KEK) named in ``kek_id``, which lives only in the
    environment (``CARNET_DATA_KEY``) or a KMS. Rotating a KEK re-wraps these rows
    (``carnet rotate_keys``) and leaves the data ciphertexts untouched.

    Crypto-shredding: deleting a row destroys the only copy of its key, so every
    value encrypted under it becomes unreadable for good, wherever copies of the
    ciphertext remain (replicas, exports of the column). Backups that still hold
    the row stay readable with the KEK until they expire or that KEK is destroyed.
    Models that point here should use ``on_delete=models.SET_NULL`` (or erase the
    record in the same transaction) so a shred is never blocked by a reference.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kek_id = models.CharField(_("key-encryption key id"), max_length=64, db_index=True)
    wrapped = models.BinaryField(_("wrapped key"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    rotated_at = models.DateTimeField(_("re-wrapped"), null=True, blank=True)

    class Meta:
        verbose_name = _("data key")
        verbose_name_plural = _("data keys")

    def __str__(self) -> str:
        # Ids only: never the wrapped bytes.
        return f"{self.pk} ({self.kek_id})"
