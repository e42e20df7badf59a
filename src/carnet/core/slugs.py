"""The web address (slug) an editor types for a page: news items, library resources."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.utils.translation import gettext as _


def normalised_slug(slug: str, *, max_length: int) -> str:
    """``slug`` trimmed and in lower case, or a ValidationError on ``slug`` saying what is wrong with it."""
    slug = (slug or "").strip().lower()
    try:
        validate_slug(slug)
    except ValidationError:
        raise ValidationError({"slug": _("Use letters, numbers, hyphens and underscores only.")}) from None
    if len(slug) > max_length:
        raise ValidationError({"slug": _("At most %(max)s characters.") % {"max": max_length}})
    return slug
