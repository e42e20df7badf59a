"""`carnet serve`: the production server (gunicorn) with static files from whitenoise."""

from __future__ import annotations

import os
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve carnet with gunicorn (static files by whitenoise)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("CARNET_WORKERS", str(min(4, (os.cpu_count() or 1) * 2)))))
        parser.add_argument("--no-collectstatic", action="store_true", help="Skip collecting static files first.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["no_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        bind = f"{options['host']}:{options['port']}"
        self.stdout.write(f"carnet is serving on http://{bind}/  (Ctrl+C stops it)")
        self.stdout.flush()
        argv = [
            sys.executable, "-m", "gunicorn", "carnet.config.wsgi:application",
            "--bind", bind, "--workers", str(options["workers"]),
            "--access-logfile", "-", "--forwarded-allow-ips", os.environ.get("CARNET_FORWARDED_ALLOW_IPS", "127.0.0.1"),
        ]  # fmt: skip
        os.execv(sys.executable, argv)  # noqa: S606  (replaces this process with gunicorn; fixed arguments)
