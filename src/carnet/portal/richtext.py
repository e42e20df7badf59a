"""Rich text for the portal: HTML cleaned with nh3 (ammonia) before it is stored, and again before it is shown.

Only structure survives: headings, paragraphs, lists, emphasis, links (http, https, mailto;
``rel="noopener noreferrer"`` added), tables, quotes. Scripts, styles, event handlers,
iframes and ``javascript:`` URLs are removed, never escaped into view.
"""

from __future__ import annotations

import nh3

ALLOWED_TAGS = {
    "p", "br", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "b", "i", "a", "blockquote",
    "table", "thead", "tbody", "tr", "th", "td", "caption", "abbr", "code", "pre", "hr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title", "hreflang"}, "abbr": {"title"}, "th": {"scope"}, "td": {"colspan", "rowspan"}}
URL_SCHEMES = {"http", "https", "mailto"}


def clean(html: str) -> str:
    """The HTML with everything unsafe removed (idempotent: cleaning clean HTML changes nothing)."""
    return nh3.clean(
        html or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def is_clean(html: str) -> bool:
    """True when cleaning would change nothing: the editor is told when something was removed."""
    return clean(html) == (html or "")
