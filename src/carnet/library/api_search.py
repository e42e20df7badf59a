"""Library search in the API: ``GET /api/v1/library/search``. Public (``auth=None``), but not blind.

No `from __future__ import annotations` here: ninja must see `Query[...]` as a real type.

What a caller finds depends on who they are: the session's user, or the owner of a bearer
token sent with the request (a token that is not valid is refused with 401, never ignored
into an anonymous search). Visibility is applied in SQL before results and facets are
counted (carnet.library.search). Bad filter values answer 400 with a JSON body; a query of
any length or syntax is cut into words and never fails.
"""

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import get_language
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from carnet.api.auth import caller
from carnet.library.search import Hit, SearchResults, VersionHit, parse_filters, search

router = Router(tags=["library"])


class SearchParams(Schema):
    q: str = ""
    language: str | None = None
    kind: str | None = None
    topic: str | None = None
    country: str | None = None
    year: str | None = None
    page: int = Field(1, ge=1, le=100_000)


class VersionOut(Schema):
    language: str
    language_name: str
    title: str
    summary: str
    snippet: str  # HTML: the text escaped, matching words in <mark>
    matched: bool  # this version matched the query (not only another language of the resource)
    url: str


class HitOut(Schema):
    slug: str
    kind: str
    year: int | None
    visibility: str
    score: float
    version: VersionOut  # the language asked for (else the reader's) when it exists
    other_versions: list[VersionOut]


class FacetOut(Schema):
    value: str
    label: str
    count: int
    selected: bool


class SearchOut(Schema):
    query: str
    terms: list[str]
    cut: bool
    count: int  # resources
    page: int
    pages: int
    hits: list[HitOut]
    facets: dict[str, list[FacetOut]]


def _version_out(slug: str, version: VersionHit) -> VersionOut:
    return VersionOut(
        language=version.language,
        language_name=version.language_name,
        title=version.title,
        summary=version.summary,
        snippet=str(version.snippet),
        matched=version.matched,
        url=f"{reverse('library:resource', args=[slug])}?language={version.language}",
    )


def _hit_out(hit: Hit) -> HitOut:
    resource = hit.resource
    return HitOut(
        slug=resource.slug,
        kind=resource.kind,
        year=resource.year,
        visibility=resource.visibility,
        score=hit.score,
        version=_version_out(resource.slug, hit.primary),
        other_versions=[_version_out(resource.slug, other) for other in hit.others],
    )


def _out(results: SearchResults) -> SearchOut:
    return SearchOut(
        query=results.query,
        terms=results.terms,
        cut=results.cut,
        count=results.count,
        page=results.page.number,
        pages=results.page.paginator.num_pages,
        hits=[_hit_out(hit) for hit in results.hits],
        facets={
            name: [FacetOut(value=v.value, label=v.label, count=v.count, selected=v.selected) for v in values]
            for name, values in results.facets.items()
        },
    )


@router.get("/search", response=SearchOut, auth=None, summary="Search the library: resources the caller may see, with facets")
def library_search(request: HttpRequest, params: Query[SearchParams]) -> SearchOut:
    actor = caller(request)
    filters, errors = parse_filters(params.dict())
    if errors:
        raise HttpError(400, " ".join(errors))
    results = search(actor=actor, query=params.q, language=get_language() or "en", filters=filters, page=params.page)
    if params.page > results.page.paginator.num_pages:
        raise HttpError(400, f"There are {results.page.paginator.num_pages} pages of results; page {params.page} does not exist.")
    return _out(results)
