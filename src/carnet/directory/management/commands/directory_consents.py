"""`carnet directory_consents`: narrow the stored visibility of contacts whose consent has ended.

Not needed for safety: :mod:`carnet.directory.visibility` already treats a field without a current
consent as restricted, the moment the consent ends. Run it daily (cron or a systemd timer) so that
what a person's "My contact details" page shows as stored matches what is shown. Each narrowed
person gets an audit entry (``directory.visibility_narrow``); a second run finds nothing to do.
Contact grants need no job: an approved request stops counting once its ``expires_at`` has passed.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from carnet.directory.services_contacts import consent_expiry_narrow


class Command(BaseCommand):
    help = "Narrow contact visibilities that no current consent covers any more (consent ended). Run daily."

    def handle(self, *args: Any, **options: Any) -> None:
        changed = consent_expiry_narrow()
        for person_id, fields in changed.items():
            self.stdout.write(f"person {person_id}: " + ", ".join(f"{name} -> {visibility}" for name, visibility in fields.items()))
        self.stdout.write(f"Done: {len(changed)} people narrowed.")
