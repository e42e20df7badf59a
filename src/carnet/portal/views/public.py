"""The public site under /<language>/: home with the map, a page per country and per priority, news and its Atom feed.

Everything here is readable by anyone. Text comes only from ``portal.selectors.published``
(drafts and revisions in review never reach these pages), rich text is cleaned again with
``portal.richtext.clean`` right before it is shown, and people's contact details come only
from ``directory.visibility.cards_for`` for the viewer.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import translation
from django.utils.http import urlencode
from django.views.decorators.http import require_safe

from carnet.core.access import public
from carnet.core.models import NcpStatus
from carnet.core.selectors import country_list, priority_list
from carnet.directory.models import NetworkRoleKind, Person
from carnet.directory.visibility import is_member
from carnet.events.models import EventStatus
from carnet.events.selectors import EventFilters, event_list_for, upcoming_for
from carnet.library.search import SearchFilters
from carnet.library.search import search as library_search
from carnet.portal.models import PriorityPage
from carnet.portal.reading import (
    HOME_NEWS,
    NEWS_PER_PAGE,
    NewsEntry,
    contacts,
    country_by_code,
    fact_label,
    key_facts,
    map_countries,
    news_entries,
    organisation_name,
    page_of,
    people_in_role,
    published_news,
    published_news_item,
    rich,
)
from carnet.portal.selectors import published

HOME_EVENTS = 5  # the next events on the home page (and on a country's page)
PAGE_RESOURCES = 5  # the latest library resources on a country's or a priority's page


def latest_resources(request: HttpRequest, filters: SearchFilters) -> dict[str, object]:
    """The newest library resources the reader may see about a country or a priority (their language first),
    and the address of the library filtered the same way."""
    found = library_search(
        actor=request.user, language=translation.get_language(), filters=filters, per_page=PAGE_RESOURCES, with_facets=False
    )
    return {"resources": list(found.hits), "resources_url": f"{reverse('library:index')}?{urlencode(filters.as_params())}"}


@public
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    language = translation.get_language()
    countries = list(country_list())
    return render(
        request,
        "portal/public/home.html",
        {
            "priorities": priority_list(),
            "countries": countries,
            "map_countries": map_countries([c for c in countries if c.is_state]),
            "statuses": NcpStatus,
            "operational_count": sum(1 for c in countries if c.ncp_status == NcpStatus.OPERATIONAL),
            "news": news_entries(list(published_news()[:HOME_NEWS]), language),
            "events": upcoming_for(request.user, HOME_EVENTS),
        },
    )


@public
@require_safe
def country(request: HttpRequest, code: str) -> HttpResponse:
    member = country_by_code(code)
    page = page_of(member)
    text = published(page, translation.get_language()) if page is not None else None
    data = text.data if text is not None else {}
    ncps = people_in_role(member, NetworkRoleKind.NCP)
    return render(
        request,
        "portal/public/country.html",
        {
            "country": member,
            "text": text,
            "summary": data.get("summary", ""),
            "legislation": rich(data.get("legislation", "")),
            "services": rich(data.get("services", "")),
            "facts": [(fact, fact_label(fact)) for fact in key_facts(page)],
            "ncps": contacts(request.user, ncps),
            "ncp_organisations": sorted({name for name in (organisation_name(p) for p in ncps) if name}),
            "coordinators": contacts(request.user, people_in_role(member, NetworkRoleKind.NATIONAL_COORDINATOR)),
            "events": list(event_list_for(request.user, EventFilters(country=member.code)).exclude(status=EventStatus.DRAFT)[:HOME_EVENTS]),
        }
        | latest_resources(request, SearchFilters(country=member.code)),
    )


def profile_url(person: Person) -> str:
    return reverse("directory:person", kwargs={"person_id": person.pk})


@public
@require_safe
def priority(request: HttpRequest, slug: str) -> HttpResponse:
    item = priority_list().filter(slug=slug).first()
    if item is None:
        raise Http404
    page = PriorityPage.objects.filter(priority=item).first()
    text = published(page, translation.get_language()) if page is not None else None
    group = list(Person.objects.filter(priorities=item).select_related("organisation").prefetch_related("organisation__translations"))
    links = is_member(request.user)  # the directory's profiles are for members: others get names only
    return render(
        request,
        "portal/public/priority.html",
        {
            "priority": item,
            "text": text,
            "body": rich(text.data.get("body", "")) if text is not None else "",
            "group": [
                {"name": person.full_name, "organisation": organisation_name(person), "url": profile_url(person) if links else None}
                for person in group
            ],
        }
        | latest_resources(request, SearchFilters(topic=item.slug)),
    )


@public
@require_safe
def news(request: HttpRequest) -> HttpResponse:
    page = Paginator(published_news(), NEWS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/public/news_list.html",
        {"page": page, "entries": news_entries(list(page.object_list), translation.get_language())},
    )


@public
@require_safe
def news_detail(request: HttpRequest, slug: str) -> HttpResponse:
    item = published_news_item(slug)
    text = published(item, translation.get_language())
    if text is None:
        raise Http404
    return render(
        request,
        "portal/public/news_detail.html",
        {"entry": NewsEntry(item=item, text=text), "body": rich(text.data.get("body", ""))},
    )


def _news_feed(request: HttpRequest) -> HttpResponse:
    from carnet.portal.feeds import NewsFeed

    return NewsFeed()(request)


news_feed = public(require_safe(_news_feed))


urlpatterns = [
    path("", home, name="home"),
    path("countries/<str:code>/", country, name="country"),
    path("priorities/<slug:slug>/", priority, name="priority"),
    path("news/", news, name="news"),
    path("news/feed/", news_feed, name="news_feed"),
    path("news/<slug:slug>/", news_detail, name="news_detail"),
]
