"""Matrix rows for the calendar feeds and the subscription page (tests/events/test_feeds.py has the per-account tests)."""

from __future__ import annotations

from tests.matrix.base import Row, rows

EVERYONE_200 = rows(200, 200)

PAGES = {
    "events:feeds": Row("GET", "/en/events/feeds/", EVERYONE_200),
    "events:feed": Row("GET", "/en/events/feed.ics", EVERYONE_200),
    "events:feed_country": Row("GET", "/en/events/feed/country/lt.ics", EVERYONE_200),
    "events:feed_priority": Row("GET", "/en/events/feed/priority/sexual-exploitation.ics", EVERYONE_200),
    "events:feed_private": Row(
        "GET",
        "/en/events/feed/private/{token}.ics",
        EVERYONE_200,
        objects=True,
        note="tests/events/test_feeds.py: the secret address opens its owner's feed for whoever holds it; unknown or reset: 404",
    ),
    "events:feed_reset": Row(
        "POST", "/en/events/feeds/private/reset/", rows(302, 302), body={}, note="anonymous: to sign-in; signed in: back to the page"
    ),
    "events:event_ics": Row(
        "GET",
        "/en/events/{event}.ics",
        EVERYONE_200,
        objects=True,
        note="tests/events/test_feeds.py: as the event's visibility says; 404 for what one may not see and for drafts",
    ),
}
