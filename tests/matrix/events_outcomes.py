"""Matrix rows for the outcome pages of meetings (carnet.events.views.outcomes).

``{event}`` rows are checked by tests/events/test_outcomes_pages.py
(``test_each_account_on_the_meeting_pages``) on a public expert meeting of the secretariat that has
ended, with an area for action (``item``), and on an invited-only meeting nobody but the
secretariat may see (404 for everyone else, after the page's own permission check).
"""

from __future__ import annotations

from tests.matrix.base import Row, rows

# Managing a meeting: the secretariat; a host (NCP, coordinator) only for the meetings they created.
MANAGE = rows(302, 403, secretariat=200)

PAGES = {
    "events:outcomes": Row("GET", "/en/events/outcomes/", rows(200, 200), note="outcomes of the meetings the reader may see"),
}

OBJECT_ROWS = {
    "events:outcomes_edit": Row("GET", "/en/events/{event}/outcomes/", MANAGE, objects=True),
    "events:outcomes_edit:post": Row(
        "POST",
        "/en/events/{event}/outcomes/",
        rows(302, 403, secretariat=302),
        body={"do": "up", "item": "{item}"},
        objects=True,
        note="moving the first item up changes nothing and answers a redirect",
    ),
    "events:close": Row("GET", "/en/events/{event}/close/", MANAGE, objects=True),
    "events:close:post": Row(
        "POST", "/en/events/{event}/close/", rows(302, 403, secretariat=302), body={"attendance_count": "5"}, objects=True
    ),
    "events:outcomes_pdf": Row(
        "GET", "/en/events/{event}/outcomes.pdf", rows(200, 200), objects=True, note="404 for a meeting one may not see"
    ),
}

PAGES.update({name: row for name, row in OBJECT_ROWS.items() if ":post" not in name})
