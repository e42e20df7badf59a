"""Matrix rows for the referrals API (/api/v1/referrals...).

The referral of the object rows is one from a Swedish case of caseworker-se to Lithuania: the
sending side is the case's team, its organisation's supervisor and Sweden's NCP; the receiving
side is Lithuania's NCP (a draft is invisible to them). Everyone else gets 404, anonymous 401.
Rows marked ``objects`` name a referral (``{referral}``), an attachment (``{attachment}``) or send a
case id in the body (``{case}``): tests/referrals/test_api.py puts the referral in the status the
step needs, checks every role against these rows, and that a denial changed nothing.
"""

from __future__ import annotations

from tests.matrix.base import Row, rows

BASE = "/api/v1/referrals"
ONE = BASE + "/{referral}"

SENDERS = ("caseworker_se", "supervisor_se", "ncp_se")
BOTH_SIDES_READ = rows(401, 404, **dict.fromkeys((*SENDERS, "ncp_lt"), 200))
BOTH_SIDES_CREATE = rows(401, 404, **dict.fromkeys((*SENDERS, "ncp_lt"), 201))
# The receiving NCP answers; the sending side sees the referral but may not answer it.
RECEIVING_NCP = rows(401, 404, **dict.fromkeys(SENDERS, 403), ncp_lt=200)
RECEIVING_NCP_CREATE = rows(401, 404, **dict.fromkeys(SENDERS, 403), ncp_lt=201)
# A draft: only the sending side sees it.
DRAFT_SEND = rows(401, 404, caseworker_se=403, supervisor_se=403, ncp_se=200)
DRAFT_APPROVAL = rows(401, 404, caseworker_se=200, supervisor_se=403, ncp_se=403)

NEW_REFERRAL = {
    "case_id": "{case}",
    "to_country": "LT",
    "purpose": "information_request",
    "legal_basis": "legal_mandate",
    "legal_basis_decided_by": "Matrix court",
    "legal_basis_decided_on": "2026-01-05",
}

API = {
    "GET /referrals": Row("GET", BASE, rows(401, 200)),
    "GET /referrals/counts": Row("GET", BASE + "/counts?box=outbox", rows(401, 200)),
    "GET /referrals/profiles": Row("GET", BASE + "/profiles", rows(401, 200)),
    "POST /referrals": Row(
        "POST", BASE, rows(401, 404, **dict.fromkeys(SENDERS, 201)), body=NEW_REFERRAL, objects=True, note="the case's team may draft"
    ),
    "POST /referrals/match-check": Row(
        "POST",
        BASE + "/match-check",
        rows(401, 404, caseworker_se=403, supervisor_se=403, ncp_se=200),
        body={"case_id": "{case}", "country": "LT"},
        objects=True,
        note="the NCP of the case's country asks",
    ),
    "GET /referrals/{referral_id}": Row("GET", ONE, BOTH_SIDES_READ, objects=True),
    "GET /referrals/{referral_id}/timeline": Row("GET", ONE + "/timeline", BOTH_SIDES_READ, objects=True),
    "POST /referrals/{referral_id}/send": Row("POST", ONE + "/send", DRAFT_SEND, objects=True, note="a draft by ncp-se"),
    "POST /referrals/{referral_id}/approval-request": Row(
        "POST", ONE + "/approval-request", DRAFT_APPROVAL, objects=True, note="a draft by caseworker-se: its author asks"
    ),
    "POST /referrals/{referral_id}/acknowledge": Row("POST", ONE + "/acknowledge", RECEIVING_NCP, objects=True),
    "POST /referrals/{referral_id}/request-information": Row(
        "POST", ONE + "/request-information", RECEIVING_NCP, body={"question": "Which school? (matrix)"}, objects=True
    ),
    "POST /referrals/{referral_id}/provide-information": Row(
        "POST",
        ONE + "/provide-information",
        rows(401, 404, **dict.fromkeys(SENDERS, 200), ncp_lt=403),
        body={"answer": "Grade 7 (matrix)"},
        objects=True,
        note="information requested; whoever may edit the source case answers",
    ),
    "POST /referrals/{referral_id}/accept": Row("POST", ONE + "/accept", RECEIVING_NCP, body={}, objects=True),
    "POST /referrals/{referral_id}/decline": Row(
        "POST", ONE + "/decline", RECEIVING_NCP, body={"reason": "Not ours (matrix)"}, objects=True
    ),
    "POST /referrals/{referral_id}/assign": Row("POST", ONE + "/assign", RECEIVING_NCP, body={"username": "caseworker-lt"}, objects=True),
    "POST /referrals/{referral_id}/start": Row("POST", ONE + "/start", RECEIVING_NCP, objects=True, note="accepted"),
    "POST /referrals/{referral_id}/complete": Row(
        "POST", ONE + "/complete", RECEIVING_NCP, body={"outcome": "information_provided"}, objects=True, note="accepted"
    ),
    "POST /referrals/{referral_id}/withdraw": Row(
        "POST",
        ONE + "/withdraw",
        rows(401, 404, caseworker_se=403, supervisor_se=403, ncp_se=200, ncp_lt=403),
        body={"reason": "Child found (matrix)"},
        objects=True,
    ),
    "GET /referrals/{referral_id}/messages": Row("GET", ONE + "/messages", BOTH_SIDES_READ, objects=True),
    "POST /referrals/{referral_id}/messages": Row(
        "POST", ONE + "/messages", BOTH_SIDES_CREATE, body={"body": "Hello (matrix)"}, objects=True
    ),
    "GET /referrals/{referral_id}/attachments/{attachment_id}": Row(
        "GET", ONE + "/attachments/{attachment}", BOTH_SIDES_READ, objects=True
    ),
    "GET /referrals/{referral_id}/follow-ups": Row("GET", ONE + "/follow-ups", BOTH_SIDES_READ, objects=True),
    "POST /referrals/{referral_id}/follow-ups": Row(
        "POST",
        ONE + "/follow-ups",
        RECEIVING_NCP_CREATE,
        body={"visited_on": "{today}", "result": "Child safe at school (matrix)"},
        objects=True,
        note="an accepted return referral",
    ),
}
