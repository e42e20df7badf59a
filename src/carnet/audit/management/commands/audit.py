"""`carnet audit verify`: check the hash chain of the audit log."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from carnet.audit.services import Break, head, verify


class Command(BaseCommand):
    help = "Audit log tools. `verify` exits 0 when the chain is intact, 1 naming the first broken entry."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("verify", help="Check every entry's hash and link, oldest first.")

    def handle(self, *args: Any, subcommand: str, **options: Any) -> None:
        if subcommand != "verify":
            raise CommandError(f"Unknown subcommand {subcommand!r}.")
        checked = 0
        for step in verify():
            if isinstance(step, Break):
                self.stderr.write(f"BROKEN at entry #{step.seq}: {step.reason}")
                sys.exit(1)
            checked = step
            if sys.stderr.isatty():
                self.stderr.write(f"\rchecked {checked} entries", ending="")
        last = head()
        self.stdout.write(f"OK: {checked} entries intact." + (f" Head #{last.seq} {last.hash}" if last else ""))
