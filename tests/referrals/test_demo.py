"""The demo referrals: loaded through the services, idempotent, and the dashboard shows numbers and hidden cells."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from carnet.accounts.models import User
from carnet.cases import demo as cases_demo
from carnet.cases.models import Case
from carnet.core.disclosure import Suppression
from carnet.referrals import demo
from carnet.referrals.models import Referral, ReferralEvent, Status
from carnet.referrals.statistics import referral_statistics

pytestmark = pytest.mark.django_db


def _load() -> str:
    out = io.StringIO()
    demo.load(out=out)
    return out.getvalue()


def test_demo_referrals_load_once_and_fill_the_dashboard(demo_users) -> None:
    # given the demo cases
    cases_demo.load(out=io.StringIO())
    # when the demo referrals are loaded twice
    first = _load()
    counts = (Referral.objects.count(), ReferralEvent.objects.count(), Case.objects.count())
    second = _load()
    # then the second time changes nothing
    assert (Referral.objects.count(), ReferralEvent.objects.count(), Case.objects.count()) == counts
    assert "Demo referrals: 28 sent between 7 country pairs (3 escalated)" in first
    assert second == f"Demo referrals: {counts[0]} already loaded.\n"
    # and the referrals are in every state
    statuses = set(Referral.objects.values_list("status", flat=True))
    assert statuses == set(Status.values)
    # and the dashboard has both numbers and hidden cells
    result = referral_statistics(actor=demo_users["secretariat"])
    cells = [cell for row in result.rows for cell in (*row.sent, row.sent_total)]
    assert [c.count for c in cells if not c.hidden and c.count]
    assert {c.suppressed for c in cells if c.hidden} == {Suppression.SMALL, Suppression.COMPLEMENT}
    medians = [row.acknowledge for row in result.rows]
    assert (any(m.hours for m in medians), any(m.suppressed for m in medians)) == (True, True)


def test_demo_reset_removes_the_referrals_before_the_cases_go(demo_users) -> None:
    # given the whole demo, loaded by the command
    call_command("demo", stdout=io.StringIO())
    loaded = Referral.objects.count()
    # when it is reset and loaded again (reset runs in reverse app order: referrals before cases)
    out = io.StringIO()
    call_command("demo", "--reset", stdout=out)
    # then the referrals were removed and loaded afresh, with no demo NCP left over from before
    assert "Removed 29 demo referrals and 16 cases opened by accepting them." in out.getvalue()
    assert (Referral.objects.count(), loaded) == (29, 29)
    assert User.objects.filter(username__startswith="demo-ncp-").count() == 4
