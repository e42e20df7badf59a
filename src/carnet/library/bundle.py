"""The offline bundle: the library as a static site in one zip, readable from disk with no server.

The seed's "CD-ROM", done well: ``carnet bundle --out FILE.zip`` (or :func:`build_bundle`) writes

* ``index.html`` — the choice of language; ``<lang>/index.html`` — every included resource, a
  language switch and the search form; ``<lang>/<slug>.html`` — one page per published version
  (title, summary, the body rendered as on the site, metadata, the link to its file);
* ``files/<slug>/<lang>/<name>`` — the files themselves, read through Django's storage API and
  checked against the checksum recorded at upload (a file that fails is never shipped);
* ``assets/bundle.css``, ``assets/search.js`` and ``assets/search-index.js`` — the client-side
  search. The index is a *script* assigning a global (``window.CARNET_SEARCH``), because a browser
  refuses ``fetch()`` of a local file; it is built here with the very stemmer the site's search
  uses (:func:`carnet.library.search.stem_words`): per language an inverted index stem -> documents,
  and the vocabulary (every word form seen -> its stem), so that the browser stems a query word it
  has seen exactly as the server would, and otherwise falls back to the indexed stems that begin
  the typed word ("детям" finds "дет");
* ``manifest.json`` — every other file with its SHA-256 and size, the build date (UTC), carnet's
  version, the languages, the visibility and the number of resources.

Only *published* versions go in, and nothing above the chosen visibility: ``public`` by default,
``members`` only when asked for, ``restricted`` never (a restricted group's material is not handed
out on a disk). The zip is written to a temporary file beside ``out_path`` and renamed at the end,
so a failed build leaves no partial file.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import F, Prefetch
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from carnet.audit.services import record
from carnet.core.errors import DomainError
from carnet.library.models import Bundle, Resource, ResourceRevision, ResourceVersion, Visibility
from carnet.library.selectors import FileDamaged, stored_file
from carnet.library.text import plain_text, render_markdown

ASSETS = Path(__file__).resolve().parent / "static" / "library" / "bundle"
ALLOWED_VISIBILITY = (Visibility.PUBLIC, Visibility.MEMBERS)
# Words as the site's search (carnet.library.search.words) and the browser's search.js split them: letters and digits.
WORD = re.compile(r"[^\W_]+")
# Weight of a word by where it stands: a title word counts more than one deep in a file.
WEIGHTS = {"title": 5, "summary": 3, "body": 1, "file_text": 1}
CHUNK = 1 << 16

Progress = Callable[[int, int, str], None]


class BundleError(DomainError):
    """A bundle that cannot be built as asked (bad options, an unwritable path, a damaged file)."""

    code = "bundle"


@dataclass(frozen=True)
class BundleResult:
    path: Path
    size: int
    sha256: str
    resources: int
    languages: list[str]
    visibility: str
    built_at: datetime
    files: list[str] = field(default_factory=list)


@dataclass
class _Entry:
    """One published language version going into the bundle."""

    resource: Resource
    language: str
    revision: ResourceRevision
    file_path: str = ""  # inside the zip, when the version has a file


def content_languages() -> list[str]:
    """Every language a version may be written in (settings.LANGUAGES and CARNET_CONTENT_LANGUAGES)."""
    codes = [code for code, _name in settings.LANGUAGES]
    for code in getattr(settings, "CARNET_CONTENT_LANGUAGES", ()) or ():
        code = code[0] if isinstance(code, list | tuple) else code
        if code not in codes:
            codes.append(code)
    return codes


def language_name(code: str) -> str:
    """The language's own name (a language switch names each language in itself)."""
    try:
        return str(translation.get_language_info(code)["name_local"])
    except KeyError:
        return str(dict(settings.LANGUAGES).get(code, code))


def carnet_version() -> str:
    try:
        return package_version("carnet")
    except PackageNotFoundError:
        return "unknown"


def check_options(*, languages: Sequence[str], visibility: str) -> tuple[list[str], str]:
    """The languages (known, without repeats, in the given order) and the visibility, or a clear refusal."""
    if visibility == Visibility.RESTRICTED:
        raise BundleError(
            str(_("A bundle never includes restricted resources: choose “public” (the default) or “members”.")), code="visibility"
        )
    if visibility not in ALLOWED_VISIBILITY:
        raise BundleError(
            str(_("Unknown visibility “%(value)s”: choose “public” (the default) or “members”.") % {"value": visibility}),
            code="visibility",
        )
    known = content_languages()
    chosen = list(dict.fromkeys(code.strip() for code in languages if code.strip()))
    if not chosen:
        raise BundleError(str(_("Choose at least one language.")), code="languages")
    unknown = [code for code in chosen if code not in known]
    if unknown:
        raise BundleError(
            str(
                _("Unknown language(s): %(unknown)s. Choose from: %(known)s.") % {"unknown": ", ".join(unknown), "known": ", ".join(known)}
            ),
            code="languages",
        )
    return chosen, visibility


def bundled_resources(*, visibility: str, languages: Sequence[str]) -> list[Resource]:
    """Resources at or below ``visibility`` with a published version in one of ``languages``."""
    allowed = [Visibility.PUBLIC] if visibility == Visibility.PUBLIC else list(ALLOWED_VISIBILITY)
    published = ResourceVersion.objects.filter(language__in=languages, published_revision__isnull=False)
    return list(
        Resource.objects.filter(visibility__in=allowed, versions__in=published)
        .distinct()
        .prefetch_related(
            Prefetch("versions", queryset=published, to_attr="bundled_versions"),
            "priorities__translations",
            "countries__translations",
        )
        .order_by("slug")
    )


def _safe_name(name: str, fallback: str) -> str:
    """A file name safe inside a zip and on any disk: no directories, no odd characters."""
    base = os.path.basename(name.replace("\\", "/")).strip()
    base = re.sub(r"[^\w.\- ]", "_", base).strip(". ")
    return base[:120] or fallback


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_file(entry: _Entry) -> bytes:
    try:
        return stored_file(entry.revision)
    except OSError as error:
        raise BundleError(
            str(
                _("The file of “%(resource)s” (%(language)s) cannot be read from storage: %(reason)s.")
                % {"resource": entry.resource.slug, "language": entry.language, "reason": error.strerror or error}
            ),
            code="file_missing",
        ) from None
    except FileDamaged:
        raise BundleError(
            str(
                _("The file of “%(resource)s” (%(language)s) does not match the checksum recorded at upload; nothing was written.")
                % {"resource": entry.resource.slug, "language": entry.language}
            ),
            code="file_damaged",
        ) from None


def words(text: str) -> list[str]:
    """The words of ``text`` as the browser normalises and splits them (search.js does the same: NFC, lower case)."""
    return WORD.findall(unicodedata.normalize("NFC", text).lower())


class SearchIndexBuilder:
    """The client-side search index: stems -> [document, weight] per language, and the vocabulary."""

    def __init__(
        self,
        stem: Callable[[str, str], list[str]],
        has_stemmer: Callable[[str], bool],
        irregular: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self._stem = stem
        self._has_stemmer = has_stemmer
        self._irregular = dict(irregular or {})
        self.vocabulary: dict[str, dict[str, str]] = {}
        self.index: dict[str, dict[str, dict[int, int]]] = {}
        self.documents: list[dict[str, Any]] = []

    def stem_of(self, word: str, language: str) -> str | None:
        known = self.vocabulary.setdefault(language, {})
        if word in known:
            return known[word] or None
        stems = self._stem(word, language)
        known[word] = stems[0] if stems else ""
        return known[word] or None

    def add(self, document: dict[str, Any], fields: dict[str, str]) -> None:
        number = len(self.documents)
        self.documents.append(document)
        language = document["language"]
        postings = self.index.setdefault(language, {})
        for name, text in fields.items():
            for word in words(text):
                stem = self.stem_of(word, language)
                if stem is None:
                    continue
                per_document = postings.setdefault(stem, {})
                per_document[number] = per_document.get(number, 0) + WEIGHTS[name]

    def script(self, *, languages: Sequence[str]) -> str:
        data = {
            "languages": {code: language_name(code) for code in languages},
            # without a stemmer, words are compared without their diacritics ("Żółw" = "zolw"), as on the site
            "stemmed": {code: self._has_stemmer(code) for code in languages},
            # word forms no stemmer folds ("children" / "child"): a query for one asks for all, as on the site
            "irregular": {word: list(forms) for word, forms in sorted(self._irregular.items())},
            "documents": self.documents,
            "index": {
                language: {stem: sorted(docs.items()) for stem, docs in sorted(postings.items())}
                for language, postings in sorted(self.index.items())
            },
            "vocabulary": {
                language: dict(sorted(vocabulary.items()))  # "" = a word the stemmer leaves out
                for language, vocabulary in sorted(self.vocabulary.items())
            },
        }
        payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        # The payload is JSON inside a script: "</" could end an HTML script element if inlined; escape it anyway.
        payload = payload.replace("</", "<\\/")
        return f"/* carnet offline bundle: search index (generated). */\nwindow.CARNET_SEARCH = {payload};\n"


def _index_builder() -> SearchIndexBuilder:
    from carnet.library.search import IRREGULAR, has_stemmer, stem_words

    return SearchIndexBuilder(stem_words, has_stemmer, IRREGULAR)


class _ZipWriter:
    """Writes members and remembers each one's checksum and size for the manifest."""

    def __init__(self, archive: zipfile.ZipFile, stamp: datetime) -> None:
        self.archive = archive
        self.stamp = stamp.timetuple()[:6]
        self.files: list[dict[str, Any]] = []

    def add(self, path: str, content: bytes | str, *, compress: bool = True) -> None:
        data = content.encode("utf-8") if isinstance(content, str) else content
        info = zipfile.ZipInfo(path, date_time=self.stamp)
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        info.external_attr = 0o644 << 16
        self.archive.writestr(info, data)
        self.files.append({"path": path, "sha256": _sha256(data), "size": len(data)})


def _metadata(resource: Resource, language: str) -> dict[str, Any]:
    with translation.override(language):
        return {
            "kind": str(resource.get_kind_display()),
            "audience": str(resource.get_audience_display()),
            "licence": str(resource.get_licence_display()),
            "publisher": resource.publisher,
            "year": resource.year,
            "topics": [
                str(p.safe_translation_getter("title", language_code=language, any_language=True)) for p in resource.priorities.all()
            ],
            "countries": [
                str(c.safe_translation_getter("name", language_code=language, any_language=True)) for c in resource.countries.all()
            ],
        }


def _entries(resources: Iterable[Resource], languages: Sequence[str]) -> dict[str, dict[str, _Entry]]:
    """Per resource slug, its published versions in the chosen languages (in that order)."""
    resources = list(resources)
    version_ids = [v.pk for resource in resources for v in getattr(resource, "bundled_versions", [])]
    revisions = {
        revision.version_id: revision
        for revision in ResourceRevision.objects.filter(version_id__in=version_ids, number=F("version__published_revision"))
    }
    found: dict[str, dict[str, _Entry]] = {}
    for resource in resources:
        versions = {v.language: v for v in getattr(resource, "bundled_versions", [])}
        found[resource.slug] = {
            code: _Entry(resource=resource, language=code, revision=revisions[versions[code].pk])
            for code in languages
            if code in versions and versions[code].pk in revisions
        }
    return found


def _human_size(size: int | None) -> str:
    value = float(size or 0)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def _write_site(
    writer: _ZipWriter,
    *,
    resources: list[Resource],
    languages: list[str],
    visibility: str,
    built_at: datetime,
    progress: Progress | None,
) -> int:
    """Write every page, file and asset; the number of resources written."""
    entries = _entries(resources, languages)
    resources = [resource for resource in resources if entries[resource.slug]]
    index = _index_builder()
    names = {code: language_name(code) for code in languages}

    def switch(prefix: str, slug: str | None = None) -> list[dict[str, str]]:
        """The language switch: to the same resource in another language where there is one, else that language's list."""
        present = entries[slug] if slug else {}
        return [
            {"code": code, "name": names[code], "href": f"{prefix}{code}/{slug if code in present else 'index'}.html"} for code in languages
        ]

    total = len(resources)
    for done, resource in enumerate(resources, start=1):
        for entry in entries[resource.slug].values():
            revision = entry.revision
            if revision.file:
                name = _safe_name(revision.file_name, f"{resource.slug}-{entry.language}")
                entry.file_path = f"files/{resource.slug}/{entry.language}/{name}"
                writer.add(entry.file_path, _read_file(entry), compress=False)
        for entry in entries[resource.slug].values():
            revision = entry.revision
            others = [
                {"code": other.language, "name": names[other.language], "href": f"../{other.language}/{resource.slug}.html"}
                for other in entries[resource.slug].values()
                if other.language != entry.language
            ]
            with translation.override(entry.language):
                page = render_to_string(
                    "library/bundle/site/resource.html",
                    {
                        "language": entry.language,
                        "root": "../",
                        "languages": switch("../", resource.slug),
                        "resource": resource,
                        "revision": revision,
                        "body_html": render_markdown(revision.body),
                        "metadata": _metadata(resource, entry.language),
                        "file_href": f"../{entry.file_path}" if entry.file_path else "",
                        "file_size": _human_size(revision.file_size),
                        "others": others,
                        "built_at": built_at,
                    },
                )
            writer.add(f"{entry.language}/{resource.slug}.html", page)
            index.add(
                {
                    "language": entry.language,
                    "slug": resource.slug,
                    "title": revision.title,
                    "summary": revision.summary,
                    "kind": _metadata(resource, entry.language)["kind"],
                    "year": resource.year,
                    "href": f"{entry.language}/{resource.slug}.html",
                },
                {"title": revision.title, "summary": revision.summary, "body": plain_text(revision.body), "file_text": revision.file_text},
            )
        if progress is not None:
            progress(done, total, resource.slug)
    for code in languages:
        items = []
        for resource in resources:
            versions = entries[resource.slug]
            entry = versions.get(code) or next(iter(versions.values()))
            items.append(
                {
                    "slug": resource.slug,
                    "title": entry.revision.title,
                    "summary": entry.revision.summary,
                    "language": entry.language,
                    "language_name": names[entry.language],
                    "fallback": entry.language != code,
                    "href": f"../{entry.language}/{resource.slug}.html",
                    "metadata": _metadata(resource, code),
                }
            )
        with translation.override(code):
            writer.add(
                f"{code}/index.html",
                render_to_string(
                    "library/bundle/site/index.html",
                    {
                        "language": code,
                        "root": "../",
                        "languages": switch("../"),
                        "items": items,
                        "built_at": built_at,
                        "visibility": visibility,
                    },
                ),
            )
    with translation.override(languages[0]):
        writer.add(
            "index.html",
            render_to_string(
                "library/bundle/site/start.html",
                {"language": languages[0], "root": "", "languages": switch(""), "count": len(resources), "built_at": built_at},
            ),
        )
    writer.add("assets/bundle.css", (ASSETS / "bundle.css").read_bytes())
    writer.add("assets/search.js", (ASSETS / "search.js").read_bytes())
    writer.add("assets/search-index.js", index.script(languages=languages))
    return len(resources)


def build_bundle(
    *,
    out_path: str | os.PathLike[str],
    languages: Sequence[str] | None = None,
    visibility: str = Visibility.PUBLIC,
    progress: Progress | None = None,
) -> BundleResult:
    """Write the offline bundle to ``out_path`` (a zip); nothing is left there if anything fails.

    ``languages`` defaults to every language of the site. Raises :class:`BundleError` with a
    message for the operator: a visibility above what a bundle may hold, an unknown language,
    an unwritable path, a file that does not match its checksum.
    """
    chosen, visibility = check_options(languages=languages or content_languages(), visibility=visibility)
    out = Path(out_path)
    if out.is_dir():
        raise BundleError(str(_("%(path)s is a directory: give the path of the zip file to write.") % {"path": out}), code="path")
    try:
        handle, temporary = tempfile.mkstemp(dir=out.parent or Path("."), prefix=f".{out.name}.", suffix=".part")
    except OSError as error:
        raise BundleError(
            str(
                _("Cannot write the bundle to %(path)s: %(reason)s.")
                % {"path": out, "reason": error.strerror or gettext("the directory cannot be written to")}
            ),
            code="path",
        ) from None
    built_at = datetime.now(tz=UTC).replace(microsecond=0)
    try:
        with os.fdopen(handle, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
            writer = _ZipWriter(archive, built_at)
            count = _write_site(
                writer,
                resources=bundled_resources(visibility=visibility, languages=chosen),
                languages=chosen,
                visibility=visibility,
                built_at=built_at,
                progress=progress,
            )
            manifest = {
                "generator": "carnet",
                "carnet_version": carnet_version(),
                "built_at": built_at.isoformat().replace("+00:00", "Z"),
                "languages": chosen,
                "visibility": visibility,
                "resources": count,
                "files": writer.files,
            }
            writer.add("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
        os.chmod(temporary, 0o644)
        os.replace(temporary, out)
    except BaseException as error:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise BundleError(
                str(_("Cannot write the bundle to %(path)s: %(reason)s.") % {"path": out, "reason": error.strerror or error}),
                code="path",
            ) from None
        raise
    size, digest = _file_digest(out)
    return BundleResult(
        path=out,
        size=size,
        sha256=digest,
        resources=count,
        languages=chosen,
        visibility=visibility,
        built_at=built_at,
        files=[item["path"] for item in writer.files],
    )


def _file_digest(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


@transaction.atomic
def bundle_record(*, actor: Any, result: BundleResult) -> Bundle:
    """Keep a built *public* bundle in storage and offer it for download (the newest one is the library page's link).

    A members bundle is handed over by the operator, never offered on the site: it is refused here.
    """
    if result.visibility != Visibility.PUBLIC:
        raise BundleError(str(_("Only a public bundle is offered for download.")), code="visibility")
    size, digest = _file_digest(result.path)
    if digest != result.sha256:
        raise BundleError(str(_("The bundle file changed after it was built; build it again.")), code="bundle_changed")
    bundle = Bundle(languages=list(result.languages), visibility=result.visibility, resources=result.resources, size=size, sha256=digest)
    with result.path.open("rb") as handle:
        bundle.file.save(f"carnet-library-{result.built_at:%Y%m%d-%H%M%S}.zip", File(handle), save=False)
    bundle.full_clean()
    bundle.save()
    record(
        actor=actor,
        action="library.bundle.record",
        obj=bundle,
        purpose=f"offline bundle {','.join(result.languages)} {result.visibility}: {result.resources} resources, sha256 {digest}",
        username="" if actor is not None else "carnet bundle",
    )
    return bundle


def latest_public_bundle() -> Bundle | None:
    """The bundle the library page offers: the newest public one."""
    return Bundle.objects.filter(visibility=Visibility.PUBLIC).order_by("-built_at", "-pk").first()
