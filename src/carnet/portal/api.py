"""The portal's public API: a country's page, and the news. Everyone may read it (``auth=None``).

No `from __future__ import annotations` here: ninja must see `Query[...]` as a real type.

Text is the published revision in ``?lang=`` (default: the request's language), falling
back to English like the pages; contacts come only through ``directory.visibility``, so an
anonymous client sees exactly the public contact fields.
"""

from datetime import datetime
from typing import Any

from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import translation
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from carnet.api.language import requested_language
from carnet.directory.models import NetworkRoleKind
from carnet.portal.reading import (
    contacts,
    country_by_code,
    fact_label,
    key_facts,
    news_entries,
    page_of,
    people_in_role,
    published_news,
    published_news_item,
)
from carnet.portal.richtext import clean
from carnet.portal.selectors import Published, published

router = Router(tags=["portal"])

MAX_LIMIT = 100


class KeyFactOut(Schema):
    label: str
    value: str
    source: str
    year: int


class ContactOut(Schema):
    role: str
    name: str
    position: str
    organisation: str
    email: str | None
    phone: str | None
    address: str | None


class TextState(Schema):
    language: str | None  # the language of the text (None: nothing is published)
    fallback: bool
    outdated: bool


class CountryPageOut(Schema):
    code: str
    name: str
    is_state: bool
    ncp_status: str
    ncp_status_label: str
    text: TextState
    summary: str
    legislation: str  # sanitised HTML
    services: str  # sanitised HTML
    key_facts: list[KeyFactOut]
    contacts: list[ContactOut]
    url: str


class NewsOut(Schema):
    slug: str
    title: str
    summary: str
    published_at: datetime | None
    language: str
    fallback: bool
    outdated: bool
    country: str | None
    priority: str | None
    url: str


class NewsDetailOut(NewsOut):
    body: str  # sanitised HTML


class NewsPage(Schema):
    items: list[NewsOut]
    count: int


class LanguageQuery(Schema):
    lang: str | None = None


class NewsQuery(LanguageQuery):
    limit: int = 20
    offset: int = 0


def _state(text: Published | None) -> TextState:
    if text is None:
        return TextState(language=None, fallback=False, outdated=False)
    return TextState(language=text.language, fallback=text.fallback, outdated=text.outdated)


@router.get(
    "/portal/countries/{code}", response=CountryPageOut, auth=None, summary="A member's page: text, key facts, NCP and public contacts"
)
def country_page(request: HttpRequest, code: str, query: Query[LanguageQuery]) -> CountryPageOut:
    language = requested_language(query.lang)
    with translation.override(language):
        member = country_by_code(code)
        page = page_of(member)
        text = published(page, language) if page is not None else None
        data: dict[str, Any] = text.data if text is not None else {}
        people = [(NetworkRoleKind.NCP, p) for p in people_in_role(member, NetworkRoleKind.NCP)] + [
            (NetworkRoleKind.NATIONAL_COORDINATOR, p) for p in people_in_role(member, NetworkRoleKind.NATIONAL_COORDINATOR)
        ]
        cards = contacts(request.user, [person for _kind, person in people])
        return CountryPageOut(
            code=member.code,
            name=str(member),
            is_state=member.is_state,
            ncp_status=member.ncp_status,
            ncp_status_label=str(member.get_ncp_status_display()),
            text=_state(text),
            summary=str(data.get("summary", "")),
            legislation=clean(str(data.get("legislation", ""))),
            services=clean(str(data.get("services", ""))),
            key_facts=[
                KeyFactOut(label=fact_label(fact), value=fact.value, source=fact.source, year=fact.year) for fact in key_facts(page)
            ],
            contacts=[
                ContactOut(
                    role=str(kind),
                    name=contact.card.person.full_name,
                    position=contact.card.person.position,
                    organisation=contact.organisation,
                    email=contact.card.email,
                    phone=contact.card.phone,
                    address=contact.card.address,
                )
                for (kind, _person), contact in zip(people, cards, strict=True)
            ],
            url=reverse("portal:country", kwargs={"code": member.code.lower()}),
        )


def _news_out(entry: Any, language: str) -> dict[str, Any]:
    item, text = entry.item, entry.text
    return {
        "slug": item.slug,
        "title": entry.title,
        "summary": entry.summary,
        "published_at": item.published_at,
        "language": text.language,
        "fallback": text.fallback,
        "outdated": text.outdated,
        "country": item.country.code if item.country else None,
        "priority": item.priority.slug if item.priority else None,
        "url": reverse("portal:news_detail", kwargs={"slug": item.slug}),
    }


@router.get("/news", response=NewsPage, auth=None, summary="Published news, newest first")
def news_list(request: HttpRequest, query: Query[NewsQuery]) -> NewsPage:
    language = requested_language(query.lang)
    if not 1 <= query.limit <= MAX_LIMIT or query.offset < 0:
        raise HttpError(400, f"limit is between 1 and {MAX_LIMIT}; offset is 0 or more.")
    with translation.override(language):
        items = published_news()
        window = list(items[query.offset : query.offset + query.limit])
        return NewsPage(items=[NewsOut(**_news_out(entry, language)) for entry in news_entries(window, language)], count=items.count())


@router.get("/news/{slug}", response=NewsDetailOut, auth=None, summary="One published news item")
def news_detail(request: HttpRequest, slug: str, query: Query[LanguageQuery]) -> NewsDetailOut:
    language = requested_language(query.lang)
    with translation.override(language):
        item = published_news_item(slug)
        entries = news_entries([item], language)
        if not entries:
            raise Http404
        entry = entries[0]
        return NewsDetailOut(**_news_out(entry, language), body=clean(str(entry.text.data.get("body", ""))))
