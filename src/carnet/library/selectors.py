"""Every read of the library, already filtered by who may know what (``LibraryPolicy``).

Readers see a resource when they may see it (its visibility) *and* it has a published
language; its editors also see it while it is only a draft. "Missing" and "not for you" are
the same 404, so an address does not reveal that a member-only resource exists.

A translation is *outdated* when the English revision it was made from is older than the
English revision now published: the editor shows what changed in English since
(:func:`source_diff`, a unified diff made with difflib).
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from carnet.audit.models import AuditEntry
from carnet.library import text as library_text
from carnet.library.models import Resource, ResourceRevision, ResourceVersion, Status
from carnet.library.policies import LibraryAction, LibraryPolicy

SOURCE_LANGUAGE = "en"


def _content_languages() -> list[tuple[str, str]]:
    """``settings.LANGUAGES`` and any ``CARNET_CONTENT_LANGUAGES`` (codes or (code, name) pairs): content-only languages."""
    pairs = [(str(code), str(name)) for code, name in settings.LANGUAGES]
    for item in getattr(settings, "CARNET_CONTENT_LANGUAGES", ()):
        code, name = (item, item) if isinstance(item, str) else (str(item[0]), str(item[1]))
        if code not in dict(pairs):
            pairs.append((code, name))
    return pairs


def languages() -> list[str]:
    """The languages a version may be written in: a new one is configuration, not code."""
    return [code for code, _name in _content_languages()]


def language_name(code: str) -> str:
    return dict(_content_languages()).get(code, code)


def _published_exists() -> Exists:
    return Exists(ResourceVersion.objects.filter(resource=OuterRef("pk"), published_revision__isnull=False))


def resource_list_for(actor: Any) -> QuerySet[Resource]:
    """The resources ``actor`` may read (visible and published in some language) or edit, in SQL."""
    visible = LibraryPolicy.visible(actor, Resource.objects.all())
    published = visible.filter(_published_exists())
    editable = LibraryPolicy.editable(actor, Resource.objects.all()).values("pk")
    return Resource.objects.filter(Q(pk__in=published.values("pk")) | Q(pk__in=editable))


def resource_get_for(*, actor: Any, slug: str) -> Resource:
    """One resource by its address, or 404 (missing, not visible, or not yet published and not the actor's to edit)."""
    resource = (
        resource_list_for(actor)
        .filter(slug=slug)
        .select_related("instrument", "created_by")
        .prefetch_related("priorities", "countries")
        .first()
    )
    if resource is None:
        raise Http404
    return resource


def editable_resource_get_for(*, actor: Any, slug: str) -> Resource:
    """A resource the actor may edit, or 404 (also when they may see it but not edit it: the edit address tells nothing)."""
    resource = LibraryPolicy.editable(actor, Resource.objects.all()).filter(slug=slug).first()
    if resource is None or not LibraryPolicy.can(actor, LibraryAction.EDIT, resource):
        raise Http404
    return resource


def published_versions(resource: Resource) -> dict[str, ResourceRevision]:
    """The published revision of each language, by language code (in ``settings.LANGUAGES`` order first)."""
    revisions = ResourceRevision.objects.filter(version__resource=resource, version__published_revision__isnull=False).select_related(
        "version"
    )
    found = {r.version.language: r for r in revisions if r.number == r.version.published_revision}
    order = {code: index for index, code in enumerate(languages())}
    return dict(sorted(found.items(), key=lambda item: (order.get(item[0], len(order)), item[0])))


class FileDamaged(Exception):
    """A stored file whose content no longer matches the SHA-256 recorded when it was uploaded."""


def stored_file(revision: ResourceRevision) -> bytes:
    """The content of a revision's file, checked against its recorded SHA-256 (the download page and the bundle).

    Raises ``OSError`` when storage cannot give it, :class:`FileDamaged` when it is not what was uploaded.
    """
    with revision.file.open("rb") as handle:
        content: bytes = handle.read()
    if hashlib.sha256(content).hexdigest() != revision.file_sha256:
        raise FileDamaged(revision.file.name)
    return content


def published_revision_get_for(*, actor: Any, slug: str, language: str) -> ResourceRevision:
    """The published revision of one language of a resource the actor may read, or 404."""
    resource = LibraryPolicy.visible(actor, Resource.objects.all()).filter(slug=slug).first()
    if resource is None:
        raise Http404
    revision = published_versions(resource).get(language)
    if revision is None:
        raise Http404
    return revision


def english_published_revision(resource: Resource) -> int | None:
    value = ResourceVersion.objects.filter(resource=resource, language=SOURCE_LANGUAGE).values_list("published_revision", flat=True).first()
    return int(value) if value is not None else None


def version_outdated(version: ResourceVersion, *, english_published: int | None | str = "look up") -> bool:
    """Whether the English text was published in a newer revision than the one this translation was made from."""
    if version.language == SOURCE_LANGUAGE or version.source_revision is None:
        return False
    published = english_published_revision(version.resource) if english_published == "look up" else english_published
    return isinstance(published, int) and version.source_revision < published


@dataclass(frozen=True)
class LanguageState:
    """Where one language of a resource stands, for the editor's table."""

    language: str
    name: str
    version: ResourceVersion | None
    outdated: bool

    @property
    def status(self) -> str:
        return self.version.status if self.version is not None and self.version.revision else "missing"

    @property
    def status_label(self) -> str:
        from django.utils.translation import gettext as _

        if self.status == "missing":
            return _("Not written yet")
        return str(Status(self.status).label)

    @property
    def published(self) -> bool:
        return self.version is not None and self.version.published_revision is not None


def edit_state(resource: Resource) -> list[LanguageState]:
    """Every language of ``settings.LANGUAGES`` (and any other stored): missing, draft, in review or published; outdated."""
    versions = {v.language: v for v in ResourceVersion.objects.filter(resource=resource)}
    english = versions.get(SOURCE_LANGUAGE)
    english_published = english.published_revision if english is not None else None
    codes = languages() + sorted(set(versions) - set(languages()))
    states = []
    for code in codes:
        version = versions.get(code)
        outdated = version is not None and version_outdated(version, english_published=english_published)
        states.append(LanguageState(code, language_name(code), version, outdated))
    return states


def version_for(resource: Resource, language: str) -> ResourceVersion | None:
    return ResourceVersion.objects.filter(resource=resource, language=language).first()


def latest_revision(version: ResourceVersion | None) -> ResourceRevision | None:
    if version is None or not version.revision:
        return None
    return version.revisions.filter(number=version.revision).first()


def revisions_for(version: ResourceVersion | None) -> list[ResourceRevision]:
    """The history of one language, newest first."""
    if version is None:
        return []
    return list(version.revisions.select_related("author").order_by("-number"))


def my_drafts(actor: Any) -> QuerySet[ResourceVersion]:
    """Language versions of resources the actor may edit that are not published as they stand (draft or in review)."""
    editable = LibraryPolicy.editable(actor, Resource.objects.all())
    return (
        ResourceVersion.objects.filter(resource__in=editable.values("pk"), revision__gt=0)
        .exclude(status=Status.PUBLISHED)
        .select_related("resource")
        .order_by("-updated_at")
    )


def review_queue(actor: Any) -> QuerySet[ResourceVersion]:
    """Versions waiting for review: the secretariat's queue (empty for anyone who may not review)."""
    if not LibraryPolicy.can(actor, LibraryAction.REVIEW):
        return ResourceVersion.objects.none()
    return ResourceVersion.objects.filter(status=Status.IN_REVIEW).select_related("resource").order_by("updated_at")


def editable_resources(actor: Any) -> QuerySet[Resource]:
    return LibraryPolicy.editable(actor, Resource.objects.all()).order_by("slug")


def last_send_back(version: ResourceVersion) -> AuditEntry | None:
    """The reviewer's latest "sent back" for this version, with the reason in its purpose."""
    return (
        AuditEntry.objects.filter(action="library.version.send_back", object_type="library.resourceversion", object_id=str(version.pk))
        .order_by("-seq")
        .first()
    )


# --- diffs ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldDiff:
    field: str
    label: str
    lines: list[str]  # unified diff lines without the ---/+++ header: "@@ ...", " same", "-old", "+new"


def _field_labels() -> dict[str, str]:
    return {name: str(getattr(ResourceRevision._meta.get_field(name), "verbose_name", name)) for name in ("title", "summary", "body")}


def diff_revisions(old: ResourceRevision | None, new: ResourceRevision) -> list[FieldDiff]:
    """The text fields that differ between two revisions, each as a unified diff (lines of the Markdown)."""
    diffs = []
    labels = _field_labels()
    for name, label in labels.items():
        before = str(getattr(old, name, "") or "") if old is not None else ""
        after = str(getattr(new, name) or "")
        if before == after:
            continue
        lines = list(difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=2))[2:]
        if lines:
            diffs.append(FieldDiff(name, label, lines))
    if old is not None and old.file_sha256 != new.file_sha256:
        diffs.append(
            FieldDiff("file", str(ResourceRevision._meta.get_field("file").verbose_name), [f"-{old.file_name}", f"+{new.file_name}"])
        )
    return diffs


def source_diff(version: ResourceVersion) -> list[FieldDiff]:
    """What changed in English between the revision ``version`` was made from and the English revision now published."""
    published = english_published_revision(version.resource)
    if not version_outdated(version, english_published=published) or published is None:
        return []
    english = ResourceRevision.objects.filter(
        version__resource=version.resource, version__language=SOURCE_LANGUAGE, number__in=[version.source_revision, published]
    )
    by_number = {r.number: r for r in english}
    new = by_number.get(published)
    if new is None:
        return []
    return diff_revisions(by_number.get(version.source_revision or 0), new)


def body_html(revision: ResourceRevision) -> str:
    """The revision's body as safe HTML (cleaned by ``carnet.library.text``)."""
    return library_text.render_markdown(revision.body)
