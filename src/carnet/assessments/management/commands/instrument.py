"""`carnet instrument import FILE [--publish]` and `carnet instrument export SLUG VERSION [--format yaml|json]`.

Import adds a new version of an instrument from a JSON or YAML file (docs/instrument.schema.json);
a file with any problem stores nothing and every problem is listed with its path in the file.
Export writes a version in the same format to stdout.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from carnet.assessments.instruments import InstrumentFileInvalid, export_text, instrument_import, read_instrument_file, version_document
from carnet.assessments.models import InstrumentVersion
from carnet.core.errors import DomainError


class Command(BaseCommand):
    help = "Import an instrument file as a new version, or export a version as a file."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        importing = sub.add_parser("import", help="Add a new version of an instrument from a JSON or YAML file.")
        importing.add_argument("file", help="Path of the file (.json, .yaml or .yml).")
        importing.add_argument("--publish", action="store_true", help="Publish the new version at once (otherwise it is a draft).")
        exporting = sub.add_parser("export", help="Write a version of an instrument to stdout.")
        exporting.add_argument("slug")
        exporting.add_argument("version", type=int)
        exporting.add_argument("--format", choices=["yaml", "json"], default="yaml", dest="fmt")

    def handle(self, *args: Any, subcommand: str, **options: Any) -> None:
        if subcommand == "import":
            self._import(Path(options["file"]), publish=options["publish"])
        elif subcommand == "export":
            self._export(options["slug"], options["version"], options["fmt"])
        else:
            raise CommandError(f"Unknown subcommand {subcommand!r}.")

    def _import(self, path: Path, *, publish: bool) -> None:
        try:
            content = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from None
        try:
            version = instrument_import(actor=None, document=read_instrument_file(content, path.name), publish=publish)
        except InstrumentFileInvalid as invalid:
            for problem in invalid.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"{path}: {len(invalid.problems)} problem(s); nothing was imported.") from None
        except DomainError as error:
            raise CommandError(error.message) from None
        self.stdout.write(f"Imported {version.instrument.slug} version {version.number} ({version.get_status_display()}).")

    def _export(self, slug: str, number: int, fmt: str) -> None:
        version = InstrumentVersion.objects.filter(instrument__slug=slug, number=number).first()
        if version is None:
            raise CommandError(f"There is no version {number} of {slug!r}.")
        self.stdout.write(export_text(version_document(version), fmt), ending="")
