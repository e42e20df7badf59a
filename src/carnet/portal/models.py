"""The public portal's content: a page per country and per priority, and news.

Content is translated as data (django-parler, docs/decisions/0002): each translation row
carries the source revision it was made from, so a translation whose English source has
changed since is *outdated*, and the change is shown as a diff of the two source
revisions (:class:`Revision` keeps every saved version of every language). Rich text is
HTML cleaned with nh3 before it is stored (``carnet.portal.richtext``).

Every content object goes draft -> in review -> published; the public sees only the
published revision of each language (``published_*`` fields are what was last published,
so editing a draft never changes the public page).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from parler.models import TranslatableModel, TranslatedFields


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    PUBLISHED = "published", _("Published")


def _translation_state() -> dict[str, models.Field]:  # type: ignore[type-arg]  # any field type
    """The fields every translation row carries besides its text."""
    return {
        "status": models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT),
        "source_revision": models.PositiveIntegerField(
            _("made from source revision"), null=True, blank=True, help_text=_("Empty for the source language itself.")
        ),
        "revision": models.PositiveIntegerField(_("revision"), default=0),
        "published_revision": models.PositiveIntegerField(_("published revision"), null=True, blank=True),
    }


class CountryPage(TranslatableModel):
    """What the portal says about one member state; edited by the secretariat and by that country's NCP or coordinator."""

    country = models.OneToOneField("core.Country", on_delete=models.PROTECT, related_name="page", verbose_name=_("country"))
    translations = TranslatedFields(
        summary=models.TextField(_("summary"), blank=True),
        legislation=models.TextField(_("legislation"), blank=True),  # sanitised HTML
        services=models.TextField(_("services for children at risk"), blank=True),  # sanitised HTML
        **_translation_state(),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "portal_countrypage"
        verbose_name = _("country page")
        verbose_name_plural = _("country pages")

    def __str__(self) -> str:
        return str(self.country)


class KeyFact(TranslatableModel):
    """A number about children at risk in a country, always with its source and year."""

    page = models.ForeignKey(CountryPage, on_delete=models.CASCADE, related_name="facts")
    value = models.CharField(_("value"), max_length=50)
    source = models.CharField(_("source"), max_length=300)
    year = models.PositiveSmallIntegerField(_("year"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    translations = TranslatedFields(label=models.CharField(_("what it counts"), max_length=300))

    class Meta:
        db_table = "portal_keyfact"
        ordering = ["order", "pk"]
        verbose_name = _("key fact")
        verbose_name_plural = _("key facts")

    def __str__(self) -> str:
        return f"{self.value} ({self.year})"


class PriorityPage(TranslatableModel):
    """What the WGCC does about one of its priorities."""

    priority = models.OneToOneField("core.Priority", on_delete=models.PROTECT, related_name="page", verbose_name=_("priority"))
    translations = TranslatedFields(body=models.TextField(_("text"), blank=True), **_translation_state())
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "portal_prioritypage"
        verbose_name = _("priority page")
        verbose_name_plural = _("priority pages")

    def __str__(self) -> str:
        return str(self.priority)


class NewsItem(TranslatableModel):
    slug = models.SlugField(_("slug"), unique=True, max_length=120)
    published_at = models.DateTimeField(_("published"), null=True, blank=True, db_index=True)
    country = models.ForeignKey(
        "core.Country", on_delete=models.PROTECT, null=True, blank=True, related_name="news", verbose_name=_("country")
    )
    priority = models.ForeignKey(
        "core.Priority", on_delete=models.PROTECT, null=True, blank=True, related_name="news", verbose_name=_("priority")
    )
    translations = TranslatedFields(
        title=models.CharField(_("title"), max_length=200),
        summary=models.TextField(_("summary"), blank=True),
        body=models.TextField(_("text"), blank=True),  # sanitised HTML
        **_translation_state(),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "portal_newsitem"
        ordering = ["-published_at", "-pk"]
        verbose_name = _("news item")
        verbose_name_plural = _("news")

    def __str__(self) -> str:
        return str(self.safe_translation_getter("title", any_language=True) or self.slug)


class Revision(models.Model):
    """Every saved version of one language of one content object: the history, what was published, and the diffs."""

    content = models.CharField(max_length=40)  # "portal.countrypage", "portal.prioritypage", "portal.newsitem"
    object_id = models.CharField(max_length=40)
    language = models.CharField(max_length=10)
    number = models.PositiveIntegerField()
    data = models.JSONField()  # the translated fields' text at this revision
    status = models.CharField(max_length=10, choices=Status.choices)
    source_revision = models.PositiveIntegerField(null=True, blank=True)
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "portal_revision"
        ordering = ["content", "object_id", "language", "-number"]
        constraints = [models.UniqueConstraint(fields=["content", "object_id", "language", "number"], name="revision_unique")]

    def __str__(self) -> str:
        return f"{self.content}:{self.object_id}:{self.language}#{self.number}"
