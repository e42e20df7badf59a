"""Matrix rows after the reading: the star chart page, the action plan, the export of a child's readings,
the owner's dashboard with its risk alerts, and their API operations.

``{case}`` is a Swedish case owned by caseworker-se. Rows marked ``objects`` name an action-plan
item (``{item}``) or a risk alert (``{alert}``) of such a case: tests/assessments/test_chart.py and
tests/assessments/test_dashboard.py create them and check every role against these rows, and that
a denial changed nothing.
"""

from __future__ import annotations

from tests.matrix.base import Row, rows

# The case's readings: whoever may see the case (its team, its organisation's supervisor, Sweden's NCP).
CASE_PAGE = rows(302, 404, caseworker_se=200, supervisor_se=200, ncp_se=200)
# Writing the action plan or a safety note needs the right to edit the case: the same three.
CASE_POST = rows(302, 404, caseworker_se=302, supervisor_se=302, ncp_se=302)
# The export is for the case team and those entitled to edit it (CaseAction.EXPORT).
CASE_EXPORT = rows(302, 404, caseworker_se=200, supervisor_se=200, ncp_se=200)
API_READ = rows(401, 404, caseworker_se=200, supervisor_se=200, ncp_se=200)
API_CREATE = rows(401, 404, caseworker_se=201, supervisor_se=201, ncp_se=201)

PAGES = {
    "assessments:chart": Row("GET", "/en/assessments/cases/{case}/chart/", CASE_PAGE),
    "assessments:plan_add": Row(
        "POST",
        "/en/assessments/cases/{case}/chart/plan/",
        CASE_POST,
        body={"domain_key": "running-away", "wants_to_change": "Stay at the shelter at night (matrix)", "who_helps": "Key worker"},
    ),
    "assessments:plan_done": Row("POST", "/en/assessments/cases/{case}/chart/plan/{item}/done/", CASE_POST, body={}, objects=True),
    "assessments:export_csv": Row("GET", "/en/assessments/cases/{case}/export.csv", CASE_EXPORT),
    "assessments:export_xlsx": Row("GET", "/en/assessments/cases/{case}/export.xlsx", CASE_EXPORT),
    # Everyone signed in has a dashboard; it lists only the alerts of the cases they own.
    "assessments:dashboard": Row("GET", "/en/assessments/dashboard/", rows(302, 200)),
    "assessments:alert_handle": Row(
        "POST",
        "/en/assessments/alerts/{alert}/handle/",
        CASE_POST,
        body={"alert-{alert}-note": "Called the shelter (matrix)"},
        objects=True,
    ),
}

API = {
    "GET /assessments/cases/{case_id}/chart": Row("GET", "/api/v1/assessments/cases/{case}/chart", API_READ),
    "GET /assessments/cases/{case_id}/action-plan": Row("GET", "/api/v1/assessments/cases/{case}/action-plan", API_READ),
    "POST /assessments/cases/{case_id}/action-plan": Row(
        "POST",
        "/api/v1/assessments/cases/{case}/action-plan",
        API_CREATE,
        body={"domain_key": "health", "wants_to_change": "Sleep better (matrix)"},
    ),
    "GET /assessments/alerts": Row("GET", "/api/v1/assessments/alerts", rows(401, 200)),
    "POST /assessments/alerts/{alert_id}/handle": Row(
        "POST", "/api/v1/assessments/alerts/{alert}/handle", API_READ, body={"note": "Called the shelter (matrix)"}, objects=True
    ),
}
