"""The calendar's side of events: private feed tokens and the reminders with the event attached (decision 0011).

A private feed is reached by a secret in its address (calendar clients cannot sign in).
The secret is ``secrets.token_urlsafe(32)``, one per person; resetting it replaces it in
one update, so the old address answers 404 from that moment. Creating and resetting are
audited; reading a feed is not (event data is not protected child data).

Reminders: one e-mail per approved registration of a planned or confirmed event that
starts within the next days, in the participant's preferred language, with the event as
an ``.ics`` attachment (``text/calendar; method=PUBLISH``). ``reminded_at`` is set in the
same transaction as the audit entry, under a row lock, so that a second (or concurrent)
run sends nothing twice; the e-mail leaves after the commit.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from email.mime.text import MIMEText
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from carnet.accounts.models import User
from carnet.audit.services import record
from carnet.events.ical import event_ics, event_url, location_of, text_of
from carnet.events.models import Event, EventStatus, FeedToken, Registration, RegistrationStatus
from carnet.events.policies import EventAction, EventPolicy

TOKEN_BYTES = 32
DEFAULT_REMINDER_DAYS = 7
REMINDED_STATUSES = (EventStatus.TENTATIVE, EventStatus.CONFIRMED)

REMINDER_SUBJECT = _("Reminder: %(title)s on %(date)s")
REMINDER_BODY = _(
    "Hello %(name)s,\n\n"
    "you are registered for “%(title)s”.\n"
    "When: %(when)s\n"
    "Where: %(where)s\n\n"
    "The event is attached as a calendar file (.ics): open it to add the event to your calendar.\n"
    "Details: %(link)s\n"
)
DATE_RANGE = _("%(first)s to %(last)s")


# Feed tokens --------------------------------------------------------------------------------------------------------


def feed_token_of(user: Any) -> FeedToken | None:
    """The person's private feed token, if they have made one."""
    if not getattr(user, "is_authenticated", False):
        return None
    return FeedToken.objects.filter(user_id=user.pk).first()


def feed_owner(token: str) -> User | None:
    """Whose private feed ``token`` opens (an active account), or None: unknown, reset or inactive are the same."""
    if not token or len(token) > 64:
        return None
    found = FeedToken.objects.filter(token=token).select_related("user").first()
    if found is None or not found.user.is_active:
        return None
    return found.user


@transaction.atomic
def feed_token_reset(*, actor: User) -> FeedToken:
    """Give ``actor`` a new private feed address; the old one (if any) stops working at once."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    existing = FeedToken.objects.select_for_update().filter(user_id=actor.pk).first()
    if existing is None:
        feed = FeedToken(user=actor, token=token)
        feed.full_clean()
        feed.save()
        record(actor=actor, action="event.feed_token.create", obj=feed, purpose="private calendar feed")
        return feed
    existing.token = token
    existing.full_clean()
    existing.save(update_fields=["token"])
    record(actor=actor, action="event.feed_token.reset", obj=existing, purpose="private calendar feed")
    return existing


# Reminders ----------------------------------------------------------------------------------------------------------


def reminders_due(*, days: int = DEFAULT_REMINDER_DAYS, today: date | None = None) -> QuerySet[Registration]:
    """Approved registrations, not yet reminded, of planned or confirmed events starting within ``days`` days."""
    first = today or timezone.localdate()
    return (
        Registration.objects.filter(
            status=RegistrationStatus.APPROVED,
            reminded_at__isnull=True,
            event__status__in=REMINDED_STATUSES,
            event__start_date__gte=first,
            event__start_date__lte=first + timedelta(days=days),
            user__is_active=True,
        )
        .exclude(user__email="")
        .select_related("event", "user")
        .order_by("event__start_date", "event__slug", "user__username")
    )


def _when(event: Event, language: str) -> str:
    """The event's dates (all-day) or times in its own zone, as the participant's language writes them."""
    with translation.override(language):
        if event.all_day or event.start is None or event.end is None:
            first = date_format(event.start_date, "DATE_FORMAT")
            last = date_format(event.end_date, "DATE_FORMAT")
            return first if first == last else str(DATE_RANGE) % {"first": first, "last": last}
        zone = ZoneInfo(event.timezone)
        start = event.start.astimezone(zone)
        end = event.end.astimezone(zone)
        first = date_format(start, "DATETIME_FORMAT")
        last = date_format(end, "TIME_FORMAT" if start.date() == end.date() else "DATETIME_FORMAT")
        return f"{str(DATE_RANGE) % {'first': first, 'last': last}} ({event.timezone})"


def reminder_message(registration: Registration) -> EmailMessage:
    """The reminder e-mail for one registration, in the participant's language, with the event attached."""
    user = registration.user
    event = registration.event
    language = user.preferred_language or settings.LANGUAGE_CODE
    title = text_of(event, "title", language)
    with translation.override(language):
        params = {
            "name": user.get_full_name() or user.get_username(),
            "title": title,
            "date": date_format(event.start_date, "DATE_FORMAT"),
            "when": _when(event, language),
            "where": location_of(event, language) or "—",
            "link": event_url(event, language),
        }
        subject = str(REMINDER_SUBJECT) % params
        body = str(REMINDER_BODY) % params
    message = EmailMessage(subject=subject, body=body, to=[user.email])
    part = MIMEText(event_ics(event, language).decode("utf-8"), "calendar", "utf-8")
    part.set_param("method", "PUBLISH")
    part.add_header("Content-Disposition", "attachment", filename=f"{event.slug}.ics")
    message.attach(part)
    return message


def _send_reminder(registration_id: int) -> None:
    registration = (
        Registration.objects.select_related("event", "event__country", "user")
        .prefetch_related("event__translations", "event__country__translations")
        .get(pk=registration_id)
    )
    reminder_message(registration).send(fail_silently=False)


@transaction.atomic
def reminder_send(*, registration_id: int, now: Any = None) -> bool:
    """Remind one registration (locked); False when it was already reminded or is no longer due."""
    registration = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("event", "user")
        .filter(pk=registration_id, reminded_at__isnull=True, status=RegistrationStatus.APPROVED)
        .first()
    )
    if registration is None or registration.event.status not in REMINDED_STATUSES:
        return False
    if not EventPolicy.can(registration.user, EventAction.VIEW, registration.event):
        return False  # the participant may no longer see it (left the network): no e-mail about it
    registration.reminded_at = now or timezone.now()
    registration.save(update_fields=["reminded_at"])
    record(actor=None, action="event.registration.remind", obj=registration, purpose="reminder e-mail", username="events_remind")
    transaction.on_commit(lambda: _send_reminder(registration_id))
    return True


def reminders_send(*, days: int = DEFAULT_REMINDER_DAYS, today: date | None = None) -> list[Registration]:
    """Send every due reminder once; returns the registrations reminded now (each in its own transaction)."""
    sent = []
    for registration in list(reminders_due(days=days, today=today)):
        if reminder_send(registration_id=registration.pk):
            sent.append(registration)
    return sent
