"""Every page reached with filters and search words no form would send: never a 500.

The pages come from the permission matrix (tests/matrix/*.py: rows without object
placeholders). Each GET page is asked with every filter name carnet's lists use, each set to
a value no form offers — long mixed-script text with FTS/tsquery syntax, a huge number, a
negative page, a date that does not exist — by a network member and by the secretariat.
A list may ignore a value, refuse it with a message (400) or show nothing; it may not fail.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.matrix.base import Row
from tests.test_permission_matrix import PAGES

FILTERS = [
    "q", "page", "kind", "country", "priority", "topic", "language", "lang", "year", "status", "when", "role",
    "organisation", "purpose", "urgency", "box", "from", "to", "sort", "section", "taken_on", "format", "edit",
]  # fmt: skip
VALUES = [
    "ä\u202e<script>x</script>\"*:^()-&|!NEAR/'; --" * 30,
    "9" * 30,
    "-1",
    "2026-02-30",
]
GET_PAGES = sorted(name for name, row in PAGES.items() if not row.objects and row.method == "GET" and "{" not in row.path)


@pytest.mark.parametrize("username", ["member-fi", "secretariat"])
@pytest.mark.parametrize("name", GET_PAGES)
def test_pages_survive_garbage_filters(name: str, username: str, client_as: Any) -> None:
    row: Row = PAGES[name]
    client = client_as(username)
    for value in VALUES:
        response = client.get(row.path, dict.fromkeys(FILTERS, value))
        assert response.status_code < 500, (row.path, value[:20], response.status_code)
