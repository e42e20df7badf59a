"""Matrix rows for the network directory's pages and API (contact requests and consents have their own file).

Every demo account holds an active membership, so every signed-in demo account is a member
and may browse. Tables (CSV/XLSX) are for the secretariat, NCPs and national coordinators;
the import for the secretariat. Rows with ``{person}`` are checked against a demo person by
tests/directory/test_people.py::test_object_rows (the matrix test loads no directory).
"""

from __future__ import annotations

from tests.matrix.base import Row, rows

MEMBERS_PAGE = rows(302, 200)
MEMBERS_API = rows(401, 200)
EXPORTERS = {"secretariat": 200, "ncp_se": 200, "ncp_lt": 200, "coordinator_lt": 200}

PAGES = {
    "directory:people": Row("GET", "/en/directory/people/", MEMBERS_PAGE),
    "directory:person": Row("GET", "/en/directory/people/{person}/", MEMBERS_PAGE, objects=True),
    "directory:vcard": Row("GET", "/en/directory/people/{person}/vcard/", MEMBERS_PAGE, objects=True),
    "directory:vcards": Row("GET", "/en/directory/people/vcards/?country=EE", MEMBERS_PAGE),
    "directory:organisations": Row("GET", "/en/directory/organisations/", MEMBERS_PAGE),
    "directory:organisation": Row("GET", "/en/directory/organisations/wgcc/", MEMBERS_PAGE),
    "directory:topic_groups": Row("GET", "/en/directory/groups/", MEMBERS_PAGE),
    "directory:topic_group": Row("GET", "/en/directory/groups/sexual-exploitation/", MEMBERS_PAGE),
    "directory:export": Row("GET", "/en/directory/people/export/?format=csv", rows(302, 403, **EXPORTERS)),
    "directory:import": Row("GET", "/en/directory/people/import/", rows(302, 403, secretariat=200)),
}

API = {
    "GET /directory/organisations": Row("GET", "/api/v1/directory/organisations", MEMBERS_API),
    "GET /directory/organisations/{slug}": Row("GET", "/api/v1/directory/organisations/tfoc", MEMBERS_API),
    "GET /directory/people": Row("GET", "/api/v1/directory/people?country=LT", MEMBERS_API),
    "GET /directory/people/{person_id}": Row("GET", "/api/v1/directory/people/{person}", MEMBERS_API, objects=True),
}

OBJECT_ROWS = {key for key, row in {**PAGES, **API}.items() if row.objects}
