"""Matrix rows for the library's home and search: open to everyone; what each role finds is tested per account
in tests/library/test_browse_pages.py and tests/library/test_api_search.py (visibility applied before counting)."""

from __future__ import annotations

from tests.matrix.base import Row, rows

EVERYONE_200 = rows(200, 200)

PAGES = {
    "library:index": Row("GET", "/en/library/?q=care", EVERYONE_200),
}

API = {
    "GET /library/search": Row("GET", "/api/v1/library/search?q=care", EVERYONE_200),
}
