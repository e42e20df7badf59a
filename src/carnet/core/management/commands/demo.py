"""`carnet demo [--reset]`: load synthetic demo data; idempotent."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandParser
from django.test import override_settings
from django.utils.module_loading import module_has_submodule


class Command(BaseCommand):
    help = "Load the synthetic demo data (idempotent). --reset starts over."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reset", action="store_true", help="Delete the demo data first and load it again.")

    def handle(self, *args: Any, reset: bool = False, **options: Any) -> None:
        modules = [c.name for c in apps.get_app_configs() if c.name.startswith("carnet.") and module_has_submodule(c.module, "demo")]
        if reset:
            # Later apps' demo data points at earlier apps' (cases at accounts): remove it first.
            for name in reversed(modules):
                module = import_module(f"{name}.demo")
                if hasattr(module, "reset"):
                    module.reset(out=self.stdout)
        # The demo's people are synthetic (addresses at .invalid) and nobody waits for their e-mails
        # (registration approvals, referral notices): they go nowhere instead of filling the console.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            for name in modules:
                import_module(f"{name}.demo").load(out=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data is ready."))
