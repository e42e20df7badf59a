"""`carnet bundle --out FILE.zip [--lang en,ru] [--visibility public]`: the library as an offline static site.

The operator's command (no policy: whoever runs carnet's commands runs the installation). Only
published versions; nothing above ``--visibility``: ``public`` by default, ``members`` only when
asked for, ``restricted`` never. Progress goes to stderr, one line per resource. A public bundle is
also kept in storage and offered on the library page (``--no-publish`` keeps it off the site).
Any problem — an unwritable path, an unknown language, a damaged file — is one clear message,
exit status 1, and no file at ``--out``.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from carnet.library.bundle import BundleError, build_bundle, bundle_record, content_languages
from carnet.library.models import Visibility


class Command(BaseCommand):
    help = "Write the library as a self-contained static site in a zip file (opens from disk, searchable offline)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, help="Path of the zip file to write (its directory must exist).")
        parser.add_argument("--lang", default="", help="Languages, comma-separated (default: every language of the site).")
        parser.add_argument(
            "--visibility",
            default=Visibility.PUBLIC,
            help="public (the default) or members (resources for network members too). Restricted resources are never included.",
        )
        parser.add_argument("--no-publish", action="store_true", help="Do not offer a public bundle for download on the library page.")

    def handle(self, *args: Any, out: str, lang: str, visibility: str, no_publish: bool = False, **options: Any) -> None:
        languages = [code.strip() for code in lang.split(",") if code.strip()] if lang else content_languages()

        def progress(done: int, total: int, slug: str) -> None:
            self.stderr.write(f"[{done}/{total}] {slug}")

        try:
            result = build_bundle(out_path=out, languages=languages, visibility=visibility, progress=progress)
        except BundleError as error:
            raise CommandError(error.message) from None
        self.stdout.write(
            f"Wrote {result.path}: {result.resources} resources in {', '.join(result.languages)} "
            f"({result.visibility}), {len(result.files)} files, {result.size} bytes, sha256 {result.sha256}."
        )
        if result.visibility == Visibility.PUBLIC and not no_publish:
            bundle = bundle_record(actor=None, result=result)
            self.stdout.write(f"Offered for download on the library page as {bundle.file.name}.")
