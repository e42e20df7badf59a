"""Every write to the portal's content, and the reads the editing pages need (docs/decisions/0008).

A content object (country page, priority page, news item) has one translation row per
language (django-parler). Saving a language makes a new :class:`Revision` (numbered per
object and language) and a draft; the draft is submitted for review and published by the
secretariat, or sent back. The public reads only published revisions
(``carnet.portal.selectors.published``).

A translation records the English revision it was made from (``source_revision``): when
English has a newer revision, the translation is *outdated*, and :func:`source_diff` shows
what changed in English since.

Rich text that cleaning would change is refused, not silently stripped: the editor learns
what is not allowed and nothing is stored.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from carnet.audit.models import AuditEntry
from carnet.audit.services import record
from carnet.core import safehtml
from carnet.core.errors import Conflict
from carnet.core.models import Country, Priority
from carnet.core.slugs import normalised_slug
from carnet.portal import richtext
from carnet.portal.models import CountryPage, KeyFact, NewsItem, PriorityPage, Revision, Status
from carnet.portal.policies import PortalAction, PortalPolicy
from carnet.portal.selectors import SOURCE_LANGUAGE, content_label

FIRST_FACT_YEAR = 1990
NOTE_MAX = 300
REASON_MAX = 500
SLUG_MAX = 120  # NewsItem.slug
MISSING = "missing"  # a language with no translation row yet


@dataclass(frozen=True)
class ContentField:
    """One translated text field of a content object; ``rich`` fields hold sanitised HTML."""

    name: str
    rich: bool
    required: bool = False
    max_length: int | None = None


CONTENT_FIELDS: dict[type[models.Model], tuple[ContentField, ...]] = {
    CountryPage: (ContentField("summary", rich=False), ContentField("legislation", rich=True), ContentField("services", rich=True)),
    PriorityPage: (ContentField("body", rich=True),),
    NewsItem: (
        ContentField("title", rich=False, required=True, max_length=200),
        ContentField("summary", rich=False),
        ContentField("body", rich=True),
    ),
}


def fields_of(obj: models.Model) -> tuple[ContentField, ...]:
    try:
        return CONTENT_FIELDS[type(obj)]
    except KeyError:
        raise TypeError(f"not portal content: {type(obj).__name__}") from None


def translations_model(obj: models.Model) -> Any:
    """The model of ``obj``'s translation rows (parler's, untyped)."""
    return cast(Any, obj)._parler_meta.root_model


def field_label(obj: models.Model, name: str) -> str:
    """The translated field's own verbose name ("legislation", "services for children at risk")."""
    return str(translations_model(obj)._meta.get_field(name).verbose_name)


def languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def language_name(code: str) -> str:
    return str(dict(settings.LANGUAGES).get(code, code))


# --- reads --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LanguageStatus:
    """Where one language of a content object stands."""

    language: str
    name: str
    status: str  # MISSING or a Status value
    revision: int | None  # the latest saved revision of this language
    source_revision: int | None  # the English revision this translation was made from
    published_revision: int | None
    latest_source: int | None  # the latest English revision
    outdated: bool

    @property
    def is_source(self) -> bool:
        return self.language == SOURCE_LANGUAGE

    @property
    def status_label(self) -> str:
        return _("Missing") if self.status == MISSING else str(Status(self.status).label)


def _translations(obj: models.Model) -> dict[str, Any]:
    if obj.pk is None:
        return {}
    model = translations_model(obj)
    return {row.language_code: row for row in model.objects.filter(master_id=obj.pk)}


def _revisions(obj: models.Model) -> models.QuerySet[Revision]:
    return Revision.objects.filter(content=content_label(obj), object_id=str(obj.pk))


def latest_revision(obj: models.Model, language: str) -> Revision | None:
    if obj.pk is None:
        return None
    return _revisions(obj).filter(language=language).order_by("-number").first()


def latest_source_number(obj: models.Model) -> int | None:
    """The number of the latest English revision (draft or not): what a translator should translate from."""
    if obj.pk is None:
        return None
    number = _revisions(obj).filter(language=SOURCE_LANGUAGE).aggregate(top=Max("number"))["top"]
    return int(number) if number is not None else None


def _is_outdated(language: str, source_revision: int | None, latest_source: int | None) -> bool:
    return language != SOURCE_LANGUAGE and source_revision is not None and latest_source is not None and source_revision < latest_source


def translation_status(obj: models.Model) -> list[LanguageStatus]:
    """Every language of ``settings.LANGUAGES``: missing, draft, in review or published, and whether it is outdated."""
    rows = _translations(obj)
    latest_source = latest_source_number(obj)
    statuses = []
    for code in languages():
        row = rows.get(code)
        if row is None or not row.revision:
            statuses.append(LanguageStatus(code, language_name(code), MISSING, None, None, None, latest_source, False))
            continue
        statuses.append(
            LanguageStatus(
                language=code,
                name=language_name(code),
                status=row.status,
                revision=row.revision,
                source_revision=row.source_revision,
                published_revision=row.published_revision,
                latest_source=latest_source,
                outdated=_is_outdated(code, row.source_revision, latest_source),
            )
        )
    return statuses


def language_status(obj: models.Model, language: str) -> LanguageStatus:
    return next(s for s in translation_status(obj) if s.language == language)


def current_text(obj: models.Model, language: str) -> dict[str, str]:
    """The text of the latest revision of ``language`` (empty strings when there is none yet)."""
    revision = latest_revision(obj, language)
    data = revision.data if revision is not None else {}
    return {field.name: str(data.get(field.name, "")) for field in fields_of(obj)}


def text_differs(obj: models.Model, language: str, data: dict[str, str]) -> bool:
    """Whether saving ``data`` would change the latest revision's text (always, when there is none yet)."""
    if latest_revision(obj, language) is None:
        return True
    current = current_text(obj, language)
    for field in fields_of(obj):
        if field.name not in data:
            continue
        value = str(data[field.name]).replace("\r\n", "\n").strip()
        if field.rich:
            value = richtext.clean(value)
        if value != current.get(field.name, ""):
            return True
    return False


def revisions_for(obj: models.Model, language: str) -> list[Revision]:
    """The history of one language, newest first."""
    if obj.pk is None:
        return []
    return list(_revisions(obj).filter(language=language).select_related("author").order_by("-number"))


@dataclass(frozen=True)
class FieldDiff:
    field: str
    label: str
    lines: list[str]  # unified diff lines without the ---/+++ header: "@@ ...", " same", "-old", "+new"


_BLOCK_END = re.compile(r"(</(?:p|li|h[2-4]|tr|blockquote|ul|ol|table|pre)>|<br>|<hr>)", re.IGNORECASE)


def _lines(text: str) -> list[str]:
    """Text cut into lines, also after each closing block tag, so a change shows the paragraph it is in."""
    return [line for line in _BLOCK_END.sub(r"\1\n", text or "").splitlines() if line.strip()]


def diff_texts(obj: models.Model, old: dict[str, Any], new: dict[str, Any]) -> list[FieldDiff]:
    """The fields that differ between two revisions' data, each as a unified diff."""
    diffs = []
    for field in fields_of(obj):
        before, after = str(old.get(field.name, "")), str(new.get(field.name, ""))
        if before == after:
            continue
        lines = list(difflib.unified_diff(_lines(before), _lines(after), lineterm="", n=2))[2:]
        if lines:
            diffs.append(FieldDiff(field.name, field_label(obj, field.name), lines))
    return diffs


def source_diff(obj: models.Model, language: str) -> list[FieldDiff]:
    """What changed in English between the revision ``language`` was translated from and the latest English revision."""
    status = language_status(obj, language)
    if not status.outdated or status.source_revision is None:
        return []
    english = {
        r.number: r for r in _revisions(obj).filter(language=SOURCE_LANGUAGE, number__in=[status.source_revision, status.latest_source])
    }
    old, new = english.get(status.source_revision), english.get(status.latest_source or 0)
    if new is None:
        return []
    return diff_texts(obj, old.data if old is not None else {}, new.data)


def last_send_back(obj: models.Model, language: str) -> AuditEntry | None:
    """The reviewer's latest "sent back" for this language, when the language is a draft again since."""
    if obj.pk is None:
        return None
    return (
        AuditEntry.objects.filter(
            action="portal.content.send_back", object_type=content_label(obj), object_id=str(obj.pk), purpose__startswith=f"{language}:"
        )
        .order_by("-seq")
        .first()
    )


# --- rich text ------------------------------------------------------------------------------


def clean_rich_text(html: str, *, label: str) -> str:
    """The cleaned HTML, or a ValidationError when cleaning would remove anything that means something."""
    cleaned = richtext.clean(html)
    if safehtml.loses_nothing(html, cleaned):
        return cleaned
    found = safehtml.not_allowed(html, tags=richtext.ALLOWED_TAGS, attributes=richtext.ALLOWED_ATTRIBUTES, url_schemes=richtext.URL_SCHEMES)
    if found:
        message = _(
            "%(field)s contains HTML that is not allowed (%(found)s). Scripts, styles, event attributes and tags other "
            "than simple formatting are refused. Nothing was saved."
        ) % {"field": label, "found": ", ".join(found[:8])}
    else:
        message = _("%(field)s contains HTML that cannot be stored as written. Use only simple formatting. Nothing was saved.") % {
            "field": label
        }
    raise ValidationError({"": message})


# --- writes ---------------------------------------------------------------------------------


def _require(actor: Any, action: PortalAction, obj: Any = None) -> None:
    if not PortalPolicy.can(actor, action, obj):
        raise PermissionDenied


def _check_language(language: str) -> None:
    if language not in languages():
        raise ValidationError({"language": _("Choose a language from the list.")})


def _lock(obj: models.Model) -> None:
    """Serialise writes to one content object (revision numbers, state changes): lock its row."""
    type(obj)._default_manager.select_for_update().filter(pk=obj.pk).values_list("pk", flat=True).first()


def _validated_text(obj: models.Model, language: str, data: dict[str, str]) -> dict[str, str]:
    fields = fields_of(obj)
    names = {field.name for field in fields}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ValidationError({"": _("Unknown fields: %(fields)s.") % {"fields": ", ".join(unknown)}})
    current = current_text(obj, language)
    text: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for field in fields:
        value = str(data[field.name]) if field.name in data else current.get(field.name, "")
        value = value.replace("\r\n", "\n").strip()
        label = capfirst(field_label(obj, field.name))
        if field.rich and value:
            try:
                value = clean_rich_text(value, label=label)
            except ValidationError as error:
                errors.setdefault(field.name, []).extend(error.messages)
        if field.required and not value:
            errors.setdefault(field.name, []).append(_("%(field)s is required.") % {"field": label})
        if field.max_length and len(value) > field.max_length:
            errors.setdefault(field.name, []).append(
                _("%(field)s is at most %(max)s characters long.") % {"field": label, "max": field.max_length}
            )
        text[field.name] = value
    if errors:
        raise ValidationError(errors)
    if not any(text.values()):
        raise ValidationError({"": _("Nothing to save: every field is empty.")})
    return text


def _source_revision(obj: models.Model, language: str, given: int | None) -> int | None:
    if language == SOURCE_LANGUAGE:
        return None
    latest = latest_source_number(obj)
    if latest is None:
        raise ValidationError({"": _("Write and save the English text first: translations are made from it.")})
    if given is None:
        return latest
    if not 1 <= given <= latest:
        raise ValidationError({"source_revision": _("There is no English revision %(number)s.") % {"number": given}})
    return given


@transaction.atomic
def content_save(
    *, actor: Any, obj: models.Model, language: str, data: dict[str, str], note: str = "", source_revision: int | None = None
) -> Revision:
    """Save a new draft revision of one language of ``obj``; the public keeps seeing what was published.

    ``source_revision`` is the English revision the translator saw when they opened the form
    (the form carries it); without it, the latest English revision is recorded.
    """
    _require(actor, PortalAction.EDIT, obj)
    _check_language(language)
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": _("At most %(max)s characters.") % {"max": NOTE_MAX}})
    if obj.pk is None:
        obj.save()  # a country or priority page is made when its first text is saved
    _lock(obj)
    text = _validated_text(obj, language, data)
    made_from = _source_revision(obj, language, source_revision)
    previous = _revisions(obj).filter(language=language).aggregate(top=Max("number"))["top"] or 0
    number = previous + 1
    # A text in review that is edited again is a draft again: its revision leaves review.
    _revisions(obj).filter(language=language, status=Status.IN_REVIEW).update(status=Status.DRAFT)
    revision = Revision.objects.create(
        content=content_label(obj),
        object_id=str(obj.pk),
        language=language,
        number=number,
        data=text,
        status=Status.DRAFT,
        source_revision=made_from,
        note=note,
        author=actor,
    )
    _write_translation(obj, language, text=text, status=Status.DRAFT, revision=number, source_revision=made_from)
    record(actor=actor, action="portal.content.save", obj=obj, purpose=f"{language} revision {number}: {note}")
    return revision


def _write_translation(obj: models.Model, language: str, **values: Any) -> None:
    """Write one translation row straight to the database.

    Not through parler's attribute API: that writes back every field of the copy parler holds
    in its cache, which another process may have made stale (carnet never trusts in-process state).
    """
    text = values.pop("text", {})
    model = translations_model(obj)
    row = model.objects.select_for_update().filter(master_id=obj.pk, language_code=language).first()
    if row is None:
        row = model(master_id=obj.pk, language_code=language)
    for name, value in {**text, **values}.items():
        setattr(row, name, value)
    row.save()  # parler drops its cached copy of this translation when the row is saved
    type(obj)._default_manager.filter(pk=obj.pk).update(updated_at=timezone.now())
    obj.refresh_from_db()


def _state(obj: models.Model, language: str) -> tuple[Any, Revision]:
    """The translation row and its latest revision, or a Conflict when there is nothing saved in ``language``."""
    _check_language(language)
    if obj.pk is not None:
        _lock(obj)
    row = _translations(obj).get(language)
    revision = latest_revision(obj, language)
    if row is None or revision is None or not row.revision:
        raise Conflict(_("Nothing has been saved in %(language)s yet.") % {"language": language_name(language)}, code="no_text")
    return row, revision


def _refuse_state(row: Any, *, allowed: set[str]) -> None:
    if row.status in allowed:
        return
    messages = {
        Status.DRAFT: _("This text is a draft: it has not been submitted for review."),
        Status.IN_REVIEW: _("This text is already in review."),
        Status.PUBLISHED: _("This revision is already published. Save a new draft to change it."),
    }
    raise Conflict(messages.get(row.status, _("This step is not possible now.")), code="wrong_state")


def _set_status(obj: models.Model, language: str, revision: Revision, status: Status, **values: Any) -> None:
    revision.status = status
    revision.save(update_fields=["status"])
    _write_translation(obj, language, status=status, **values)


@transaction.atomic
def content_submit(*, actor: Any, obj: models.Model, language: str) -> Revision:
    """Ask the secretariat to review and publish the latest draft of ``language``."""
    _require(actor, PortalAction.EDIT, obj)
    row, revision = _state(obj, language)
    _refuse_state(row, allowed={Status.DRAFT})
    _set_status(obj, language, revision, Status.IN_REVIEW)
    record(actor=actor, action="portal.content.submit", obj=obj, purpose=f"{language} revision {revision.number}")
    return revision


@transaction.atomic
def content_publish(*, actor: Any, obj: models.Model, language: str) -> Revision:
    """Make the latest revision of ``language`` what the public reads (the secretariat may publish its own drafts)."""
    _require(actor, PortalAction.PUBLISH, obj)
    row, revision = _state(obj, language)
    _refuse_state(row, allowed={Status.DRAFT, Status.IN_REVIEW})
    _set_status(obj, language, revision, Status.PUBLISHED, published_revision=revision.number)
    if isinstance(obj, NewsItem) and obj.published_at is None:
        obj.published_at = timezone.now()
        obj.save(update_fields=["published_at", "updated_at"])
    record(actor=actor, action="portal.content.publish", obj=obj, purpose=f"{language} revision {revision.number}")
    return revision


@transaction.atomic
def content_send_back(*, actor: Any, obj: models.Model, language: str, reason: str) -> Revision:
    """Return a text in review to its authors as a draft, saying why."""
    _require(actor, PortalAction.REVIEW, obj)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the text goes back, so that its authors know what to change.")})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": _("At most %(max)s characters.") % {"max": REASON_MAX}})
    row, revision = _state(obj, language)
    _refuse_state(row, allowed={Status.IN_REVIEW})
    _set_status(obj, language, revision, Status.DRAFT)
    record(actor=actor, action="portal.content.send_back", obj=obj, purpose=f"{language}: {reason}")
    return revision


@transaction.atomic
def revision_restore(*, actor: Any, obj: models.Model, language: str, number: int) -> Revision:
    """Save an earlier revision's text again, as a new draft (history is never rewritten)."""
    _require(actor, PortalAction.EDIT, obj)
    old = _revisions(obj).filter(language=language, number=number).first() if obj.pk is not None else None
    if old is None:
        raise ValidationError({"": _("There is no revision %(number)s.") % {"number": number}})
    note = _("Restored revision %(number)s.") % {"number": number}
    return content_save(actor=actor, obj=obj, language=language, data=dict(old.data), note=note, source_revision=old.source_revision)


@transaction.atomic
def news_create(
    *,
    actor: Any,
    slug: str,
    language: str,
    data: dict[str, str],
    country: Country | None = None,
    priority: Priority | None = None,
    note: str = "",
) -> NewsItem:
    """A news item with its first draft (in English: translations are made from it)."""
    _require(actor, PortalAction.CREATE_NEWS)
    slug = normalised_slug(slug, max_length=SLUG_MAX)
    if NewsItem.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": _("Another news item already has this address.")})
    item = NewsItem(slug=slug, country=country, priority=priority, created_by=actor)
    item.save()
    content_save(actor=actor, obj=item, language=language, data=data, note=note)
    record(actor=actor, action="portal.news.create", obj=item, purpose=slug)
    return item


def _fact_fields(value: str, source: str, year: int | None, labels: dict[str, str]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not value:
        errors["value"] = [_("Give the number.")]
    elif len(value) > 50:
        errors["value"] = [_("At most %(max)s characters.") % {"max": 50}]
    if not source:
        errors["source"] = [_("Say where the number comes from.")]
    elif len(source) > 300:
        errors["source"] = [_("At most %(max)s characters.") % {"max": 300}]
    this_year = timezone.localdate().year
    if year is None or not FIRST_FACT_YEAR <= year <= this_year:
        errors["year"] = [_("The year is between %(first)s and %(last)s.") % {"first": FIRST_FACT_YEAR, "last": this_year}]
    unknown = set(labels) - set(languages())
    if unknown:
        errors["labels"] = [_("Unknown languages: %(codes)s.") % {"codes": ", ".join(sorted(unknown))}]
    if not labels.get(SOURCE_LANGUAGE, "").strip():
        errors[f"label_{SOURCE_LANGUAGE}"] = [_("Say in English what the number counts.")]
    for code, label in labels.items():
        if len(label.strip()) > 300:
            errors[f"label_{code}"] = [_("At most %(max)s characters.") % {"max": 300}]
    return errors


@transaction.atomic
def keyfact_save(
    *,
    actor: Any,
    page: CountryPage,
    value: str,
    source: str,
    year: int | None,
    labels: dict[str, str],
    fact: KeyFact | None = None,
    order: int | None = None,
) -> KeyFact:
    """Add a key fact to a country page (or change ``fact``): a number, what it counts, its source and year."""
    _require(actor, PortalAction.EDIT, page)
    if fact is not None and fact.page_id != page.pk:
        raise PermissionDenied
    value, source = (value or "").strip(), (source or "").strip()
    labels = {code: (label or "").strip() for code, label in labels.items()}
    errors = _fact_fields(value, source, year, labels)
    if errors:
        raise ValidationError(errors)
    if page.pk is None:
        page.save()
    _lock(page)
    if fact is None:
        top = page.facts.aggregate(top=Max("order"))["top"]
        fact = KeyFact(page=page, order=(top + 1) if top is not None else 0)
    else:
        fact.refresh_from_db()
    if order is not None:
        fact.order = order
    fact.value, fact.source, fact.year = value, source, year
    fact.save()
    rows = translations_model(fact)
    for code, label in labels.items():
        row = rows.objects.filter(master_id=fact.pk, language_code=code).first()
        if label:
            row = row or rows(master_id=fact.pk, language_code=code)
            row.label = label
            row.save()
        elif row is not None:
            row.delete()  # an emptied label: that language falls back to English
    fact.refresh_from_db()
    record(actor=actor, action="portal.keyfact.save", obj=fact, purpose=f"{page.country.code}: {value} ({year})")
    return fact


@transaction.atomic
def keyfact_delete(*, actor: Any, fact: KeyFact) -> None:
    _require(actor, PortalAction.EDIT, fact)
    record(actor=actor, action="portal.keyfact.delete", obj=fact, purpose=f"{fact.page.country.code}: {fact.value} ({fact.year})")
    fact.delete()
