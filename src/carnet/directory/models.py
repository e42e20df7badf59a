"""Organisations of the network. People, network roles and contact sharing come with the directory issue."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from parler.models import TranslatableModel, TranslatedFields


class OrganisationType(models.TextChoices):
    STATE_AUTHORITY = "state_authority", _("State authority")
    NGO = "ngo", _("Non-governmental organisation")
    INTERNATIONAL = "international", _("International organisation")
    DONOR = "donor", _("Donor")
    SECRETARIAT = "secretariat", _("Secretariat")
    RESEARCH = "research", _("Research institute")
    NETWORK_BODY = "network_body", _("Working group or task force")


class Organisation(TranslatableModel):
    slug = models.SlugField(_("slug"), unique=True)
    kind = models.CharField(_("type"), max_length=20, choices=OrganisationType.choices)
    country = models.ForeignKey(
        "core.Country",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisations",
        verbose_name=_("country"),
        help_text=_("Empty for a regional body."),
    )
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("part of"))
    translations = TranslatedFields(
        name=models.CharField(_("name"), max_length=200),
        acronym=models.CharField(_("acronym"), max_length=20, blank=True),
    )

    class Meta:
        ordering = ["slug"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return str(self.safe_translation_getter("name", any_language=True) or self.slug)
