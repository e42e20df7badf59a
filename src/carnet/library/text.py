"""The text of a library resource: Markdown in, safe HTML and plain text out.

A version's body is Markdown (CommonMark, with tables). Raw HTML may appear in it, but
only simple formatting survives: the rendered HTML is cleaned with nh3 (ammonia) with a
tight allow-list, as on the portal (``carnet.portal.richtext``). A body in which cleaning
would *remove* something that means something — a script, a style, an event attribute, an
iframe, a ``javascript:`` link — is refused by the services (:func:`is_clean_markdown`),
never stored and silently stripped: the editor learns what is not allowed.

:func:`plain_text` is what search indexes (and the offline bundle's search index reads).
"""

from __future__ import annotations

import html
import re

import nh3
from markdown_it import MarkdownIt

from carnet.core import safehtml

ALLOWED_TAGS = {
    "p", "br", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "strong", "em", "b", "i", "a", "blockquote",
    "table", "thead", "tbody", "tr", "th", "td", "caption", "abbr", "code", "pre", "hr", "img", "sub", "sup", "del",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "hreflang"},
    "abbr": {"title"},
    "img": {"src", "alt", "title"},
    "th": {"scope", "class"},
    "td": {"colspan", "rowspan", "class"},
    "ol": {"start"},
    "code": {"class"},
}
URL_SCHEMES = {"http", "https", "mailto"}
# markdown-it writes a table column's alignment as ``style="text-align:..."``; the pages' CSP allows
# no inline style, so it becomes a class (``align-left``...) that library.css styles.
_CELL_STYLE = re.compile(r'<(th|td) style="text-align:(left|right|center)">')
_CLASSES = {
    "th": re.compile(r"align-(left|right|center)"),
    "td": re.compile(r"align-(left|right|center)"),
    "code": re.compile(r"language-[\w+-]{1,30}"),
}


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough")
    # markdown-it quietly drops links it finds unsafe (``javascript:``...): let them through to the
    # cleaner instead, so that :func:`is_clean_markdown` sees them and the editor is told.
    md.validateLink = lambda url: True  # type: ignore[method-assign]  # markdown-it documents replacing it per instance
    return md


_MD = _parser()


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "class":
        pattern = _CLASSES.get(tag)
        return value if pattern is not None and pattern.fullmatch(value) else None
    return value


def clean_html(markup: str) -> str:
    """HTML with everything unsafe removed (idempotent)."""
    return nh3.clean(
        markup or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
        attribute_filter=_attribute_filter,
    )


def _raw_html(md: str) -> str:
    return _CELL_STYLE.sub(r'<\1 class="align-\2">', str(_MD.render(md or "")))


def render_markdown(md: str) -> str:
    """Markdown as safe HTML, for a page (``|safe`` is justified by the cleaning here)."""
    return clean_html(_raw_html(md))


def is_clean_markdown(md: str) -> bool:
    """True when cleaning the rendered Markdown removes nothing that means something.

    False for raw HTML that is not simple formatting (``<script>``, ``<iframe>``, ``<style>``),
    event attributes (``onclick=``), and links or images to ``javascript:``, ``data:`` or
    any scheme other than http, https and mailto.
    """
    raw = _raw_html(md)
    return safehtml.loses_nothing(raw, clean_html(raw))


def refused_parts(md: str) -> list[str]:
    """The tags, attributes and URL schemes of ``md`` that cleaning would remove, for the editor's message."""
    return safehtml.not_allowed(_raw_html(md), tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES)


_BLOCK_END = re.compile(r"(</(?:p|li|h[1-6]|tr|td|th|blockquote|pre|table|caption)>|<br\s*/?>|<hr\s*/?>)", re.IGNORECASE)


def plain_text(md: str) -> str:
    """The words of the Markdown without markup: paragraphs on their own lines, entities decoded."""
    cleaned = _BLOCK_END.sub(r"\1\n", render_markdown(md))
    text = html.unescape(nh3.clean(cleaned, tags=set(), strip_comments=True))
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)
