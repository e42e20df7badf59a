"""The library's home: search with facets, or (without words) the latest resources the reader may see.

A plain GET form: it works without JavaScript, and every result page has an address that can
be bookmarked. What the reader may not see is filtered out in SQL before anything is counted
(carnet.library.search), so neither the results nor the facet counts reveal it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from carnet.core.access import public
from carnet.library.bundle import latest_public_bundle
from carnet.library.search import FILTER_NAMES, MAX_QUERY_CHARS, MAX_TERMS, FacetValue, parse_filters, search

FACET_HEADINGS = {
    "kind": _("Kind"),
    "topic": _("Topic"),
    "country": _("Country"),
    "language": _("Language"),
    "year": _("Year"),
}


@dataclass(frozen=True)
class FacetLink:
    label: str
    count: int
    selected: bool
    href: str  # adds the value, or removes it when it is selected


@dataclass(frozen=True)
class FacetGroup:
    name: str
    heading: str
    links: list[FacetLink]


def _href(params: QueryDict, name: str, value: str | None) -> str:
    changed = params.copy()
    changed.pop("page", None)
    if value is None:
        changed.pop(name, None)
    else:
        changed[name] = value
    encoded = changed.urlencode()
    return f"?{encoded}" if encoded else "?"


def _facet_groups(params: QueryDict, facets: dict[str, list[FacetValue]]) -> list[FacetGroup]:
    groups = []
    for name in FILTER_NAMES:
        values = facets.get(name, [])
        if not values:
            continue
        links = [FacetLink(v.label, v.count, v.selected, _href(params, name, None if v.selected else v.value)) for v in values]
        groups.append(FacetGroup(name, str(FACET_HEADINGS[name]), links))
    return groups


def _clean_params(request: HttpRequest) -> QueryDict:
    """The request's parameters that mean something here, each once (the query cut to what search reads)."""
    params = QueryDict(mutable=True)
    query = request.GET.get("q", "")
    if query.strip():
        params["q"] = query[:MAX_QUERY_CHARS]
    for name in FILTER_NAMES:
        value = request.GET.get(name, "")
        if value.strip():
            params[name] = value.strip()[:40]
    return params


@public
def index(request: HttpRequest) -> HttpResponse:
    """Search the library (``q`` and the filters), or browse its latest resources."""
    filters, errors = parse_filters(request.GET)
    results = search(
        actor=request.user,
        query=request.GET.get("q", ""),
        language=get_language() or "en",
        filters=filters,
        page=request.GET.get("page", "1"),
    )
    params = _clean_params(request)
    for name in FILTER_NAMES:  # a value that was refused is not carried into the links
        if name not in filters.as_params():
            params.pop(name, None)
    context: dict[str, Any] = {
        "results": results,
        "page": results.page,
        "query": results.query,
        "errors": errors,
        "facet_groups": _facet_groups(params, results.facets),
        "filtered": bool(filters.as_params()),
        "clear_filters": _only_query(params),
        "hidden_filters": [(name, value) for name, value in params.items() if name != "q"],
        "max_terms": MAX_TERMS,
        "max_chars": MAX_QUERY_CHARS,
        "latest_bundle": latest_public_bundle(),
    }
    return render(request, "library/index.html", context)


def _only_query(params: QueryDict) -> str:
    kept = QueryDict(mutable=True)
    query = params.get("q")
    if query:
        kept["q"] = str(query)
    return f"?{kept.urlencode()}"


urlpatterns: list[URLPattern] = [path("", index, name="index")]
