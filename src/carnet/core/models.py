"""The shared kernel: the region's countries and the WGCC's priorities.

Names are content, translated as data (django-parler, see docs/decisions/0002), so a
third language needs rows, not code.
"""

from __future__ import annotations

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
