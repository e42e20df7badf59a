"""The shape every app's ``policies.py`` follows: fail closed.

An app subclasses :class:`Policy`, lists its actions in a ``StrEnum`` and answers
``can(actor, action, obj)`` and ``visible(actor, queryset)``. Anything it does not
answer explicitly is denied: an unknown action, a missing rule, an anonymous actor
for a protected action. Never copy Wagtail's fail-open default.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any, ClassVar, TypeVar

from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)
Rule = Callable[[Any, Any], bool]


class Policy:
    """A table of rules ``action -> predicate(actor, obj)``; absent rows deny."""

    rules: ClassVar[dict[str, Rule]] = {}  # keyed by the action (a StrEnum member is its str value)

    @classmethod
    def can(cls, actor: Any, action: StrEnum | str, obj: Any = None) -> bool:
        rule = cls.rules.get(str(action))
        if rule is None or actor is None:
            return False
        try:
            return bool(rule(actor, obj))
        except (AttributeError, LookupError, TypeError, ValueError):
            # A rule that cannot decide denies; it never lets an error through as "yes".
            return False

    @classmethod
    def visible(cls, actor: Any, queryset: QuerySet[M]) -> QuerySet[M]:
        return queryset.none()
