"""Full-text search over the library, in each language with its own stemming (docs/decisions/0010).

One :class:`~carnet.library.models.SearchDocument` per *published* language version holds
the text readers see (title, summary, the body as plain text, the text of the PDF) and a
copy of the resource's visibility, kind and year, so that search filters in SQL.

* **PostgreSQL**: the row's ``vector`` is built with the language's own text-search
  configuration (``PG_CONFIGS``; ``simple`` for a language without one), weighted title A,
  summary B, body C, file text D, and searched through a GIN index.
* **SQLite**: an FTS5 table (``library_search_fts``, rowid = the document's id) holds the
  snowball stems (``STEMMERS``) of the same text; the query is stemmed the same way.

A language without a stemmer is matched without its diacritics (``normalise``), done in
Python on both databases because carnet's database role may not ``CREATE EXTENSION unaccent``.

The user's query is never handed to FTS5 or ``to_tsquery`` as syntax: it is cut into at
most ``MAX_TERMS`` words of at most ``MAX_QUERY_CHARS`` characters, and each word becomes
the quoted stems it may have in every language (SQLite) or a ``plainto_tsquery`` per
configuration (PostgreSQL). Visibility (``LibraryPolicy.visible``) is applied in SQL before
anything is ranked or counted, so counts and facets never reveal a resource the reader may
not know of.
"""

from __future__ import annotations

import html
import re
import threading
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import snowballstemmer
from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db import connection, transaction
from django.db.models import BooleanField, Case, Count, F, FloatField, IntegerField, Max, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from carnet.core.models import Country, Priority
from carnet.library.models import Resource, ResourceKind, ResourceRevision, ResourceVersion, SearchDocument
from carnet.library.policies import LibraryPolicy
from carnet.library.text import plain_text

# Language code -> snowball algorithm (snowballstemmer). A language not listed is not stemmed
# (matched as written, lower-case, without diacritics).
STEMMERS: dict[str, str] = {
    "en": "english",
    "ru": "russian",
    "da": "danish",
    "fi": "finnish",
    "de": "german",
    "lt": "lithuanian",
    "no": "norwegian",
    "sv": "swedish",
}
# Language code -> PostgreSQL text-search configuration (all present in PostgreSQL 15's
# ``pg_ts_config``); any other language uses ``simple`` on text stripped of its diacritics.
PG_CONFIGS: dict[str, str] = {
    "en": "english",
    "ru": "russian",
    "da": "danish",
    "fi": "finnish",
    "de": "german",
    "lt": "lithuanian",
    "no": "norwegian",
    "sv": "swedish",
}
SIMPLE = "simple"

MAX_QUERY_CHARS = 200
MAX_TERMS = 12
PER_PAGE = 20
SNIPPET_WORDS = 30
SNIPPET_SCAN_CHARS = 20_000  # a snippet is looked for in this much of a document's text

# English plurals that no stemmer folds (snowball's english keeps "children" apart from "child"):
# a query for either form asks for both.
IRREGULAR: dict[str, tuple[str, ...]] = {}
for _irregular in (
    ("child", "children"),
    ("man", "men"),
    ("woman", "women"),
    ("person", "people", "persons"),
    ("foot", "feet"),
    ("tooth", "teeth"),
    ("mouse", "mice"),
    ("life", "lives"),
    ("wife", "wives"),
    ("criterion", "criteria"),
    ("phenomenon", "phenomena"),
):
    for _form in _irregular:
        IRREGULAR[_form] = _irregular

_WORD = re.compile(r"[^\W_]+")


# --- words and stems ---------------------------------------------------------------------------------


def has_stemmer(language: str) -> bool:
    return language in STEMMERS


def pg_config(language: str) -> str:
    return PG_CONFIGS.get(language, SIMPLE)


# Letters that Unicode does not decompose into a base letter and a mark (Polish ł, Danish ø...).
_FOLD = str.maketrans(
    {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ħ": "h", "ı": "i", "ß": "ss"}
    | {"æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "þ": "th", "Þ": "TH", "ð": "d", "Ð": "D"}
)


def strip_diacritics(text: str) -> str:
    """Text without its diacritics ("Żółw" -> "Zolw"): what ``unaccent`` does, in Python."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))


def normalise(text: str, language: str) -> str:
    """Lower-case text in NFC; for a language without a stemmer, also without diacritics ("Żółw" -> "zolw")."""
    text = unicodedata.normalize("NFC", text).lower()
    return text if has_stemmer(language) else strip_diacritics(text)


def words(text: str) -> list[str]:
    """The words of ``text`` as written (letters and digits; everything else separates)."""
    return _WORD.findall(text)


_local = threading.local()  # snowballstemmer's stemmers keep state while they work: one per thread


def _stemmer(algorithm: str) -> Any:
    stemmers: dict[str, Any] | None = getattr(_local, "stemmers", None)
    if stemmers is None:
        stemmers = _local.stemmers = {}
    if algorithm not in stemmers:
        stemmers[algorithm] = snowballstemmer.stemmer(algorithm)
    return stemmers[algorithm]


@lru_cache(maxsize=200_000)
def _stem(algorithm: str, word: str) -> str:
    return str(_stemmer(algorithm).stemWord(word))


def stem_word(word: str, language: str) -> str:
    """One normalised word's stem in ``language`` (the word itself without a stemmer)."""
    algorithm = STEMMERS.get(language)
    return _stem(algorithm, word) if algorithm else word


def stem_words(text: str, language: str) -> list[str]:
    """The stems of the words of ``text`` in ``language``, in order (shared with the offline bundle's index)."""
    return [stem_word(word, language) for word in words(normalise(text, language))]


def query_terms(query: str) -> tuple[list[str], bool]:
    """The user's words (at most ``MAX_TERMS``, lower-case, no syntax), and whether the query was cut short."""
    cut = len(query) > MAX_QUERY_CHARS
    found: list[str] = []
    for word in words(unicodedata.normalize("NFC", query[:MAX_QUERY_CHARS]).lower()):
        if word not in found:
            found.append(word)
    cut = cut or len(found) > MAX_TERMS
    return found[:MAX_TERMS], cut


def _forms(term: str) -> tuple[str, ...]:
    return IRREGULAR.get(term, (term,))


def term_variants(term: str) -> set[str]:
    """Every stem a query word may have in any language (and its diacritics-free form, for the unstemmed ones)."""
    variants: set[str] = set()
    for form in _forms(term):
        variants.add(normalise(form, ""))
        for language in STEMMERS:
            variants.add(stem_word(normalise(form, language), language))
    return variants


# --- the index -------------------------------------------------------------------------------------


def _texts(document: SearchDocument) -> tuple[str, str, str, str]:
    return document.title, document.summary, document.body, document.file_text


def _fts_row(document: SearchDocument) -> tuple[int, str, str, str, str]:
    title, summary, body, file_text = (" ".join(stem_words(text, document.language)) for text in _texts(document))
    return document.pk, title, summary, body, file_text


def _pg_text(text: str, language: str) -> str:
    # ``simple`` keeps diacritics; the text is stripped of them here (unaccent in Python).
    return text if has_stemmer(language) else strip_diacritics(text)


_PG_VECTOR = (
    "UPDATE library_searchdocument SET vector = "
    "setweight(to_tsvector(config::regconfig, %s), 'A') || setweight(to_tsvector(config::regconfig, %s), 'B') || "
    "setweight(to_tsvector(config::regconfig, %s), 'C') || setweight(to_tsvector(config::regconfig, %s), 'D') "
    "WHERE id = %s"
)


def _write_index(documents: list[SearchDocument]) -> None:
    if not documents:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            rows: list[tuple[str | int, ...]] = [(*(_pg_text(text, d.language) for text in _texts(d)), d.pk) for d in documents]
            cursor.executemany(_PG_VECTOR, rows)
        elif connection.vendor == "sqlite":
            cursor.executemany("DELETE FROM library_search_fts WHERE rowid = %s", [(d.pk,) for d in documents])
            cursor.executemany(
                "INSERT INTO library_search_fts(rowid, title, summary, body, file_text) VALUES (%s, %s, %s, %s, %s)",
                [_fts_row(d) for d in documents],
            )


def _drop_index(document_ids: list[int]) -> None:
    if document_ids and connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.executemany("DELETE FROM library_search_fts WHERE rowid = %s", [(pk,) for pk in document_ids])


@transaction.atomic
def index_versions(versions: Iterable[ResourceVersion]) -> int:
    """(Re)write the search documents of many versions at once (publishing, the bench's bulk load); how many were written.

    A version without a published revision is taken out of the index.
    """
    versions = list(versions)
    ids = [v.pk for v in versions]
    revisions = {
        r.version_id: r
        for r in ResourceRevision.objects.filter(version_id__in=ids, number=F("version__published_revision")).select_related(
            "version__resource"
        )
    }
    old = list(SearchDocument.objects.filter(version_id__in=ids).values_list("pk", flat=True))
    _drop_index(old)
    SearchDocument.objects.filter(pk__in=old).delete()
    documents = []
    for version_id, revision in revisions.items():
        version = revision.version
        resource = version.resource
        documents.append(
            SearchDocument(
                version_id=version_id,
                resource_id=resource.pk,
                language=version.language,
                visibility=resource.visibility,
                restricted_to=resource.restricted_to,
                kind=resource.kind,
                year=resource.year,
                title=revision.title,
                summary=revision.summary,
                body=plain_text(revision.body),
                file_text=revision.file_text,
                config=pg_config(version.language),
            )
        )
    created = SearchDocument.objects.bulk_create(documents, batch_size=500)
    if any(d.pk is None for d in created):  # a database that returns no ids from a bulk insert
        created = list(SearchDocument.objects.filter(version_id__in=[d.version_id for d in documents]))
    _write_index(created)
    return len(created)


def index_version(version: ResourceVersion) -> SearchDocument | None:
    """Write the search document of ``version``'s published revision (called by ``version_publish``)."""
    index_versions([version])
    return SearchDocument.objects.filter(version=version).first()


@transaction.atomic
def unindex_version(version: ResourceVersion) -> None:
    """Take a withdrawn version out of search (called by ``version_withdraw``)."""
    ids = list(SearchDocument.objects.filter(version=version).values_list("pk", flat=True))
    _drop_index(ids)
    SearchDocument.objects.filter(pk__in=ids).delete()


def reindex_resource(resource: Resource) -> int:
    """Copy the resource's visibility, kind and year to its search documents (its text is unchanged)."""
    return SearchDocument.objects.filter(resource=resource).update(
        visibility=resource.visibility, restricted_to=resource.restricted_to, kind=resource.kind, year=resource.year
    )


# --- filters ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchFilters:
    kind: str | None = None
    topic: str | None = None  # a priority's slug
    country: str | None = None  # a country's code (upper-case)
    language: str | None = None
    year: int | None = None

    def as_params(self) -> dict[str, str]:
        return {name: str(value) for name, value in self.__dict__.items() if value not in (None, "")}


FILTER_NAMES = ("kind", "topic", "country", "language", "year")
# The shapes a value must have before it is looked up (PostgreSQL refuses a NUL in a parameter).
_SLUG = re.compile(r"[-a-z0-9_]{1,50}")
_CODE = re.compile(r"[A-Z]{2}")
_LANGUAGE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{1,8})?")


def search_languages() -> dict[str, str]:
    """Code -> name of the languages content may be in (settings.LANGUAGES)."""
    return {code: str(name) for code, name in settings.LANGUAGES}


def _shown(value: str) -> str:
    """A refused value as it may be repeated in a message: printable characters only, and not too many."""
    return "".join(ch for ch in value if ch.isprintable())[:40]


def parse_filters(params: Mapping[str, Any]) -> tuple[SearchFilters, list[str]]:
    """Filters from request parameters; unknown values are left out and each gives a message."""
    errors: list[str] = []
    values: dict[str, Any] = {}
    kind = str(params.get("kind") or "").strip()
    if kind:
        if kind in ResourceKind.values:
            values["kind"] = kind
        else:
            errors.append(str(_("There is no kind of resource called “%(value)s”.") % {"value": _shown(kind)}))
    topic = str(params.get("topic") or "").strip()
    if topic:
        if _SLUG.fullmatch(topic) and Priority.objects.filter(slug=topic).exists():
            values["topic"] = topic
        else:
            errors.append(str(_("There is no topic called “%(value)s”.") % {"value": _shown(topic)}))
    country = str(params.get("country") or "").strip().upper()
    if country:
        if _CODE.fullmatch(country) and Country.objects.filter(code=country).exists():
            values["country"] = country
        else:
            errors.append(str(_("There is no country with the code “%(value)s”.") % {"value": _shown(country)}))
    language = str(params.get("language") or "").strip()
    if language:
        if language in search_languages() or (_LANGUAGE.fullmatch(language) and SearchDocument.objects.filter(language=language).exists()):
            values["language"] = language
        else:
            errors.append(str(_("There is no language with the code “%(value)s”.") % {"value": _shown(language)}))
    year = str(params.get("year") or "").strip()
    if year:
        if year.isascii() and year.isdigit() and 1000 <= int(year) <= 9999:
            values["year"] = int(year)
        else:
            errors.append(str(_("A year is written with four digits, like 2008.")))
    return SearchFilters(**values), errors


def _filtered(queryset: QuerySet[SearchDocument], filters: SearchFilters) -> QuerySet[SearchDocument]:
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.language:
        queryset = queryset.filter(language=filters.language)
    if filters.year is not None:
        queryset = queryset.filter(year=filters.year)
    if filters.topic:
        queryset = queryset.filter(resource__priorities__slug=filters.topic)
    if filters.country:
        queryset = queryset.filter(resource__countries__code=filters.country)
    return queryset


# --- matching --------------------------------------------------------------------------------------


def _fts5_expression(terms: list[str]) -> str:
    """Every term as an OR of its quoted stems, the terms ANDed: nothing of the user's syntax survives."""
    groups = []
    for term in terms:
        quoted = sorted('"' + variant.replace('"', '""') + '"' for variant in term_variants(term) if variant)
        groups.append("(" + " OR ".join(quoted) + ")")
    return " AND ".join(groups)


def _pg_tsquery(terms: list[str]) -> str:
    """The query as one tsquery literal: for each configuration, every term as an OR of its forms, the terms ANDed.

    ``plainto_tsquery`` stems each form with the configuration and drops its stop words (an
    empty operand of ``&&`` falls away); the configurations are ORed, so one constant query
    meets every row's vector and the GIN index serves it.
    """
    configurations: list[tuple[str, bool]] = [(config, False) for config in sorted(set(PG_CONFIGS.values()))] + [(SIMPLE, True)]
    branches: list[str] = []
    params: list[str] = []
    for config, stripped in configurations:
        ands = []
        for term in terms:
            forms = sorted({strip_diacritics(form) if stripped else form for form in _forms(term)})
            ands.append("(" + " || ".join("plainto_tsquery(%s::regconfig, %s)" for _ in forms) + ")")
            for form in forms:
                params += [config, form]
        branches.append("(" + " && ".join(ands) + ")")
    with connection.cursor() as cursor:
        cursor.execute("SELECT (" + " || ".join(branches) + ")::text", params)
        row = cursor.fetchone()
    return str(row[0]) if row else ""


def _matching(queryset: QuerySet[SearchDocument], terms: list[str]) -> tuple[QuerySet[SearchDocument], QuerySet[SearchDocument]]:
    """``queryset`` narrowed to the documents matching every term: once to count, once annotated with ``score`` to rank.

    On PostgreSQL both are the same query (the GIN index serves ``@@``). On SQLite, counting
    filters by the FTS5 matches (a subquery SQLite runs once), while ranking joins the FTS5
    table, which drives the query and gives each match its ``rank``.
    """
    if connection.vendor == "postgresql":
        literal = _pg_tsquery(terms)
        if not literal:
            nothing = queryset.none().annotate(score=Value(0.0, output_field=FloatField()))
            return nothing, nothing
        # A tsquery literal that PostgreSQL itself wrote from the user's words, passed as a parameter.
        matches = RawSQL("library_searchdocument.vector @@ %s::tsquery", [literal], output_field=BooleanField())  # noqa: S611
        score = RawSQL("ts_rank(library_searchdocument.vector, %s::tsquery)", [literal], output_field=FloatField())  # noqa: S611
        matching = queryset.filter(matches)
        return matching, matching.annotate(score=score)
    expression = _fts5_expression(terms)
    fts = RawSQL("SELECT rowid FROM library_search_fts WHERE library_search_fts MATCH %s", [expression])  # noqa: S611  (a parameter)
    # The ``rank`` column with per-query weights (title, summary, body, file text) can be aggregated; bm25() cannot.
    ranked = queryset.extra(  # noqa: S610  (fixed SQL; the match expression and the weights are parameters)
        tables=["library_search_fts"],
        where=[
            "library_search_fts.rowid = library_searchdocument.id",
            "library_search_fts MATCH %s",
            "library_search_fts.rank MATCH %s",
        ],
        params=[expression, "bm25(10.0, 4.0, 1.0, 0.5)"],
    )
    return queryset.filter(id__in=fts), ranked.annotate(score=RawSQL("-library_search_fts.rank", [], output_field=FloatField()))  # noqa: S611


# --- snippets --------------------------------------------------------------------------------------


def _targets(terms: list[str], language: str) -> set[str]:
    """What a word of a document in ``language`` stems to when it matches one of the terms."""
    found: set[str] = set()
    for term in terms:
        for form in _forms(term):
            found.add(stem_word(normalise(form, language), language))
            found.add(normalise(form, ""))
    return {target for target in found if target}


def highlight(text: str, terms: list[str], language: str, *, words_around: int = SNIPPET_WORDS) -> SafeString:
    """A window of ``text`` around its first matching word, HTML-escaped, each matching word in ``<mark>``.

    Without a match (or without terms) the start of the text. The words are matched by their
    stems in the document's language, as search matched them; everything else is escaped.
    """
    text = text[:SNIPPET_SCAN_CHARS]
    found = list(_WORD.finditer(text))
    if not found:
        return mark_safe("")  # noqa: S308  (an empty string)
    targets = _targets(terms, language)
    # A stem rarely differs from its word in the first two letters: only such words are stemmed.
    prefixes = tuple({target[:2] for target in targets})
    matched: list[bool] = []
    for match in found:
        word = normalise(match.group(), language)
        plain = strip_diacritics(word)
        hit = bool(prefixes) and (word.startswith(prefixes) or plain.startswith(prefixes))
        matched.append(hit and (stem_word(word, language) in targets or plain in targets))
    first = matched.index(True) if True in matched else 0
    start = max(0, first - words_around // 4)
    end = min(len(found), start + words_around)
    pieces: list[str] = ["… " if start > 0 else ""]
    position = found[start].start()
    for index in range(start, end):
        match = found[index]
        pieces.append(html.escape(text[position : match.start()]))
        word = html.escape(match.group())
        pieces.append(f"<mark>{word}</mark>" if matched[index] else word)
        position = match.end()
    tail = text[position:] if end == len(found) else ""
    pieces.append(html.escape(tail.rstrip()) + ("" if end == len(found) else " …"))
    return mark_safe("".join(pieces).strip())  # noqa: S308  (every piece of the text is escaped above)


def _snippet(document: SearchDocument, terms: list[str]) -> SafeString:
    for text in (document.body, document.file_text, document.summary):
        if terms and text:
            snippet = highlight(text, terms, document.language)
            if "<mark>" in snippet:
                return snippet
    return highlight(document.summary or document.body or document.file_text, [], document.language)


# --- results ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VersionHit:
    """One published language version in a result."""

    language: str
    language_name: str
    title: str
    summary: str
    snippet: SafeString
    matched: bool  # the version itself matched the query (not merely another language of the resource)
    published_at: Any


@dataclass(frozen=True)
class Hit:
    """One resource: its best version for the reader (their language first) and its other languages."""

    resource: Resource
    primary: VersionHit
    others: list[VersionHit]
    score: float


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass(frozen=True)
class SearchResults:
    query: str
    terms: list[str]
    cut: bool  # the query was longer than MAX_QUERY_CHARS or had more than MAX_TERMS words
    filters: SearchFilters
    hits: list[Hit]
    page: Page[Any]
    count: int  # resources
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)

    @property
    def browsing(self) -> bool:
        """No words to search for: the latest resources."""
        return not self.terms


def language_name(code: str) -> str:
    return search_languages().get(code, code)


def _version_hit(document: SearchDocument, terms: list[str], *, matched: bool) -> VersionHit:
    return VersionHit(
        language=document.language,
        language_name=language_name(document.language),
        title=document.title,
        summary=document.summary,
        snippet=_snippet(document, terms if matched else []),
        matched=matched,
        published_at=document.version.published_at,
    )


def _facets(matching: QuerySet[SearchDocument], filters: SearchFilters, reader_language: str) -> dict[str, list[FacetValue]]:
    """Counts of resources per kind, topic, country, language and year, over the visible matching documents.

    Kind, language and year come from one pass over the matching documents' (resource, kind,
    language, year) rows — one match of the full-text index instead of three; topics and
    countries are counted in SQL through their link tables.
    """
    base = matching.order_by()
    per_kind: dict[str, set[Any]] = defaultdict(set)
    per_language: dict[str, set[Any]] = defaultdict(set)
    per_year: dict[int, set[Any]] = defaultdict(set)
    for resource_id, kind, language, year in base.values_list("resource_id", "kind", "language", "year"):
        per_kind[kind].add(resource_id)
        per_language[language].add(resource_id)
        if year is not None:
            per_year[year].add(resource_id)

    def linked(field_name: str) -> dict[Any, int]:
        rows = base.values(field_name).annotate(n=Count("resource_id", distinct=True)).order_by()
        return {row[field_name]: row["n"] for row in rows if row[field_name] not in (None, "")}

    kinds = dict(ResourceKind.choices)
    facets: dict[str, list[FacetValue]] = {}
    facets["kind"] = sorted(
        (FacetValue(str(v), str(kinds.get(v, v)), len(ids), filters.kind == v) for v, ids in per_kind.items() if v),
        key=lambda f: f.label,
    )
    topic_counts = linked("resource__priorities__slug")
    facets["topic"] = [
        FacetValue(p.slug, str(p), topic_counts[p.slug], filters.topic == p.slug)
        for p in Priority.objects.filter(slug__in=topic_counts).prefetch_related("translations").order_by("number")
    ]
    country_counts = linked("resource__countries__code")
    facets["country"] = [
        FacetValue(c.code, str(c), country_counts[c.code], filters.country == c.code)
        for c in Country.objects.filter(code__in=country_counts).prefetch_related("translations").order_by("sort_order", "code")
    ]
    facets["language"] = sorted(
        (FacetValue(str(v), language_name(v), len(ids), filters.language == v) for v, ids in per_language.items() if v),
        key=lambda f: (f.value != reader_language, f.label),
    )
    facets["year"] = sorted(
        (FacetValue(str(v), str(v), len(ids), filters.year == v) for v, ids in per_year.items()), key=lambda f: f.value, reverse=True
    )
    return facets


def search(
    *,
    actor: Any,
    query: str = "",
    language: str = "en",
    filters: SearchFilters | None = None,
    page: int | str = 1,
    per_page: int = PER_PAGE,
    with_facets: bool = True,
) -> SearchResults:
    """The resources matching ``query`` that ``actor`` may know of, one hit per resource, best first.

    Without words in ``query``, the latest published resources (browsing). Visibility and the
    filters narrow the documents in SQL before anything is matched, ranked or counted. A
    resource with a matching version in ``language`` (the reader's) comes before one without;
    its hit shows that version, and its other published languages are listed with it.
    """
    filters = filters or SearchFilters()
    terms, cut = query_terms(query)
    visible = LibraryPolicy.visible(actor, SearchDocument.objects.all())
    candidates = _filtered(visible, filters)
    if terms:
        matching, ranked = _matching(candidates, terms)
    else:
        matching = candidates
        ranked = candidates.annotate(score=Value(0.0, output_field=FloatField()))
    own = Max(Case(When(language=language, then=Value(1)), default=Value(0), output_field=IntegerField()))
    groups = (
        ranked.order_by().values("resource_id").annotate(own=own, best=Max("score")).order_by("-own", "-best", "resource_id")
        if terms
        else ranked.order_by()
        .values("resource_id")
        .annotate(own=own, newest=Max("version__published_at"), best=Max("score"))
        .order_by("-own", "-newest", "resource_id")
    )
    facets = _facets(matching, filters, language) if with_facets else {}
    paginator = Paginator(groups, per_page)
    if with_facets:
        # Every resource has one kind: the kind facet has already counted the resources (one query less).
        paginator.__dict__["count"] = sum(value.count for value in facets["kind"])  # Paginator.count is a cached_property
    current = paginator.get_page(page)
    rows = list(current.object_list)
    ids = [row["resource_id"] for row in rows]
    hits: list[Hit] = []
    first_language = filters.language or language
    if ids:
        matched_docs = {
            d.pk: d for d in ranked.filter(resource_id__in=ids).select_related("version", "resource").order_by("-score", "language")
        }
        other_docs = (
            LibraryPolicy.visible(actor, SearchDocument.objects.filter(resource_id__in=ids))
            .exclude(pk__in=list(matched_docs))
            .select_related("version", "resource")
            .order_by("language")
        )
        per_resource: dict[Any, list[tuple[SearchDocument, bool]]] = {rid: [] for rid in ids}
        for document in matched_docs.values():
            per_resource[document.resource_id].append((document, True))
        for document in other_docs:
            per_resource[document.resource_id].append((document, False))
        for row in rows:
            documents = per_resource[row["resource_id"]]
            if not documents:
                continue
            # the language asked for (else the reader's) first, then a version that matched, then the best score
            documents.sort(
                key=lambda pair: (pair[0].language != first_language, not pair[1], -float(getattr(pair[0], "score", 0.0) or 0.0))
            )
            primary, *others = documents
            hits.append(
                Hit(
                    resource=primary[0].resource,
                    primary=_version_hit(primary[0], terms, matched=primary[1]),
                    others=[_version_hit(d, terms, matched=m) for d, m in others],
                    score=float(row["best"] or 0.0),
                )
            )
    return SearchResults(
        query=query[:MAX_QUERY_CHARS],
        terms=terms,
        cut=cut,
        filters=filters,
        hits=hits,
        page=current,
        count=paginator.count,
        facets=facets,
    )
