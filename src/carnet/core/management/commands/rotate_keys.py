"""`carnet rotate_keys`: re-wrap every data key with the newest key-encryption key.

The rotation procedure (docs/decisions/0003): put the new KEK first in
``CARNET_DATA_KEY`` and keep the old ones after it, deploy, run this command,
check with ``--check`` that nothing is left, then remove the old KEKs.
"""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from carnet.core import crypto


class Command(BaseCommand):
    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # Translated here, at run time: argparse cannot format a lazy string, and a
        # module-level gettext would freeze the language of import time.
        self.help = _(
            "Re-wrap every data key with the newest key-encryption key. With --check, only report how many are still "
            "wrapped by older keys and exit with status 1 if any are."
        )
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help=_("Change nothing; exit with status 1 if any data key is wrapped by an older key."),
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=500,
            help=_("Data keys re-wrapped per transaction (default 500)."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["check"]:
            self._check()
            return
        if options["batch_size"] < 1:
            raise CommandError(_("The batch size must be at least 1."))
        try:
            count = crypto.rewrap_all(self._progress, batch_size=options["batch_size"])
        except crypto.CryptoError as error:
            raise CommandError(str(error)) from None
        newest = crypto.keyring().newest.kid
        if count:
            summary = ngettext(
                "Done: %(count)d data key is now wrapped by key %(kid)s.",
                "Done: %(count)d data keys are now wrapped by key %(kid)s.",
                count,
            ) % {"count": count, "kid": newest}
        else:
            summary = _("Nothing to do: every data key is already wrapped by key %(kid)s.") % {"kid": newest}
        self.stdout.write(self.style.SUCCESS(summary))

    def _progress(self, done: int, total: int) -> None:
        self.stdout.write(
            ngettext("Re-wrapped %(done)d of %(total)d data key.", "Re-wrapped %(done)d of %(total)d data keys.", total)
            % {"done": done, "total": total}
        )

    def _check(self) -> None:
        ring = crypto.keyring()
        stale = crypto.stale_data_key_counts()
        for kid, count in stale.items():
            line = ngettext(
                "%(count)d data key is wrapped by older key %(kid)s.",
                "%(count)d data keys are wrapped by older key %(kid)s.",
                count,
            ) % {"count": count, "kid": kid}
            if kid not in ring.kids:
                line += " " + _("That key is not configured: those values cannot be read until it is restored.")
            self.stdout.write(self.style.WARNING(line))
        stale_total = sum(stale.values())
        if stale_total:
            self.stdout.write(
                ngettext(
                    "%(count)d data key needs re-wrapping: run carnet rotate_keys.",
                    "%(count)d data keys need re-wrapping: run carnet rotate_keys.",
                    stale_total,
                )
                % {"count": stale_total}
            )
            sys.exit(1)
        self.stdout.write(self.style.SUCCESS(_("Every data key is wrapped by the newest key, %(kid)s.") % {"kid": ring.newest.kid}))
