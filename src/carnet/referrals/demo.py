"""Synthetic demo referrals between the demo countries' national contact points. No real person, ever.

Loaded after the demo cases (``carnet demo`` loads apps in INSTALLED_APPS order and resets
them in reverse). Every referral goes through the services, as NCPs would send and answer
it: about thirty across several country pairs and purposes, in every state (completed,
declined, withdrawn, in progress, overdue and escalated, waiting for an answer, a draft
waiting for the NCP's approval), so that the regional dashboard shows numbers as well as
hidden ("<5") cells. One Swedish case is left ready for a visitor to try the journey: an
approved decision to return the child to Lithuania with a return plan, not referred yet.

Only ncp-se and ncp-lt can sign in; the NCPs of Poland, Estonia, Finland and Latvia are
demo accounts that cannot (``demo-ncp-pl`` ...), like the cases demo's extra caseworkers.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TextIO

from django.db import transaction
from django.db.models import Q
from django.test.utils import override_settings
from django.utils import timezone

from carnet.accounts.demo import DEMO_ACCOUNTS
from carnet.accounts.models import Role, User
from carnet.accounts.services import membership_grant, user_create
from carnet.cases.demo import EXTRA_STAFF
from carnet.cases.identity import Identity
from carnet.cases.models import Case, Child, Determination, TeamMember
from carnet.cases.models.codes import CaseStatus, RiskLevel, Sex
from carnet.cases.models.codes import LegalBasis as CaseLegalBasis
from carnet.cases.services import NewCase, case_open
from carnet.cases.services_best_interests import (
    AssessmentTexts,
    assessment_record,
    determination_approve,
    determination_record,
    determination_submit,
    return_plan_create,
    visit_plan,
)
from carnet.core.crypto import data_key_shred
from carnet.core.models import Country, DataKey
from carnet.referrals.models import AWAITING_ANSWER, Referral, ReferralEvent, ReferralNote
from carnet.referrals.profiles import URGENCY_DAYS, LegalBasis, Outcome, Purpose, Urgency
from carnet.referrals.services import (
    NewReferral,
    follow_up_report,
    note_post,
    referral_accept,
    referral_acknowledge,
    referral_complete,
    referral_decline,
    referral_draft,
    referral_provide_information,
    referral_request_approval,
    referral_request_information,
    referral_send,
    referral_start,
    referral_withdraw,
    referrals_escalate,
)

# The NCP of each demo country: the two who can sign in, and demo accounts that cannot.
EXTRA_NCPS = {"PL": "demo-ncp-pl", "EE": "demo-ncp-ee", "FI": "demo-ncp-fi", "LV": "demo-ncp-lv"}
NCPS = {"SE": "ncp-se", "LT": "ncp-lt", **EXTRA_NCPS}
DEMO_USERNAMES = sorted({a.username for a in DEMO_ACCOUNTS} | set(EXTRA_STAFF.values()) | set(EXTRA_NCPS.values()))
_SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "za", "be", "da", "fe", "go", "ji", "pu", "xo"]
# Referral timestamps that the dated steps below set (see _dated).
_STAMPS = ("sent_at", "delivered_at", "acknowledged_at", "decided_at", "accepted_at", "completed_at", "withdrawn_at")

FT, RA, RP = Purpose.FAMILY_TRACING, Purpose.RISK_ASSESSMENT, Purpose.RETURN_PREPARATION
SC, IR = Purpose.SERVICE_CONTINUITY, Purpose.INFORMATION_REQUEST


@dataclass(frozen=True)
class Story:
    """One synthetic referral: who sends it what for, how long ago, and what happened since (step, days after sending)."""

    sender: str
    receiver: str
    purpose: str
    sent_days_ago: float
    steps: tuple[tuple[str, float], ...] = ()
    urgency: str = Urgency.ROUTINE
    overdue: str = ""  # "escalated": past its deadline and escalated; "pending": past it, the daily command has not run yet


_RETURNED = (("acknowledge", 0.3), ("accept", 1), ("start", 2), ("follow_up", 40), ("complete:returned_in_care", 45))
STORIES = [
    # Sweden to Lithuania: family tracing
    Story("SE", "LT", FT, 120, (("acknowledge", 0.3), ("accept", 2.5), ("start", 3), ("complete:family_found", 40))),
    Story("SE", "LT", FT, 95, (("acknowledge", 0.8), ("accept", 4), ("complete:family_not_found", 60))),
    Story("SE", "LT", FT, 75, (("acknowledge", 0.2), ("ask", 1), ("provide", 2), ("accept", 6), ("complete:family_found", 30))),
    Story("SE", "LT", FT, 60, (("acknowledge", 1.5), ("decline", 3))),
    Story("SE", "LT", FT, 25, (("acknowledge", 0.5), ("accept", 2), ("start", 2.5))),
    Story("SE", "LT", FT, 40, overdue="escalated"),
    # Sweden to Lithuania: risk assessment
    Story("SE", "LT", RA, 80, (("acknowledge", 0.4), ("accept", 1.5), ("start", 2), ("complete:risk_assessed", 20)), Urgency.URGENT),
    Story("SE", "LT", RA, 50, (("acknowledge", 0.1), ("accept", 0.9), ("complete:risk_assessed", 12)), Urgency.URGENT),
    Story("SE", "LT", RA, 15, (("acknowledge", 0.6), ("accept", 3))),
    Story("SE", "LT", RA, 5, (("acknowledge", 1.2),)),
    Story("SE", "LT", RA, 12, (("acknowledge", 0.5), ("ask", 2)), Urgency.URGENT, overdue="pending"),
    # Sweden to Lithuania: returns (each from its own case with an approved decision to return)
    Story("SE", "LT", RP, 100, _RETURNED, Urgency.URGENT),
    Story("SE", "LT", RP, 20, (("acknowledge", 0.5), ("ask", 1.5), ("provide", 3), ("accept", 5), ("start", 6), ("message", 8))),
    # Lithuania to Sweden
    Story("LT", "SE", SC, 110, (("acknowledge", 0.2), ("accept", 1), ("start", 1.2), ("complete:services_continued", 30))),
    Story("LT", "SE", SC, 90, (("acknowledge", 0.6), ("accept", 2), ("complete:services_continued", 40))),
    Story("LT", "SE", SC, 70, (("acknowledge", 0.3), ("accept", 1.5), ("start", 3), ("complete:services_continued", 25))),
    Story("LT", "SE", SC, 30, (("acknowledge", 2), ("accept", 5))),
    Story("LT", "SE", SC, 45, (("acknowledge", 1), ("decline", 2))),
    Story("LT", "SE", IR, 2),
    # Poland to Lithuania
    Story("PL", "LT", FT, 85, (("acknowledge", 1), ("accept", 3), ("complete:family_found", 28))),
    Story("PL", "LT", FT, 35, (("withdraw", 4),)),
    # Estonia to Finland, Finland to Estonia
    Story("EE", "FI", IR, 65, (("acknowledge", 0.5), ("accept", 1), ("complete:information_provided", 6))),
    Story("EE", "FI", IR, 55, (("acknowledge", 1), ("decline", 1.5))),
    Story("EE", "FI", IR, 50, overdue="escalated"),
    Story("FI", "EE", RA, 10, (("acknowledge", 0.7),)),
    # Latvia to Lithuania
    Story("LV", "LT", SC, 22, (("acknowledge", 0.4), ("accept", 2))),
    Story("LV", "LT", SC, 45, overdue="escalated"),
    # Sweden to Poland
    Story("SE", "PL", FT, 3),
]

_NOTES = {
    "ask": "Which school did the child last attend, and in which language?",
    "provide": "Year 7, taught in Lithuanian; the school report is on its way.",
    "decline": "This falls outside our mandate; please contact the regional child protection service directly.",
    "withdraw": "The child was placed with a relative in Poland; the referral is no longer needed.",
    "complete": "Done as agreed; see the thread for the details.",
    "message": "The escort is confirmed for the planned travel date.",
    "follow_up": "The child lives with the grandmother and attends school; no sign of contact with the recruiters.",
}


def _name(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(parts)).capitalize()


def _ncp(country: str) -> User:
    """The demo NCP of ``country``, created (unable to sign in) for the countries without a demo account."""
    username = NCPS[country]
    user = User.objects.filter(username=username).first()
    if user is None:
        user = user_create(actor=None, username=username, email=f"{username}@demo.carnet.invalid", password=None)
        membership_grant(actor=None, user=user, role=Role.NCP, country=Country.objects.get(code=country), purpose="demo data")
    return user


def _dated(referral: Referral, when: datetime, run: Callable[[], Any]) -> Any:
    """Take one step through its service, then date it ``when`` instead of now.

    Synthetic data only: the services stamp ``timezone.now()``, which would make every demo
    referral answered within milliseconds. To give the dashboard realistic times, the stamps
    the step set on the referral and the timeline events it wrote are moved back with a
    queryset update. (The audit log keeps the true times: it is never rewritten.)
    """
    when = min(when, timezone.now())
    before = Referral.objects.values(*_STAMPS).get(pk=referral.pk)
    known = list(ReferralEvent.objects.filter(referral_id=referral.pk).values_list("pk", flat=True))
    result = run()
    after = Referral.objects.values(*_STAMPS).get(pk=referral.pk)
    changed = {stamp: when for stamp in _STAMPS if before[stamp] != after[stamp]}
    if changed:
        Referral.objects.filter(pk=referral.pk).update(**changed)
    # Keep the order of the step's events (sent, then delivered): one second apart, in the order they were written.
    fresh = ReferralEvent.objects.filter(referral_id=referral.pk).exclude(pk__in=known).order_by("at", "pk")
    for offset, event_id in enumerate(fresh.values_list("pk", flat=True)):
        ReferralEvent.objects.filter(pk=event_id).update(at=when + timedelta(seconds=offset))
    return result


def _returnable_case(rng: random.Random, users: dict[str, User], *, to: str, opened: date, decided: date, travel_on: date) -> Case:
    """A Swedish case of caseworker-se with an approved decision to return the child to ``to``, a return plan and a planned visit."""
    worker, supervisor = users["caseworker-se"], users["supervisor-se"]
    born = opened - timedelta(days=365 * rng.randint(12, 16) + rng.randint(0, 300))
    identity = Identity(
        given_names=_name(rng, 2),
        family_name=_name(rng, 3),
        aliases=[],
        date_of_birth=born,
        citizenships=[to],
        languages=["lt", "ru"],
        contacts="",
    )
    case = case_open(
        actor=worker,
        new=NewCase(
            country=Country.objects.get(code="SE"),
            identity=identity,
            opened_on=opened,
            identified_on=opened,
            sex=rng.choice([Sex.FEMALE, Sex.MALE]),
            risk_level=RiskLevel.MEDIUM,
            legal_basis=CaseLegalBasis.LEGAL_MANDATE,
        ),
    )
    assessment = assessment_record(
        actor=worker, case=case, assessed_on=decided - timedelta(days=7), re_trafficking_risk="low",
        texts=AssessmentTexts(
            child_views="Wants to go home and live with the grandmother.", family="Grandmother reachable and willing",
            safety="No contact with the recruiters known",
        ),
    )  # fmt: skip
    determination = determination_record(
        actor=worker, case=case, assessment=assessment, panel="Guardian, caseworker, psychologist (demo)",
        options_weighed=["local_integration", "return"], decision="return",
        reasons="Safe family care at home; school place confirmed (synthetic demo reasons).", decided_on=decided,
    )  # fmt: skip
    determination_submit(actor=worker, case=case, determination=determination)
    determination_approve(actor=supervisor, case=case, determination=determination)
    plan = return_plan_create(
        actor=worker, case=case, determination=determination, receiving_country=to,
        receiving_agency="Demo child protection service", escort="Social worker", travel_on=travel_on,
    )  # fmt: skip
    visit_plan(actor=worker, case=case, plan=plan, planned_on=travel_on + timedelta(days=30))
    return case


def _sources(country: str) -> list[Case]:
    """The open demo cases of a country, in a fixed order, to refer from."""
    owners = TeamMember.objects.filter(role="owner", user__username__in=DEMO_USERNAMES).values("case_id")
    cases = Case.objects.filter(country__code=country, pk__in=owners, anonymised_at__isnull=True, referral_received__isnull=True)
    return list(cases.exclude(status__in=[CaseStatus.CLOSED, CaseStatus.CLOSED_REFERRED]).order_by("number"))


def _step(referral: Referral, step: str, users: dict[str, User], when: datetime) -> None:
    sender, receiver = NCPS[referral.from_country.code], NCPS[referral.to_country.code]
    ncp_in, ncp_out = users[receiver], users[sender]
    action, _colon, outcome = step.partition(":")
    runs: dict[str, Callable[[], Any]] = {
        "acknowledge": lambda: referral_acknowledge(actor=ncp_in, referral=referral),
        "ask": lambda: referral_request_information(actor=ncp_in, referral=referral, question=_NOTES["ask"]),
        "provide": lambda: referral_provide_information(actor=ncp_out, referral=referral, answer=_NOTES["provide"]),
        "accept": lambda: referral_accept(
            actor=ncp_in, referral=referral, assign_to="caseworker-lt" if referral.purpose == RP and receiver == "ncp-lt" else ""
        ),
        "decline": lambda: referral_decline(actor=ncp_in, referral=referral, reason=_NOTES["decline"]),
        "start": lambda: referral_start(actor=ncp_in, referral=referral),
        "complete": lambda: referral_complete(actor=ncp_in, referral=referral, outcome=outcome or Outcome.OTHER, note=_NOTES["complete"]),
        "withdraw": lambda: referral_withdraw(actor=ncp_out, referral=referral, reason=_NOTES["withdraw"]),
        "follow_up": lambda: follow_up_report(
            actor=ncp_in, referral=referral, visited_on=timezone.localtime(when).date(), result=_NOTES["follow_up"]
        ),
        "message": lambda: note_post(actor=ncp_in, referral=referral, body=_NOTES["message"]),
    }
    result = _dated(referral, when, runs[action])
    if action == "accept":  # the receiving country's case was opened then, not today (synthetic data, see _dated)
        Case.objects.filter(referral_received=referral).update(opened_on=timezone.localtime(min(when, timezone.now())).date())
    if action == "message":
        ReferralNote.objects.filter(pk=result.note.pk).update(created_at=min(when, timezone.now()))


def _tell(story: Story, users: dict[str, User], case: Case, start: datetime) -> Referral:
    sender = users[NCPS[story.sender]]
    sent = start - timedelta(days=story.sent_days_ago)
    new = NewReferral(
        to_country=story.receiver,
        purpose=story.purpose,
        legal_basis=LegalBasis.LEGAL_MANDATE if story.purpose in (RA, RP) else LegalBasis.CONSENT,
        legal_basis_decided_by="Demo guardianship authority" if story.purpose in (RA, RP) else "The child and the appointed guardian",
        legal_basis_decided_on=timezone.localtime(sent).date() - timedelta(days=3),
        urgency=story.urgency,
        note="Synthetic demo referral: no real child.",
    )
    referral: Referral = _dated_new(sent - timedelta(hours=20), lambda: referral_draft(actor=sender, case=case, new=new))
    _dated(referral, sent, lambda: referral_send(actor=sender, referral=referral))
    for step, days in story.steps:
        _step(referral, step, users, sent + timedelta(days=days))
    return referral


def _dated_new(when: datetime, run: Callable[[], Referral]) -> Referral:
    """A draft, dated ``when`` (its creation stamp and its first event); synthetic data only, see _dated."""
    referral = run()
    Referral.objects.filter(pk=referral.pk).update(created_at=when)
    ReferralEvent.objects.filter(referral_id=referral.pk).update(at=when)
    return referral


def _deadlines(told: list[tuple[Story, Referral]], today: date) -> int:
    """Set each deadline from the (back-dated) sending day and escalate the overdue ones, as the daily command would have."""
    for story, referral in told:
        referral.refresh_from_db(fields=["sent_at"])
        assert referral.sent_at is not None  # noqa: S101  (every story is sent)
        due = timezone.localtime(referral.sent_at).date() + timedelta(days=URGENCY_DAYS[Urgency(story.urgency)])
        awaiting = Referral.objects.filter(pk=referral.pk, status__in=sorted(AWAITING_ANSWER)).exists()
        if awaiting and story.overdue != "escalated":
            due = max(due, today)  # the pending ones pass their deadline after the escalation below
        Referral.objects.filter(pk=referral.pk).update(respond_by=due)
    escalated = referrals_escalate(today=today)
    for referral in escalated:
        referral.refresh_from_db(fields=["respond_by"])
        when = timezone.make_aware(datetime.combine(referral.respond_by + timedelta(days=1), datetime.min.time())) + timedelta(hours=6)
        Referral.objects.filter(pk=referral.pk).update(escalated_at=when)
        ReferralEvent.objects.filter(referral=referral, kind=ReferralEvent.Kind.ESCALATED).update(at=when)
    for story, referral in told:
        if story.overdue == "pending":
            sent = timezone.localtime(Referral.objects.values_list("sent_at", flat=True).get(pk=referral.pk)).date()
            Referral.objects.filter(pk=referral.pk).update(respond_by=sent + timedelta(days=URGENCY_DAYS[Urgency(story.urgency)]))
    return len(escalated)


def load(*, out: TextIO) -> None:
    # Nobody waits for the demo's e-mails (the recipients are synthetic, at .invalid addresses): they go nowhere.
    # The transaction commits inside the override, so the e-mails queued on commit use this backend too.
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        _load(out=out)


@transaction.atomic
def _load(*, out: TextIO) -> None:
    if Referral.objects.filter(created_by__username__in=list(EXTRA_NCPS.values())).exists():
        out.write(f"Demo referrals: {Referral.objects.count()} already loaded.\n")
        return
    if not Case.objects.filter(team__user__username="caseworker-se").exists():
        out.write("Demo referrals: no demo cases to refer; load the demo cases first.\n")
        return
    rng = random.Random(20250505)  # noqa: S311  (demo data, not security)
    users = {u.username: u for u in User.objects.filter(username__in=[a.username for a in DEMO_ACCOUNTS])}
    users.update({NCPS[code]: _ncp(code) for code in NCPS})
    now = timezone.now().replace(hour=9, minute=0, second=0, microsecond=0)
    today = timezone.localdate()
    sources = {code: _sources(code) for code in {s.sender for s in STORIES}}
    used = dict.fromkeys(sources, 0)
    told: list[tuple[Story, Referral]] = []
    for story in STORIES:
        if story.purpose == RP:
            sent = (now - timedelta(days=story.sent_days_ago)).date()
            case = _returnable_case(
                rng, users, to=story.receiver, opened=sent - timedelta(days=50), decided=sent - timedelta(days=10),
                travel_on=sent + timedelta(days=5),
            )  # fmt: skip
        else:
            cases = sources[story.sender]
            case = cases[used[story.sender] % len(cases)]
            used[story.sender] += 1
        told.append((story, _tell(story, users, case, now)))
    escalated = _deadlines(told, today)
    # A caseworker's draft waiting for the Swedish NCP's approval (not counted on the dashboard: it is not sent).
    draft = referral_draft(
        actor=users["caseworker-se"],
        case=next(c for c in sources["SE"] if TeamMember.objects.filter(case=c, user=users["caseworker-se"], role="owner").exists()),
        new=NewReferral(
            to_country="FI", purpose=IR, legal_basis=LegalBasis.CONSENT, legal_basis_decided_by="The child and the appointed guardian",
            legal_basis_decided_on=today - timedelta(days=1), note="Synthetic demo referral: no real child.",
        ),
    )  # fmt: skip
    referral_request_approval(actor=users["caseworker-se"], referral=draft)
    # The journey for a visitor: ncp-se refers this case to Lithuania for return preparation.
    journey = _returnable_case(
        rng, users, to="LT", opened=today - timedelta(days=45), decided=today - timedelta(days=12), travel_on=today + timedelta(days=14)
    )
    out.write(
        f"Demo referrals: {len(told)} sent between {len({(s.sender, s.receiver) for s in STORIES})} country pairs "
        f"({escalated} escalated), 1 draft waiting for ncp-se's approval.\n"
        f"  Try the journey: as ncp-se, refer case {journey.number} to Lithuania for return preparation.\n"
    )


@transaction.atomic
def reset(*, out: TextIO) -> None:
    """Remove the demo referrals, the cases their acceptance opened, the demo cases' best-interests decisions and the demo
    NCPs (this runs before the demo cases are removed)."""
    referrals = Referral.objects.filter(Q(created_by__username__in=DEMO_USERNAMES) | Q(sent_by__username__in=DEMO_USERNAMES))
    received = list(referrals.filter(receiving_case__isnull=False).values_list("receiving_case_id", flat=True))
    keys = [key for key in referrals.values_list("data_key_id", flat=True) if key]
    count = referrals.count()
    Referral.objects.filter(pk__in=list(referrals.values_list("pk", flat=True))).delete()
    children = list(Child.objects.filter(cases__in=received).values_list("pk", "data_key_id"))
    Case.objects.filter(pk__in=received).delete()
    Child.objects.filter(pk__in=[pk for pk, _key in children], cases__isnull=True).delete()
    keys += [key for _pk, key in children if key]
    for data_key in DataKey.objects.filter(pk__in=keys):
        data_key_shred(data_key=data_key)
    # The demo's decisions to return (and any a visitor recorded) hold their assessment with a protected key, which
    # would stop the demo cases from being deleted next: remove them (with their return plans and visits) first.
    owned = TeamMember.objects.filter(role="owner", user__username__in=DEMO_USERNAMES).values("case_id")
    Determination.objects.filter(case__in=owned).delete()
    User.objects.filter(username__in=EXTRA_NCPS.values()).delete()
    out.write(f"Removed {count} demo referrals and {len(received)} cases opened by accepting them.\n")
