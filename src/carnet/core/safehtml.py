"""Whether cleaning HTML would lose anything its author meant, and what (portal rich text, library Markdown).

carnet refuses unsafe markup with a message rather than storing a silently stripped copy:
the editor learns what is not allowed and nothing is saved. To tell "the cleaner removed a
script" from "the cleaner closed a tag or re-spelt an entity", both versions are compared by
what they mean — start tags with their attributes, and text — not by how they are spelt.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from html.parser import HTMLParser


class _Tokens(HTMLParser):
    """Start tags with their (sorted) attributes, and runs of text with entities decoded and whitespace collapsed.

    End tags, comments and ``rel`` on links are left out: the cleaner closes open tags, drops
    comments and adds ``rel="noopener noreferrer"`` to links, none of which loses anything.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tokens: list[tuple[str, ...]] = []
        self._text: list[str] = []

    def _flush(self) -> None:
        if self._text:
            text = " ".join("".join(self._text).split())
            if text:
                self.tokens.append(("text", text))
            self._text = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._flush()
        kept = sorted((name, value or "") for name, value in attrs if not (tag == "a" and name == "rel"))
        self.tokens.append(("tag", tag, *(f"{name}={value}" for name, value in kept)))

    handle_startendtag = handle_starttag

    def handle_data(self, data: str) -> None:
        self._text.append(data)

    def close(self) -> None:
        super().close()
        self._flush()


def meaning(markup: str) -> list[tuple[str, ...]]:
    """What ``markup`` says, as tokens that two spellings of the same HTML share."""
    parser = _Tokens()
    parser.feed(markup or "")
    parser.close()
    return parser.tokens


def loses_nothing(original: str, cleaned: str) -> bool:
    """True when ``cleaned`` means what ``original`` meant."""
    return meaning(cleaned) == meaning(original)


def not_allowed(markup: str, *, tags: Set[str], attributes: Mapping[str, Set[str]], url_schemes: Set[str]) -> list[str]:
    """The tags (``<script>``), attributes (``onclick=``) and URL schemes (``javascript:``) a cleaner with
    these allow-lists would remove from ``markup``, each once, for the editor's message."""
    found: list[str] = []
    for token in meaning(markup):
        if token[0] != "tag":
            continue
        tag = token[1]
        if tag not in tags:
            found.append(f"<{tag}>")
            continue
        for attribute in token[2:]:
            name, _sep, value = attribute.partition("=")
            if name not in attributes.get(tag, set()):
                found.append(f"{name}=")
            elif name in {"href", "src"} and ":" in value.split("/", 1)[0]:
                scheme = value.split(":", 1)[0].strip().lower()
                if scheme not in url_schemes:
                    found.append(f"{scheme}:")
    return list(dict.fromkeys(found))
