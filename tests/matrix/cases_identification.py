"""Matrix rows for the identification section of a case (pages and API).

``{case}`` is a Swedish case owned by caseworker-se: its team, its organisation's supervisor and
Sweden's NCP see it; everybody else gets 404, anonymous visitors go to sign-in (pages) or get 401 (API).
The roles run in the order of the demo accounts against the same case (ncp-se before caseworker-se
before supervisor-se), which the profile rows below rely on.
"""

from __future__ import annotations

import importlib

from tests.matrix.base import Row, rows

_SEED = importlib.import_module("carnet.cases.migrations.0002_seed_indicators")
WHOLE_CHECKLIST: dict[str, object] = {f"indicator-{code}": "unknown" for code, *_rest in _SEED.INDICATORS} | {
    "indicator-control-violence": "present"
}

CASE_PAGE = rows(302, 404, caseworker_se=200, supervisor_se=200, ncp_se=200)
CASE_POST = rows(302, 404, caseworker_se=302, supervisor_se=302, ncp_se=302)
API_READ = rows(401, 404, caseworker_se=200, supervisor_se=200, ncp_se=200)
API_CREATE = rows(401, 404, caseworker_se=201, supervisor_se=201, ncp_se=201)
# Removing a row that is not on the case: 404 for everybody (the case's own rows are tested in tests/cases).
NO_SUCH_ROW_PAGE = rows(302, 404)
NO_SUCH_ROW_API = rows(401, 404)

BASE = "/en/cases/{case}/identification"
API_BASE = "/api/v1/cases/{case}/identification"

PAGES = {
    "cases:identification": Row("GET", f"{BASE}/", CASE_PAGE),
    "cases:identification_status": Row(
        "POST",
        f"{BASE}/status/",
        CASE_POST,
        body={"status": "possible", "deciding_organisation": "Matrix police", "decided_on": "2025-12-01"},
    ),
    "cases:identification_exploitation_add": Row(
        "POST", f"{BASE}/exploitations/", CASE_POST, body={"kind": "criminality", "criminality_subtype": "drugs", "country": "se"}
    ),
    "cases:identification_exploitation_remove": Row(
        "POST", f"{BASE}/exploitations/999999999/remove/", NO_SUCH_ROW_PAGE, note="no such row on the case"
    ),
    "cases:identification_profile": Row(
        "POST",
        f"{BASE}/profile/",
        rows(302, 404, ncp_se=302, caseworker_se=409, supervisor_se=409),
        body={"recruitment": "online", "relationship": "stranger", "means_of_control": "Threats", "version": "1"},
        note="the first save (ncp-se) moves the profile to version 2: the next ones, sent with version 1, are stale (409)",
    ),
    "cases:identification_route_add": Row(
        "POST", f"{BASE}/route/", CASE_POST, body={"stage": "transit", "country": "PL", "city": "Gdańsk"}
    ),
    "cases:identification_route_remove": Row("POST", f"{BASE}/route/999999999/remove/", NO_SUCH_ROW_PAGE, note="no such row on the case"),
    "cases:identification_indicators": Row("POST", f"{BASE}/indicators/", CASE_POST, body=WHOLE_CHECKLIST),
}

API = {
    "GET /cases/{case_id}/identification": Row("GET", API_BASE, API_READ),
    "POST /cases/{case_id}/identification/status-decisions": Row(
        "POST",
        f"{API_BASE}/status-decisions",
        API_CREATE,
        body={"status": "actual", "deciding_organisation": "Matrix court", "decided_on": "2025-12-02"},
    ),
    "POST /cases/{case_id}/identification/exploitations": Row(
        "POST", f"{API_BASE}/exploitations", API_CREATE, body={"kind": "labour", "country": "SE"}
    ),
    "DELETE /cases/{case_id}/identification/exploitations/{exploitation_id}": Row(
        "DELETE", f"{API_BASE}/exploitations/999999999", NO_SUCH_ROW_API, note="no such row on the case"
    ),
    "PUT /cases/{case_id}/identification/profile": Row(
        "PUT",
        f"{API_BASE}/profile",
        rows(401, 404, caseworker_se=428, supervisor_se=428, ncp_se=428),
        body={"recruitment": "online"},
        note="no If-Match: 428 for those who may edit",
    ),
    "POST /cases/{case_id}/identification/route": Row(
        "POST", f"{API_BASE}/route", API_CREATE, body={"stage": "exploitation", "country": "SE"}
    ),
    "DELETE /cases/{case_id}/identification/route/{leg_id}": Row(
        "DELETE", f"{API_BASE}/route/999999999", NO_SUCH_ROW_API, note="no such row on the case"
    ),
    "PUT /cases/{case_id}/identification/indicators": Row(
        "PUT", f"{API_BASE}/indicators", API_READ, body={"answers": {"control-violence": "present", "fear-of-authorities": "absent"}}
    ),
}
