"""What django-axes locks on: the name the person typed, whichever way allauth authenticates it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def typed_login(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """allauth calls authenticate() with ``username=`` or ``email=``; the form field is ``login``.

    Locking on exactly what was typed (lower-cased) means an attacker cannot dodge the
    lockout by switching between a user's name and address, and nobody learns whether
    the account exists: unknown names are locked the same way.
    """
    credentials = credentials or {}
    typed = credentials.get("username") or credentials.get("email") or credentials.get("login")
    if not typed and request is not None and request.method == "POST":
        typed = request.POST.get("login")
    return str(typed).strip().lower()[:150] if typed else None
