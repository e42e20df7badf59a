"""Matrix rows for the events API (tests/events/test_api.py has the per-account tests of the object rows)."""

from __future__ import annotations

from tests.matrix.base import Row, rows

API = {
    "GET /events": Row("GET", "/api/v1/events", rows(200, 200)),
    "GET /events/{slug}": Row(
        "GET",
        "/api/v1/events/{event}",
        rows(200, 200),
        objects=True,
        note="tests/events/test_api.py: visible events for whoever may see them, 404 otherwise (the same as missing)",
    ),
    "POST /events/{slug}/registrations": Row(
        "POST",
        "/api/v1/events/{event}/registrations",
        rows(401, 201),
        body={},
        objects=True,
        note="tests/events/test_api.py: signed-in callers register for events they see; 404 for invisible; 409/422 refusals",
    ),
    "DELETE /events/{slug}/registrations/me": Row(
        "DELETE",
        "/api/v1/events/{event}/registrations/me",
        rows(401, 204),
        objects=True,
        note="tests/events/test_api.py: one's own registration only; 404 when there is none",
    ),
}
