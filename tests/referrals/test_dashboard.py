"""The regional dashboard: counts and times by country pair and purpose, small counts protected, no case data."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import timezone

from carnet.accounts.models import User
from carnet.audit.models import AuditEntry
from carnet.cases.models import Case
from carnet.core.disclosure import ShownCell, Suppression
from carnet.referrals.models import Referral
from carnet.referrals.profiles import Purpose
from carnet.referrals.services import referral_acknowledge, referral_draft, referral_send
from carnet.referrals.statistics import MedianTime, PurposeTotal, referral_statistics
from carnet.referrals.views.dashboard import purpose_chart_svg
from tests.cases.factories import open_case
from tests.referrals.factories import new_referral

pytestmark = pytest.mark.django_db

FT, RA = Purpose.FAMILY_TRACING, Purpose.RISK_ASSESSMENT
CHILD_NAMES = ("Testa", "Syntheticova", "Tessa")  # tests.cases.factories.synthetic_identity
ALLOWED = ["secretariat", "coordinator-lt", "ncp-se", "ncp-lt"]
DENIED = ["caseworker-se", "member-fi", "caseworker-lt", "researcher", "sysadmin"]


def _send(users, case: Case, *, to: str, purpose: str, ncp: str) -> Referral:
    referral = referral_draft(actor=users[ncp], case=case, new=new_referral(to_country=to, purpose=purpose, profile=""))
    return referral_send(actor=users[ncp], referral=referral)


def _region(users) -> dict[str, list[Referral]]:
    """SE → LT: 6 family tracing and 5 risk assessments; LT → SE: 3 family tracing (a pair with 3 referrals)."""
    swedish = open_case(users["caseworker-se"])
    lithuanian = open_case(users["caseworker-lt"])
    return {
        "se_lt_ft": [_send(users, swedish, to="LT", purpose=FT, ncp="ncp-se") for _ in range(6)],
        "se_lt_ra": [_send(users, swedish, to="LT", purpose=RA, ncp="ncp-se") for _ in range(5)],
        "lt_se_ft": [_send(users, lithuanian, to="SE", purpose=FT, ncp="ncp-lt") for _ in range(3)],
    }


def _acknowledged(users, referrals: list[Referral], hours: list[float], *, ncp: str) -> None:
    """Acknowledge through the service, then set how long it took (the service stamps now)."""
    sent = timezone.now() - timedelta(days=10)
    for referral, took in zip(referrals, hours, strict=True):
        referral_acknowledge(actor=users[ncp], referral=referral)
        Referral.objects.filter(pk=referral.pk).update(sent_at=sent, acknowledged_at=sent + timedelta(hours=took))


def _row(result, sender: str, receiver: str):
    return next(row for row in result.rows if (row.pair.sender, row.pair.receiver) == (sender, receiver))


def _column(result, purpose: str) -> int:
    return [key for key, _label in result.purposes].index(purpose)


# --- the numbers ------------------------------------------------------------------------------------


def test_a_pair_with_three_referrals_is_hidden_and_a_complement_keeps_it_hidden(demo_users) -> None:
    # given 6 + 5 referrals from Sweden to Lithuania and 3 from Lithuania to Sweden, all family tracing but 5
    _region(demo_users)
    # when the secretariat asks for the numbers
    result = referral_statistics(actor=demo_users["secretariat"])
    se_lt, lt_se = _row(result, "SE", "LT"), _row(result, "LT", "SE")
    ft, ra = _column(result, FT), _column(result, RA)
    # then the pair with 3 referrals is hidden as small, its total too
    assert (lt_se.sent[ft], lt_se.sent_total) == (ShownCell(None, Suppression.SMALL), ShownCell(None, Suppression.SMALL))
    # and 5 risk assessments from Sweden to Lithuania are shown
    assert se_lt.sent[ra] == ShownCell(5)
    # and the 6 family tracings and the Swedish total are hidden too: with the column total (9) shown,
    # 9 - 6 would give the 3 away, and 14 - 11 likewise
    assert (se_lt.sent[ft], se_lt.sent_total) == (ShownCell(None, Suppression.COMPLEMENT), ShownCell(None, Suppression.COMPLEMENT))
    totals = {t.key: t.cell for t in result.purpose_totals}
    assert (totals[FT], totals[RA], result.total) == (ShownCell(9), ShownCell(5), ShownCell(14))
    assert [str(p) for p in result.pairs] == ["LT → SE", "SE → LT"]


def test_no_hidden_count_can_be_worked_out_from_a_line(demo_users) -> None:
    # given the region above
    _region(demo_users)
    result = referral_statistics(actor=demo_users["coordinator-lt"])
    # then every row and every column (with its total) hides none or at least two of its entries
    table = result.sent
    assert table is not None
    rows, columns = len(table.rows), len(table.columns)
    lines = [[(r, c) for c in range(columns + 1)] for r in range(rows + 1)]
    lines += [[(r, c) for r in range(rows + 1)] for c in range(columns + 1)]
    assert [line for line in lines if sum(table.is_hidden(*p) for p in line) == 1] == []


def test_medians_are_shown_from_five_referrals_and_hidden_below(demo_users) -> None:
    # given five acknowledgements from Lithuania (2 h, 4 h, 6 h, 8 h, 100 h) and three from Sweden
    region = _region(demo_users)
    _acknowledged(demo_users, region["se_lt_ft"][:5], [2, 4, 6, 8, 100], ncp="ncp-lt")
    _acknowledged(demo_users, region["lt_se_ft"], [1, 1, 1], ncp="ncp-se")
    # when the numbers are computed
    result = referral_statistics(actor=demo_users["ncp-se"])
    se_lt, lt_se = _row(result, "SE", "LT"), _row(result, "LT", "SE")
    # then Sweden to Lithuania has its median (6 hours), Lithuania to Sweden "fewer than 5", and nobody accepted yet
    assert (se_lt.acknowledge, lt_se.acknowledge) == (MedianTime(6.0), MedianTime(None, Suppression.SMALL))
    assert (se_lt.accept, lt_se.accept, result.accept_all) == (MedianTime(None), MedianTime(None), MedianTime(None))
    # and all pairs together: 1, 1, 1, 2, 4, 6, 8, 100 hours -> 3 hours
    assert result.acknowledge_all == MedianTime(3.0)


def test_a_long_median_reads_in_days() -> None:
    assert (MedianTime(50.0).in_days, MedianTime(50.0).amount, MedianTime(30.0).amount) == (True, 2.1, 30.0)


def test_overdue_and_escalated_counts_are_protected(demo_users) -> None:
    # given the region, with two Swedish referrals past their deadline, one of them escalated
    region = _region(demo_users)
    late = [r.pk for r in region["se_lt_ft"][:2]]
    yesterday = timezone.localdate() - timedelta(days=1)
    Referral.objects.filter(pk__in=late).update(respond_by=yesterday)
    Referral.objects.filter(pk=late[0]).update(escalated_at=timezone.now())
    # when the numbers are computed
    result = referral_statistics(actor=demo_users["ncp-lt"])
    se_lt, lt_se = _row(result, "SE", "LT"), _row(result, "LT", "SE")
    # then 2 overdue and 1 escalated are small, and the zero of the other pair is shown (it gives nothing away)
    assert (se_lt.overdue, lt_se.overdue, result.overdue.total) == (
        ShownCell(None, Suppression.SMALL),
        ShownCell(0),
        ShownCell(None, Suppression.SMALL),
    )
    assert (se_lt.escalated, result.escalated.total) == (ShownCell(None, Suppression.SMALL), ShownCell(None, Suppression.SMALL))


def test_the_period_counts_whole_months_of_sending(demo_users) -> None:
    # given the region, with the three Lithuanian referrals sent on the 15th of the month before last
    region = _region(demo_users)
    today = timezone.localdate()
    month_before_last = (today.replace(day=1) - timedelta(days=40)).replace(day=15)
    sent = timezone.make_aware(datetime.combine(month_before_last, time(12)))
    Referral.objects.filter(pk__in=[r.pk for r in region["lt_se_ft"]]).update(sent_at=sent)
    # when the secretariat asks for today only, and for a period ending on the 1st of the month before last
    recent = referral_statistics(actor=demo_users["secretariat"], since=today, until=today)
    before = referral_statistics(actor=demo_users["secretariat"], until=month_before_last.replace(day=1))
    # then each date stands for its whole month (no period of a few days can single referrals out)
    assert (recent.since, recent.until.month, before.until) == (today.replace(day=1), today.month, _last_day(month_before_last))
    assert ([str(p) for p in recent.pairs], recent.total) == (["SE → LT"], ShownCell(11))
    assert ([str(p) for p in before.pairs], before.total) == (["LT → SE"], ShownCell(None, Suppression.SMALL))


def _last_day(day: date) -> date:
    following = day.replace(day=28) + timedelta(days=4)
    return following - timedelta(days=following.day)


def test_drafts_are_not_counted(demo_users) -> None:
    # given one draft only
    referral_draft(actor=demo_users["ncp-se"], case=open_case(demo_users["caseworker-se"]), new=new_referral(to_country="LT", purpose=FT))
    # then the dashboard is empty
    result = referral_statistics(actor=demo_users["secretariat"])
    assert (result.pairs, result.total, result.rows) == ([], ShownCell(0), [])


def test_a_period_ending_before_it_starts_is_refused(demo_users) -> None:
    today = timezone.localdate()
    with pytest.raises(ValidationError) as refused:
        referral_statistics(actor=demo_users["secretariat"], since=today, until=today - timedelta(days=1))
    assert refused.value.message_dict == {"until": ["The end of the period comes before its start."]}


@pytest.mark.parametrize("username", DENIED)
def test_only_the_secretariat_coordinators_and_ncps_get_the_numbers(demo_users, username: str) -> None:
    with pytest.raises(PermissionDenied):
        referral_statistics(actor=demo_users[username])


@override_settings(CARNET_DISCLOSURE_THRESHOLD=7)
def test_an_installation_may_ask_for_a_higher_threshold(demo_users) -> None:
    # given the region and a threshold of 7
    _region(demo_users)
    result = referral_statistics(actor=demo_users["secretariat"])
    # then 5 risk assessments are small now
    assert (result.threshold, _row(result, "SE", "LT").sent[_column(result, RA)]) == (7, ShownCell(None, Suppression.SMALL))


# --- the page -------------------------------------------------------------------------------------


def _forbidden_words(region: dict[str, list[Referral]]) -> list[str]:
    referrals = [r for group in region.values() for r in group]
    cases = Case.objects.filter(pk__in={r.source_case_id for r in referrals}).select_related("child")
    words = [*CHILD_NAMES, *(r.reference for r in referrals)]
    for case in cases:
        words += [case.number, case.child.pseudonym]
    return words


@pytest.mark.parametrize("username", ["secretariat", "coordinator-lt", "ncp-se"])
def test_the_page_shows_counts_and_no_case_data(demo_users, client_as, username: str) -> None:
    # given the region
    region = _region(demo_users)
    client = client_as(username)
    entries = AuditEntry.objects.count()
    # when the page is opened
    response = client.get("/en/referrals/dashboard/")
    page = response.content.decode()
    # then it shows the numbers, the hidden ones as "<5" and "hidden", and the legend
    assert response.status_code == 200
    assert '<td><span class="suppressed suppressed-small">&lt;5</span></td>' in page
    assert '<td class="total"><span class="suppressed suppressed-complement">hidden</span></td>' in page
    assert '<td class="total">14</td>' in page
    assert "<dt>&lt;5</dt>" in page
    assert 'aria-labelledby="purpose-chart-title purpose-chart-desc"' in page
    # and nothing that could name a child, a case or a referral
    assert [word for word in _forbidden_words(region) if word in page] == []
    # and it read nothing protected, so it audited nothing
    assert AuditEntry.objects.count() == entries


@pytest.mark.parametrize("username", ["caseworker-se", "member-fi"])
def test_the_page_is_refused_to_others(demo_users, client_as, username: str) -> None:
    _region(demo_users)
    client = client_as(username)
    entries = AuditEntry.objects.count()
    response = client.get("/en/referrals/dashboard/")
    assert (response.status_code, "&lt;5" in response.content.decode(), AuditEntry.objects.count()) == (403, False, entries)


def test_a_bad_date_gets_a_message(demo_users, client_as) -> None:
    response = client_as("secretariat").get("/en/referrals/dashboard/", {"since": "2026-13-45"})
    assert response.status_code == 400
    assert "Write the date as year, month and day, for example 2026-01-31." in response.content.decode()


def test_a_period_ending_before_it_starts_gets_a_message(demo_users, client_as) -> None:
    response = client_as("secretariat").get("/en/referrals/dashboard/", {"since": "2026-03-01", "until": "2026-02-01"})
    assert response.status_code == 400
    assert "The end of the period comes before its start." in response.content.decode()


def test_the_page_says_when_nothing_was_sent(demo_users, client_as) -> None:
    response = client_as("ncp-lt").get("/en/referrals/dashboard/")
    assert (response.status_code, "No referral was sent in this period." in response.content.decode()) == (200, True)


def test_the_page_in_russian(demo_users, client_as) -> None:
    _region(demo_users)
    response = client_as("secretariat").get("/ru/referrals/dashboard/")
    assert (response.status_code, '<html lang="ru">' in response.content.decode()) == (200, True)


# --- the chart ------------------------------------------------------------------------------------


def test_the_chart_draws_a_bar_per_shown_number_and_none_for_a_hidden_one() -> None:
    # given three purposes: 8 shown, one small, one hidden as a complement
    totals = [
        PurposeTotal("family_tracing", "Family tracing", ShownCell(8)),
        PurposeTotal("risk_assessment", "Risk <assessment>", ShownCell(None, Suppression.SMALL)),
        PurposeTotal("return_preparation", "Return preparation", ShownCell(None, Suppression.COMPLEMENT)),
    ]
    # when drawn
    svg = purpose_chart_svg(totals, threshold=5, title="Referrals sent, by purpose")
    # then one bar, full length, for the shown number; the others only say "<5" and "hidden"
    assert svg.count("<rect ") == 1
    assert '<rect class="bar" data-purpose="family_tracing" x="0" y="22.0" width="540.0"' in svg
    assert (">&lt;5</text>" in svg, ">hidden</text>" in svg) == (True, True)
    # and a title and a description say it for screen readers, labels escaped
    assert '<title id="purpose-chart-title">Referrals sent, by purpose</title>' in svg
    assert (
        '<desc id="purpose-chart-desc">Family tracing: 8; Risk &lt;assessment&gt;: fewer than 5; '
        "Return preparation: hidden to protect a small number.</desc>"
    ) in svg


# --- the API --------------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["secretariat", "coordinator-lt", "ncp-se"])
def test_the_api_gives_the_same_numbers_with_hidden_ones_as_null(demo_users, client_as, username: str) -> None:
    # given the region
    region = _region(demo_users)
    # when the statistics are asked for
    response = client_as(username).get("/api/v1/referrals/statistics")
    body = response.json()
    # then hidden counts are null with their reason
    assert response.status_code == 200
    pairs = {p["pair"]: p for p in body["pairs"]}
    assert pairs["LT → SE"]["sent"]["family_tracing"] == {"count": None, "suppressed": "small"}
    assert pairs["SE → LT"]["sent"]["family_tracing"] == {"count": None, "suppressed": "complement"}
    assert pairs["SE → LT"]["sent"]["risk_assessment"] == {"count": 5, "suppressed": None}
    assert pairs["SE → LT"]["median_to_acknowledge"] == {"hours": None, "suppressed": None}
    assert (body["threshold"], body["totals"]["sent"]) == (5, {"count": 14, "suppressed": None})
    assert [p["sent"] for p in body["purposes"]][:2] == [{"count": 9, "suppressed": None}, {"count": 5, "suppressed": None}]
    # and no case data
    assert [word for word in _forbidden_words(region) if word in response.content.decode()] == []


@pytest.mark.parametrize("username", ["caseworker-se", "member-fi"])
def test_the_api_refuses_others_with_json(demo_users, client_as, username: str) -> None:
    response = client_as(username).get("/api/v1/referrals/statistics")
    assert (response.status_code, response.json()) == (403, {"detail": "Permission denied.", "code": "forbidden"})


def test_the_api_refuses_a_bad_period(demo_users, client_as) -> None:
    client = client_as("secretariat")
    backwards = client.get("/api/v1/referrals/statistics", {"since": "2026-03-01", "until": "2026-02-01"})
    not_a_date = client.get("/api/v1/referrals/statistics", {"since": "yesterday"})
    assert (backwards.status_code, backwards.json()["code"], backwards.json()["errors"][0]["field"]) == (422, "invalid", "until")
    assert (not_a_date.status_code, not_a_date.json()["errors"][0]["field"]) == (422, "since")


def test_the_numbers_take_a_fixed_number_of_queries(demo_users, django_assert_num_queries) -> None:
    # given the region (two pairs, fourteen referrals)
    _region(demo_users)
    secretariat = User.objects.get(username="secretariat")  # a fresh object: no grants cached on it
    # then: the grants, the counts, the country names (and their translations), overdue, escalated, two sets of durations
    with django_assert_num_queries(8):
        referral_statistics(actor=secretariat)
