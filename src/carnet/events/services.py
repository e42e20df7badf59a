"""Every write to events, registrations, attendance and meeting documents.

Why the rules are here and not in the forms: the pages, the API, the demo loader and the
reminder task all change events, and each must keep the calendar's promises to the
people who subscribed to it (RFC 5545):

* ``uid`` is set once, when the event is created, and never changes;
* ``sequence`` grows by one exactly when the event's **time** (start, end, dates, all day,
  time zone), **place** (venue, city, country, online) or **status** changes, and never
  otherwise — a calendar client replaces its copy only when the number has grown, so a
  correction of the description does not make every subscriber's phone ring;
* a cancelled event is kept (``STATUS:CANCELLED`` under the same UID), never deleted.

Registration counts the places that are held (``HOLDS_PLACE``) while the event's row is
locked (``select_for_update``), so two people cannot take the last place at once. A
refused change raises (``ValidationError`` with a message per field, ``DomainError`` /
``Conflict``, ``PermissionDenied``) inside the transaction: nothing is written. E-mails go
out after the commit, each in its recipient's language.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from carnet.accounts.models import Membership, User
from carnet.audit.services import record
from carnet.core.errors import Conflict, DomainError
from carnet.core.models import Country, Priority
from carnet.directory.models import Organisation
from carnet.events.models import (
    HOLDS_PLACE,
    DocumentKind,
    Event,
    EventDocument,
    EventKind,
    EventOrganiser,
    EventSeries,
    EventStatus,
    EventVisibility,
    OrganiserRole,
    Registration,
    RegistrationStatus,
)
from carnet.events.policies import EventAction, EventPolicy, may_manage

TRANSLATED_FIELDS = ("title", "description", "venue", "city")
TIME_FIELDS = ("all_day", "timezone", "start", "end", "start_date", "end_date")
PLACE_FIELDS = ("country_id", "online")
PLACE_TRANSLATED = ("venue", "city")

# What event_update accepts; anything else is refused rather than silently ignored.
UPDATABLE = frozenset(
    {
        "kind",
        "slug",
        "translations",
        "country",
        "online",
        "all_day",
        "timezone",
        "start",
        "end",
        "start_date",
        "end_date",
        "visibility",
        "status",
        "series",
        "number_in_series",
        "organisers",
        "working_languages",
        "priorities",
        "registration_opens",
        "registration_closes",
        "capacity",
        "requires_approval",
    }
)

NOT_ALLOWED = _("You may not manage this event.")
# Words the calendar's own addresses use (/events/feeds/, /events/my/ ...): an event cannot be called so.
RESERVED_SLUGS = frozenset({"feeds", "feed", "my", "new", "outcomes", "month", "api"})
SLUG_TAKEN = _("Another event already has this web address (slug). Choose another.")
BAD_ZONE = _("“%(zone)s” is not a time zone. Choose one from the list, for example Europe/Vilnius.")


def _denied() -> PermissionDenied:
    return PermissionDenied(NOT_ALLOWED)


def _require_manage(actor: Any, event: Event) -> None:
    if not may_manage(actor, event):
        raise _denied()


# --- Time, place and the schedule -------------------------------------------------------------------------


@functools.cache
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def time_zone_names() -> list[str]:
    """The IANA time zones carnet accepts, sorted (for the form's select)."""
    return sorted(_known_zones())


def zone_of(name: str) -> ZoneInfo:
    """The time zone called ``name``; a name that does not exist is refused with a message."""
    if not isinstance(name, str) or name not in _known_zones():
        raise ValidationError(
            {
                "timezone": _("“%(zone)s” is not a time zone. Choose one from the list, for example Europe/Vilnius.")
                % {"zone": str(name)[:64]}
            },
            code="timezone",
        )
    return ZoneInfo(name)


def _aware(value: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """A naive datetime is local time in ``zone``; an aware one is kept as the instant it is."""
    if timezone.is_naive(value):
        return value.replace(tzinfo=zone)
    return value


def _local_end_date(end: dt.datetime, zone: ZoneInfo) -> dt.date:
    """The last day of a timed event; one that ends at midnight ends on the day before."""
    local = end.astimezone(zone)
    if local.time() == dt.time(0, 0):
        return (local - dt.timedelta(microseconds=1)).date()
    return local.date()


def _schedule(
    *,
    all_day: bool,
    zone_name: str,
    start: dt.datetime | None,
    end: dt.datetime | None,
    start_date: dt.date | None,
    end_date: dt.date | None,
) -> dict[str, Any]:
    """The stored time fields from what the caller stated, or ``ValidationError`` with a message per field."""
    errors: dict[str, Any] = {}
    zone = zone_of(zone_name)
    if all_day:
        if start_date is None:
            errors["start_date"] = _("An all-day event needs its first day.")
        last = end_date if end_date is not None else start_date
        if start_date is not None and last is not None and last < start_date:
            errors["end_date"] = _("The last day cannot be before the first day.")
        if errors:
            raise ValidationError(errors)
        return {"all_day": True, "timezone": zone_name, "start": None, "end": None, "start_date": start_date, "end_date": last}
    if start is None:
        errors["start"] = _("An event with a time needs its start (date and time).")
    if end is None:
        errors["end"] = _("An event with a time needs its end (date and time).")
    if errors:
        raise ValidationError(errors)
    if start is None or end is None:  # checked just above; for the type checker
        raise ValidationError(errors)
    start, end = _aware(start, zone), _aware(end, zone)
    if end <= start:
        raise ValidationError({"end": _("The event cannot end before it starts: the end must come after the start.")})
    return {
        "all_day": False,
        "timezone": zone_name,
        "start": start,
        "end": end,
        "start_date": start.astimezone(zone).date(),
        "end_date": max(_local_end_date(end, zone), start.astimezone(zone).date()),
    }


def _merge_translations(
    translations: Mapping[str, Mapping[str, str]], existing: Mapping[str, Mapping[str, str]]
) -> tuple[dict[str, dict[str, str]], set[str]]:
    """The translations to write (merged with ``existing`` per field) and the languages to remove (all fields emptied).

    A language with any text needs its title; at least one language keeps a title.
    """
    languages = {code for code, _name in settings.LANGUAGES}
    to_write: dict[str, dict[str, str]] = {}
    to_remove: set[str] = set()
    for language, fields in translations.items():
        if language not in languages:
            raise ValidationError({"translations": _("“%(code)s” is not one of the site's languages.") % {"code": str(language)[:20]}})
        unknown = set(fields) - set(TRANSLATED_FIELDS)
        if unknown:
            raise ValidationError({"translations": _("Unknown field: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}})
        merged = dict.fromkeys(TRANSLATED_FIELDS, "") | dict(existing.get(language, {}))
        merged |= {name: str(value or "").strip() for name, value in fields.items()}
        if not any(merged.values()):
            if language in existing:
                to_remove.add(language)
            continue
        if not merged["title"]:
            raise ValidationError(
                {f"title_{language}": _("Give the title in this language too, or leave all of this language's fields empty.")}
            )
        to_write[language] = merged
    titled = {code for code, fields in existing.items() if fields.get("title")} - to_remove | set(to_write)
    if not titled:
        raise ValidationError({"title": _("Give the event a title in at least one language.")})
    return to_write, to_remove


def _existing_translations(event: Event) -> dict[str, dict[str, str]]:
    return {row.language_code: {name: getattr(row, name) or "" for name in TRANSLATED_FIELDS} for row in event.translations.all()}


def _check_working_languages(codes: Iterable[str]) -> list[str]:
    from django.conf.locale import LANG_INFO

    cleaned: list[str] = []
    for raw in codes:
        code = str(raw).strip().lower()
        if not code:
            continue
        if code not in LANG_INFO:
            raise ValidationError(
                {"working_languages": _("“%(code)s” is not a language code: use codes such as en, ru or lt.") % {"code": str(raw)[:20]}}
            )
        if code not in cleaned:
            cleaned.append(code)
    return cleaned


def _check_registration(opens: dt.datetime | None, closes: dt.datetime | None, capacity: int | None) -> None:
    errors: dict[str, Any] = {}
    if opens is not None and closes is not None and closes <= opens:
        errors["registration_closes"] = _("Registration cannot close before it opens.")
    if capacity is not None and capacity < 1:
        errors["capacity"] = _("The number of places must be at least 1 (leave it empty for no limit).")
    if errors:
        raise ValidationError(errors)


def _check_slug(slug: str) -> None:
    if slug in RESERVED_SLUGS:
        raise ValidationError({"slug": _("“%(slug)s” is a word the calendar uses itself. Choose another.") % {"slug": slug}})
    if Event.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": SLUG_TAKEN})


def _check_choices(*, kind: str, status: str, visibility: str) -> None:
    errors: dict[str, Any] = {}
    if kind not in EventKind.values:
        errors["kind"] = _("Choose the kind of event from the list.")
    if status not in EventStatus.values:
        errors["status"] = _("Choose the status from the list.")
    if visibility not in EventVisibility.values:
        errors["visibility"] = _("Choose who may see the event from the list.")
    if errors:
        raise ValidationError(errors)


def _check_organisers(organisers: Sequence[tuple[Organisation, str]]) -> list[tuple[Organisation, str]]:
    seen: set[int] = set()
    cleaned: list[tuple[Organisation, str]] = []
    for organisation, role in organisers:
        if role not in OrganiserRole.values:
            raise ValidationError({"organisers": _("Choose organiser or co-organiser.")})
        if organisation.pk in seen:
            raise ValidationError({"organisers": _("An organisation is named twice among the organisers.")})
        seen.add(organisation.pk)
        cleaned.append((organisation, str(role)))
    return cleaned


def _set_organisers(event: Event, organisers: Sequence[tuple[Organisation, str]]) -> None:
    EventOrganiser.objects.filter(event=event).delete()
    EventOrganiser.objects.bulk_create([EventOrganiser(event=event, organisation=org, role=role) for org, role in organisers])


def _apply_translations(event: Event, translations: Mapping[str, Mapping[str, str]]) -> None:
    for language, fields in translations.items():
        event.set_current_language(language)
        for name, value in fields.items():
            setattr(event, name, value)
    event.set_current_language(settings.LANGUAGE_CODE)


def _place_snapshot(event: Event) -> dict[str, Any]:
    snapshot: dict[str, Any] = {name: getattr(event, name) for name in PLACE_FIELDS}
    for translation_row in event.translations.all():
        for name in PLACE_TRANSLATED:
            snapshot[f"{translation_row.language_code}.{name}"] = getattr(translation_row, name)
    return snapshot


# --- Events ----------------------------------------------------------------------------------------------


@transaction.atomic
def event_create(
    *,
    actor: Any,
    kind: str,
    slug: str,
    translations: Mapping[str, Mapping[str, str]],
    country: Country | None = None,
    online: bool = False,
    all_day: bool = False,
    timezone: str = "Europe/Stockholm",  # noqa: A002  (the contract's name; shadows django.utils.timezone here only)
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    visibility: str = EventVisibility.PUBLIC,
    status: str = EventStatus.DRAFT,
    series: EventSeries | None = None,
    number_in_series: int | None = None,
    organisers: Sequence[tuple[Organisation, str]] = (),
    working_languages: Iterable[str] = (),
    priorities: Iterable[Priority] = (),
    registration_opens: dt.datetime | None = None,
    registration_closes: dt.datetime | None = None,
    capacity: int | None = None,
    requires_approval: bool = True,
) -> Event:
    """Create an event with its translations, organisers and priorities. Its UID is fixed here, for good.

    ``start``/``end`` of a timed event are local times in ``timezone`` when naive; an all-day
    event has ``start_date`` (and ``end_date``, the same day when omitted).
    """
    if not EventPolicy.can(actor, EventAction.CREATE):
        raise PermissionDenied(_("You may not create events."))
    _check_choices(kind=kind, status=status, visibility=visibility)
    if status == EventStatus.CANCELLED:
        raise ValidationError({"status": _("A new event cannot be cancelled.")})
    cleaned, _none = _merge_translations(translations, {})
    schedule = _schedule(all_day=all_day, zone_name=timezone, start=start, end=end, start_date=start_date, end_date=end_date)
    _check_registration(registration_opens, registration_closes, capacity)
    languages = _check_working_languages(working_languages)
    organiser_list = _check_organisers(organisers)
    _check_slug(slug)
    event_id = uuid.uuid4()
    event = Event(
        id=event_id,
        slug=slug,
        kind=kind,
        series=series,
        number_in_series=number_in_series,
        status=status,
        visibility=visibility,
        country=country,
        online=online,
        working_languages=languages,
        registration_opens=registration_opens,
        registration_closes=registration_closes,
        capacity=capacity,
        requires_approval=requires_approval,
        uid=f"{event_id}@carnet",
        sequence=0,
        created_by=actor,
        **schedule,
    )
    _apply_translations(event, cleaned)
    event.full_clean()
    event.save()
    _set_organisers(event, organiser_list)
    event.priorities.set(list(priorities))
    record(actor=actor, action="events.event.create", obj=event, purpose=event.slug)
    return event


def _validate_status_change(before: str, after: str) -> None:
    if after == before:
        return
    if after == EventStatus.DRAFT:
        raise ValidationError({"status": _("An announced event cannot go back to draft: subscribers already have it. Cancel it instead.")})
    if after == EventStatus.CANCELLED:
        raise ValidationError({"status": _("Cancel the event with “Cancel event”, which tells the registered participants.")})


@transaction.atomic
def event_update(*, actor: Any, event: Event, **changes: Any) -> Event:
    """Change an event. ``sequence`` grows by one when its time, place or status changed, and only then.

    Changing only the ``timezone`` keeps the local times as stated (10:00 stays 10:00, in the new zone).
    ``translations`` merges per language and field. The caller's ``event`` is refreshed on success.
    """
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise DomainError(str(_("Unknown field: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}), code="unknown_field")
    locked: Event = Event.objects.select_for_update().get(pk=event.pk)
    _require_manage(actor, locked)
    time_before = {name: getattr(locked, name) for name in TIME_FIELDS}
    place_before = _place_snapshot(locked)
    status_before = locked.status

    kind = changes.get("kind", locked.kind)
    status = changes.get("status", locked.status)
    visibility = changes.get("visibility", locked.visibility)
    _check_choices(kind=kind, status=status, visibility=visibility)
    _validate_status_change(status_before, status)

    all_day = bool(changes.get("all_day", locked.all_day))
    zone_name = changes.get("timezone", locked.timezone)
    start, end = changes.get("start", locked.start), changes.get("end", locked.end)
    if not all_day and "start" not in changes and "end" not in changes and zone_name != locked.timezone and start and end:
        old_zone = ZoneInfo(locked.timezone)
        start = start.astimezone(old_zone).replace(tzinfo=None)
        end = end.astimezone(old_zone).replace(tzinfo=None)
    if all_day and not locked.all_day and "start_date" not in changes and locked.start_date:
        start_date, end_date = locked.start_date, changes.get("end_date", locked.end_date)
    else:
        start_date, end_date = changes.get("start_date", locked.start_date), changes.get("end_date", locked.end_date)
    if all_day and "start_date" in changes and "end_date" not in changes:
        end_date = None if end_date is None or end_date < start_date else end_date
    schedule = _schedule(all_day=all_day, zone_name=zone_name, start=start, end=end, start_date=start_date, end_date=end_date)
    opens = changes.get("registration_opens", locked.registration_opens)
    closes = changes.get("registration_closes", locked.registration_closes)
    capacity = changes.get("capacity", locked.capacity)
    _check_registration(opens, closes, capacity)
    existing = _existing_translations(locked)
    translations, removed = _merge_translations(changes.get("translations", {}), existing)
    if "slug" in changes and changes["slug"] != locked.slug:
        _check_slug(changes["slug"])
    organiser_list = _check_organisers(changes["organisers"]) if "organisers" in changes else None
    languages = _check_working_languages(changes["working_languages"]) if "working_languages" in changes else None

    for name, value in schedule.items():
        setattr(locked, name, value)
    for name in ("kind", "slug", "status", "visibility", "series", "number_in_series", "country", "online", "requires_approval"):
        if name in changes:
            setattr(locked, name, changes[name])
    locked.registration_opens, locked.registration_closes, locked.capacity = opens, closes, capacity
    if languages is not None:
        locked.working_languages = languages
    _apply_translations(locked, translations)

    time_changed = any(getattr(locked, name) != value for name, value in time_before.items())
    place_changed = {name: getattr(locked, name) for name in PLACE_FIELDS} != {name: place_before[name] for name in PLACE_FIELDS}
    for language in set(translations) | removed:
        for name in PLACE_TRANSLATED:
            if translations.get(language, {}).get(name, "") != place_before.get(f"{language}.{name}", ""):
                place_changed = True
    status_changed = locked.status != status_before
    if status_before == EventStatus.CANCELLED and status_changed:
        locked.cancellation_reason = ""  # announced again: the old reason no longer holds
    if time_changed or place_changed or status_changed:
        locked.sequence = locked.sequence + 1
    locked.full_clean()
    locked.save()  # parler saves the translations with the row; every column may have changed
    for language in removed:
        locked.delete_translation(language)
    if organiser_list is not None:
        _set_organisers(locked, organiser_list)
    if "priorities" in changes:
        locked.priorities.set(list(changes["priorities"]))
    what = sorted(changes)
    record(actor=actor, action="events.event.update", obj=locked, purpose=", ".join(what)[:500])
    event.refresh_from_db()
    return locked


@transaction.atomic
def event_publish(*, actor: Any, event: Event, status: str = EventStatus.CONFIRMED) -> Event:
    """Announce a draft, as planned (tentative) or confirmed. From now on it is in the feeds."""
    if status not in (EventStatus.TENTATIVE, EventStatus.CONFIRMED):
        raise ValidationError({"status": _("An event is announced as planned or as confirmed.")})
    locked: Event = Event.objects.select_for_update().get(pk=event.pk)
    _require_manage(actor, locked)
    if locked.status != EventStatus.DRAFT:
        raise Conflict(str(_("This event has already been announced.")), code="not_draft")
    locked.status = status
    locked.sequence = locked.sequence + 1
    locked.full_clean()
    locked.save(update_fields=["status", "sequence", "updated_at"])
    record(actor=actor, action="events.event.publish", obj=locked, purpose=status)
    event.refresh_from_db()
    return locked


@transaction.atomic
def event_cancel(*, actor: Any, event: Event, reason: str) -> Event:
    """Cancel an announced event. It stays, marked cancelled (subscribers' calendars show the cancellation).

    The people registered for it (pending or approved) are told by e-mail, with the reason.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the event is cancelled: the participants will read it.")})
    if len(reason) > 1000:
        raise ValidationError({"reason": _("At most %(max)s characters.") % {"max": 1000}})
    locked: Event = Event.objects.select_for_update().get(pk=event.pk)
    _require_manage(actor, locked)
    if locked.status == EventStatus.CANCELLED:
        raise Conflict(str(_("This event is already cancelled.")), code="cancelled")
    if locked.status == EventStatus.DRAFT:
        raise Conflict(str(_("A draft has not been announced: there is nothing to cancel.")), code="draft")
    locked.status = EventStatus.CANCELLED
    locked.cancellation_reason = reason
    locked.sequence = locked.sequence + 1
    locked.full_clean()
    locked.save(update_fields=["status", "cancellation_reason", "sequence", "updated_at"])
    record(actor=actor, action="events.event.cancel", obj=locked, purpose=reason)
    recipients = list(
        User.objects.filter(registrations__event=locked, registrations__status__in=HOLDS_PLACE, is_active=True)
        .exclude(email="")
        .order_by("username")
    )
    _notify_on_commit(
        recipients,
        locked,
        _("Cancelled: %(title)s"),
        _("The event “%(title)s” (%(when)s) has been cancelled.\n\nReason: %(reason)s\n\n%(link)s"),
        {"reason": reason},
    )
    event.refresh_from_db()
    return locked


# --- E-mail -------------------------------------------------------------------------------------------------


def _when(event: Event) -> str:
    if event.all_day or event.start is None:
        if event.end_date != event.start_date:
            return f"{event.start_date.isoformat()} – {event.end_date.isoformat()}"
        return str(event.start_date.isoformat())
    local = event.start.astimezone(ZoneInfo(event.timezone))
    return f"{local:%Y-%m-%d %H:%M} ({event.timezone})"


def _send(recipients: list[User], event_id: Any, subject: Promise, body: Promise, params: dict[str, str]) -> None:
    event = Event.objects.filter(pk=event_id).first()
    if event is None:
        return
    base = str(getattr(settings, "CARNET_BASE_URL", "http://localhost:8000")).rstrip("/")
    for user in recipients:
        language = user.preferred_language or settings.LANGUAGE_CODE
        with translation.override(language):
            event.set_current_language(language)
            title = str(event.safe_translation_getter("title", any_language=True) or event.slug)
            values = {**params, "title": title, "when": _when(event), "link": base + reverse("events:detail", args=[event.slug])}
            send_mail(str(subject) % values, str(body) % values, None, [user.email], fail_silently=True)


def _notify_on_commit(recipients: list[User], event: Event, subject: Promise, body: Promise, params: dict[str, str]) -> None:
    """Queue one e-mail per recipient for after the commit (nothing goes out for a change that rolls back)."""
    if not recipients:
        return
    event_id = event.pk
    transaction.on_commit(lambda: _send(recipients, event_id, subject, body, params))


# --- Registration ---------------------------------------------------------------------------------------------


def _defaults_for(user: Any) -> tuple[Organisation | None, Country | None]:
    """The organisation and country a registration names unless the person says otherwise: the directory entry, then memberships."""
    from carnet.directory.models import Person

    person = Person.objects.filter(user_id=user.pk).select_related("organisation", "country").first()
    organisation = person.organisation if person else None
    country = person.country if person else None
    memberships = Membership.objects.active().filter(user_id=user.pk).select_related("organisation", "country").order_by("pk")
    for membership in memberships:
        if organisation is None and membership.organisation is not None:
            organisation = membership.organisation
        if country is None and membership.country is not None:
            country = membership.country
    if country is None and organisation is not None:
        country = organisation.country
    return organisation, country


def _places_taken(event: Event) -> int:
    return Registration.objects.filter(event=event, status__in=HOLDS_PLACE).count()


def _check_capacity(event: Event) -> None:
    """Raise when no place is left; the caller holds the event's row lock, so the count cannot change under it."""
    if event.capacity is not None and _places_taken(event) >= event.capacity:
        raise Conflict(str(_("The event is full: all %(capacity)s places are taken.") % {"capacity": event.capacity}), code="full")


def event_over(event: Event, now: dt.datetime | None = None) -> bool:
    """True once the event has ended (a timed event at its end, an all-day one after its last day in its own zone)."""
    now = now or timezone.now()
    if not event.all_day and event.end is not None:
        return bool(now >= event.end)
    day_after = dt.datetime.combine(event.end_date + dt.timedelta(days=1), dt.time.min, tzinfo=ZoneInfo(event.timezone))
    return now >= day_after


def _check_window(event: Event) -> None:
    now = timezone.now()
    zone = ZoneInfo(event.timezone)
    if event_over(event, now):
        raise DomainError(str(_("The event is over: registration is closed.")), code="event_over")
    if event.registration_opens is not None and now < event.registration_opens:
        when = event.registration_opens.astimezone(zone)
        raise DomainError(
            str(_("Registration opens on %(when)s.") % {"when": f"{when:%Y-%m-%d %H:%M} ({event.timezone})"}), code="registration_not_open"
        )
    if event.registration_closes is not None and now >= event.registration_closes:
        when = event.registration_closes.astimezone(zone)
        raise DomainError(
            str(_("Registration closed on %(when)s.") % {"when": f"{when:%Y-%m-%d %H:%M} ({event.timezone})"}), code="registration_closed"
        )


def _open_for_registration(event: Event) -> None:
    if event.status == EventStatus.CANCELLED:
        raise DomainError(str(_("This event is cancelled.")), code="cancelled")
    if event.closed_at is not None:
        raise DomainError(str(_("This event is closed.")), code="closed")
    if event.status == EventStatus.DRAFT:
        raise DomainError(str(_("This event has not been announced yet.")), code="draft")


@transaction.atomic
def registration_create(
    *, actor: Any, event: Event, organisation: Organisation | None = None, country: Country | None = None, note: str = ""
) -> Registration:
    """Register ``actor`` for ``event``: within the window, while places are left, once (a cancelled one may register again).

    Pending when the organisers approve each registration, approved at once otherwise.
    """
    locked: Event = Event.objects.select_for_update().get(pk=event.pk)
    if not EventPolicy.can(actor, EventAction.VIEW, locked):
        raise _denied()
    _open_for_registration(locked)
    if not EventPolicy.can(actor, EventAction.REGISTER, locked):
        raise PermissionDenied(_("You may not register for this event."))
    note = (note or "").strip()
    if len(note) > 500:
        raise ValidationError({"note": _("At most %(max)s characters.") % {"max": 500}})
    existing = Registration.objects.select_for_update().filter(event=locked, user_id=actor.pk).first()
    if existing is not None and existing.status in HOLDS_PLACE:
        raise Conflict(str(_("You are already registered for this event.")), code="registered")
    if existing is not None and existing.status == RegistrationStatus.DECLINED:
        raise Conflict(str(_("The organisers declined your registration for this event.")), code="declined")
    _check_window(locked)
    _check_capacity(locked)
    default_organisation, default_country = _defaults_for(actor)
    status = RegistrationStatus.PENDING if locked.requires_approval else RegistrationStatus.APPROVED
    registration = existing or Registration(event=locked, user=actor)
    registration.organisation = organisation or default_organisation
    registration.country = country or default_country
    registration.status = status
    registration.note = note
    registration.attended = None
    registration.decided_by = None
    registration.decided_at = None
    registration.full_clean(validate_unique=existing is None)
    if existing is None:
        registration.save()
    else:
        registration.save(update_fields=["organisation", "country", "status", "note", "attended", "decided_by", "decided_at"])
    record(actor=actor, action="events.registration.create", obj=registration, purpose=status)
    return registration


_DECIDED_SUBJECT = {
    True: _("Registration approved: %(title)s"),
    False: _("Registration declined: %(title)s"),
}
_DECIDED_BODY = {
    True: _("The organisers approved your registration for “%(title)s” (%(when)s).\n\n%(link)s"),
    False: _("The organisers declined your registration for “%(title)s” (%(when)s).\n\n%(reason)s\n\n%(link)s"),
}


@transaction.atomic
def registration_decide(*, actor: Any, registration: Registration, approve: bool, reason: str = "") -> Registration:
    """The organisers approve or decline a registration; the participant is told by e-mail.

    A declined registration may still be approved later (if a place is left); a cancelled one is the participant's.
    """
    locked_event: Event = Event.objects.select_for_update().get(pk=registration.event_id)
    _require_manage(actor, locked_event)
    locked = Registration.objects.select_for_update().select_related("user").get(pk=registration.pk)
    reason = (reason or "").strip()[:500]
    target = RegistrationStatus.APPROVED if approve else RegistrationStatus.DECLINED
    if locked.status == RegistrationStatus.CANCELLED:
        raise Conflict(str(_("The participant cancelled this registration.")), code="cancelled")
    if locked.status == target:
        raise Conflict(
            str(_("This registration is already approved.") if approve else _("This registration is already declined.")), code="decided"
        )
    if approve and locked.status not in HOLDS_PLACE:
        _check_capacity(locked_event)
    locked.status = target
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.full_clean(validate_unique=False)
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    record(actor=actor, action="events.registration.decide", obj=locked, purpose=f"{target}: {reason}"[:500])
    user = locked.user
    if user.is_active and user.email:
        _notify_on_commit([user], locked_event, _DECIDED_SUBJECT[approve], _DECIDED_BODY[approve], {"reason": reason})
    registration.refresh_from_db()
    return locked


@transaction.atomic
def registration_cancel(*, actor: Any, registration: Registration) -> Registration:
    """The participant (or the organisers) cancel a registration; its place is free again."""
    locked_event: Event = Event.objects.select_for_update().get(pk=registration.event_id)
    locked = Registration.objects.select_for_update().get(pk=registration.pk)
    if locked.user_id != getattr(actor, "pk", None) and not may_manage(actor, locked_event):
        raise _denied()
    if locked.status not in HOLDS_PLACE:
        raise Conflict(str(_("This registration is not active: there is nothing to cancel.")), code="not_active")
    locked.status = RegistrationStatus.CANCELLED
    locked.save(update_fields=["status"])
    record(actor=actor, action="events.registration.cancel", obj=locked)
    registration.refresh_from_db()
    return locked


@transaction.atomic
def registration_invite(*, actor: Any, event: Event, user: User) -> Registration:
    """The organisers register someone, approved at once: how an invited-only event gets its participants.

    The registration window does not bind the organisers; the capacity does.
    """
    locked: Event = Event.objects.select_for_update().get(pk=event.pk)
    _require_manage(actor, locked)
    if locked.status == EventStatus.CANCELLED or locked.closed_at is not None:
        raise DomainError(str(_("This event is cancelled or closed: nobody can be invited.")), code="not_open")
    if not user.is_active:
        raise ValidationError({"user": _("This account is not active.")})
    existing = Registration.objects.select_for_update().filter(event=locked, user=user).first()
    if existing is not None and existing.status == RegistrationStatus.APPROVED:
        raise Conflict(str(_("This person is already registered and approved.")), code="registered")
    if existing is None or existing.status not in HOLDS_PLACE:
        _check_capacity(locked)
    organisation, country = _defaults_for(user)
    registration = existing or Registration(event=locked, user=user, organisation=organisation, country=country)
    registration.status = RegistrationStatus.APPROVED
    registration.decided_by = actor
    registration.decided_at = timezone.now()
    registration.full_clean(validate_unique=existing is None)
    if existing is None:
        registration.save()
    else:
        registration.save(update_fields=["status", "decided_by", "decided_at"])
    record(actor=actor, action="events.registration.invite", obj=registration, purpose=user.get_username())
    if user.email:
        _notify_on_commit(
            [user],
            locked,
            _("Invitation: %(title)s"),
            _("You are registered for “%(title)s” (%(when)s) by its organisers.\n\n%(link)s"),
            {},
        )
    return registration


@transaction.atomic
def attendance_record(*, actor: Any, event: Event, attended: Mapping[int, bool | None]) -> int:
    """Record who attended (``None`` clears the mark). Only approved registrations of this event; returns how many changed."""
    locked_event: Event = Event.objects.select_for_update().get(pk=event.pk)
    _require_manage(actor, locked_event)
    ids = [int(pk) for pk in attended]
    rows = {r.pk: r for r in Registration.objects.select_for_update().filter(event=locked_event, pk__in=ids)}
    missing = set(ids) - set(rows)
    if missing:
        raise ValidationError({"attended": _("Some of these registrations are not for this event.")})
    not_approved = [r for r in rows.values() if r.status != RegistrationStatus.APPROVED]
    if not_approved:
        raise ValidationError({"attended": _("Attendance is recorded for approved registrations only.")})
    changed = 0
    for pk, value in attended.items():
        row = rows[int(pk)]
        if row.attended != value:
            row.attended = value
            row.save(update_fields=["attended"])
            changed += 1
    record(actor=actor, action="events.attendance.record", obj=locked_event, purpose=f"{changed} changed")
    return changed


# --- Documents --------------------------------------------------------------------------------------------


@transaction.atomic
def document_attach(*, actor: Any, event: Event, resource: Any, kind: str, order: int | None = None) -> EventDocument:
    """Attach a library resource the actor can see as an agenda, presentation, minutes, report or other document."""
    from carnet.library.policies import may_see

    locked: Event = Event.objects.select_for_update().get(pk=event.pk)
    _require_manage(actor, locked)
    if kind not in DocumentKind.values:
        raise ValidationError({"kind": _("Choose the kind of document from the list.")})
    if not may_see(actor, resource):
        raise ValidationError({"resource": _("Choose a library resource you can see.")})
    if EventDocument.objects.filter(event=locked, resource=resource).exists():
        raise Conflict(str(_("This resource is already attached to the event.")), code="attached")
    if order is None:
        last = EventDocument.objects.filter(event=locked).order_by("-order").values_list("order", flat=True).first()
        order = 0 if last is None else last + 1
    document = EventDocument(event=locked, resource=resource, kind=kind, order=order)
    document.full_clean()
    document.save()
    record(actor=actor, action="events.document.attach", obj=document, purpose=f"{kind}: {resource.pk}")
    return document


@transaction.atomic
def document_detach(*, actor: Any, document: EventDocument) -> None:
    """Take a document off the event; the library resource itself stays in the library."""
    locked_event: Event = Event.objects.select_for_update().get(pk=document.event_id)
    _require_manage(actor, locked_event)
    locked = EventDocument.objects.select_for_update().filter(pk=document.pk, event=locked_event).first()
    if locked is None:
        raise Conflict(str(_("This document is no longer attached.")), code="detached")
    record(actor=actor, action="events.document.detach", obj=locked, purpose=str(locked.resource_id))
    locked.delete()


_LIBRARY_VISIBILITY = {
    EventVisibility.PUBLIC: "public",
    EventVisibility.MEMBERS: "members",
    EventVisibility.INVITED: "members",
}


@transaction.atomic
def document_upload(*, actor: Any, event: Event, kind: str, title: str, upload: Any, language: str | None = None) -> EventDocument:
    """File an uploaded document in the library (visible as the event is), then attach it.

    The secretariat's upload is published at once; a host's goes to the secretariat for review.

    An invited-only event's documents are filed for network members: the library has no
    per-event audience, and members may see what was presented anyway.
    """
    from carnet.library import services as library
    from carnet.library.policies import LibraryAction, LibraryPolicy

    locked: Event = Event.objects.select_for_update().get(pk=event.pk)
    _require_manage(actor, locked)
    if kind not in DocumentKind.values:
        raise ValidationError({"kind": _("Choose the kind of document from the list.")})
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Give the document a title.")})
    language = language or settings.LANGUAGE_CODE
    slug = f"{locked.slug[:100]}-{kind}-{uuid.uuid4().hex[:6]}"
    from carnet.library.models import Audience, Licence, ResourceKind

    resource_kind = ResourceKind.PRESENTATION if kind == DocumentKind.PRESENTATION else ResourceKind.REPORT
    resource = library.resource_create(
        actor=actor,
        slug=slug,
        kind=resource_kind,
        audience=Audience.PROFESSIONALS,
        publisher="",
        year=locked.start_date.year,
        licence=Licence.ALL_RIGHTS,
        visibility=_LIBRARY_VISIBILITY[EventVisibility(locked.visibility)],
        priorities=list(locked.priorities.all()),
        countries=[locked.country] if locked.country else [],
    )
    library.version_save(actor=actor, resource=resource, language=language, title=title, upload=upload)
    version = resource.versions.get(language=language)
    if LibraryPolicy.can(actor, LibraryAction.PUBLISH, resource):
        library.version_publish(actor=actor, version=version)
    else:  # a host who is not the secretariat: four eyes, as for any library text
        library.version_submit(actor=actor, version=version)
    return document_attach(actor=actor, event=locked, resource=resource, kind=kind)


# --- The participant list, exported ------------------------------------------------------------------------


PARTICIPANT_COLUMNS = (
    _("Name"),
    _("Username"),
    _("E-mail"),
    _("Organisation"),
    _("Country"),
    _("Status"),
    _("Attended"),
    _("Registered"),
    _("Note"),
)


def participants_export(*, actor: Any, event: Event) -> list[list[str]]:
    """The participant list as rows (header first) for a CSV file; the export is audited (it names people)."""
    _require_manage(actor, event)
    registrations = (
        Registration.objects.filter(event=event)
        .select_related("user", "organisation", "country")
        .prefetch_related("organisation__translations", "country__translations")
        .order_by("status", "country__code", "user__last_name", "user__username")
    )
    rows = [[str(column) for column in PARTICIPANT_COLUMNS]]
    yes, no = str(_("yes")), str(_("no"))
    for registration in registrations:
        user = registration.user
        rows.append(
            [
                user.get_full_name(),
                user.get_username(),
                user.email,
                str(registration.organisation or ""),
                registration.country.code if registration.country else "",
                str(registration.get_status_display()),
                "" if registration.attended is None else yes if registration.attended else no,
                registration.created_at.date().isoformat(),
                registration.note,
            ]
        )
    record(actor=actor, action="events.participants.export", obj=event, purpose=f"{len(rows) - 1} registrations")
    return rows


@transaction.atomic
def series_ensure(*, actor: Any, slug: str, kind: str, names: Mapping[str, str]) -> EventSeries:
    """The series ``slug`` ("ncp-meetings"), created with its names per language the first time it is asked for."""
    if not EventPolicy.can(actor, EventAction.CREATE):
        raise _denied()
    existing: EventSeries | None = EventSeries.objects.filter(slug=slug).first()
    if existing is not None:
        return existing
    if not names.get("en"):
        raise ValidationError({"name": _("A series needs its English name.")})
    series = EventSeries(slug=slug, kind=kind)
    for language, name in names.items():
        series.set_current_language(language)
        series.name = name
    series.full_clean()
    series.save()
    record(actor=actor, action="events.series.create", obj=series, purpose=slug)
    return series
