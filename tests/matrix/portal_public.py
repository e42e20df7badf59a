"""Matrix rows for the public portal: every page and API operation is open to everyone (200 for every role)."""

from __future__ import annotations

from tests.matrix.base import Row, rows

EVERYONE_200 = rows(200, 200)

PAGES = {
    "portal:country": Row("GET", "/en/countries/lt/", EVERYONE_200),
    "portal:priority": Row("GET", "/en/priorities/sexual-exploitation/", EVERYONE_200),
    "portal:news": Row("GET", "/en/news/", EVERYONE_200),
    "portal:news_feed": Row("GET", "/en/news/feed/", EVERYONE_200),
    "portal:news_detail": Row(
        "GET",
        "/en/news/{news}/",
        EVERYONE_200,
        objects=True,
        note="tests/portal/test_public.py: published news for everyone, 404 otherwise",
    ),
}

API = {
    "GET /portal/countries/{code}": Row("GET", "/api/v1/portal/countries/lt", EVERYONE_200),
    "GET /news": Row("GET", "/api/v1/news", EVERYONE_200),
    "GET /news/{slug}": Row(
        "GET",
        "/api/v1/news/{news}",
        EVERYONE_200,
        objects=True,
        note="tests/portal/test_api.py: published news for everyone, 404 otherwise",
    ),
}
