"""HTML to PDF (WeasyPrint) for every printable document carnet makes: case files, paper sheets, reports.

The renderer fetches nothing: every URL in the document is refused, so a document can neither
leak a request nor be turned against the network (SSRF); a refused resource is left out with a
warning, the rest still renders. WeasyPrint loads Pango, so it is imported only when a PDF is
actually made; the rest of carnet runs without it.
"""

from __future__ import annotations

import hashlib
from base64 import b64encode
from typing import Any

from django.template.loader import render_to_string


def _no_fetch(url: str, *args: object, **kwargs: object) -> dict[str, object]:
    raise ValueError(f"carnet's PDF documents fetch no URL ({url[:40]})")


def _fetcher() -> Any:
    from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]  # no stubs

    class RefuseAll(URLFetcher):  # type: ignore[misc]  # untyped base
        """WeasyPrint's own fetcher (so errors are warnings, not crashes) with every fetch refused."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            return _no_fetch(url)

    return RefuseAll(fail_on_errors=False)


def render_pdf(html: str) -> bytes:
    import weasyprint  # type: ignore[import-untyped]  # no stubs

    document: bytes = weasyprint.HTML(string=html, base_url=None, url_fetcher=_fetcher()).write_pdf()
    return document


def inline_stylesheet(template_name: str) -> tuple[str, str]:
    """A print stylesheet rendered from ``template_name`` and its CSP source (``'sha256-...'``).

    Printable documents carry their stylesheet inline, because the renderer fetches nothing;
    the HTML preview of the same document allows exactly that stylesheet by its hash.
    """
    css = render_to_string(template_name)
    digest = b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
    return css, f"'sha256-{digest}'"
