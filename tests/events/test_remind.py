"""`carnet events_remind`: one e-mail per approved participant, in their language, with the event as .ics; once."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
import vobject
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from carnet.accounts.models import User
from carnet.audit.models import AuditEntry
from carnet.events import services
from carnet.events.models import Registration
from tests.events.factories import event, member, register, secretariat_user
from tests.events.test_ical import forget_parsed_time_zones

pytestmark = pytest.mark.django_db


@pytest.fixture
def remind(django_capture_on_commit_callbacks: Any) -> Callable[..., str]:
    """Run the command; the e-mails queued for after the commit are sent, as in a real run."""

    def run(*args: str) -> str:
        out = io.StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("events_remind", *args, stdout=out)
        return out.getvalue()

    return run


def calendar_parts(message: mail.EmailMessage) -> list[object]:
    """The text/calendar parts of the message as it goes over the wire."""
    return [part for part in message.message().walk() if part.get_content_type() == "text/calendar"]


@pytest.fixture
def participant() -> User:
    user = member("reminded-ru")
    User.objects.filter(pk=user.pk).update(preferred_language="ru", email="reminded@example.org")
    user.refresh_from_db()
    return user


def test_reminder_in_the_participants_language_with_the_event_attached(participant: User, remind: Callable[..., str]) -> None:
    # given an approved registration for a bilingual meeting in three days
    meeting = event(title="Expert meeting on return", title_ru="Совещание экспертов о возвращении", days_ahead=3)
    registration = register(meeting, participant, approve=True)
    mail.outbox.clear()
    # when the reminders run
    with_output = remind()
    # then one e-mail went to the participant, with the Russian title, and the .ics attached
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["reminded@example.org"]
    assert "Совещание экспертов о возвращении" in message.subject
    assert f"http://localhost:8000/ru/events/{meeting.slug}/" in message.body
    parts = calendar_parts(message)
    assert len(parts) == 1
    part = parts[0]
    assert part.get_param("method") == "PUBLISH"  # type: ignore[attr-defined]
    assert part.get_filename() == f"{meeting.slug}.ics"  # type: ignore[attr-defined]
    forget_parsed_time_zones()
    calendar = vobject.readOne(part.get_payload(decode=True).decode("utf-8"))  # type: ignore[attr-defined]
    assert calendar.method.value == "PUBLISH"
    assert calendar.vevent.uid.value == meeting.uid
    assert calendar.vevent.summary.value == "Совещание экспертов о возвращении"
    # and the registration is marked, audited, and the summary says so
    registration.refresh_from_db()
    assert registration.reminded_at is not None
    assert AuditEntry.objects.filter(action="event.registration.remind", object_id=str(registration.pk)).count() == 1
    assert "Done: 1 reminders sent" in with_output


def test_a_second_run_sends_nothing(participant: User, remind: Callable[..., str]) -> None:
    meeting = event(days_ahead=2)
    register(meeting, participant, approve=True)
    remind()
    mail.outbox.clear()
    output = remind()
    assert mail.outbox == []
    assert "Done: 0 reminders sent" in output


def test_only_approved_registrations_of_announced_events_within_the_window(participant: User, remind: Callable[..., str]) -> None:
    other = member("pending-person")
    User.objects.filter(pk=other.pk).update(email="pending@example.org")
    soon = event(days_ahead=4)
    later = event(days_ahead=10)
    cancelled = event(days_ahead=3)
    past = event(all_day=True, start_date=timezone.localdate() - dt.timedelta(days=1))
    register(soon, other)  # pending: no reminder
    register(soon, participant, approve=True)
    register(later, participant, approve=True)
    register(cancelled, participant, approve=True)
    services.registration_invite(actor=secretariat_user(), event=past, user=participant)  # too late to register oneself
    services.event_cancel(actor=secretariat_user(), event=cancelled, reason="No venue.")
    mail.outbox.clear()
    # when reminding of the next 7 days
    remind()
    # then only the approved participant of the meeting in four days is reminded
    assert [(m.to, soon.slug in m.body) for m in mail.outbox] == [(["reminded@example.org"], True)]
    reminded = set(Registration.objects.filter(reminded_at__isnull=False).values_list("event__slug", flat=True))
    assert reminded == {soon.slug}
    # and with --days 14 the later one too
    mail.outbox.clear()
    remind("--days", "14")
    assert len(mail.outbox) == 1
    assert later.slug in mail.outbox[0].body
    assert not Registration.objects.filter(event__in=[past, cancelled], reminded_at__isnull=False).exists()


def test_dry_run_changes_nothing(participant: User, remind: Callable[..., str]) -> None:
    meeting = event(days_ahead=1)
    register(meeting, participant, approve=True)
    mail.outbox.clear()
    output = remind("--dry-run")
    assert f"would remind {meeting.start_date}  {meeting.slug}  → reminded-ru" in output
    assert "Dry run: 1 reminders would be sent" in output
    assert mail.outbox == []
    assert not Registration.objects.filter(reminded_at__isnull=False).exists()


def test_bad_days_is_refused(remind: Callable[..., str]) -> None:
    with pytest.raises(CommandError, match="--days"):
        remind("--days", "-1")
