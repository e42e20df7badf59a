"""Writes to a meeting's outcomes, the closing of a meeting, and the bridge to the Plan of Action.

An outcome item is typed (area of concern, gap, area for action, expert input, commitment)
and its text is content translated as data: one text per site language, at least one. A
text is plain text: whatever it holds (HTML included) is kept as written and escaped
wherever it is shown, never interpreted. A commitment names who committed (an
organisation, a state, or both); nothing else does.

Only an area for action becomes (or links to) an action of the Plan of Action: that needs
both the event's ``LINK_ACTION`` and the Plan of Action's ``CREATE`` (the secretariat keeps
the plan). The outcome row is locked while it is linked, so two people turning the same
item into an action at the same moment make one action, and the second gets a Conflict.

Closing a meeting records what it was (attendance, participating countries and
organisations) once, after it ended; the defaults come from the registrations marked as
attended. Every write is audited in its own transaction.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from carnet.actionplan.models import Action
from carnet.actionplan.policies import ActionPlanAction, ActionPlanPolicy
from carnet.actionplan.services import TITLE_MAX, action_create, clean_texts, site_languages
from carnet.audit.services import record
from carnet.core.errors import Conflict, DomainError
from carnet.core.models import Country, Priority
from carnet.directory.models import Organisation
from carnet.events.models import Event, EventStatus, Outcome, OutcomeKind, Registration
from carnet.events.policies import EventAction, EventPolicy

NO_TEXT = _("Write the item in at least one language.")
BAD_KIND = _("Choose the kind of item.")
COMMITMENT_NEEDS_MAKER = _("Say who made the commitment: an organisation, a state, or both.")
ONLY_COMMITMENT_HAS_MAKER = _("Only a commitment names who committed.")
CANCELLED_HAS_NO_OUTCOMES = _("A cancelled meeting has no outcomes.")
ONLY_ACTION_AREA = _("Only an area for action can become an action of the Plan of Action.")
ALREADY_LINKED = _("This item is already linked to the action %(code)s.")
LINKED_KEEPS_KIND = _("This item is linked to the action %(code)s, so it stays an area for action.")
NOT_ENDED = _("A meeting can be closed only after it has ended.")
NOT_HELD = _("Only a meeting that took place can be closed; this one is a draft or was cancelled.")
ALREADY_CLOSED = _("This meeting was already closed.")
BAD_COUNT = _("Give the number of participants who attended (0 or more).")

_UNSET: Any = object()
TEXT_MAX = 5000


def _may_manage(actor: Any, event: Event) -> None:
    if not EventPolicy.can(actor, EventAction.MANAGE, event):
        raise PermissionDenied(_("You may not change this meeting's outcomes."))


def _may_link(actor: Any, event: Event) -> None:
    if not (EventPolicy.can(actor, EventAction.LINK_ACTION, event) and ActionPlanPolicy.can(actor, ActionPlanAction.CREATE)):
        raise PermissionDenied(_("Only the secretariat turns an area for action into an action of the Plan of Action."))


def _kind(kind: str) -> OutcomeKind:
    if kind not in OutcomeKind.values:
        raise ValidationError({"kind": BAD_KIND}, code="kind")
    return OutcomeKind(kind)


def _check_maker(kind: str, committed_by: Organisation | None, committed_country: Country | None) -> None:
    if kind == OutcomeKind.COMMITMENT and committed_by is None and committed_country is None:
        raise ValidationError({"committed_by": COMMITMENT_NEEDS_MAKER}, code="required")
    if kind != OutcomeKind.COMMITMENT and (committed_by is not None or committed_country is not None):
        raise ValidationError({"committed_by": ONLY_COMMITMENT_HAS_MAKER}, code="not_commitment")


def texts_of(outcome: Outcome) -> dict[str, str]:
    """The outcome's text per language, as stored."""
    return {t.language_code: t.text for t in outcome.translations.all()}


@transaction.atomic
def outcome_add(
    *,
    actor: Any,
    event: Event,
    kind: str,
    texts: Mapping[str, str],
    priority: Priority | None = None,
    countries: Iterable[Country] = (),
    committed_by: Organisation | None = None,
    committed_country: Country | None = None,
) -> Outcome:
    """Record one outcome item of a meeting, after the others (its position is the next free one)."""
    _may_manage(actor, event)
    locked: Event = Event.objects.select_for_update().get(pk=event.pk)  # positions are given out one at a time
    if locked.status == EventStatus.CANCELLED:
        raise DomainError(str(CANCELLED_HAS_NO_OUTCOMES), code="cancelled")
    outcome_kind = _kind(kind)
    cleaned = clean_texts(texts, field="texts", max_length=TEXT_MAX)
    if not cleaned:
        raise ValidationError({"texts": NO_TEXT}, code="required")
    _check_maker(outcome_kind, committed_by, committed_country)
    last = Outcome.objects.filter(event=locked).aggregate(last=Max("position"))["last"]
    outcome = Outcome(
        event=locked,
        kind=outcome_kind,
        position=0 if last is None else last + 1,
        priority=priority,
        committed_by=committed_by,
        committed_country=committed_country,
        created_by=actor,
    )
    for language, text in cleaned.items():
        outcome.set_current_language(language)
        outcome.text = text
    outcome.full_clean()
    outcome.save()
    outcome.countries.set(list(countries))
    record(actor=actor, action="outcome.add", obj=outcome, purpose=f"{locked.slug}: {outcome_kind}")
    return outcome


@transaction.atomic
def outcome_update(
    *,
    actor: Any,
    outcome: Outcome,
    texts: Mapping[str, str] | None = None,
    kind: str | None = None,
    priority: Priority | None = _UNSET,
    countries: Iterable[Country] | None = None,
    committed_by: Organisation | None = _UNSET,
    committed_country: Country | None = _UNSET,
) -> Outcome:
    """Change an outcome item. ``texts`` names the languages to change: an empty text removes that language."""
    _may_manage(actor, outcome.event)
    locked: Outcome = Outcome.objects.select_for_update(of=("self",)).select_related("event", "action").get(pk=outcome.pk)
    fields: list[str] = []
    new_kind = _kind(kind) if kind is not None else OutcomeKind(locked.kind)
    if new_kind != locked.kind:
        if locked.action_id is not None:
            raise DomainError(str(LINKED_KEEPS_KIND % {"code": locked.action.code}), code="linked")
        locked.kind = new_kind
        fields.append("kind")
    if priority is not _UNSET:
        locked.priority = priority
        fields.append("priority")
    if committed_by is not _UNSET:
        locked.committed_by = committed_by
        fields.append("committed_by")
    if committed_country is not _UNSET:
        locked.committed_country = committed_country
        fields.append("committed_country")
    _check_maker(new_kind, locked.committed_by, locked.committed_country)

    current = texts_of(locked)
    changed: dict[str, str] = {}
    removed: list[str] = []
    if texts is not None:
        languages = site_languages()
        for language, text in texts.items():
            if language not in languages or len(str(text or "").strip()) > TEXT_MAX:
                clean_texts({language: text}, field="texts", max_length=TEXT_MAX)  # raises the clear message
            value = str(text or "").strip()
            if value and value != current.get(language):
                changed[language] = value
            elif not value and language in current:
                removed.append(language)
        remaining = {lang for lang in current if lang not in removed} | set(changed)
        if not remaining:
            raise ValidationError({"texts": NO_TEXT}, code="required")
    for language, value in changed.items():
        locked.set_current_language(language)
        locked.text = value
    locked.full_clean()
    locked.save(update_fields=[*fields, "updated_at"])  # parler saves the changed translations with it
    if removed:
        locked.translations.filter(language_code__in=removed).delete()
    if countries is not None:
        locked.countries.set(list(countries))
    record(actor=actor, action="outcome.update", obj=locked, purpose=locked.event.slug)
    return locked


@transaction.atomic
def outcome_move(*, actor: Any, outcome: Outcome, up: bool) -> Outcome:
    """Swap an item with the one before (``up``) or after it; at either end nothing changes."""
    _may_manage(actor, outcome.event)
    Event.objects.select_for_update().get(pk=outcome.event_id)
    items: list[Outcome] = list(Outcome.objects.filter(event_id=outcome.event_id).order_by("position", "created_at", "pk"))
    index = next(i for i, item in enumerate(items) if item.pk == outcome.pk)
    other = index - 1 if up else index + 1
    if other < 0 or other >= len(items):
        return items[index]
    items[index], items[other] = items[other], items[index]
    for position, item in enumerate(items):
        if item.position != position:
            item.position = position
            item.save(update_fields=["position", "updated_at"])
    record(actor=actor, action="outcome.move", obj=outcome, purpose="up" if up else "down")
    return next(item for item in items if item.pk == outcome.pk)


@transaction.atomic
def outcome_delete(*, actor: Any, outcome: Outcome) -> None:
    """Remove an outcome item (an action made from it stays in the Plan of Action)."""
    _may_manage(actor, outcome.event)
    record(actor=actor, action="outcome.delete", obj=outcome, purpose=outcome.event.slug)
    Outcome.objects.filter(pk=outcome.pk).delete()


def _lock_for_link(actor: Any, outcome: Outcome) -> Outcome:
    _may_link(actor, outcome.event)
    locked: Outcome = Outcome.objects.select_for_update(of=("self",)).select_related("event", "action").get(pk=outcome.pk)
    if locked.kind != OutcomeKind.ACTION_AREA:
        raise DomainError(str(ONLY_ACTION_AREA), code="not_action_area")
    if locked.action_id is not None:
        raise Conflict(str(ALREADY_LINKED % {"code": locked.action.code}), code="already_linked")
    return locked


def _title_from(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= TITLE_MAX:
        return text
    return text[: TITLE_MAX - 1].rsplit(" ", 1)[0] + "…"


@transaction.atomic
def outcome_make_action(*, actor: Any, outcome: Outcome, code: str | None = None, title: str | None = None) -> Action:
    """Turn an area for action into a new action of the Plan of Action and link the two.

    The action's titles are the item's texts (shortened to a title's length; the whole text
    becomes the description when it is longer); ``title`` replaces the title in the current
    language. The item's priority and countries are copied.
    """
    locked = _lock_for_link(actor, outcome)
    texts = texts_of(locked)
    titles = {language: _title_from(text) for language, text in texts.items()}
    descriptions = {language: text for language, text in texts.items() if len(" ".join(text.split())) > TITLE_MAX}
    if title is not None and title.strip():
        language = get_language() or "en"
        titles[language if language in site_languages() else "en"] = title.strip()
    action = action_create(
        actor=actor,
        code=code or None,
        titles=titles,
        descriptions=descriptions,
        priority=locked.priority,
        countries=list(locked.countries.all()),
    )
    locked.action = action
    locked.save(update_fields=["action", "updated_at"])
    outcome.action = action
    record(actor=actor, action="outcome.make_action", obj=locked, purpose=action.code)
    return action


@transaction.atomic
def outcome_link_action(*, actor: Any, outcome: Outcome, action: Action) -> Outcome:
    """Link an area for action to an action that already exists (several meetings may feed one action)."""
    locked = _lock_for_link(actor, outcome)
    locked.action = action
    locked.save(update_fields=["action", "updated_at"])
    outcome.action = action
    record(actor=actor, action="outcome.link_action", obj=locked, purpose=action.code)
    return locked


# Closing a meeting ----------------------------------------------------------------------------------------------------


def event_has_ended(event: Event, now: datetime | None = None) -> bool:
    """True once the meeting is over: after its end for a timed one, from the day after its last day for an all-day one."""
    now = now or timezone.now()
    if not event.all_day and event.end is not None:
        return bool(event.end <= now)
    try:
        zone = zoneinfo.ZoneInfo(event.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    return bool(now.astimezone(zone).date() > event.end_date)


@dataclass(frozen=True)
class Attendance:
    """What the registrations marked as attended say: the defaults of the closing form."""

    count: int
    countries: list[Country]
    organisations: list[Organisation]


def attendance_from_registrations(event: Event) -> Attendance:
    attended = Registration.objects.filter(event=event, attended=True)
    country_ids = set(attended.exclude(country=None).values_list("country_id", flat=True))
    organisation_ids = set(attended.exclude(organisation=None).values_list("organisation_id", flat=True))
    return Attendance(
        count=attended.count(),
        countries=list(Country.objects.filter(pk__in=country_ids)),
        organisations=list(Organisation.objects.filter(pk__in=organisation_ids)),
    )


@transaction.atomic
def event_close(
    *,
    actor: Any,
    event: Event,
    attendance_count: int | None = None,
    countries: Iterable[Country] | None = None,
    organisations: Iterable[Organisation] | None = None,
) -> Event:
    """Record what the meeting was, once, after it ended; what is not given comes from the attended registrations."""
    _may_manage(actor, event)
    locked: Event = Event.objects.select_for_update().get(pk=event.pk)
    if locked.closed_at is not None:
        raise Conflict(str(ALREADY_CLOSED), code="already_closed")
    if locked.status not in (EventStatus.TENTATIVE, EventStatus.CONFIRMED):
        raise DomainError(str(NOT_HELD), code="not_held")
    if not event_has_ended(locked):
        raise DomainError(str(NOT_ENDED), code="not_ended")
    if attendance_count is not None and (not isinstance(attendance_count, int) or attendance_count < 0):
        raise ValidationError({"attendance_count": BAD_COUNT}, code="count")
    defaults = attendance_from_registrations(locked)
    locked.attendance_count = defaults.count if attendance_count is None else attendance_count
    locked.closed_at = timezone.now()
    locked.save(update_fields=["attendance_count", "closed_at", "updated_at"])
    locked.participating_countries.set(defaults.countries if countries is None else list(countries))
    locked.participating_organisations.set(defaults.organisations if organisations is None else list(organisations))
    for name in ("attendance_count", "closed_at"):
        setattr(event, name, getattr(locked, name))
    record(actor=actor, action="event.close", obj=locked, purpose=f"{locked.attendance_count} attended")
    return locked
