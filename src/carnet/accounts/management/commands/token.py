"""`carnet token USERNAME`: issue a personal API token; the token is the last line of stdout."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from carnet.accounts.models import User
from carnet.accounts.services import token_create


class Command(BaseCommand):
    help = "Create a personal API token for USERNAME and print it (last line of output)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="command line")
        parser.add_argument("--days", type=int, default=None, help="Lifetime in days (default: CARNET_API_TOKEN_DAYS).")

    def handle(self, *args: Any, username: str, name: str, days: int | None, **options: Any) -> None:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user named {username!r}.")
        if days is not None and not 1 <= days <= 365:
            raise CommandError("--days must be between 1 and 365.")
        issued = token_create(actor=None, user=user, name=name, days=days)
        self.stderr.write(f"Token {issued.token.prefix} for {username}, expires {issued.token.expires_at:%Y-%m-%d}. It is shown once:")
        self.stdout.write(issued.secret)
