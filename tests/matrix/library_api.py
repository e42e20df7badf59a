"""Matrix rows for the library's reading API (/api/v1/library/resources...).

Public routes (``auth=None``): everyone gets 200 on the list. The object rows name the NCP-only
tool of tests/library/test_api.py (restricted to national contact points): NCPs and the
secretariat see it, everyone else gets the same 404 as for a missing resource. That test checks
every account against these rows, and a member-only and a public resource as well.
"""

from __future__ import annotations

from tests.matrix.base import Row, rows

BASE = "/api/v1/library/resources"
NCP_ONLY = rows(404, 404, ncp_se=200, ncp_lt=200, secretariat=200)

API = {
    "GET /library/resources": Row("GET", BASE, rows(200, 200)),
    "GET /library/resources/{slug}": Row(
        "GET", BASE + "/{resource}", NCP_ONLY, objects=True, note="tests/library/test_api.py: visibility per account, 404 otherwise"
    ),
    "GET /library/resources/{slug}/versions/{language}": Row(
        "GET",
        BASE + "/{resource}/versions/en",
        NCP_ONLY,
        objects=True,
        note="tests/library/test_api.py: visibility per account, 404 otherwise",
    ),
}
