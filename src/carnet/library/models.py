"""The library: guidelines, training materials, tools, reports and mapping results, in every language.

A :class:`Resource` holds what does not depend on the language (kind, topics, countries,
audience, publisher, year, licence, who may see it). Each language is a
:class:`ResourceVersion` — a *pointer* to where that language stands (status, latest and
published revision, the source revision it was translated from); the text and the file
themselves live in immutable :class:`ResourceRevision` rows. Editing makes a new revision;
the public reads only the published one, so editing never changes what readers see.

A language is data: a version's ``language`` is any code in ``settings.LANGUAGES`` or
``CARNET_CONTENT_LANGUAGES``; English is the source language.

Search reads :class:`SearchDocument`: one row per *published* version, written when a
version is published and removed when it is withdrawn, carrying a copy of the resource's
visibility so that search filters in SQL. On PostgreSQL the row has a ``tsvector`` built
with the language's own text-search configuration (a GIN index); on SQLite an FTS5 table
(``library_search_fts``, created by migration 0002) holds the snowball stems of the same
text (``carnet.library.search``).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _

from carnet.accounts.models import Role
from carnet.core.models import Country


class ResourceKind(models.TextChoices):
    GUIDELINE = "guideline", _("Guideline")
    TRAINING = "training", _("Training material")
    TOOL = "tool", _("Tool")
    REPORT = "report", _("Report")
    RESEARCH = "research", _("Research or mapping result")
    LEGISLATION = "legislation", _("Legislation")
    PRESENTATION = "presentation", _("Presentation")


class Audience(models.TextChoices):
    PROFESSIONALS = "professionals", _("Professionals working with children")
    CHILDREN = "children", _("Children and young people")
    POLICY = "policy", _("Policy makers")
    RESEARCHERS = "researchers", _("Researchers")
    GENERAL = "general", _("General public")


class Licence(models.TextChoices):
    CC_BY = "cc-by-4.0", "CC BY 4.0"
    CC_BY_NC = "cc-by-nc-4.0", "CC BY-NC 4.0"
    CC_BY_NC_ND = "cc-by-nc-nd-4.0", "CC BY-NC-ND 4.0"
    PUBLIC_DOMAIN = "public-domain", _("Public domain")
    ALL_RIGHTS = "all-rights-reserved", _("All rights reserved")


class Visibility(models.TextChoices):
    """Who may know that a resource exists. Ordered from widest to narrowest (``RANK``)."""

    PUBLIC = "public", _("Everyone, on the public site")
    MEMBERS = "members", _("Network members (signed in)")
    RESTRICTED = "restricted", _("A restricted group")


VISIBILITY_RANK = {Visibility.PUBLIC: 0, Visibility.MEMBERS: 1, Visibility.RESTRICTED: 2}


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    PUBLISHED = "published", _("Published")


class Resource(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    slug = models.SlugField(_("slug"), unique=True, max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=ResourceKind.choices)
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices, default=Audience.PROFESSIONALS)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    licence = models.CharField(_("licence"), max_length=30, choices=Licence.choices, default=Licence.ALL_RIGHTS)
    priorities = models.ManyToManyField("core.Priority", blank=True, related_name="resources", verbose_name=_("topics"))
    countries: models.ManyToManyField[Country, Any] = models.ManyToManyField(
        "core.Country", blank=True, related_name="resources", verbose_name=_("countries")
    )
    visibility = models.CharField(_("who may see it"), max_length=12, choices=Visibility.choices, default=Visibility.MEMBERS)
    # For Visibility.RESTRICTED: the network role (an accounts.Role value) whose holders may see it.
    restricted_to = models.CharField(_("restricted to"), max_length=20, choices=Role.choices, blank=True)
    # The self-assessment instrument, when this resource is that tool (its printable sheets are linked).
    instrument = models.ForeignKey(
        "assessments.Instrument", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("instrument")
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year", "slug"]
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        indexes = [models.Index(fields=["visibility", "kind"], name="library_resource_vis_kind")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(visibility="restricted") | ~models.Q(restricted_to=""), name="library_restricted_names_a_role"
            )
        ]

    def __str__(self) -> str:
        return self.slug


class ResourceVersion(models.Model):
    """Where one language of a resource stands; its text and file are in its revisions."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="versions")
    language = models.CharField(_("language"), max_length=10)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    revision = models.PositiveIntegerField(_("revision"), default=0)  # the latest revision's number
    published_revision = models.PositiveIntegerField(_("published revision"), null=True, blank=True)
    # The source language's revision this translation was made from (empty for the source itself):
    # older than the source's latest published revision means *outdated*.
    source_revision = models.PositiveIntegerField(_("made from source revision"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["resource", "language"]
        constraints = [models.UniqueConstraint(fields=["resource", "language"], name="library_version_one_per_language")]
        verbose_name = _("language version")
        verbose_name_plural = _("language versions")

    def __str__(self) -> str:
        return f"{self.resource.slug} [{self.language}]"


def revision_file_path(instance: ResourceRevision, filename: str) -> str:
    """Files are stored under a random name; the sanitised original name is kept in ``file_name``."""
    return f"library/{instance.version.resource_id}/{instance.version.language}/{uuid.uuid4().hex}"


class ResourceRevision(models.Model):
    """One saved state of one language version: immutable once written."""

    version = models.ForeignKey(ResourceVersion, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"), blank=True)
    body = models.TextField(_("text (Markdown)"), blank=True)
    file = models.FileField(_("file"), upload_to=revision_file_path, max_length=300, blank=True)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    file_type = models.CharField(_("file type"), max_length=100, blank=True)  # the MIME type found in the content
    file_size = models.PositiveBigIntegerField(null=True, blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True)
    file_text = models.TextField(blank=True)  # text extracted from a PDF, for search
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    source_revision = models.PositiveIntegerField(null=True, blank=True)
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["version", "-number"]
        constraints = [models.UniqueConstraint(fields=["version", "number"], name="library_revision_unique")]

    def __str__(self) -> str:
        return f"{self.version}#{self.number}"


class SearchDocument(models.Model):
    """The searchable text of one published language version (see the module docstring)."""

    version = models.OneToOneField(ResourceVersion, on_delete=models.CASCADE, related_name="search_document")
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="search_documents")
    language = models.CharField(max_length=10, db_index=True)
    # Copied from the resource so that search filters in SQL without a join; kept equal by the services.
    visibility = models.CharField(max_length=12, choices=Visibility.choices)
    restricted_to = models.CharField(max_length=20, choices=Role.choices, blank=True)
    kind = models.CharField(max_length=20, choices=ResourceKind.choices)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    title = models.CharField(max_length=300)
    summary = models.TextField(blank=True)
    body = models.TextField(blank=True)  # plain text of the Markdown
    file_text = models.TextField(blank=True)
    # PostgreSQL: the text-search configuration of the language ("english", "russian", ... or "simple")
    # and the weighted vector built with it. Unused (empty) on SQLite, which uses FTS5 instead.
    config = models.CharField(max_length=20, default="simple")
    vector = SearchVectorField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["visibility", "language"], name="library_search_vis_lang")]

    def __str__(self) -> str:
        return f"search:{self.version_id}"


class Bundle(models.Model):
    """An offline bundle built by ``carnet bundle`` and offered for download (the latest public one on the library page)."""

    file = models.FileField(upload_to="library/bundles/", max_length=300)
    languages = models.JSONField(default=list)
    visibility = models.CharField(max_length=12, choices=Visibility.choices, default=Visibility.PUBLIC)
    resources = models.PositiveIntegerField(default=0)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    built_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-built_at"]

    def __str__(self) -> str:
        return f"bundle {self.built_at:%Y-%m-%d} {','.join(self.languages)} {self.visibility}"
