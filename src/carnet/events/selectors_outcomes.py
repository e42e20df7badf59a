"""Reads of meetings' outcomes: per meeting (the meeting page, the editing page, the printable report) and across meetings.

Only outcomes of meetings the reader may see are ever returned; the filter is the
events policy in SQL (``EventPolicy.visible``), so counts and filters never reveal an
invited or members-only meeting. Each item carries its text in the reader's language
(else English, else any: the language it is in is given, so the page can mark it) and
what became of it: the linked action's code, title and status.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from carnet.actionplan.selectors import text_in
from carnet.core.models import Country
from carnet.events.models import Event, Outcome, OutcomeKind
from carnet.events.policies import EventAction, EventPolicy


@dataclass(frozen=True)
class ActionRef:
    code: str
    title: str
    status: str
    status_label: str


@dataclass(frozen=True)
class OutcomeItem:
    pk: int
    kind: str
    kind_label: str
    text: str
    text_language: str  # the language ``text`` is in
    translated: bool  # False when ``text`` is not in the reader's language (a fallback)
    priority: Any  # carnet.core.models.Priority | None
    countries: list[Country]
    committed_by: Any  # carnet.directory.models.Organisation | None
    committed_country: Country | None
    action: ActionRef | None
    event: Event | None = None
    languages: list[str] = field(default_factory=list)  # the languages it is written in


def _outcomes() -> QuerySet[Outcome]:
    outcomes: QuerySet[Outcome] = (
        Outcome.objects.select_related("priority", "committed_by", "committed_country", "action")
        .prefetch_related(
            "translations",
            "priority__translations",
            "committed_by__translations",
            "committed_country__translations",
            "action__translations",
            Prefetch("countries", queryset=Country.objects.prefetch_related("translations")),
        )
        .order_by("position", "created_at", "pk")
    )
    return outcomes


def item_of(outcome: Outcome, language: str, *, with_event: bool = False) -> OutcomeItem:
    text, text_language = text_in(outcome, "text", language)
    action = None
    if outcome.action is not None:
        title, _lang = text_in(outcome.action, "title", language)
        action = ActionRef(outcome.action.code, title, outcome.action.status, str(outcome.action.get_status_display()))
    return OutcomeItem(
        pk=outcome.pk,
        kind=outcome.kind,
        kind_label=str(outcome.get_kind_display()),
        text=text,
        text_language=text_language,
        translated=text_language == language,
        priority=outcome.priority,
        countries=list(outcome.countries.all()),
        committed_by=outcome.committed_by,
        committed_country=outcome.committed_country,
        action=action,
        event=outcome.event if with_event else None,
        languages=sorted(t.language_code for t in outcome.translations.all()),
    )


def outcomes_for_event(*, actor: Any, event: Event, language: str) -> list[OutcomeItem]:
    """The meeting's outcome items in their order; none when the reader may not see the meeting."""
    if not EventPolicy.can(actor, EventAction.VIEW, event):
        return []
    return [item_of(outcome, language) for outcome in _outcomes().filter(event=event)]


def grouped_by_kind(items: list[OutcomeItem]) -> list[tuple[str, str, list[OutcomeItem]]]:
    """The items under their kind, in the kinds' own order: (kind, label, items); empty kinds left out."""
    groups = []
    for kind in OutcomeKind:
        members = [item for item in items if item.kind == kind.value]
        if members:
            groups.append((kind.value, str(kind.label), members))
    return groups


def event_for_outcomes(*, actor: Any, slug: str) -> Event:
    """A meeting the reader may see, by its slug (404 for missing and hidden alike)."""
    event: Event | None = (
        EventPolicy.visible(actor, Event.objects.all())
        .select_related("country")
        .prefetch_related(
            "translations",
            "country__translations",
            "organiser_links__organisation__translations",
            Prefetch("participating_countries", queryset=Country.objects.prefetch_related("translations")),
            "participating_organisations__translations",
        )
        .filter(slug=slug)
        .first()
    )
    if event is None:
        raise Http404
    return event


def outcome_for_manager(*, actor: Any, event: Event, pk: int) -> Outcome:
    """One outcome item of a meeting the actor manages (404 otherwise)."""
    if not EventPolicy.can(actor, EventAction.MANAGE, event):
        raise Http404
    outcome: Outcome | None = Outcome.objects.select_related("event", "action").filter(event=event, pk=pk).first()
    if outcome is None:
        raise Http404
    return outcome


@dataclass(frozen=True)
class OutcomeFilters:
    priority: int | None = None  # the priority's number
    kind: str = ""
    country: str = ""  # ISO code of a country concerned (or the committing state)


def outcome_list_for(*, actor: Any, filters: OutcomeFilters | None = None) -> QuerySet[Outcome]:
    """Outcomes across every meeting the reader may see, latest meetings first."""
    filters = filters or OutcomeFilters()
    events = EventPolicy.visible(actor, Event.objects.all()).values("pk")
    qs = _outcomes().filter(event__in=events).select_related("event").prefetch_related("event__translations")
    if filters.priority is not None:
        qs = qs.filter(priority__number=filters.priority)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.country:
        qs = qs.filter(Q(countries__code=filters.country) | Q(committed_country__code=filters.country)).distinct()
    return qs.order_by("-event__start_date", "event__slug", "position", "pk")
