"""Matrix rows for the portal's editing pages (docs/decisions/0008).

The secretariat edits everything and publishes; a country's NCP and national coordinator edit
that country's page only (ncp-se passes the editing gate but gets 403 on Lithuania's page);
nobody else may open an editing page. Anonymous visitors are sent to sign in.
"""

from __future__ import annotations

from tests.matrix.base import Row, rows

# Anybody who may edit something: the secretariat and every country's NCP or coordinator.
EDITORS_GATE = rows(302, 403, secretariat=200, ncp_se=200, ncp_lt=200, coordinator_lt=200)
# Lithuania's page: the secretariat, Lithuania's NCP and coordinator.
LITHUANIA = rows(302, 403, secretariat=200, ncp_lt=200, coordinator_lt=200)
SECRETARIAT_ONLY = rows(302, 403, secretariat=200)

PAGES = {
    "portal:edit_index": Row("GET", "/en/portal/edit/", EDITORS_GATE),
    "portal:edit_country": Row("GET", "/en/portal/edit/countries/LT/ru/", LITHUANIA),
    "portal:keyfacts": Row("GET", "/en/portal/edit/countries/LT/facts/", LITHUANIA),
    "portal:history": Row("GET", "/en/portal/edit/countries/LT/en/history/", LITHUANIA),
    "portal:edit_priority": Row("GET", "/en/portal/edit/priorities/sexual-exploitation/en/", SECRETARIAT_ONLY),
    "portal:news_create": Row("GET", "/en/portal/edit/news/new/", SECRETARIAT_ONLY),
    "portal:edit_news": Row(
        "GET",
        "/en/portal/edit/news/{news}/en/",
        SECRETARIAT_ONLY,
        objects=True,
        note="tests/portal/test_editing.py: a news item's editing page, for every role",
    ),
}
