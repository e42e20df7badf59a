"""What the public sees: the published revision of each content object in the reader's language.

A language whose translation is not published falls back to the source language (English),
and the page says so. The public never sees a draft or a revision in review.
"""

from __future__ import annotations

from collections.abc import Sequence
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
    return published_many([obj], language).get(str(obj.pk))


def published_many(objs: Sequence[models.Model], language: str) -> dict[str, Published]:
    """:func:`published` for several objects of one kind in one query (a news list, a feed), keyed by ``str(pk)``."""
    if not objs:
        return {}
    label = content_label(objs[0])
    latest: dict[tuple[str, str], Revision] = {}
    for revision in Revision.objects.filter(
        content=label, object_id__in=[str(o.pk) for o in objs], status=Status.PUBLISHED, language__in={language, SOURCE_LANGUAGE}
    ).order_by("-number"):
        latest.setdefault((revision.object_id, revision.language), revision)
    found: dict[str, Published] = {}
    for obj in objs:
        object_id = str(obj.pk)
        chosen = latest.get((object_id, language)) or latest.get((object_id, SOURCE_LANGUAGE))
        if chosen is None:
            continue
        source = latest.get((object_id, SOURCE_LANGUAGE))
        outdated = bool(
            chosen.language != SOURCE_LANGUAGE
            and source is not None
            and chosen.source_revision is not None
            and chosen.source_revision < source.number
        )
        fallback = chosen.language != language
        found[object_id] = Published(
            data=dict(chosen.data), language=chosen.language, revision=chosen, fallback=fallback, outdated=outdated
        )
    return found


def languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]
