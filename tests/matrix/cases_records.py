"""Matrix rows for the notes and documents of a case (pages and API).

``{case}`` is a Swedish case owned by caseworker-se. Rows marked ``objects`` name a document of that
case (``{document}``) or send a file (multipart): tests/cases/test_records.py creates the document,
sends a fresh file per role into a temporary storage, checks every role against these rows, and
that a denial stored nothing.
"""

from __future__ import annotations

from tests.matrix.base import Row, rows

CASE_PAGE = rows(302, 404, caseworker_se=200, supervisor_se=200, ncp_se=200)
CASE_POST = rows(302, 404, caseworker_se=302, supervisor_se=302, ncp_se=302)
API_READ = rows(401, 404, caseworker_se=200, supervisor_se=200, ncp_se=200)
API_CREATE = rows(401, 404, caseworker_se=201, supervisor_se=201, ncp_se=201)

PAGES = {
    "cases:records": Row("GET", "/en/cases/{case}/records/", CASE_PAGE),
    "cases:note_add": Row("POST", "/en/cases/{case}/records/notes/", CASE_POST, body={"body": "A note (matrix)"}),
    "cases:document_upload": Row(
        "POST", "/en/cases/{case}/records/documents/", CASE_POST, body={"kind": "other"}, objects=True, note="multipart: a file per role"
    ),
    "cases:document_download": Row("GET", "/en/cases/{case}/records/documents/{document}/", CASE_PAGE, objects=True),
}

API = {
    "GET /cases/{case_id}/notes": Row("GET", "/api/v1/cases/{case}/notes", API_READ),
    "POST /cases/{case_id}/notes": Row("POST", "/api/v1/cases/{case}/notes", API_CREATE, body={"body": "A note (matrix)"}),
    "GET /cases/{case_id}/documents": Row("GET", "/api/v1/cases/{case}/documents", API_READ),
    "POST /cases/{case_id}/documents": Row(
        "POST", "/api/v1/cases/{case}/documents", API_CREATE, body={"kind": "other"}, objects=True, note="multipart: a file per role"
    ),
    "GET /cases/{case_id}/documents/{document_id}": Row("GET", "/api/v1/cases/{case}/documents/{document}", API_READ, objects=True),
}
