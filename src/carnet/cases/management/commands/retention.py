"""`carnet retention [--dry-run]`: anonymise every closed case whose retention date has passed.

Run it once a day from cron or a systemd timer (django-tasks has no scheduler; see
docs/decisions/0005-case-exports-and-files.md). It is idempotent: a second run finds
nothing to do. It also deletes stored document files that no document refers to.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from carnet.cases.services import retention_due
from carnet.cases.services_records import case_retention_apply, documents_sweep_orphans

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Anonymise every closed case whose retention date has passed (erasing its documents and notes). Run daily."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="List the cases that are due and change nothing.")

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        due = retention_due()
        total = len(due)
        if dry_run:
            for case in due:
                self.stdout.write(f"would anonymise {case.number} (kept until {case.retain_until})")
            self.stdout.write(f"Dry run: {total} cases are past their retention date; nothing was changed.")
            return
        anonymised = skipped = failed = documents = 0
        for case in due:
            try:
                outcome = case_retention_apply(case=case)
            except Exception:  # one damaged case must not stop the others; it is retried tomorrow
                failed += 1
                logger.exception("Retention failed for case %s", case.pk)
                self.stderr.write(f"could not anonymise {case.number}: see the log")
                continue
            if not outcome.anonymised:
                skipped += 1
                continue
            anonymised += 1
            documents += outcome.documents_erased
            self.stdout.write(f"anonymised {anonymised} of {total} cases ({case.number}, {outcome.documents_erased} documents erased)")
        orphans = documents_sweep_orphans()
        self.stdout.write(
            f"Done: {anonymised} of {total} due cases anonymised, {documents} documents erased, "
            f"{skipped} no longer due, {failed} failed; {orphans} orphaned files removed."
        )
        if failed:
            raise CommandError(f"{failed} cases could not be anonymised.")
