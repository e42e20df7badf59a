"""The library's reading API (/api/v1/library/resources...): the published library, as each caller may see it.

No `from __future__ import annotations` here: ninja must see `Query[...]` as a real type.

The routes are public (``auth=None``, like the portal's), and what they show depends on who
asks: the signed-in session, or a bearer token when one is sent (an invalid token is refused
with 401, never silently read as anonymous). Visibility is the policy's, in SQL
(:meth:`carnet.library.policies.LibraryPolicy.visible`): a resource one may not see answers
404 exactly like a missing one, and is never counted. Only published versions are shown;
drafts live in the editing pages. Bad parameters are a 422 JSON body naming the field.
Search has its own router (``api_search.py``).
"""

from datetime import datetime
from typing import Any

from django.db.models import F, Q, QuerySet
from django.http import Http404, HttpRequest
from django.urls import reverse
from ninja import Field, Query, Router, Schema
from ninja.errors import ValidationError

from carnet.api.auth import caller
from carnet.core.models import Country, Priority
from carnet.library.models import Resource, ResourceKind, ResourceRevision
from carnet.library.selectors import (
    languages,
    published_revision_get_for,
    published_versions,
    resource_get_for,
    resource_list_for,
    version_outdated,
)
from carnet.library.text import render_markdown

router = Router(tags=["library"])

MAX_LIMIT = 100


class FileOut(Schema):
    name: str
    type: str  # the MIME type found in the content
    size: int | None
    sha256: str
    download_url: str


class VersionSummaryOut(Schema):
    language: str
    title: str
    summary: str
    revision: int
    published_at: datetime | None
    outdated: bool  # a translation made from an older English text than the one published
    file: FileOut | None
    url: str  # this version in the API


class ResourceOut(Schema):
    slug: str
    kind: str
    kind_label: str
    audience: str
    publisher: str
    year: int | None
    licence: str
    visibility: str
    topics: list[str]  # priority slugs
    countries: list[str]  # country codes
    languages: list[str]  # the published languages
    title: str  # in the asked language, or the first published one
    summary: str
    language: str  # the language of title and summary
    page_url: str
    url: str  # this resource in the API


class ResourcePage(Schema):
    items: list[ResourceOut]
    count: int


class ResourceDetailOut(ResourceOut):
    instrument: str | None  # the self-assessment instrument's code, for the tool
    versions: list[VersionSummaryOut]


class VersionOut(VersionSummaryOut):
    body_html: str  # sanitised HTML of the Markdown body
    resource: str


class ResourceFilters(Schema):
    kind: ResourceKind | None = None
    topic: str | None = Field(None, max_length=100, description="A priority's slug or number.")
    country: str | None = Field(None, max_length=2, description="A country code, e.g. LT.")
    language: str | None = Field(None, max_length=10, description="Only resources published in this language.")
    year: int | None = Field(None, ge=1900, le=2100)
    lang: str | None = Field(None, max_length=10, description="The language of titles and summaries (default: the request's).")
    limit: int = Field(20, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0)


class LanguageQuery(Schema):
    lang: str | None = Field(None, max_length=10)


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError([{"loc": ("query", field), "msg": message, "type": "value_error"}])


def _language(field: str, code: str | None) -> str | None:
    if code is not None and code not in languages():
        raise _invalid(field, f"Unknown language {code!r}: use one of {', '.join(languages())}.")
    return code


def _topic(value: str) -> Priority:
    found: Priority | None = Priority.objects.filter(Q(slug=value) | Q(number=int(value)) if value.isdigit() else Q(slug=value)).first()
    if found is None:
        raise _invalid("topic", f"Unknown topic {value!r}: use a priority's slug or number (see /api/v1/priorities).")
    return found


def _country(value: str) -> Country:
    found: Country | None = Country.objects.filter(code=value.upper()).first()
    if found is None:
        raise _invalid("country", f"Unknown country {value!r}: use a code from /api/v1/countries.")
    return found


def _file(resource: Resource, revision: ResourceRevision) -> FileOut | None:
    if not revision.file:
        return None
    return FileOut(
        name=revision.file_name,
        type=revision.file_type,
        size=revision.file_size,
        sha256=revision.file_sha256,
        download_url=reverse("library:download", kwargs={"slug": resource.slug, "language": revision.version.language}),
    )


def _version_url(resource: Resource, language: str) -> str:
    return reverse("api:library_version", kwargs={"slug": resource.slug, "language": language})


def _resource_out(resource: Resource, revisions: dict[str, ResourceRevision], lang: str | None) -> dict[str, Any]:
    shown = revisions.get(lang or "") or next(iter(revisions.values()))
    return {
        "slug": resource.slug,
        "kind": resource.kind,
        "kind_label": str(resource.get_kind_display()),
        "audience": resource.audience,
        "publisher": resource.publisher,
        "year": resource.year,
        "licence": resource.licence,
        "visibility": resource.visibility,
        "topics": [priority.slug for priority in resource.priorities.all()],
        "countries": [country.code for country in resource.countries.all()],
        "languages": list(revisions),
        "title": shown.title,
        "summary": shown.summary,
        "language": shown.version.language,
        "page_url": reverse("library:resource", kwargs={"slug": resource.slug}),
        "url": reverse("api:library_resource", kwargs={"slug": resource.slug}),
    }


def _published(queryset: QuerySet[Resource]) -> QuerySet[Resource]:
    return queryset.filter(versions__published_revision__isnull=False).distinct()


def _revisions_of(resources: list[Resource]) -> dict[Any, dict[str, ResourceRevision]]:
    """The published revision per language of each resource, in one query (settings.LANGUAGES order)."""
    order = {code: index for index, code in enumerate(languages())}
    found: dict[Any, dict[str, ResourceRevision]] = {resource.pk: {} for resource in resources}
    revisions = (
        ResourceRevision.objects.filter(version__resource__in=resources, number=F("version__published_revision"))
        .select_related("version")
        .order_by("version__resource_id", "version__language")
    )
    for revision in sorted(revisions, key=lambda r: (order.get(r.version.language, len(order)), r.version.language)):
        found[revision.version.resource_id][revision.version.language] = revision
    return found


@router.get("/resources", response=ResourcePage, auth=None, summary="Published resources the caller may see, with filters")
def resource_list(request: HttpRequest, filters: Query[ResourceFilters]) -> ResourcePage:
    actor = caller(request)
    lang = _language("lang", filters.lang) or request.LANGUAGE_CODE
    queryset = _published(resource_list_for(actor))
    if filters.kind is not None:
        queryset = queryset.filter(kind=filters.kind)
    if filters.topic is not None:
        queryset = queryset.filter(priorities=_topic(filters.topic))
    if filters.country is not None:
        queryset = queryset.filter(countries=_country(filters.country))
    if _language("language", filters.language) is not None:
        queryset = queryset.filter(versions__language=filters.language, versions__published_revision__isnull=False)
    if filters.year is not None:
        queryset = queryset.filter(year=filters.year)
    queryset = queryset.order_by("-year", "slug")
    window = list(queryset.prefetch_related("priorities", "countries")[filters.offset : filters.offset + filters.limit])
    revisions = _revisions_of(window)
    items = [ResourceOut(**_resource_out(resource, revisions[resource.pk], lang)) for resource in window if revisions[resource.pk]]
    return ResourcePage(items=items, count=queryset.count())


@router.get(
    "/resources/{slug}",
    response=ResourceDetailOut,
    auth=None,
    url_name="library_resource",
    summary="A resource: its facts and every published language",
)
def resource_detail(request: HttpRequest, slug: str, query: Query[LanguageQuery]) -> ResourceDetailOut:
    actor = caller(request)
    lang = _language("lang", query.lang) or request.LANGUAGE_CODE
    resource = resource_get_for(actor=actor, slug=slug)
    revisions = published_versions(resource)
    if not revisions:
        raise Http404  # a draft the caller may edit: the API reads the published library only
    versions = [
        VersionSummaryOut(
            language=language,
            title=revision.title,
            summary=revision.summary,
            revision=revision.number,
            published_at=revision.version.published_at,
            outdated=version_outdated(revision.version),
            file=_file(resource, revision),
            url=_version_url(resource, language),
        )
        for language, revision in revisions.items()
    ]
    return ResourceDetailOut(
        **_resource_out(resource, revisions, lang),
        instrument=resource.instrument.slug if resource.instrument is not None else None,
        versions=versions,
    )


@router.get(
    "/resources/{slug}/versions/{language}",
    response=VersionOut,
    auth=None,
    url_name="library_version",
    summary="One published language of a resource: text (as HTML) and file",
)
def version_detail(request: HttpRequest, slug: str, language: str) -> VersionOut:
    actor = caller(request)
    revision = published_revision_get_for(actor=actor, slug=slug, language=language)
    resource = revision.version.resource
    return VersionOut(
        language=language,
        title=revision.title,
        summary=revision.summary,
        revision=revision.number,
        published_at=revision.version.published_at,
        outdated=version_outdated(revision.version),
        file=_file(resource, revision),
        url=_version_url(resource, language),
        body_html=render_markdown(revision.body),
        resource=resource.slug,
    )
