"""Matrix rows for the regional referrals dashboard (tests/referrals/test_dashboard.py covers the numbers)."""

from __future__ import annotations

from tests.matrix.base import Row, rows

# The secretariat, national coordinators and NCPs see the region's counts; nobody else.
DASHBOARD = ("secretariat", "coordinator_lt", "ncp_se", "ncp_lt")

PAGES = {
    "referrals:dashboard": Row("GET", "/en/referrals/dashboard/", rows(302, 403, **dict.fromkeys(DASHBOARD, 200))),
}

API = {
    "GET /referrals/statistics": Row("GET", "/api/v1/referrals/statistics", rows(401, 403, **dict.fromkeys(DASHBOARD, 200))),
}
