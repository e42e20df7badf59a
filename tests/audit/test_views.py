"""The audit log page: who may open it, what its filters find, and that every search is itself recorded."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest

from carnet.audit.models import AuditEntry
from tests.audit.factories import audit_entry

pytestmark = pytest.mark.django_db

STOCKHOLM = ZoneInfo("Europe/Stockholm")  # settings.TIME_ZONE: the dates of the filter are Stockholm dates
ROW = re.compile(
    r"<tr>\s*<td>(?P<seq>\d+)</td><td><time[^>]*>.*?</time></td>\s*<td>(?P<actor>.*?)</td><td><code>(?P<action>.*?)</code></td>", re.S
)


def _rows(response) -> list[tuple[int, str, str]]:
    """(seq, actor, action) of each table row, top to bottom."""
    return [(int(m["seq"]), m["actor"], m["action"]) for m in ROW.finditer(response.content.decode())]


def _caption(response) -> str:
    found = re.findall(r"<caption>(.*?)</caption>", response.content.decode())
    assert len(found) <= 1
    return found[0] if found else ""


def _entry_at(when: datetime, **kwargs) -> AuditEntry:
    # timezone.now() is always UTC; the entry's hash covers `at` as written, so keep it UTC like the real clock
    with mock.patch("django.utils.timezone.now", return_value=when.astimezone(UTC)):
        return audit_entry(**kwargs)


@pytest.fixture
def logged(demo_users) -> dict[str, AuditEntry]:
    """A few entries by made-up actors, on both sides of a Stockholm midnight (2026-03-10)."""
    return {
        "before": _entry_at(datetime(2026, 3, 9, 23, 59, 59, tzinfo=STOCKHOLM), username="alice", action="case.view"),
        "first": _entry_at(datetime(2026, 3, 10, 0, 0, 0, tzinfo=STOCKHOLM), username="alice", action="case.update"),
        "last": _entry_at(datetime(2026, 3, 10, 23, 59, 59, tzinfo=STOCKHOLM), username="Bob", action="case.view"),
        "after": _entry_at(datetime(2026, 3, 11, 0, 0, 0, tzinfo=STOCKHOLM), username="alice-smith", action="casework.view"),
    }


@pytest.mark.parametrize("username", ["secretariat", "sysadmin"], ids=["secretariat", "sysadmin"])
def test_data_protection_roles_see_the_whole_log_newest_first(client_as, logged, username):
    # given entries in the log (demo set-up, sign-in and the made-up ones)
    client = client_as(username)
    # when the audit log is opened without filters
    response = client.get("/en/audit/")
    # then it lists every entry newest first, the page's own search included
    assert response.status_code == 200
    expected = list(AuditEntry.objects.order_by("-seq").values_list("seq", "actor_username", "action"))
    assert expected[0][1:] == (username, "audit.search")
    assert _rows(response) == [(seq, actor or "—", action) for seq, actor, action in expected]
    assert _caption(response) == f"{len(expected)} entries"


@pytest.mark.parametrize(
    ("query", "expected_keys", "and_today"),
    [
        pytest.param("actor=alice", ["first", "before"], False, id="actor-exact-not-prefix"),
        pytest.param("actor=BOB", ["last"], False, id="actor-case-insensitive"),
        pytest.param("action=case.view", ["last", "before"], False, id="action-exact"),
        pytest.param("action=case.", ["last", "first", "before"], False, id="action-prefix"),
        pytest.param("date_from=2026-03-10&date_to=2026-03-10", ["last", "first"], False, id="one-stockholm-day"),
        pytest.param("date_to=2026-03-09", ["before"], False, id="to-only"),
        pytest.param("date_from=2026-03-11", ["after"], True, id="from-only"),
        pytest.param("actor=alice&action=case.&date_from=2026-03-10", ["first"], False, id="combined"),
    ],
)
def test_filters_find_exactly_the_matching_entries(client_as, logged, query, expected_keys, and_today):
    # given entries by alice, Bob and alice-smith around a Stockholm midnight in March,
    # and today's entries (demo set-up, sign-in, this search)
    client = client_as("secretariat")
    # when the log is searched
    response = client.get(f"/en/audit/?{query}")
    # then exactly the matching entries are listed, newest first
    assert response.status_code == 200
    made_up = {entry.pk for entry in logged.values()}
    expected = [logged[key].pk for key in expected_keys]
    if and_today:
        expected += list(AuditEntry.objects.exclude(pk__in=made_up).values_list("pk", flat=True))
    rows = list(AuditEntry.objects.filter(pk__in=expected).order_by("-seq").values_list("seq", "actor_username", "action"))
    assert _rows(response) == [(seq, actor or "—", action) for seq, actor, action in rows]
    assert _caption(response) == ("1 entry" if len(rows) == 1 else f"{len(rows)} entries")


def test_an_empty_result_says_so(client_as, logged):
    # given no entry by that user; when searched
    response = client_as("secretariat").get("/en/audit/?actor=nobody-at-all")
    # then the table shows the empty row and a zero count, and no entry
    assert response.status_code == 200
    assert _rows(response) == []
    assert _caption(response) == "0 entries"
    assert "No entries match this search." in response.content.decode()


@pytest.mark.parametrize(
    ("query", "error"),
    [
        pytest.param("date_from=2026-03-11&date_to=2026-03-10", "The start date must not be after the end date.", id="reversed-range"),
        pytest.param("date_from=yesterday", "Enter a valid date.", id="not-a-date"),
    ],
)
def test_an_invalid_search_shows_the_form_error_no_table_and_records_nothing(client_as, logged, query, error):
    # given a signed-in secretariat and the log as it stands
    client = client_as("secretariat")
    before = AuditEntry.objects.count()
    # when the log is searched with an invalid date
    response = client.get(f"/en/audit/?{query}")
    # then the form error is shown, there is no table, and no search was run or recorded
    assert response.status_code == 200
    body = response.content.decode()
    assert error in body
    assert "<table" not in body
    assert _rows(response) == []
    assert AuditEntry.objects.count() == before


@pytest.mark.parametrize(
    ("query", "purpose"),
    [
        pytest.param("", "", id="no-filter"),
        pytest.param("actor=alice", "actor=alice", id="actor"),
        pytest.param(
            "actor=alice&action=case.&date_from=2026-03-10&date_to=2026-03-11",
            "actor=alice;action=case.;date_from=2026-03-10;date_to=2026-03-11",
            id="all",
        ),
    ],
)
def test_each_search_writes_one_audit_search_entry(client_as, demo_users, query, purpose):
    # given a signed-in sysadmin
    client = client_as("sysadmin")
    last_seq = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    # when the log is searched
    response = client.get(f"/en/audit/?{query}")
    # then exactly one entry was written: sysadmin searched the audit log, with the filters as the purpose
    assert response.status_code == 200
    written = list(AuditEntry.objects.filter(seq__gt=last_seq))
    assert [(e.action, e.actor_id, e.actor_username, e.object_type, e.purpose, e.outcome, e.ip) for e in written] == [
        ("audit.search", demo_users["sysadmin"].pk, "sysadmin", "audit.auditentry", purpose, "ok", "127.0.0.1")
    ]


def test_paging_keeps_the_filters_and_shows_fifty_per_page(client_as, demo_users):
    # given 60 entries by one made-up actor
    for i in range(60):
        audit_entry(username="paged", object_id=str(i))
    client = client_as("secretariat")
    # when the second page of their entries is opened
    first = client.get("/en/audit/?actor=paged")
    second = client.get("/en/audit/?actor=paged&page=2")
    # then the first page holds the 50 newest, the second the 10 oldest, and the links keep the filter
    seqs = list(AuditEntry.objects.filter(actor_username="paged").order_by("-seq").values_list("seq", flat=True))
    assert [row[0] for row in _rows(first)] == seqs[:50]
    assert [row[0] for row in _rows(second)] == seqs[50:]
    assert 'href="?actor=paged&amp;page=2"' in first.content.decode()
    assert 'href="?actor=paged&amp;page=1"' in second.content.decode()


@pytest.mark.parametrize("username", ["ncp-se", "caseworker-se", "member-fi"], ids=["ncp", "caseworker", "member"])
def test_other_roles_are_refused_and_nothing_is_recorded_or_shown(client_as, logged, username):
    # given a signed-in user without a data-protection role
    client = client_as(username)
    before = AuditEntry.objects.count()
    # when they open the audit log
    response = client.get("/en/audit/?actor=alice")
    # then they get 403, see no entry, and no search ran
    assert response.status_code == 403
    assert _rows(response) == []
    assert "case.update" not in response.content.decode()
    assert AuditEntry.objects.count() == before


def test_anonymous_visitors_are_sent_to_sign_in(client_as, logged):
    # given nobody signed in
    before = AuditEntry.objects.count()
    # when the audit log is opened
    response = client_as("anonymous").get("/en/audit/?actor=alice")
    # then they are redirected to sign-in, coming back to the same search, and nothing was recorded
    assert response.status_code == 302
    assert response["Location"] == "/en/accounts/login/?next=/en/audit/%3Factor%3Dalice"
    assert AuditEntry.objects.count() == before


def test_the_russian_page_renders(client_as, logged):
    # given a secretariat user
    # when the Russian audit log is opened with a filter
    response = client_as("secretariat").get("/ru/audit/?actor=alice")
    # then it is the Russian page, with the same results as the English one
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="ru">' in body
    assert [row[0] for row in _rows(response)] == [logged["first"].seq, logged["before"].seq]


@pytest.mark.parametrize(
    ("username", "shown"),
    [pytest.param("secretariat", True, id="secretariat"), pytest.param("caseworker-se", False, id="caseworker")],
)
def test_the_navigation_links_the_log_only_for_those_who_may_open_it(client_as, username, shown):
    # given a signed-in user; when they open the home page
    response = client_as(username).get("/en/")
    # then the audit log is in the navigation only if they may open it
    assert response.status_code == 200
    assert ('href="/en/audit/"' in response.content.decode()) is shown
