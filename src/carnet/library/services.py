"""Every write to the library: resources, their language versions and revisions (docs/decisions/0010).

A resource is created with its language-independent facts; each language is written as
*revisions*: saving makes revision N+1 (immutable; the previous file is carried over unless
a new one is uploaded or the file is removed) and leaves the version a draft. A draft is
submitted for review, sent back with a reason (the author is e-mailed after the commit) or
published by the secretariat; publishing marks the revision published and puts the version
into search (``carnet.library.search.index_version``); withdrawing takes it out again. The
public reads only published revisions, so editing never changes what readers see.

A translation records the English revision it was made from (``source_revision``); when
English has since published a newer revision, the translation is *outdated*
(``carnet.library.selectors.version_outdated``).

A body with unsafe HTML or an upload that fails its checks is refused with a clear message
and nothing is stored. Each write locks the row it changes (``select_for_update``) and writes
its audit entry in the same transaction.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carnet.accounts.models import Role, User
from carnet.audit.services import record
from carnet.core.errors import Conflict
from carnet.core.models import Country, Priority
from carnet.core.slugs import normalised_slug
from carnet.library import text as library_text
from carnet.library.models import (
    Audience,
    Licence,
    Resource,
    ResourceKind,
    ResourceRevision,
    ResourceVersion,
    Status,
    Visibility,
)
from carnet.library.policies import LibraryAction, LibraryPolicy
from carnet.library.selectors import language_name, languages
from carnet.library.uploads import CheckedFile, check_upload

SOURCE_LANGUAGE = "en"
SLUG_MAX = 120
TITLE_MAX = 300
SUMMARY_MAX = 2000
BODY_MAX = 200_000
NOTE_MAX = 300
REASON_MAX = 500
PUBLISHER_MAX = 200
FIRST_YEAR = 1900
RESERVED_SLUGS = {"new"}  # /library/edit/new/ is the page that creates a resource
# Changing one of these changes what search filters on (SearchDocument keeps a copy).
SEARCH_FIELDS = {"visibility", "restricted_to", "kind", "year"}
RESOURCE_FIELDS = {
    "slug", "kind", "audience", "publisher", "year", "licence", "visibility", "restricted_to", "priorities", "countries", "instrument",
}  # fmt: skip


def _require(actor: Any, action: LibraryAction, obj: Any = None) -> None:
    if not LibraryPolicy.can(actor, action, obj):
        raise PermissionDenied


# --- search (carnet.library.search is written by its own part; imported when first needed) ---


def _index(version: ResourceVersion) -> None:
    from carnet.library import search

    search.index_version(version)


def _unindex(version: ResourceVersion) -> None:
    from carnet.library import search

    search.unindex_version(version)


def _reindex(resource: Resource) -> None:
    from carnet.library import search

    search.reindex_resource(resource)


# --- resources --------------------------------------------------------------------------------


def _check_slug(slug: str, *, exclude: Any = None) -> str:
    slug = normalised_slug(slug, max_length=SLUG_MAX)
    if slug in RESERVED_SLUGS:
        raise ValidationError({"slug": _("This address is reserved. Choose another.")})
    taken = Resource.objects.filter(slug=slug)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise ValidationError({"slug": _("Another resource already has this address.")})
    return slug


def _check_facts(values: dict[str, Any]) -> dict[str, list[str]]:
    """The errors in a resource's facts (kind, audience, year, licence, visibility, instrument)."""
    errors: dict[str, list[str]] = {}
    if values["kind"] not in ResourceKind.values:
        errors["kind"] = [_("Choose a kind from the list.")]
    if values["audience"] not in Audience.values:
        errors["audience"] = [_("Choose an audience from the list.")]
    if values["licence"] not in Licence.values:
        errors["licence"] = [_("Choose a licence from the list.")]
    if len(values["publisher"]) > PUBLISHER_MAX:
        errors["publisher"] = [_("At most %(max)s characters.") % {"max": PUBLISHER_MAX}]
    year = values["year"]
    last = timezone.localdate().year + 1
    if year is not None and not FIRST_YEAR <= year <= last:
        errors["year"] = [_("The year is between %(first)s and %(last)s.") % {"first": FIRST_YEAR, "last": last}]
    if values["visibility"] not in Visibility.values:
        errors["visibility"] = [_("Choose who may see the resource.")]
    elif values["visibility"] == Visibility.RESTRICTED:
        if values["restricted_to"] not in Role.values:
            errors["restricted_to"] = [_("Choose the group that may see a restricted resource.")]
    if values["instrument"] is not None and values["kind"] != ResourceKind.TOOL:
        errors["instrument"] = [_("Only a resource of the kind “tool” can be the self-assessment instrument.")]
    return errors


def _set_relations(resource: Resource, priorities: Iterable[Priority] | None, countries: Iterable[Country] | None) -> None:
    if priorities is not None:
        resource.priorities.set(list(priorities))
    if countries is not None:
        resource.countries.set(list(countries))


@transaction.atomic
def resource_create(
    *,
    actor: Any,
    slug: str,
    kind: str,
    audience: str = Audience.PROFESSIONALS,
    publisher: str = "",
    year: int | None = None,
    licence: str = Licence.ALL_RIGHTS,
    visibility: str = Visibility.MEMBERS,
    restricted_to: str = "",
    priorities: Iterable[Priority] = (),
    countries: Iterable[Country] = (),
    instrument: Any = None,
) -> Resource:
    """A new resource with no language versions yet (its English text is saved next with :func:`version_save`)."""
    _require(actor, LibraryAction.CREATE)
    values: dict[str, Any] = {
        "kind": kind,
        "audience": audience,
        "publisher": (publisher or "").strip(),
        "year": year,
        "licence": licence,
        "visibility": visibility,
        "restricted_to": (restricted_to or "") if visibility == Visibility.RESTRICTED else "",
        "instrument": instrument,
    }
    errors = _check_facts(values)
    try:
        slug = _check_slug(slug)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    resource = Resource(slug=slug, created_by=actor, **values)
    resource.full_clean()
    try:
        with transaction.atomic():
            resource.save(force_insert=True)
    except IntegrityError:  # another editor took the slug at the same moment
        raise ValidationError({"slug": _("Another resource already has this address.")}) from None
    _set_relations(resource, priorities, countries)
    record(actor=actor, action="library.resource.create", obj=resource, purpose=slug)
    return resource


@transaction.atomic
def resource_update(*, actor: Any, resource: Resource, **fields: Any) -> Resource:
    """Change a resource's facts; search is brought up to date when what it filters on changes."""
    _require(actor, LibraryAction.EDIT, resource)
    unknown = sorted(set(fields) - RESOURCE_FIELDS)
    if unknown:
        raise ValidationError({"": _("Unknown fields: %(fields)s.") % {"fields": ", ".join(unknown)}})
    locked = Resource.objects.select_for_update().get(pk=resource.pk)
    priorities = fields.pop("priorities", None)
    countries = fields.pop("countries", None)
    values: dict[str, Any] = {
        name: getattr(locked, name) for name in ("kind", "audience", "publisher", "year", "licence", "visibility", "restricted_to")
    }
    values["instrument"] = locked.instrument
    slug = fields.pop("slug", locked.slug)
    values.update(fields)
    values["publisher"] = (values["publisher"] or "").strip()
    if values["visibility"] != Visibility.RESTRICTED:
        values["restricted_to"] = ""
    errors = _check_facts(values)
    try:
        slug = _check_slug(slug, exclude=locked.pk) if slug != locked.slug else slug
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    changed = [name for name, value in {**values, "slug": slug}.items() if getattr(locked, name) != value]
    for name in changed:
        setattr(locked, name, values[name] if name != "slug" else slug)
    if changed:
        locked.full_clean()
        locked.save(update_fields=[*changed, "updated_at"])
    _set_relations(locked, priorities, countries)
    described = [*changed, *(["priorities"] if priorities is not None else []), *(["countries"] if countries is not None else [])]
    record(actor=actor, action="library.resource.update", obj=locked, purpose=", ".join(described))
    if SEARCH_FIELDS & set(changed):
        _reindex(locked)
    resource.refresh_from_db()
    return locked


# --- language versions ------------------------------------------------------------------------


def _check_text(title: str, summary: str, body: str, note: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = [_("Give the title.")]
    elif len(title) > TITLE_MAX:
        errors["title"] = [_("At most %(max)s characters.") % {"max": TITLE_MAX}]
    if len(summary) > SUMMARY_MAX:
        errors["summary"] = [_("At most %(max)s characters.") % {"max": SUMMARY_MAX}]
    if len(body) > BODY_MAX:
        errors["body"] = [_("At most %(max)s characters.") % {"max": BODY_MAX}]
    elif body and not library_text.is_clean_markdown(body):
        found = library_text.refused_parts(body)
        if found:
            message = _(
                "The text contains HTML that is not allowed (%(found)s). Scripts, styles, event attributes, links other than "
                "http, https and mailto, and tags other than simple formatting are refused. Nothing was saved."
            ) % {"found": ", ".join(found[:8])}
        else:
            message = _("The text contains HTML that cannot be stored as written. Use Markdown or simple formatting. Nothing was saved.")
        errors["body"] = [message]
    if len(note) > NOTE_MAX:
        errors["note"] = [_("At most %(max)s characters.") % {"max": NOTE_MAX}]
    return errors


def _made_from(resource: Resource, language: str, given: int | None) -> int | None:
    """The English revision a translation is made from: the one given (it must exist) or the latest."""
    if language == SOURCE_LANGUAGE:
        return None
    english = ResourceVersion.objects.filter(resource=resource, language=SOURCE_LANGUAGE).values_list("revision", flat=True).first()
    if not english:
        if given is not None:
            raise ValidationError({"source_revision": _("There is no English text to translate from yet.")})
        return None  # a resource written first (or only) in this language
    if given is None:
        return int(english)
    if not 1 <= given <= english:
        raise ValidationError({"source_revision": _("There is no English revision %(number)s.") % {"number": given}})
    return given


def _lock_version(resource: Resource, language: str) -> ResourceVersion:
    """The version row of ``language``, made if missing, locked for the rest of the transaction."""
    Resource.objects.select_for_update().filter(pk=resource.pk).values_list("pk", flat=True).first()
    version, _created = ResourceVersion.objects.get_or_create(resource=resource, language=language)
    return ResourceVersion.objects.select_for_update().get(pk=version.pk)


def _store(revision: ResourceRevision, checked: CheckedFile) -> None:
    """Write the file through the storage API (the FileField's storage: local disk or S3-compatible)."""
    revision.file.save(checked.name, ContentFile(checked.content), save=False)
    revision.file_name = checked.name
    revision.file_type = checked.mime
    revision.file_size = checked.size
    revision.file_sha256 = checked.sha256
    revision.file_text = checked.text


@transaction.atomic
def version_save(
    *,
    actor: Any,
    resource: Resource,
    language: str,
    title: str,
    summary: str = "",
    body: str = "",
    upload: Any = None,
    keep_file: bool = True,
    note: str = "",
    source_revision: int | None = None,
) -> ResourceRevision:
    """Save revision N+1 of one language as a draft; readers keep seeing the published revision.

    ``upload`` is a new file (checked by :func:`carnet.library.uploads.check_upload`); without
    it the previous revision's file is kept (``keep_file``) or dropped. ``source_revision`` is
    the English revision the translator worked from (the form carries it); by default the latest.
    """
    _require(actor, LibraryAction.EDIT, resource)
    if language not in languages():
        raise ValidationError({"language": _("Choose a language from the list.")})
    title, summary = (title or "").strip(), (summary or "").replace("\r\n", "\n").strip()
    body, note = (body or "").replace("\r\n", "\n").strip(), (note or "").strip()
    errors = _check_text(title, summary, body, note)
    checked: CheckedFile | None = None
    if upload is not None:
        try:
            checked = check_upload(upload)
        except ValidationError as error:
            errors["upload"] = error.messages
    if errors:
        raise ValidationError(errors)
    made_from = _made_from(resource, language, source_revision)
    version = _lock_version(resource, language)
    previous = version.revisions.filter(number=version.revision).first() if version.revision else None
    revision = ResourceRevision(
        version=version,
        number=version.revision + 1,
        title=title,
        summary=summary,
        body=body,
        status=Status.DRAFT,
        source_revision=made_from,
        note=note,
        author=actor,
    )
    if checked is None and keep_file and previous is not None and previous.file:
        # Revisions share a stored file: files are never changed or deleted in place.
        for name in ("file", "file_name", "file_type", "file_size", "file_sha256", "file_text"):
            setattr(revision, name, getattr(previous, name))
    stored = ""
    try:
        if checked is not None:
            _store(revision, checked)
            stored = revision.file.name
        revision.full_clean()
        revision.save(force_insert=True)
        # A text in review that is edited again leaves review: it is a draft until submitted again.
        version.revisions.filter(status=Status.IN_REVIEW).update(status=Status.DRAFT)
        version.revision = revision.number
        version.status = Status.DRAFT
        version.source_revision = made_from
        version.full_clean()
        version.save(update_fields=["revision", "status", "source_revision", "updated_at"])
        record(
            actor=actor,
            action="library.version.save",
            obj=version,
            purpose=f"{resource.slug} {language} revision {revision.number}: {note}"[:500],
        )
    except BaseException:
        if stored:
            with contextlib.suppress(Exception):
                revision.file.storage.delete(stored)
        raise
    return revision


def _latest(version: ResourceVersion) -> ResourceRevision:
    revision = version.revisions.filter(number=version.revision).first() if version.revision else None
    if revision is None:
        raise Conflict(_("Nothing has been saved in this language yet."), code="no_text")
    return revision


def _locked(version: ResourceVersion) -> ResourceVersion:
    return ResourceVersion.objects.select_for_update().select_related("resource").get(pk=version.pk)


def _refuse_state(version: ResourceVersion, *, allowed: set[str]) -> None:
    if version.status in allowed:
        return
    messages: dict[str, str] = {
        Status.DRAFT: _("This text is a draft: it has not been submitted for review."),
        Status.IN_REVIEW: _("This text is already in review."),
        Status.PUBLISHED: _("This revision is already published. Save a new draft to change it."),
    }
    raise Conflict(messages.get(version.status, _("This step is not possible now.")), code="wrong_state")


def _copy_state(target: ResourceVersion, source: ResourceVersion) -> ResourceVersion:
    for name in ("status", "revision", "published_revision", "source_revision", "published_at", "updated_at"):
        setattr(target, name, getattr(source, name))
    return target


@transaction.atomic
def version_submit(*, actor: Any, version: ResourceVersion) -> ResourceVersion:
    """Ask the secretariat to review and publish the latest draft of one language."""
    locked = _locked(version)
    _require(actor, LibraryAction.EDIT, locked.resource)
    _refuse_state(locked, allowed={Status.DRAFT})
    revision = _latest(locked)
    revision.status = Status.IN_REVIEW
    revision.save(update_fields=["status"])
    locked.status = Status.IN_REVIEW
    locked.save(update_fields=["status", "updated_at"])
    record(
        actor=actor,
        action="library.version.submit",
        obj=locked,
        purpose=f"{locked.resource.slug} {locked.language} revision {revision.number}",
    )
    return _copy_state(version, locked)


SEND_BACK_SUBJECT = gettext_lazy("Library: “%(title)s” was sent back to you")
SEND_BACK_BODY = gettext_lazy(
    "The secretariat sent the %(language)s text of “%(title)s” back to you as a draft.\n\nWhy: %(reason)s\n\n"
    "Change it and submit it again: %(link)s\n"
)


def _send_back_mail(user_id: int, params: dict[str, str], slug: str, language: str) -> None:
    user = User.objects.filter(pk=user_id, is_active=True).exclude(email="").first()
    if user is None:
        return
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        link = str(getattr(settings, "CARNET_BASE_URL", "http://localhost:8000")).rstrip("/") + reverse(
            "library:edit_version", kwargs={"slug": slug, "language": language}
        )
        values = {**params, "language": language_name(language)}
        send_mail(str(SEND_BACK_SUBJECT) % values, str(SEND_BACK_BODY) % {**values, "link": link}, None, [user.email], fail_silently=True)


@transaction.atomic
def version_send_back(*, actor: Any, version: ResourceVersion, reason: str) -> ResourceVersion:
    """Return a text in review to its author as a draft, saying why; the author is e-mailed after the commit."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the text goes back, so that its author knows what to change.")})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": _("At most %(max)s characters.") % {"max": REASON_MAX}})
    locked = _locked(version)
    _require(actor, LibraryAction.REVIEW, locked.resource)
    _refuse_state(locked, allowed={Status.IN_REVIEW})
    revision = _latest(locked)
    revision.status = Status.DRAFT
    revision.save(update_fields=["status"])
    locked.status = Status.DRAFT
    locked.save(update_fields=["status", "updated_at"])
    record(actor=actor, action="library.version.send_back", obj=locked, purpose=f"{locked.resource.slug} {locked.language}: {reason}"[:500])
    params = {"title": revision.title, "reason": reason}
    author_id, slug, language = revision.author_id, locked.resource.slug, locked.language
    if author_id != actor.pk:
        transaction.on_commit(lambda: _send_back_mail(author_id, params, slug, language))
    return _copy_state(version, locked)


@transaction.atomic
def version_publish(*, actor: Any, version: ResourceVersion) -> ResourceVersion:
    """Make the latest revision what readers see and search finds (the secretariat may publish its own drafts)."""
    locked = _locked(version)
    _require(actor, LibraryAction.PUBLISH, locked.resource)
    _refuse_state(locked, allowed={Status.DRAFT, Status.IN_REVIEW})
    revision = _latest(locked)
    revision.status = Status.PUBLISHED
    revision.save(update_fields=["status"])
    locked.status = Status.PUBLISHED
    locked.published_revision = revision.number
    locked.published_at = timezone.now()
    locked.full_clean()
    locked.save(update_fields=["status", "published_revision", "published_at", "updated_at"])
    record(
        actor=actor,
        action="library.version.publish",
        obj=locked,
        purpose=f"{locked.resource.slug} {locked.language} revision {revision.number}",
    )
    _index(locked)
    return _copy_state(version, locked)


@transaction.atomic
def version_withdraw(*, actor: Any, version: ResourceVersion, reason: str = "") -> ResourceVersion:
    """Take a language off the library: readers and search no longer find it; its revisions are kept."""
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": _("At most %(max)s characters.") % {"max": REASON_MAX}})
    locked = _locked(version)
    _require(actor, LibraryAction.PUBLISH, locked.resource)
    if locked.published_revision is None:
        raise Conflict(_("This language is not published: there is nothing to withdraw."), code="not_published")
    withdrawn = locked.published_revision
    locked.published_revision = None
    locked.published_at = None
    if locked.status == Status.PUBLISHED:
        locked.status = Status.DRAFT
    locked.save(update_fields=["status", "published_revision", "published_at", "updated_at"])
    record(
        actor=actor,
        action="library.version.withdraw",
        obj=locked,
        purpose=f"{locked.resource.slug} {locked.language} revision {withdrawn}: {reason}"[:500],
    )
    _unindex(locked)
    return _copy_state(version, locked)
