"""Matrix rows for the calendar and the event pages (carnet.events.views.calendar and .manage).

``{event}`` rows are checked by tests/events/test_pages.py (``test_each_account_on_the_event_pages``)
on a public, confirmed expert meeting of the secretariat, in the state the row needs
(:data:`OBJECT_STATES`: a draft for publishing, one pending registration for deciding ...);
``{registration}`` and ``{document}`` are that event's. The test also checks that a denial
changed nothing (registrations, status, sequence, documents) and sent no e-mail.
"""

from __future__ import annotations

from tests.matrix.base import Row, rows

# Managing an event: the secretariat; a host (NCP, coordinator) passes the page's check but the
# secretariat's event is not theirs (403); everyone else is refused by the page's check (403).
MANAGE_PAGE = rows(302, 403, secretariat=200)
MANAGE_STEP = rows(302, 403, secretariat=302)

PAGES = {
    "events:list": Row("GET", "/en/events/", rows(200, 200), note="the events the reader may see"),
    "events:this_month": Row("GET", "/en/events/month/", rows(200, 200)),
    "events:month": Row("GET", "/en/events/2030/1/", rows(200, 200)),
    "events:my": Row("GET", "/en/events/my/", rows(302, 200), note="an empty list for someone without registrations"),
    "events:new": Row(
        "GET", "/en/events/new/", rows(302, 403, secretariat=200, ncp_se=200, ncp_lt=200, coordinator_lt=200), note="hosts create events"
    ),
}

OBJECT_ROWS = {
    "events:detail": Row("GET", "/en/events/{event}/", rows(200, 200), objects=True, note="404 for an event one may not see"),
    "events:edit": Row("GET", "/en/events/{event}/edit/", MANAGE_PAGE, objects=True),
    "events:publish": Row(
        "POST",
        "/en/events/{event}/publish/",
        rows(302, 403, secretariat=302, ncp_se=404, ncp_lt=404, coordinator_lt=404),
        body={"status": "confirmed"},
        objects=True,
        note="a draft: hosts pass the page's check but may not know it exists",
    ),
    "events:cancel": Row("GET", "/en/events/{event}/cancel/", MANAGE_PAGE, objects=True),
    "events:cancel:post": Row("POST", "/en/events/{event}/cancel/", MANAGE_STEP, body={"reason": "Matrix"}, objects=True),
    "events:register": Row("POST", "/en/events/{event}/register/", rows(302, 302), body={}, objects=True, note="every member"),
    "events:unregister": Row("POST", "/en/events/{event}/unregister/", rows(302, 302), objects=True, note="one's own only"),
    "events:participants": Row("GET", "/en/events/{event}/participants/", MANAGE_PAGE, objects=True),
    "events:participants_csv": Row("GET", "/en/events/{event}/participants.csv", MANAGE_PAGE, objects=True, note="audited"),
    "events:decide": Row(
        "POST", "/en/events/{event}/participants/{registration}/decide/", MANAGE_STEP, body={"decision": "approve"}, objects=True
    ),
    "events:attendance": Row("POST", "/en/events/{event}/attendance/", MANAGE_STEP, body={"attended": "{registration}"}, objects=True),
    "events:invite": Row("POST", "/en/events/{event}/invite/", MANAGE_STEP, body={"username": "member-fi"}, objects=True),
    "events:documents": Row("GET", "/en/events/{event}/documents/", MANAGE_PAGE, objects=True),
    "events:document_upload": Row(
        "POST", "/en/events/{event}/documents/upload/", MANAGE_PAGE, body={"title": "No file"}, objects=True, note="form shown again"
    ),
    "events:document_detach": Row("POST", "/en/events/{event}/documents/{document}/detach/", MANAGE_STEP, objects=True),
}

# The state the object tests put the event in before each row ("confirmed" unless named here).
OBJECT_STATES = {
    "events:publish": "draft",
    "events:unregister": "registered",
    "events:decide": "pending",
    "events:attendance": "approved",
    "events:document_detach": "document",
}

PAGES.update({name: row for name, row in OBJECT_ROWS.items() if ":post" not in name})
