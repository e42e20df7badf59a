"""Matrix rows for contact sharing in the directory (pages under /en/directory/, API under /api/v1/directory).

Every demo account is a network member, so each may open its own lists. Rows marked ``objects`` name
a person (``{person}``: expert-ee's entry in Estonia, every contact restricted), a contact request
(``{request}``: member-fi asking for expert-ee's contacts — pending, or approved for the revoke row)
or a consent (``{consent}``: the acting account's own), or need the acting account's own directory entry:
tests/directory/test_contacts.py (``test_object_rows``) builds that state for each account in turn,
checks it against these rows, and that a denial changed nothing. Deciding is for the person and the NCP
of their country (there is no Estonian NCP among the demo accounts: that case has its own tests).
"""

from __future__ import annotations

from tests.matrix.base import Row, rows

PAGE = "/en/directory"
API_BASE = "/api/v1/directory"

# Asking: not oneself (403); NCPs and the coordinator already see every contact — the page says so (200), the API refuses (409).
ASK_PAGE = rows(302, 200, expert_ee=403)
ASK_API = rows(401, 201, expert_ee=403, ncp_lt=409, ncp_se=409, coordinator_lt=409)
# A request of member-fi about expert-ee: only those two know of it; expert-ee answers it, member-fi withdraws it.
DECIDE_PAGE = rows(302, 404, expert_ee=302, member_fi=403)
WITHDRAW_PAGE = rows(302, 404, expert_ee=403, member_fi=302)
DECIDE_API = rows(401, 404, expert_ee=200, member_fi=403)
WITHDRAW_API = rows(401, 404, expert_ee=403, member_fi=200)

PAGES = {
    "directory:contact_requests": Row("GET", f"{PAGE}/contact-requests/", rows(302, 200)),
    "directory:my_contacts": Row("GET", f"{PAGE}/me/contacts/", rows(302, 200), note="without a directory entry the page says so"),
    "directory:contact_request_new": Row("GET", f"{PAGE}/people/{{person}}/contact-request/", ASK_PAGE, objects=True),
    "directory:contact_request_decide": Row(
        "POST", f"{PAGE}/contact-requests/{{request}}/decide/", DECIDE_PAGE, body={"decision": "approve"}, objects=True
    ),
    "directory:contact_request_withdraw": Row("POST", f"{PAGE}/contact-requests/{{request}}/withdraw/", WITHDRAW_PAGE, objects=True),
    "directory:contact_grant_revoke": Row(
        "POST", f"{PAGE}/contact-requests/{{request}}/revoke/", DECIDE_PAGE, objects=True, note="an approved request"
    ),
    "directory:my_visibility": Row(
        "POST",
        f"{PAGE}/me/contacts/visibility/",
        rows(302, 302),
        body={"field": "email", "visibility": "restricted"},
        objects=True,
        note="each account with its own entry (404 without one)",
    ),
    "directory:my_consent_new": Row(
        "POST",
        f"{PAGE}/me/contacts/consents/",
        rows(302, 302),
        body={"contact_fields": ["email"], "audience": "members"},
        objects=True,
        note="each account with its own entry (404 without one)",
    ),
    "directory:my_consent_withdraw": Row(
        "POST",
        f"{PAGE}/me/contacts/consents/{{consent}}/withdraw/",
        rows(302, 302),
        objects=True,
        note="one's own consent; others' are 404",
    ),
}

API = {
    "GET /directory/contact-requests": Row("GET", f"{API_BASE}/contact-requests", rows(401, 200)),
    "GET /directory/me/consents": Row("GET", f"{API_BASE}/me/consents", rows(401, 200), note="empty without a directory entry"),
    "POST /directory/people/{person_id}/contact-requests": Row(
        "POST", f"{API_BASE}/people/{{person}}/contact-requests", ASK_API, body={"reason": "Matrix: a training invitation."}, objects=True
    ),
    "POST /directory/contact-requests/{request_id}/decide": Row(
        "POST", f"{API_BASE}/contact-requests/{{request}}/decide", DECIDE_API, body={"approve": True}, objects=True
    ),
    "POST /directory/contact-requests/{request_id}/withdraw": Row(
        "POST", f"{API_BASE}/contact-requests/{{request}}/withdraw", WITHDRAW_API, objects=True
    ),
    "POST /directory/me/consents": Row(
        "POST",
        f"{API_BASE}/me/consents",
        rows(401, 201),
        body={"fields": ["email"], "audience": "members"},
        objects=True,
        note="each account with its own entry (404 without one)",
    ),
    "POST /directory/me/consents/{consent_id}/withdraw": Row(
        "POST", f"{API_BASE}/me/consents/{{consent}}/withdraw", rows(401, 200), objects=True, note="one's own consent; others' are 404"
    ),
    "POST /directory/me/visibility": Row(
        "POST",
        f"{API_BASE}/me/visibility",
        rows(401, 200),
        body={"field": "email", "visibility": "restricted"},
        objects=True,
        note="each account with its own entry (404 without one)",
    ),
}
