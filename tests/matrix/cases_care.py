"""Matrix rows for the care plan of a case (pages and API).

``{case}`` is a Swedish case owned by caseworker-se. Rows marked ``objects`` name an objective or
a service of that case (``{objective}``, ``{service}``, and ``{version}`` / ``{etag}`` for edits of
existing data): tests/cases/test_care.py creates them and checks every role against these rows,
and that a denial changed nothing.
"""

from __future__ import annotations

from tests.matrix.base import Row, rows

CASE_PAGE = rows(302, 404, caseworker_se=200, supervisor_se=200, ncp_se=200)
CASE_POST = rows(302, 404, caseworker_se=302, supervisor_se=302, ncp_se=302)
API_READ = rows(401, 404, caseworker_se=200, supervisor_se=200, ncp_se=200)
API_CREATE = rows(401, 404, caseworker_se=201, supervisor_se=201, ncp_se=201)

PAGES = {
    "cases:care": Row("GET", "/en/cases/{case}/care/", CASE_PAGE),
    "cases:care_objective_add": Row(
        "POST", "/en/cases/{case}/care/objectives/", CASE_POST, body={"pillar": "protection", "text": "A safe placement (matrix)"}
    ),
    "cases:care_objective_achieved": Row(
        "POST",
        "/en/cases/{case}/care/objectives/{objective}/achieved/",
        CASE_POST,
        body={"objective-{objective}-achieved_on": "2026-01-20", "objective-{objective}-version": "{version}"},
        objects=True,
    ),
    "cases:care_service_add": Row(
        "POST",
        "/en/cases/{case}/care/services/",
        CASE_POST,
        body={"objective": "{objective}", "kind": "Shelter", "provider": "Matrix shelter", "status": "active"},
        objects=True,
        note="the objective is named in the form",
    ),
    "cases:care_service_update": Row(
        "POST",
        "/en/cases/{case}/care/services/{service}/",
        CASE_POST,
        body={"service-{service}-status": "completed", "service-{service}-version": "{version}"},
        objects=True,
    ),
    "cases:care_review_add": Row(
        "POST",
        "/en/cases/{case}/care/reviews/",
        CASE_POST,
        body={"reviewed_on": "2026-01-05", "summary": "Matrix review", "next_review_on": "2026-03-05"},
    ),
}

API = {
    "GET /cases/{case_id}/care": Row("GET", "/api/v1/cases/{case}/care", API_READ),
    "POST /cases/{case_id}/care/objectives": Row(
        "POST", "/api/v1/cases/{case}/care/objectives", API_CREATE, body={"pillar": "care", "text": "Health check (matrix)"}
    ),
    "POST /cases/{case_id}/care/objectives/{objective_id}/achieved": Row(
        "POST",
        "/api/v1/cases/{case}/care/objectives/{objective}/achieved",
        API_READ,
        body={"achieved_on": "2026-01-20"},
        objects=True,
        extra={"If-Match": "{etag}"},
    ),
    "POST /cases/{case_id}/care/services": Row(
        "POST",
        "/api/v1/cases/{case}/care/services",
        API_CREATE,
        body={"objective_id": "{objective}", "kind": "Legal aid", "provider": "Matrix lawyers"},
        objects=True,
    ),
    "PUT /cases/{case_id}/care/services/{service_id}": Row(
        "PUT",
        "/api/v1/cases/{case}/care/services/{service}",
        API_READ,
        body={"status": "active", "starts_on": "2026-01-10"},
        objects=True,
        extra={"If-Match": "{etag}"},
    ),
    "POST /cases/{case_id}/care/reviews": Row(
        "POST",
        "/api/v1/cases/{case}/care/reviews",
        API_CREATE,
        body={"reviewed_on": "2026-01-05", "summary": "Matrix review", "next_review_on": "2026-03-05"},
    ),
}
