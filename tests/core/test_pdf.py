"""One PDF renderer for every printable document, and it fetches nothing."""

from __future__ import annotations

import pytest

from carnet.core import pdf


def test_a_document_is_rendered_without_fetching_any_url(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []

    def refuse(url: str, *args: object, **kwargs: object) -> dict[str, object]:
        asked.append(url)
        raise ValueError("no fetching")

    monkeypatch.setattr(pdf, "_no_fetch", refuse)
    document = pdf.render_pdf('<html><body><p>Test</p><img src="http://198.51.100.7/tracker.png" alt=""></body></html>')
    assert document.startswith(b"%PDF-")
    assert asked == ["http://198.51.100.7/tracker.png"]


def test_the_fetcher_refuses_every_url() -> None:
    with pytest.raises(ValueError, match="fetch no URL"):
        pdf._no_fetch("file:///etc/passwd")
