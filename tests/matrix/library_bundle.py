"""Matrix rows for the offline bundle's download (library:bundle_latest).

Only a public bundle is ever offered, so the download is open to everyone. With no bundle built
yet (as in the matrix run) everyone gets the same 404 page; tests/library/test_bundle.py checks
the download of a built one.
"""

from __future__ import annotations

from tests.matrix.base import Row, rows

PAGES = {
    "library:bundle_latest": Row("GET", "/en/library/offline/", rows(404, 404), note="no bundle yet: a 404 page that says so"),
}
