"""Markdown to safe HTML and plain text; unsafe bodies are recognised (the services refuse them)."""

from __future__ import annotations

import pytest

from carnet.library.text import is_clean_markdown, plain_text, refused_parts, render_markdown


def test_markdown_renders_to_html_with_safe_links() -> None:
    html = render_markdown("# Care\n\nSome *text* & [a link](https://example.org).")

    assert html == ('<h1>Care</h1>\n<p>Some <em>text</em> &amp; <a href="https://example.org" rel="noopener noreferrer">a link</a>.</p>\n')


def test_table_alignment_becomes_a_class_not_an_inline_style() -> None:
    html = render_markdown("| a | b |\n|:-|-:|\n| 1 | 2 |")

    assert '<th class="align-left">a</th>' in html
    assert '<td class="align-right">2</td>' in html
    assert "style" not in html
    assert is_clean_markdown("| a | b |\n|:-|-:|\n| 1 | 2 |")


@pytest.mark.parametrize(
    ("body", "found"),
    [
        ("<script>alert(1)</script>", ["<script>"]),
        ("Text <img src=x onerror=alert(1)>", ["onerror="]),
        ("[click](javascript:alert(1))", ["javascript:"]),
        ("[click](JaVaScRiPt:alert(1))", ["javascript:"]),
        ("[click](&#106;avascript:alert(1))", ["javascript:"]),
        ("![x](data:image/png;base64,AAAA)", ["data:"]),
        ('<a href="#" onclick="steal()">x</a>', ["onclick="]),
        ("<iframe src=https://evil.example></iframe>", ["<iframe>"]),
        ('<p style="color:red">x</p>', ["style="]),
    ],
    ids=["script", "event-handler", "javascript-link", "mixed-case-scheme", "entity-scheme", "data-image", "onclick", "iframe", "style"],
)
def test_unsafe_markdown_is_recognised_and_never_rendered(body: str, found: list[str]) -> None:
    assert is_clean_markdown(body) is False
    assert refused_parts(body) == found
    html = render_markdown(body).lower()
    assert "script" not in html
    assert "javascript" not in html
    assert "onerror" not in html
    assert "onclick" not in html


@pytest.mark.parametrize(
    "body",
    [
        "Plain text",
        "Text with <b>bold</b> and <em>emphasis</em>",
        "[relative](/en/library/) [anchor](#top) <mailto:secretariat@example.org>",
        "```python\nx < 1\n```",
        "Дети & детям",
    ],
)
def test_simple_formatting_is_clean(body: str) -> None:
    assert is_clean_markdown(body) is True


def test_plain_text_keeps_words_and_paragraphs_without_markup() -> None:
    md = "## Забота\n\nДетям в группе риска нужны **забота** &amp; защита.\n\n- one\n- two\n\n<script>evil()</script>"

    assert plain_text(md) == "Забота\nДетям в группе риска нужны забота & защита.\none\ntwo"
