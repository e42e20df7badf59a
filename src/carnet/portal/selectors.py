"""What the public sees: the published revision of each content object in the reader's language.

A language whose translation is not published falls back to the source language (English),
and the page says so. The public never sees a draft or a revision in review.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models

from carnet.portal.models import Revision, Status

SOURCE_LANGUAGE = "en"


def content_label(obj: models.Model) -> str:
    return obj._meta.label_lower


@dataclass(frozen=True)
class Published:
    """One published revision: its text (field -> value), in which language, and whether it lags behind its source."""

    data: dict[str, Any]
    language: str
    revision: Revision
    fallback: bool  # the reader asked for another language, which is not published
    outdated: bool  # a translation made from an older source revision than the published source


def published(obj: models.Model, language: str) -> Published | None:
    """The published text of ``obj`` in ``language`` (or in the source language when that one is not published)."""
    label, object_id = content_label(obj), str(obj.pk)
    latest: dict[str, Revision] = {}
    for revision in Revision.objects.filter(
        content=label, object_id=object_id, status=Status.PUBLISHED, language__in={language, SOURCE_LANGUAGE}
    ).order_by("-number"):
        latest.setdefault(revision.language, revision)
    chosen = latest.get(language) or latest.get(SOURCE_LANGUAGE)
    if chosen is None:
        return None
    source = latest.get(SOURCE_LANGUAGE)
    outdated = bool(
        chosen.language != SOURCE_LANGUAGE
        and source is not None
        and chosen.source_revision is not None
        and chosen.source_revision < source.number
    )
    fallback = chosen.language != language
    return Published(data=dict(chosen.data), language=chosen.language, revision=chosen, fallback=fallback, outdated=outdated)


def languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]
