"""The ``lang`` parameter of the API's public reads (events, actions, the portal)."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from ninja.errors import HttpError


def languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def requested_language(lang: str | None) -> str:
    """``lang`` when carnet speaks it, the request's language when none is asked for; 400 for any other."""
    if lang is None:
        return translation.get_language() or "en"
    if lang not in languages():
        raise HttpError(400, f"Unknown language {lang!r}: use one of {', '.join(languages())}.")
    return lang
