"""Who may edit, review and publish the portal's content (docs/decisions/0008).

* The **secretariat** edits everything (country pages, priority pages, news), reviews and
  publishes. It is the portal's editor: what the public reads goes out under the CBSS's name.
* A country's **national contact point** (NCP) and its **national coordinator** edit that
  country's page (in every language) and its key facts, and submit their drafts for review;
  they cannot publish. Four eyes: what a country writes about itself is published by
  someone else, the secretariat. The secretariat may publish its own drafts: it is the
  editorial authority, and requiring a second secretariat member would stall a two-person team.
* Nobody else edits. Anything not listed here is denied (carnet.core.policies.Policy).

``EDIT`` with no object answers "may this person edit anything at all" (the editing pages'
gate); with an object it is the decision for that object.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar, TypeVar

from django.db.models import Model, QuerySet

from carnet.accounts.models import Role
from carnet.accounts.roles import countries_for, has_role
from carnet.core.models import Country
from carnet.core.policies import Policy, Rule
from carnet.portal.models import CountryPage, KeyFact

M = TypeVar("M", bound=Model)

COUNTRY_EDITORS = (Role.NCP, Role.COORDINATOR)


class PortalAction(StrEnum):
    EDIT = "edit"  # save drafts and submit them for review (obj: a CountryPage, PriorityPage, NewsItem or KeyFact)
    REVIEW = "review"  # send a submitted text back to its author
    PUBLISH = "publish"
    CREATE_NEWS = "create_news"


def _active(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and actor.is_active)


def _secretariat(actor: Any) -> bool:
    return _active(actor) and has_role(actor, Role.SECRETARIAT)


def _country_of(obj: Any) -> str | None:
    if isinstance(obj, KeyFact):
        obj = obj.page
    if isinstance(obj, CountryPage):
        return str(obj.country.code)
    if isinstance(obj, Country):
        return str(obj.code)
    return None


def _edit(actor: Any, obj: Any) -> bool:
    if not _active(actor):
        return False
    if _secretariat(actor):
        return True
    if obj is None:
        return bool(countries_for(actor, *COUNTRY_EDITORS))
    country = _country_of(obj)
    return country is not None and has_role(actor, *COUNTRY_EDITORS, country=country)


def _secretariat_rule(actor: Any, obj: Any) -> bool:
    return _secretariat(actor)


class PortalPolicy(Policy):
    rules: ClassVar[dict[str, Rule]] = {
        PortalAction.EDIT: _edit,
        PortalAction.REVIEW: _secretariat_rule,
        PortalAction.PUBLISH: _secretariat_rule,
        PortalAction.CREATE_NEWS: _secretariat_rule,
    }

    @classmethod
    def visible(cls, actor: Any, queryset: QuerySet[M]) -> QuerySet[M]:
        """What the actor may edit, in SQL: countries and country pages of their own country; all for the secretariat."""
        if not _active(actor):
            return queryset.none()
        if _secretariat(actor):
            return queryset
        own = sorted(countries_for(actor, *COUNTRY_EDITORS))
        if queryset.model is Country:
            return queryset.filter(code__in=own)
        if queryset.model is CountryPage:
            return queryset.filter(country__code__in=own)
        if queryset.model is KeyFact:
            return queryset.filter(page__country__code__in=own)
        return queryset.none()
