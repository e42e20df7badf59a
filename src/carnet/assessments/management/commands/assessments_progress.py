"""`carnet assessments_progress rebuild`: rebuild every child's first and latest answers (``DomainProgress``) from the readings.

The rows are kept up to date as readings are completed; an operator rebuilds them after
changing readings or cases by hand (or restoring a partial backup). One transaction: the
aggregate outcomes see the old rows until the new ones are all in.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils.translation import gettext, gettext_lazy

from carnet.assessments.models import DomainProgress, Reading
from carnet.assessments.progress import progress_backfill


class Command(BaseCommand):
    help = gettext_lazy("Rebuild the first and latest answers of every child, kept for the aggregate outcomes, from the complete readings.")  # type: ignore[assignment]  # translated when printed

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("rebuild", help=gettext("Rebuild every row from the complete readings."))

    def handle(self, *args: Any, subcommand: str, **options: Any) -> None:
        def report(done: int) -> None:
            self.stdout.write(f"{done} children and versions done")

        with transaction.atomic():
            done = progress_backfill(Reading, DomainProgress, report=report)
        self.stdout.write(f"Rebuilt: {DomainProgress.objects.count()} rows for {done} children and versions.")
