"""Matrix rows for exports: the printable case file (a Swedish case owned by caseworker-se) and the caseload CSV.

Exports have no API operations (see docs/decisions/0005-case-exports-and-files.md).
"""

from __future__ import annotations

from tests.matrix.base import Row, rows

# Exporting needs CaseAction.EXPORT: the case's team, its organisation's supervisor and Sweden's NCP.
CASE_EXPORT = rows(302, 404, caseworker_se=200, supervisor_se=200, ncp_se=200)
# A caseload exists for the roles that work on cases; the CSV holds only the cases each may export.
CASELOAD_EXPORT = rows(302, 403, caseworker_se=200, caseworker_lt=200, supervisor_se=200, ncp_se=200, ncp_lt=200)

PAGES = {
    "cases:export_pdf": Row("GET", "/en/cases/{case}/export/?purpose=court", CASE_EXPORT),
    "cases:export_csv": Row("GET", "/en/cases/export/caseload/?purpose=statistics", CASELOAD_EXPORT),
}
