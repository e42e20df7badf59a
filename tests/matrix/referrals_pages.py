"""Matrix rows for the referral pages (the dashboard's rows are in their own file).

``{case}`` rows are checked by tests/test_permission_matrix.py on a Swedish case of caseworker-se.
Rows marked ``objects`` name a referral (``{referral}``, and ``{attachment}`` on its thread): the object
tests in tests/referrals/test_views.py put a referral from Sweden to Lithuania in the state the step
needs (:data:`OBJECT_STATES`), check every demo account against these rows, and that a denial changed nothing.
"""

from __future__ import annotations

from tests.matrix.base import Row, rows

# A Swedish case of caseworker-se: its team, its organisation's supervisor and Sweden's NCP see it; nobody else.
CASE_PAGE = rows(302, 404, caseworker_se=200, supervisor_se=200, ncp_se=200)

# Both sides of a referral from Sweden to Lithuania: the Swedish case's people and Lithuania's NCP; for everyone else it does not exist.
BOTH_SIDES = rows(302, 404, caseworker_se=200, supervisor_se=200, ncp_se=200, ncp_lt=200)
# A step of the receiving NCP: the sending side may see the referral but not take it (403).
RECEIVING_NCP = rows(302, 404, caseworker_se=403, supervisor_se=403, ncp_se=403, ncp_lt=302)
# A step of the sending side (whoever may edit the Swedish case); the receiving NCP may not (403).
SENDING_SIDE = rows(302, 404, caseworker_se=302, supervisor_se=302, ncp_se=302, ncp_lt=403)

PAGES = {
    "referrals:inbox": Row("GET", "/en/referrals/", rows(302, 200), note="an empty box for someone without referrals"),
    "referrals:outbox": Row("GET", "/en/referrals/sent/", rows(302, 200), note="an empty box for someone without referrals"),
    "referrals:case_referrals": Row("GET", "/en/referrals/case/{case}/", CASE_PAGE),
    "referrals:new": Row("GET", "/en/referrals/case/{case}/new/", CASE_PAGE, note="whoever may edit the case may draft a referral"),
    "referrals:match_check": Row(
        "POST",
        "/en/referrals/case/{case}/match/",
        rows(302, 404, caseworker_se=403, supervisor_se=403, ncp_se=200),
        body={"country": "LT"},
        note="only the case country's NCP asks another country",
    ),
}

OBJECT_ROWS = {
    "referrals:detail": Row("GET", "/en/referrals/{referral}/", BOTH_SIDES, objects=True),
    "referrals:pdf": Row("GET", "/en/referrals/{referral}/pdf/", BOTH_SIDES, objects=True),
    "referrals:attachment": Row("GET", "/en/referrals/{referral}/attachments/{attachment}/", BOTH_SIDES, objects=True),
    # A draft is the sending side's alone; only the sending NCP sends it, and only its author asks for approval.
    "referrals:send": Row(
        "POST", "/en/referrals/{referral}/send/", rows(302, 404, caseworker_se=403, supervisor_se=403, ncp_se=302), objects=True
    ),
    "referrals:request_approval": Row(
        "POST",
        "/en/referrals/{referral}/request-approval/",
        rows(302, 404, caseworker_se=302, supervisor_se=403, ncp_se=403),
        objects=True,
        note="a draft by caseworker-se",
    ),
    "referrals:acknowledge": Row("POST", "/en/referrals/{referral}/acknowledge/", RECEIVING_NCP, objects=True),
    "referrals:request_information": Row("POST", "/en/referrals/{referral}/request-information/", RECEIVING_NCP, objects=True),
    "referrals:accept": Row("POST", "/en/referrals/{referral}/accept/", RECEIVING_NCP, objects=True),
    "referrals:decline": Row("POST", "/en/referrals/{referral}/decline/", RECEIVING_NCP, objects=True),
    "referrals:assign": Row("POST", "/en/referrals/{referral}/assign/", RECEIVING_NCP, objects=True),
    "referrals:start": Row("POST", "/en/referrals/{referral}/start/", RECEIVING_NCP, objects=True, note="an accepted referral"),
    "referrals:complete": Row("POST", "/en/referrals/{referral}/complete/", RECEIVING_NCP, objects=True, note="an accepted referral"),
    "referrals:follow_up": Row("POST", "/en/referrals/{referral}/follow-ups/", RECEIVING_NCP, objects=True, note="an accepted return"),
    "referrals:provide_information": Row(
        "POST", "/en/referrals/{referral}/provide-information/", SENDING_SIDE, objects=True, note="information requested"
    ),
    "referrals:withdraw": Row(
        "POST",
        "/en/referrals/{referral}/withdraw/",
        rows(302, 404, caseworker_se=403, supervisor_se=403, ncp_se=302, ncp_lt=403),
        objects=True,
        note="only the sending NCP withdraws a sent referral",
    ),
    "referrals:note_post": Row(
        "POST",
        "/en/referrals/{referral}/messages/",
        rows(302, 404, caseworker_se=302, supervisor_se=302, ncp_se=302, ncp_lt=302),
        objects=True,
        note="both sides write on the thread",
    ),
}

# The state the object tests put the referral in before each step (``sent`` unless named here).
OBJECT_STATES = {
    "referrals:send": "draft",
    "referrals:request_approval": "draft_by_caseworker",
    "referrals:provide_information": "information_requested",
    "referrals:start": "accepted",
    "referrals:complete": "accepted",
    "referrals:follow_up": "accepted",
}

PAGES.update(OBJECT_ROWS)
