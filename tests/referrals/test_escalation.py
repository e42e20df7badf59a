"""`carnet referrals_escalate`: a referral past its deadline without an answer is escalated once, to both countries."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from carnet.audit.models import AuditEntry
from carnet.referrals.models import Referral, ReferralEvent, Status
from carnet.referrals.profiles import Purpose
from carnet.referrals.services import referral_accept, referral_draft, referral_send
from tests.cases.factories import open_case
from tests.referrals.factories import new_referral

pytestmark = pytest.mark.django_db

CHILD_NAMES = ("Testa", "Syntheticova", "Tessa")  # tests.cases.factories.synthetic_identity


def _sent(users) -> Referral:
    case = open_case(users["caseworker-se"])
    draft = referral_draft(actor=users["ncp-se"], case=case, new=new_referral(purpose=Purpose.FAMILY_TRACING, profile=""))
    return referral_send(actor=users["ncp-se"], referral=draft)


def _past_deadline(referral: Referral, days: int = 1) -> None:
    """Time travel: the deadline passed ``days`` ago (the services refuse a deadline in the past, so set it directly)."""
    Referral.objects.filter(pk=referral.pk).update(respond_by=timezone.localdate() - timedelta(days=days))


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("referrals_escalate", *args, stdout=out)
    return out.getvalue()


def _state(referral: Referral) -> tuple[object, ...]:
    referral.refresh_from_db()
    events = ReferralEvent.objects.filter(referral=referral, kind=ReferralEvent.Kind.ESCALATED).count()
    audits = AuditEntry.objects.filter(action="referral.escalate", object_id=str(referral.pk)).count()
    return referral.status, referral.escalated_at is not None, referral.version, events, audits


def test_an_overdue_referral_is_escalated_once_to_both_countries(demo_users, django_capture_on_commit_callbacks) -> None:
    # given a referral from Sweden to Lithuania whose deadline passed yesterday, without an answer
    referral = _sent(demo_users)
    _past_deadline(referral)
    version = Referral.objects.get(pk=referral.pk).version
    # when the daily command runs
    with django_capture_on_commit_callbacks(execute=True):
        output = _run()
    # then the referral is escalated: stamped, on the timeline both sides see, and audited as carnet
    assert _state(referral) == (Status.SENT, True, version + 1, 1, 1)
    event = ReferralEvent.objects.get(referral=referral, kind=ReferralEvent.Kind.ESCALATED)
    assert (event.side, event.actor_username) == ("system", "carnet")
    assert AuditEntry.objects.get(action="referral.escalate", object_id=str(referral.pk)).actor_username == "carnet"
    # and the NCPs and the national coordinator of both countries get an e-mail naming the reference
    assert sorted(m.to[0] for m in mail.outbox) == [
        "coordinator-lt@demo.carnet.invalid",
        "ncp-lt@demo.carnet.invalid",
        "ncp-se@demo.carnet.invalid",
    ]
    for message in mail.outbox:
        assert message.subject == f"carnet: referral {referral.reference} is overdue"
        assert referral.reference in message.body
        # and never the child or the case
        text = message.subject + message.body
        assert [word for word in (*CHILD_NAMES, referral.source_case.number, referral.source_case.child.pseudonym) if word in text] == []
    # and each link opens a page its reader may see: the referral for the NCPs, the dashboard for the coordinator
    links = {m.to[0]: m.body.rsplit("\n", 1)[-1] for m in mail.outbox}
    assert links["ncp-lt@demo.carnet.invalid"].endswith(f"/en/referrals/{referral.pk}/")
    assert links["coordinator-lt@demo.carnet.invalid"].endswith("/en/referrals/dashboard/")
    # and the command says what it did, one line per referral and a total
    deadline = timezone.localdate() - timedelta(days=1)
    assert output == f"escalated {referral.reference}  SE → LT  answer was due by {deadline}\nDone: 1 overdue referrals escalated.\n"


def test_a_second_run_escalates_nothing(demo_users, django_capture_on_commit_callbacks) -> None:
    # given an overdue referral escalated by a first run
    referral = _sent(demo_users)
    _past_deadline(referral)
    _run()
    before = _state(referral)
    # when the command runs again
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        output = _run()
    # then nothing changes and nobody is written to
    assert (_state(referral), output, callbacks, mail.outbox) == (before, "Done: 0 overdue referrals escalated.\n", [], [])


def test_a_dry_run_lists_and_changes_nothing(demo_users, django_capture_on_commit_callbacks) -> None:
    # given an overdue referral
    referral = _sent(demo_users)
    _past_deadline(referral, days=3)
    before = _state(referral)
    entries = AuditEntry.objects.count()
    # when the command runs with --dry-run
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        output = _run("--dry-run")
    # then it names the reference and changes nothing: no stamp, no event, no audit entry, no e-mail
    deadline = timezone.localdate() - timedelta(days=3)
    assert output == (
        f"would escalate {referral.reference}  SE → LT  answer was due by {deadline}\n"
        "Dry run: 1 overdue referrals would be escalated; nothing was changed.\n"
    )
    assert (_state(referral), AuditEntry.objects.count(), callbacks, mail.outbox) == (before, entries, [], [])


def test_a_referral_answered_in_time_is_not_escalated(demo_users, django_capture_on_commit_callbacks) -> None:
    # given a referral accepted before its deadline, which has passed since
    referral = referral_accept(actor=demo_users["ncp-lt"], referral=_sent(demo_users))
    _past_deadline(referral, days=10)
    before = _state(referral)
    # when the command runs
    with django_capture_on_commit_callbacks(execute=True):
        output = _run()
    # then it is left alone
    assert (_state(referral), output, mail.outbox) == (before, "Done: 0 overdue referrals escalated.\n", [])


def test_a_referral_within_its_deadline_is_not_escalated(demo_users) -> None:
    # given a referral due today (overdue only from tomorrow)
    referral = _sent(demo_users)
    _past_deadline(referral, days=0)
    before = _state(referral)
    # then the command leaves it alone
    assert (_run(), _state(referral)) == ("Done: 0 overdue referrals escalated.\n", before)
