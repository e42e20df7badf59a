"""`carnet events_remind [--days N] [--dry-run]`: remind participants of the events they are approved for.

Run it once a day from cron or a systemd timer (docs/operations.md, "Event reminders").
Each approved participant of a planned or confirmed event starting within N days (default
7) gets one e-mail, in their preferred language, with the event attached as an ``.ics``
file; the registration is marked reminded, so a second run sends nothing.
``--dry-run`` lists who would be reminded and changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from carnet.events.models import Registration
from carnet.events.services_feeds import DEFAULT_REMINDER_DAYS, reminders_due, reminders_send


def _line(registration: Registration) -> str:
    return f"{registration.event.start_date}  {registration.event.slug}  → {registration.user.get_username()}"


class Command(BaseCommand):
    help = "E-mail each approved participant of an event starting within N days (once), with the event as .ics. Run daily."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days", type=int, default=DEFAULT_REMINDER_DAYS, help="Remind of events starting within this many days (default 7)."
        )
        parser.add_argument("--dry-run", action="store_true", help="List the reminders that would be sent; change nothing.")

    def handle(self, *args: Any, days: int = DEFAULT_REMINDER_DAYS, dry_run: bool = False, **options: Any) -> None:
        if days < 0 or days > 366:
            raise CommandError("--days must be between 0 and 366.")
        if dry_run:
            due = list(reminders_due(days=days))
            for registration in due:
                self.stdout.write(f"would remind {_line(registration)}")
            self.stdout.write(f"Dry run: {len(due)} reminders would be sent; nothing was changed.")
            return
        sent = reminders_send(days=days)
        for registration in sent:
            self.stdout.write(f"reminded {_line(registration)}")
        self.stdout.write(f"Done: {len(sent)} reminders sent for events starting within {days} days.")
