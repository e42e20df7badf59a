"""Matrix rows for taking a reading: the case's readings, the worker's screens, the child's link pages, paper, the API.

``{case}`` is a Swedish case owned by caseworker-se: its team, its organisation's supervisor and Sweden's NCP see it
and may take readings. Version 1 of the seed's instrument has the id 1 (seeded by migration). Rows with a reading or a
link secret in the path are ``objects=True``: tests/assessments/test_taking.py and test_child_link.py cover them for
every role. The child's pages are public: only a valid secret opens them.
"""

from __future__ import annotations

from tests.matrix.base import Row, rows

CASE_PAGE = rows(302, 404, caseworker_se=200, supervisor_se=200, ncp_se=200)
CASE_POST = rows(302, 404, caseworker_se=302, supervisor_se=302, ncp_se=302)
READING_PAGE = rows(302, 404, caseworker_se=200, supervisor_se=200, ncp_se=200)
READING_POST = rows(302, 404, caseworker_se=302, supervisor_se=302, ncp_se=302)
CASE_API_READ = rows(401, 404, caseworker_se=200, supervisor_se=200, ncp_se=200)
READING_API = rows(401, 404, caseworker_se=200, supervisor_se=200, ncp_se=200)
START = {"version": "1", "mode": "with_worker", "language": "en"}

PAGES = {
    "assessments:case_readings": Row("GET", "/en/assessments/cases/{case}/", CASE_PAGE),
    "assessments:reading_start": Row("POST", "/en/assessments/cases/{case}/readings/", CASE_POST, body=START),
    "assessments:reading_summary": Row("GET", "/en/assessments/readings/{reading}/", READING_PAGE, objects=True),
    "assessments:reading_step": Row("GET", "/en/assessments/readings/{reading}/step/1/", READING_PAGE, objects=True),
    "assessments:reading_finish": Row(
        "POST", "/en/assessments/readings/{reading}/finish/", READING_POST, objects=True, note="a complete set of answers"
    ),
    "assessments:reading_link": Row("GET", "/en/assessments/readings/{reading}/link/", READING_PAGE, objects=True),
    "assessments:paper_sheet": Row("GET", "/en/assessments/paper/1/?format=html", rows(302, 200), note="a blank sheet: no case data"),
    "assessments:paper_entry": Row("GET", "/en/assessments/cases/{case}/paper/?version=1", CASE_PAGE),
    # The child's pages: public, no account; nothing opens without a valid secret.
    "assessments:child_code": Row("GET", "/en/assessments/code/", rows(200, 200)),
    "assessments:child_thanks": Row("GET", "/en/assessments/r/thanks/", rows(200, 200), note="says nothing but thank you"),
    "assessments:child_start": Row("GET", "/en/assessments/r/not-a-valid-secret/", rows(404, 404), note="valid links: test_child_link.py"),
    "assessments:child_step": Row("GET", "/en/assessments/r/{secret}/1/", rows(200, 200), objects=True),
    "assessments:child_review": Row("GET", "/en/assessments/r/{secret}/finish/", rows(200, 200), objects=True),
}

API = {
    "GET /assessments/instruments/{int:version_id}": Row("GET", "/api/v1/assessments/instruments/1", rows(401, 200)),
    "GET /assessments/cases/{case_id}/readings": Row("GET", "/api/v1/assessments/cases/{case}/readings", CASE_API_READ),
    "POST /assessments/cases/{case_id}/readings": Row(
        "POST",
        "/api/v1/assessments/cases/{case}/readings",
        rows(401, 404, caseworker_se=201, supervisor_se=201, ncp_se=201),
        body={"version_id": 1, "mode": "with_worker", "language": "en"},
    ),
    "PUT /assessments/readings/{reading_id}/answers": Row(
        "PUT", "/api/v1/assessments/readings/{reading}/answers", READING_API, objects=True
    ),
    "POST /assessments/readings/{reading_id}/complete": Row(
        "POST", "/api/v1/assessments/readings/{reading}/complete", READING_API, objects=True
    ),
    "POST /assessments/readings/{reading_id}/link": Row(
        "POST",
        "/api/v1/assessments/readings/{reading}/link",
        rows(401, 404, caseworker_se=201, supervisor_se=201, ncp_se=201),
        objects=True,
    ),
}
