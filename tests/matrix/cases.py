"""Matrix rows for the case file's own pages and API (sections have their own files)."""

from __future__ import annotations

from tests.matrix.base import Row, rows

# A Swedish case owned by caseworker-se: its team, its organisation's supervisor and Sweden's NCP see it; nobody else.
CASE_PAGE = rows(302, 404, caseworker_se=200, supervisor_se=200, ncp_se=200)
CASE_POST = rows(302, 404, caseworker_se=302, supervisor_se=302, ncp_se=302)
CASE_API_READ = rows(401, 404, caseworker_se=200, supervisor_se=200, ncp_se=200)
OPENERS = ("caseworker_se", "caseworker_lt", "supervisor_se", "ncp_se", "ncp_lt")

PAGES = {
    "cases:list": Row("GET", "/en/cases/", rows(302, 200)),
    "cases:open": Row("GET", "/en/cases/new/", rows(302, 403, **dict.fromkeys(OPENERS, 200))),
    "cases:break_glass": Row("GET", "/en/cases/break-glass/", rows(302, 200)),
    "cases:detail": Row("GET", "/en/cases/{case}/", CASE_PAGE),
    "cases:identity": Row("GET", "/en/cases/{case}/identity/", CASE_PAGE),
    "cases:risk": Row("POST", "/en/cases/{case}/risk/", CASE_POST, body={"level": "high", "reason": "matrix"}),
    "cases:flag_add": Row("POST", "/en/cases/{case}/flags/", CASE_POST, body={"kind": "other", "reason": "matrix"}),
    "cases:flag_remove": Row("POST", "/en/cases/{case}/flags/{flag}/remove/", CASE_POST, objects=True),
    "cases:team": Row("POST", "/en/cases/{case}/team/", CASE_POST, body={"username": "supervisor-se", "role": "supervisor"}),
    "cases:status": Row("POST", "/en/cases/{case}/status/", CASE_POST, body={"status": "follow_up"}),
    "cases:age": Row(
        "POST",
        "/en/cases/{case}/age/",
        CASE_POST,
        body={"method": "interview", "assessed_on": "2026-01-05", "minimum_age": "14", "maximum_age": "16"},
    ),
    "cases:guardian": Row(
        "POST", "/en/cases/{case}/guardian/", CASE_POST, body={"guardian": "Guardian (synthetic)", "appointed_on": "2026-01-06"}
    ),
}

NEW_SWEDISH_CASE = {"country": "SE", "opened_on": "2026-01-10", "identity": {"given_names": "Matrix", "family_name": "Testchild"}}

API = {
    "GET /cases": Row("GET", "/api/v1/cases", rows(401, 200)),
    "POST /cases": Row("POST", "/api/v1/cases", rows(401, 403, caseworker_se=201, supervisor_se=201, ncp_se=201), body=NEW_SWEDISH_CASE),
    "GET /cases/{case_id}": Row("GET", "/api/v1/cases/{case}", CASE_API_READ),
    "PUT /cases/{case_id}/identity": Row(
        "PUT",
        "/api/v1/cases/{case}/identity",
        rows(401, 404, caseworker_se=428, supervisor_se=428, ncp_se=428),
        body={"identity": {"given_names": "Changed"}},
        note="no If-Match: 428 for those who may edit",
    ),
    "POST /cases/{case_id}/risk": Row("POST", "/api/v1/cases/{case}/risk", CASE_API_READ, body={"level": "high", "reason": "matrix"}),
    "POST /cases/{case_id}/flags": Row(
        "POST",
        "/api/v1/cases/{case}/flags",
        rows(401, 404, caseworker_se=201, supervisor_se=201, ncp_se=201),
        body={"kind": "other", "reason": "m"},
    ),
}

PAGES.update(
    {
        "cases:legal_basis": Row(
            "POST",
            "/en/cases/{case}/legal-basis/",
            CASE_POST,
            body={"basis": "consent_guardian", "given_by": "guardian", "recorded_on": "2026-01-07"},
        ),
        "cases:legal_basis_approve": Row("POST", "/en/cases/{case}/legal-basis/{entry}/approve/", CASE_POST, objects=True),
        "cases:identity_document": Row(
            "POST",
            "/en/cases/{case}/identity-documents/",
            CASE_POST,
            body={"kind": "passport", "number": "XK 1234567", "issuing_country": "LT"},
        ),
    }
)

PAGES["cases:photo"] = Row("GET", "/en/cases/{case}/photo/", CASE_PAGE, objects=True, note="tests/cases/test_views.py: photo rows")
