"""Matrix rows for the best-interests section of a case (pages and API).

``{case}`` is a Swedish case owned by caseworker-se. Rows marked ``objects`` name an assessment,
a determination, a return plan or a visit of that case: tests/cases/test_best_interests.py
creates them (a determination submitted by caseworker-se, for approving) and checks every role
against these rows, and that a denial changed nothing. Approving and sending back is for a
supervisor of the case only: the case's own caseworker and the NCP get 403.
"""

from __future__ import annotations

from tests.matrix.base import Row, rows

CASE_PAGE = rows(302, 404, caseworker_se=200, supervisor_se=200, ncp_se=200)
CASE_POST = rows(302, 404, caseworker_se=302, supervisor_se=302, ncp_se=302)
APPROVE_POST = rows(302, 404, caseworker_se=403, supervisor_se=302, ncp_se=403)
API_READ = rows(401, 404, caseworker_se=200, supervisor_se=200, ncp_se=200)
API_CREATE = rows(401, 404, caseworker_se=201, supervisor_se=201, ncp_se=201)
API_APPROVE = rows(401, 404, caseworker_se=403, supervisor_se=200, ncp_se=403)

ASSESSMENT = {"assessed_on": "2026-01-10", "child_views": "I want to stay at school here (matrix).", "re_trafficking_risk": "high"}
DETERMINATION = {
    "assessment": "{assessment}",
    "panel": "Matrix panel",
    "options_weighed": ["local_integration", "return"],
    "decision": "return",
    "reasons": "Matrix reasons",
    "decided_on": "2026-01-12",
}

PAGES = {
    "cases:best_interests": Row("GET", "/en/cases/{case}/best-interests/", CASE_PAGE),
    "cases:best_interests_assessment_add": Row("POST", "/en/cases/{case}/best-interests/assessments/", CASE_POST, body=ASSESSMENT),
    "cases:best_interests_determination_add": Row(
        "POST", "/en/cases/{case}/best-interests/determinations/", CASE_POST, body=DETERMINATION, objects=True
    ),
    "cases:best_interests_submit": Row(
        "POST", "/en/cases/{case}/best-interests/determinations/{determination}/submit/", CASE_POST, objects=True
    ),
    "cases:best_interests_approve": Row(
        "POST",
        "/en/cases/{case}/best-interests/determinations/{determination}/approve/",
        APPROVE_POST,
        body={"approve-{determination}-note": "Agreed (matrix)"},
        objects=True,
    ),
    "cases:best_interests_send_back": Row(
        "POST",
        "/en/cases/{case}/best-interests/determinations/{determination}/send-back/",
        APPROVE_POST,
        body={"send-back-{determination}-reason": "Hear the guardian (matrix)"},
        objects=True,
    ),
    "cases:best_interests_return_plan": Row(
        "POST",
        "/en/cases/{case}/best-interests/determinations/{determination}/return-plan/",
        CASE_POST,
        body={"return-plan-{determination}-receiving_country": "LT", "return-plan-{determination}-receiving_agency": "Matrix agency"},
        objects=True,
    ),
    "cases:best_interests_visit_add": Row(
        "POST",
        "/en/cases/{case}/best-interests/return-plans/{plan}/visits/",
        CASE_POST,
        body={"visit-plan-{plan}-planned_on": "2026-02-01"},
        objects=True,
    ),
    "cases:best_interests_visit_record": Row(
        "POST",
        "/en/cases/{case}/best-interests/visits/{visit}/",
        CASE_POST,
        body={"visit-{visit}-visited_on": "2026-02-02", "visit-{visit}-result": "Settled (matrix)", "visit-{visit}-version": "{version}"},
        objects=True,
    ),
}

API = {
    "GET /cases/{case_id}/best-interests": Row("GET", "/api/v1/cases/{case}/best-interests", API_READ),
    "POST /cases/{case_id}/best-interests/assessments": Row(
        "POST", "/api/v1/cases/{case}/best-interests/assessments", API_CREATE, body=ASSESSMENT
    ),
    "POST /cases/{case_id}/best-interests/determinations": Row(
        "POST",
        "/api/v1/cases/{case}/best-interests/determinations",
        API_CREATE,
        body={**{k: v for k, v in DETERMINATION.items() if k != "assessment"}, "assessment_id": "{assessment}"},
        objects=True,
    ),
    "POST /cases/{case_id}/determinations/{determination_id}/submit": Row(
        "POST", "/api/v1/cases/{case}/determinations/{determination}/submit", API_READ, objects=True
    ),
    "POST /cases/{case_id}/determinations/{determination_id}/approve": Row(
        "POST", "/api/v1/cases/{case}/determinations/{determination}/approve", API_APPROVE, body={"note": "Agreed"}, objects=True
    ),
    "POST /cases/{case_id}/determinations/{determination_id}/send-back": Row(
        "POST",
        "/api/v1/cases/{case}/determinations/{determination}/send-back",
        API_APPROVE,
        body={"reason": "Hear the guardian"},
        objects=True,
    ),
    "POST /cases/{case_id}/determinations/{determination_id}/return-plan": Row(
        "POST",
        "/api/v1/cases/{case}/determinations/{determination}/return-plan",
        API_CREATE,
        body={"receiving_country": "LT", "receiving_agency": "Matrix agency"},
        objects=True,
    ),
    "POST /cases/{case_id}/return-plans/{plan_id}/visits": Row(
        "POST", "/api/v1/cases/{case}/return-plans/{plan}/visits", API_CREATE, body={"planned_on": "2026-02-01"}, objects=True
    ),
    "POST /cases/{case_id}/follow-up-visits/{visit_id}/result": Row(
        "POST",
        "/api/v1/cases/{case}/follow-up-visits/{visit}/result",
        API_READ,
        body={"visited_on": "2026-02-02", "result": "Settled (matrix)"},
        objects=True,
        extra={"If-Match": "{etag}"},
    ),
}
