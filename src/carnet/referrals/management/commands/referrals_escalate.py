"""`carnet referrals_escalate [--dry-run]`: escalate every referral past its deadline without an answer.

Run it once a day from cron or a systemd timer (see docs/operations.md, "Referral
deadlines"). Each overdue referral is escalated once (a timeline event both sides see, an
audit entry, and an e-mail naming the reference, never the child, to the NCPs and national
coordinators of both countries); a second run finds nothing to do. ``--dry-run`` lists the
references that are due and changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from carnet.referrals.models import Referral
from carnet.referrals.selectors import overdue_q
from carnet.referrals.services import referrals_escalate


def _line(referral: Referral) -> str:
    return f"{referral.reference}  {referral.from_country.code} → {referral.to_country.code}  answer was due by {referral.respond_by}"


class Command(BaseCommand):
    help = "Escalate referrals past their deadline without an answer (once each; e-mails name the reference only). Run daily."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="List the overdue referrals that would be escalated; change nothing.")

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        today = timezone.localdate()
        if dry_run:
            # The same referrals as referrals_escalate() would take: overdue today and not escalated yet.
            due = list(
                Referral.objects.filter(overdue_q(today), escalated_at__isnull=True)
                .select_related("from_country", "to_country")
                .order_by("respond_by", "reference")
            )
            for referral in due:
                self.stdout.write(f"would escalate {_line(referral)}")
            self.stdout.write(f"Dry run: {len(due)} overdue referrals would be escalated; nothing was changed.")
            return
        escalated = referrals_escalate(today=today)
        for referral in escalated:
            self.stdout.write(f"escalated {_line(referral)}")
        self.stdout.write(f"Done: {len(escalated)} overdue referrals escalated.")
