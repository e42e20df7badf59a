"""Matrix rows for the Plan of Action (carnet.actionplan): pages and API.

``{action}`` rows are checked by tests/actionplan/test_pages.py and tests/actionplan/test_api.py
on an action that names Sweden (so Sweden's NCP may report on it, Lithuania's may not), and on a
code that does not exist (404 for everyone who passes the page's own check).
"""

from __future__ import annotations

from tests.matrix.base import Row, rows

EVERYONE_200 = rows(200, 200)

PAGES = {
    "actionplan:list": Row("GET", "/en/plan/", EVERYONE_200),
    "actionplan:new": Row("GET", "/en/plan/new/", rows(302, 403, secretariat=200), note="the secretariat keeps the Plan of Action"),
}

OBJECT_PAGES = {
    "actionplan:detail": Row("GET", "/en/plan/{action}/", EVERYONE_200, objects=True),
    "actionplan:update": Row(
        "POST",
        "/en/plan/{action}/update/",
        rows(302, 403, secretariat=302, ncp_se=302),
        body={"status": "planned", "note": "Agreed."},
        objects=True,
        note="the secretariat, and the NCP or coordinator of a country the action names",
    ),
}

API = {
    "GET /actions": Row("GET", "/api/v1/actions", EVERYONE_200),
}

OBJECT_API = {
    "GET /actions/{code}": Row("GET", "/api/v1/actions/{action}", EVERYONE_200, objects=True),
    "POST /actions/{code}/updates": Row(
        "POST",
        "/api/v1/actions/{action}/updates",
        rows(401, 403, secretariat=201, ncp_se=201),
        body={"status": "planned", "note": "Agreed."},
        objects=True,
    ),
}

PAGES.update(OBJECT_PAGES)
API.update(OBJECT_API)
