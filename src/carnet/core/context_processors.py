from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import translate_url


def carnet(request: HttpRequest) -> dict[str, Any]:
    """The language switch: the same page in every language, as plain links (works without JavaScript)."""
    path = request.get_full_path()
    return {
        "language_links": [{"code": code, "name": name, "url": translate_url(path, code)} for code, name in settings.LANGUAGES],
    }
