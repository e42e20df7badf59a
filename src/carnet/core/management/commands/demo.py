"""`carnet demo [--reset]`: load synthetic demo data; idempotent."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandParser
from django.utils.module_loading import import_string, module_has_submodule


class Command(BaseCommand):
    help = "Load the synthetic demo data (idempotent). --reset starts over."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reset", action="store_true", help="Delete the demo data first and load it again.")

    def handle(self, *args: Any, reset: bool = False, **options: Any) -> None:
        for config in apps.get_app_configs():
            if config.name.startswith("carnet.") and module_has_submodule(config.module, "demo"):
                import_string(f"{config.name}.demo.load")(reset=reset, out=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data is ready."))
