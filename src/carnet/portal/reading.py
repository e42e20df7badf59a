"""Reads shared by the public pages, the Atom feed and the API: published content only, contacts through visibility.

The public never reads a draft: text comes from :func:`carnet.portal.selectors.published`;
people's contact details only from :func:`carnet.directory.visibility.cards_for` for the viewer.
"""

from __future__ import annotations

import functools
import xml.etree.ElementTree as ET  # noqa: S405  # parses only the map shipped with carnet, never input
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from django.db.models import CharField, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Cast
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from carnet.core.models import Country
from carnet.core.selectors import country_list
from carnet.directory.models import Person
from carnet.directory.visibility import ContactCard, cards_for
from carnet.portal.models import CountryPage, KeyFact, NewsItem, Revision, Status
from carnet.portal.richtext import clean
from carnet.portal.selectors import Published, content_label, published_many

NEWS_PER_PAGE = 10
HOME_NEWS = 5
MAP_FILE = Path(__file__).resolve().parent / "static" / "portal" / "baltic-map.svg"


def published_news() -> QuerySet[NewsItem]:
    """News the public may read: a publication time that has come, and a published revision in some language."""
    has_published_revision = Revision.objects.filter(
        content=content_label(NewsItem()), object_id=Cast(OuterRef("pk"), CharField()), status=Status.PUBLISHED
    )
    return cast(
        QuerySet[NewsItem],
        NewsItem.objects.filter(Exists(has_published_revision), published_at__isnull=False, published_at__lte=timezone.now())
        .select_related("country", "priority")
        .order_by("-published_at", "-pk"),
    )


def published_news_item(slug: str) -> NewsItem:
    """One published news item, or 404 (unknown, not yet published and draft-only look the same)."""
    item = published_news().filter(slug=slug).first()
    if item is None:
        raise Http404
    return item


def country_by_code(code: str) -> Country:
    """A member (the eleven states or the European Commission) by its code in any case, or 404."""
    country = country_list().filter(code=code.upper()).first()
    if country is None:
        raise Http404
    return country


def rich(html: str) -> SafeString:
    """Stored rich text, cleaned once more right before it is shown (stored HTML is never trusted as is)."""
    return mark_safe(clean(html))  # noqa: S308  # nh3 has just removed everything unsafe


def people_in_role(country: Country, kind: str) -> list[Person]:
    """The people who hold ``kind`` for ``country`` today."""
    today = timezone.localdate()
    active = (
        Q(roles__kind=kind, roles__country=country)
        & (Q(roles__since__isnull=True) | Q(roles__since__lte=today))
        & (Q(roles__until__isnull=True) | Q(roles__until__gte=today))
    )
    return list(Person.objects.filter(active).distinct().select_related("organisation").prefetch_related("organisation__translations"))


def organisation_name(person: Person) -> str:
    if person.organisation is None:
        return ""
    return str(person.organisation)


def key_facts(page: CountryPage | None) -> list[KeyFact]:
    if page is None:
        return []
    return list(page.facts.prefetch_related("translations").order_by("order", "pk"))


def fact_label(fact: KeyFact) -> str:
    return str(fact.safe_translation_getter("label", any_language=True) or "")


def page_of(country: Country) -> CountryPage | None:
    # parler's manager is untyped: say what it returns
    return cast(CountryPage | None, CountryPage.objects.filter(country=country).first())


# --- the map ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    d: str
    label_x: str
    label_y: str


@dataclass(frozen=True)
class MapCountry:
    code: str
    name: str
    status: str
    status_label: str
    url: str
    shape: Shape


@functools.cache
def map_shapes() -> dict[str, Shape]:
    """The simplified shapes of the member states, from the SVG shipped with carnet (read once per process)."""
    root = ET.parse(MAP_FILE).getroot()  # noqa: S314  # carnet's own file, not input
    shapes = {}
    for element in root.iter("{http://www.w3.org/2000/svg}path"):
        shapes[element.attrib["id"]] = Shape(
            d=element.attrib["d"], label_x=element.attrib["data-label-x"], label_y=element.attrib["data-label-y"]
        )
    return shapes


def map_countries(countries: list[Country]) -> list[MapCountry]:
    shapes = map_shapes()
    return [
        MapCountry(
            code=country.code,
            name=str(country),
            status=country.ncp_status,
            status_label=str(country.get_ncp_status_display()),
            url=reverse("portal:country", kwargs={"code": country.code.lower()}),
            shape=shapes[country.code],
        )
        for country in countries
        if country.code in shapes
    ]


# --- pages --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewsEntry:
    item: NewsItem
    text: Published

    @property
    def title(self) -> str:
        return str(self.text.data.get("title", "") or self.item.slug)

    @property
    def summary(self) -> str:
        return str(self.text.data.get("summary", ""))


def news_entries(items: list[NewsItem], language: str) -> list[NewsEntry]:
    """The items with their published text (one query for all of them); an item with none is left out."""
    texts = published_many(items, language)
    return [NewsEntry(item=item, text=texts[str(item.pk)]) for item in items if str(item.pk) in texts]


@dataclass(frozen=True)
class Contact:
    card: ContactCard
    organisation: str


def contacts(viewer: Any, people: list[Person]) -> list[Contact]:
    """People with only the contact fields the viewer may see (directory.visibility decides)."""
    cards = cards_for(viewer, people, channel="portal country page")
    return [Contact(card=card, organisation=organisation_name(card.person)) for card in cards]
