"""Referral services: the lifecycle, refusals that change nothing, what the receiving side may see, the thread,
follow-up visits, the possible-match check, the transport and the e-mails."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any, ClassVar

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Max
from django.http import Http404
from django.utils import timezone
from pydantic import ValidationError as MessageInvalid

from carnet.accounts.models import User
from carnet.audit.models import AuditEntry
from carnet.cases.identity import Identity, read_document_number
from carnet.cases.models import Case, Child, FollowUpVisit
from carnet.cases.models.codes import TeamRole
from carnet.cases.policies import CasePolicy
from carnet.cases.services import case_close, flag_raise, identity_document_add, identity_of
from carnet.cases.services_care import objective_add, service_add
from carnet.cases.services_identification import exploitation_add, route_leg_add, status_decision_add
from carnet.core.crypto import decrypt_field
from carnet.core.models import DataKey
from carnet.referrals import inbound
from carnet.referrals.errors import InvalidReferral, WrongStatus
from carnet.referrals.message import EventMessage, ReferralMessage, canonical_json, parse
from carnet.referrals.models import (
    FollowUpReport,
    Referral,
    ReferralAttachment,
    ReferralEvent,
    ReferralNote,
    Side,
    Status,
    TransportMessage,
)
from carnet.referrals.policies import ReferralPolicy
from carnet.referrals.profiles import PROFILES, LegalBasis, Outcome, Purpose, Urgency
from carnet.referrals.selectors import (
    Box,
    ReferralFilters,
    attachment_for,
    box_counts_for,
    case_referrals_for,
    follow_ups_for,
    referral_get_for,
    referral_list_for,
    shared_subject_for,
    thread_for,
    timeline_for,
)
from carnet.referrals.services import (
    MatchAnswer,
    Upload,
    follow_up_report,
    match_check,
    note_post,
    referral_accept,
    referral_acknowledge,
    referral_assign,
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
from carnet.referrals.transport import LocalTransport, get_transport
from tests.cases.factories import open_case, synthetic_identity
from tests.referrals.factories import days, draft_referral, new_referral, returnable_case, sent_referral

pytestmark = pytest.mark.django_db

CONTACTS = "+370 600 00000 (test)"  # what synthetic_identity() stores as the child's contacts
PASSPORT = "LT0012345"
CHILD_NAME = ("Testa", "Syntheticova")
DEMO = [
    "secretariat", "ncp-se", "ncp-lt", "caseworker-se", "caseworker-lt", "supervisor-se",
    "coordinator-lt", "researcher", "expert-ee", "member-fi", "sysadmin",
]  # fmt: skip
# The purpose each profile is sent with in these tests (each purpose allows its profile).
PURPOSE_OF = {
    "minimal": Purpose.INFORMATION_REQUEST,
    "identification": Purpose.FAMILY_TRACING,
    "risk": Purpose.RISK_ASSESSMENT,
    "continuity": Purpose.SERVICE_CONTINUITY,
    "return": Purpose.RETURN_PREPARATION,
}


# --- Helpers ------------------------------------------------------------------------------------


def audit_mark() -> int:
    return int(AuditEntry.objects.aggregate(last=Max("seq"))["last"] or 0)


def audited_since(mark: int) -> list[tuple[str, str, str]]:
    """(action, actor, object type) of every audit entry written after ``mark``, in order."""
    return list(AuditEntry.objects.filter(seq__gt=mark).order_by("seq").values_list("action", "actor_username", "object_type"))


def timeline(referral: Referral) -> list[tuple[str, str, str, str]]:
    """(kind, side, status after, actor) of every event, in order."""
    return [
        (e.kind, e.side, e.status, e.actor_username)
        for e in ReferralEvent.objects.filter(referral=referral).order_by("at", "pk").select_related("actor")
    ]


def fresh(referral: Referral) -> Referral:
    return Referral.objects.select_related("from_country", "to_country", "source_case", "data_key").get(pk=referral.pk)


@dataclass(frozen=True)
class Snapshot:
    """Everything a refused step must leave as it was."""

    status: str
    version: int
    stamps: tuple[datetime | None, ...]
    receiving_case: uuid.UUID | None
    assigned_to: int | None
    events: int
    audit: int
    notes: int
    attachments: int
    follow_ups: int
    transport: int
    cases: int
    children: int
    visits_done: int

    @classmethod
    def of(cls, referral: Referral) -> Snapshot:
        row = fresh(referral)
        return cls(
            status=row.status,
            version=row.version,
            stamps=(
                row.approval_requested_at,
                row.sent_at,
                row.delivered_at,
                row.acknowledged_at,
                row.decided_at,
                row.accepted_at,
                row.completed_at,
                row.withdrawn_at,
                row.escalated_at,
            ),
            receiving_case=row.receiving_case_id,
            assigned_to=row.assigned_to_id,
            events=ReferralEvent.objects.filter(referral=row).count(),
            audit=AuditEntry.objects.count(),
            notes=ReferralNote.objects.count(),
            attachments=ReferralAttachment.objects.count(),
            follow_ups=FollowUpReport.objects.count(),
            transport=TransportMessage.objects.count(),
            cases=Case.objects.count(),
            children=Child.objects.count(),
            visits_done=FollowUpVisit.objects.filter(visited_on__isnull=False).count(),
        )


def stored_message_json(referral: Referral) -> str:
    """The delivered message as stored for the receiving side, decrypted (without going through a selector)."""
    row = fresh(referral)
    return str(decrypt_field(row, "message_enc", data_key=row.data_key))


def delivered(actor: User, referral: Referral) -> ReferralMessage:
    """The delivered message as ``actor`` reads it (audited), for a referral that has been sent."""
    message = shared_subject_for(actor=actor, referral=referral)
    assert message is not None
    return message


def add_passport(users: dict[str, User], case: Case, number: str = PASSPORT) -> None:
    identity_document_add(actor=users["caseworker-se"], case=case, kind="passport", number=number, issuing_country="LT")


@pytest.fixture
def case(demo_users: dict[str, User]) -> Case:
    """A Swedish case of caseworker-se, ready for return to Lithuania, with a passport on file."""
    case = returnable_case(demo_users)
    add_passport(demo_users, case)
    case.refresh_from_db()
    return case


@pytest.fixture
def rich_case(demo_users: dict[str, User], case: Case) -> Case:
    """The same case with something recorded for every field a profile can share."""
    worker = demo_users["caseworker-se"]
    status_decision_add(actor=worker, case=case, status="actual", deciding_organisation="Demo police, Sweden", decided_on=days(-10))
    exploitation_add(actor=worker, case=case, kind="labour", country="SE", started_on=days(-60))
    route_leg_add(actor=worker, case=case, stage="recruitment", country="LT", city="Demo town")
    objective = objective_add(actor=worker, case=case, pillar="care", text="Safe accommodation")
    service_add(actor=worker, case=case, objective=objective, kind="Shelter", provider="Demo shelter")
    flag_raise(actor=worker, case=case, kind="missing_risk", reason="Ran away once")
    case.refresh_from_db()
    return case


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Any) -> Callable[[], AbstractContextManager[list[EmailMessage]]]:
    """Run the on-commit callbacks of a block, as its commit would, and give the e-mails they sent."""

    @contextmanager
    def run() -> Iterator[list[EmailMessage]]:
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            yield mail.outbox

    return run


# --- The lifecycle ----------------------------------------------------------------------------------


class Window:
    """The time a step took, to check the timestamps it wrote."""

    def __enter__(self) -> Window:
        self.start = timezone.now()
        return self

    def __exit__(self, *exc: object) -> None:
        self.end = timezone.now()

    def holds(self, moment: datetime | None) -> bool:
        return moment is not None and self.start <= moment <= self.end


def test_the_lifecycle_from_draft_to_completed(demo_users, case):
    users = demo_users
    # given a Swedish case ready for return to Lithuania
    # when ncp-se drafts the referral
    mark = audit_mark()
    with Window() as drafted:
        referral = referral_draft(actor=users["ncp-se"], case=case, new=new_referral(urgency=Urgency.URGENT))
    # then it is a draft of version 1 that only the sending side knows about, with the deadline of its urgency
    assert (referral.status, referral.version, referral.profile, referral.respond_by) == (Status.DRAFT, 1, "return", days(7))
    assert referral.reference.startswith("XB-")
    assert len(referral.reference) == 12
    assert drafted.holds(referral.created_at)
    assert (referral.sent_at, referral.delivered_at, referral.acknowledged_at, referral.decided_at) == (None, None, None, None)
    assert timeline(referral) == [("created", "sender", "draft", "ncp-se")]
    assert audited_since(mark) == [("referral.draft", "ncp-se", "referrals.referral")]
    assert TransportMessage.objects.count() == 0

    # when ncp-se sends it
    mark = audit_mark()
    with Window() as sent:
        referral = referral_send(actor=users["ncp-se"], referral=referral)
    # then it is sent and delivered, the identity read for it and the Swedish case's history both audited
    assert (referral.status, referral.version, referral.sent_by) == (Status.SENT, 2, users["ncp-se"])
    assert sent.holds(referral.sent_at)
    assert sent.holds(referral.delivered_at)
    assert timeline(referral)[1:] == [("sent", "sender", "sent", "ncp-se"), ("delivered", "system", "sent", "carnet")]
    delivered_event = ReferralEvent.objects.get(referral=referral, kind="delivered")
    assert delivered_event.actor is None
    assert audited_since(mark) == [
        ("child.identity.read", "ncp-se", "cases.child"),
        ("referral.send", "ncp-se", "referrals.referral"),
        ("case.referral", "ncp-se", "cases.case"),
    ]
    case_entry = AuditEntry.objects.get(action="case.referral", object_id=str(case.pk))
    assert case_entry.purpose == f"{referral.reference} to LT: return_preparation"

    # when ncp-lt opens it from the inbox and reads what was shared
    mark = audit_mark()
    opened = referral_get_for(actor=users["ncp-lt"], ref=referral.reference)
    shared = shared_subject_for(actor=users["ncp-lt"], referral=opened)
    # then both reads are audited
    assert shared is not None
    assert shared.reference == referral.reference
    assert audited_since(mark) == [
        ("referral.view", "ncp-lt", "referrals.referral"),
        ("referral.subject.read", "ncp-lt", "referrals.referral"),
    ]

    # when ncp-lt acknowledges it
    mark = audit_mark()
    with Window() as acknowledged:
        referral = referral_acknowledge(actor=users["ncp-lt"], referral=referral)
    assert (referral.status, referral.version) == (Status.ACKNOWLEDGED, 3)
    assert acknowledged.holds(referral.acknowledged_at)
    assert timeline(referral)[-1] == ("acknowledged", "receiver", "acknowledged", "ncp-lt")
    assert audited_since(mark) == [("referral.acknowledge", "ncp-lt", "referrals.referral")]
    acknowledged_at = referral.acknowledged_at

    # when ncp-lt asks for information and caseworker-se answers
    mark = audit_mark()
    referral = referral_request_information(actor=users["ncp-lt"], referral=referral, question="Which school does the child attend?")
    assert (referral.status, referral.version, referral.acknowledged_at) == (Status.INFO_REQUESTED, 4, acknowledged_at)
    referral = referral_provide_information(actor=users["caseworker-se"], referral=referral, answer="Grade 7 at the demo school")
    # then it is back with the receiving NCP, acknowledged as before
    assert (referral.status, referral.version, referral.acknowledged_at) == (Status.ACKNOWLEDGED, 5, acknowledged_at)
    assert timeline(referral)[-2:] == [
        ("info_requested", "receiver", "info_requested", "ncp-lt"),
        ("info_provided", "sender", "acknowledged", "caseworker-se"),
    ]
    assert audited_since(mark) == [
        ("referral.request_information", "ncp-lt", "referrals.referral"),
        ("referral.provide_information", "caseworker-se", "referrals.referral"),
    ]

    # when ncp-lt accepts it and assigns caseworker-lt
    mark = audit_mark()
    with Window() as accepted:
        referral = referral_accept(actor=users["ncp-lt"], referral=referral, assign_to="caseworker-lt")
    assert (referral.status, referral.version, referral.assigned_to) == (Status.ACCEPTED, 6, users["caseworker-lt"])
    assert accepted.holds(referral.accepted_at)
    assert referral.decided_at == referral.accepted_at
    assert referral.acknowledged_at == acknowledged_at
    assert timeline(referral)[-1] == ("accepted", "receiver", "accepted", "ncp-lt")
    assert audited_since(mark) == [
        ("referral.subject.read", "ncp-lt", "referrals.referral"),
        ("case.open", "ncp-lt", "cases.case"),
        ("child.identity.write", "ncp-lt", "cases.child"),
        ("child.identity.write", "ncp-lt", "cases.child"),
        ("case.team.add", "ncp-lt", "cases.case"),
        ("referral.accept", "ncp-lt", "referrals.referral"),
        ("case.referral", "ncp-lt", "cases.case"),
    ]

    # when caseworker-lt (the assignee) starts and completes the work
    mark = audit_mark()
    referral = referral_start(actor=users["caseworker-lt"], referral=referral)
    assert (referral.status, referral.version) == (Status.IN_PROGRESS, 7)
    with Window() as completed:
        referral = referral_complete(
            actor=users["caseworker-lt"], referral=referral, outcome=Outcome.RETURNED_IN_CARE, note="Living with the grandmother"
        )
    assert (referral.status, referral.version, referral.outcome) == (Status.COMPLETED, 8, Outcome.RETURNED_IN_CARE)
    assert completed.holds(referral.completed_at)
    assert audited_since(mark) == [
        ("referral.start", "caseworker-lt", "referrals.referral"),
        ("referral.complete", "caseworker-lt", "referrals.referral"),
    ]

    # then both sides see the same whole timeline, with its reasons
    entries = timeline_for(actor=users["caseworker-se"], referral=referral)
    assert entries == timeline_for(actor=users["ncp-lt"], referral=referral)
    assert [(t.event.kind, t.event.side, t.event.status, t.event.actor_username, t.note) for t in entries] == [
        ("created", "sender", "draft", "ncp-se", ""),
        ("sent", "sender", "sent", "ncp-se", ""),
        ("delivered", "system", "sent", "carnet", ""),
        ("acknowledged", "receiver", "acknowledged", "ncp-lt", ""),
        ("info_requested", "receiver", "info_requested", "ncp-lt", "Which school does the child attend?"),
        ("info_provided", "sender", "acknowledged", "caseworker-se", "Grade 7 at the demo school"),
        ("accepted", "receiver", "accepted", "ncp-lt", ""),
        ("started", "receiver", "in_progress", "caseworker-lt", ""),
        ("completed", "receiver", "completed", "caseworker-lt", "Living with the grandmother"),
    ]
    # and each step after the draft travelled as a message, once out and once in
    assert list(TransportMessage.objects.filter(direction="out").values_list("kind", flat=True)) == [
        "referral", "event", "event", "event", "event", "event", "event",
    ]  # fmt: skip
    assert TransportMessage.objects.filter(direction="in").count() == 7
    assert not TransportMessage.objects.filter(delivered_at__isnull=True).exists()


def test_reasons_are_encrypted_on_the_timeline(demo_users, case):
    referral = sent_referral(demo_users, case)
    referral_decline(actor=demo_users["ncp-lt"], referral=referral, reason="No placement available this month")
    event = ReferralEvent.objects.get(referral=referral, kind="declined")
    assert b"No placement" not in bytes(event.note_enc)
    assert [t.note for t in timeline_for(actor=demo_users["ncp-se"], referral=referral)][-1] == "No placement available this month"


def test_declining_stamps_the_decision_and_the_acknowledgement(demo_users, case):
    # given a referral nobody has acknowledged yet
    referral = sent_referral(demo_users, case)
    # when ncp-lt declines it at once
    with Window() as declined:
        referral = referral_decline(actor=demo_users["ncp-lt"], referral=referral, reason="No placement available")
    # then the decision counts as the acknowledgement too; nothing was accepted and no case was opened
    assert (referral.status, referral.version) == (Status.DECLINED, 3)
    assert declined.holds(referral.decided_at)
    assert referral.acknowledged_at == referral.decided_at
    assert (referral.accepted_at, referral.receiving_case) == (None, None)
    assert timeline(referral)[-1] == ("declined", "receiver", "declined", "ncp-lt")
    assert Case.objects.filter(country__code="LT").count() == 0


def test_withdrawing_stamps_it_and_tells_the_receiving_side(demo_users, case):
    referral = sent_referral(demo_users, case)
    mark = audit_mark()
    with Window() as withdrawn:
        referral = referral_withdraw(actor=demo_users["ncp-se"], referral=referral, reason="The child has been located in Norway")
    assert (referral.status, referral.version) == (Status.WITHDRAWN, 3)
    assert withdrawn.holds(referral.withdrawn_at)
    assert timeline(referral)[-1] == ("withdrawn", "sender", "withdrawn", "ncp-se")
    assert audited_since(mark) == [("referral.withdraw", "ncp-se", "referrals.referral")]
    assert list(TransportMessage.objects.filter(direction="in").values_list("kind", flat=True)) == ["referral", "event"]


def test_a_caseworker_drafts_asks_for_approval_and_the_ncp_sends(demo_users, case):
    users = demo_users
    # given a draft by caseworker-se
    referral = draft_referral(users, case, by="caseworker-se")
    before = Snapshot.of(referral)
    # when caseworker-se tries to send it, then that is refused and nothing changes
    with pytest.raises(PermissionDenied):
        referral_send(actor=users["caseworker-se"], referral=referral)
    assert Snapshot.of(referral) == before
    # when caseworker-se asks the NCP to approve it
    mark = audit_mark()
    with Window() as asked:
        referral = referral_request_approval(actor=users["caseworker-se"], referral=referral)
    # then it waits, still a draft, for the NCP
    assert (referral.status, referral.version) == (Status.DRAFT, 2)
    assert asked.holds(referral.approval_requested_at)
    assert timeline(referral) == [
        ("created", "sender", "draft", "caseworker-se"),
        ("approval_requested", "sender", "draft", "caseworker-se"),
    ]
    assert audited_since(mark) == [("referral.approval_request", "caseworker-se", "referrals.referral")]
    assert TransportMessage.objects.count() == 0  # a draft's steps stay on the sending side
    # when ncp-se sends it
    referral = referral_send(actor=users["ncp-se"], referral=referral)
    # then it is sent by the NCP
    assert (referral.status, referral.version, referral.sent_by, referral.created_by) == (
        Status.SENT, 3, users["ncp-se"], users["caseworker-se"],
    )  # fmt: skip


def test_a_draft_is_withdrawn_by_whoever_wrote_it_without_telling_anyone(demo_users, case, committed):
    referral = draft_referral(demo_users, case, by="caseworker-se")
    with committed() as outbox:
        referral = referral_withdraw(actor=demo_users["caseworker-se"], referral=referral, reason="Drafted by mistake")
    assert referral.status == Status.WITHDRAWN
    assert TransportMessage.objects.count() == 0
    assert outbox == []


# --- Refusals change nothing ------------------------------------------------------------------------


def _draft(users: dict[str, User], case: Case) -> Referral:
    return draft_referral(users, case)


def _caseworkers_draft(users: dict[str, User], case: Case) -> Referral:
    return draft_referral(users, case, by="caseworker-se")


def _approval_asked(users: dict[str, User], case: Case) -> Referral:
    return referral_request_approval(actor=users["caseworker-se"], referral=_caseworkers_draft(users, case))


def _sent(users: dict[str, User], case: Case) -> Referral:
    return sent_referral(users, case)


def _acknowledged(users: dict[str, User], case: Case) -> Referral:
    return referral_acknowledge(actor=users["ncp-lt"], referral=_sent(users, case))


def _info_requested(users: dict[str, User], case: Case) -> Referral:
    return referral_request_information(actor=users["ncp-lt"], referral=_sent(users, case), question="School?")


def _accepted(users: dict[str, User], case: Case) -> Referral:
    return referral_accept(actor=users["ncp-lt"], referral=_sent(users, case))


def _completed(users: dict[str, User], case: Case) -> Referral:
    return referral_complete(actor=users["ncp-lt"], referral=_accepted(users, case), outcome=Outcome.RETURNED_IN_CARE)


def _withdrawn(users: dict[str, User], case: Case) -> Referral:
    return referral_withdraw(actor=users["ncp-se"], referral=_sent(users, case), reason="Found elsewhere")


Step = Callable[[dict[str, User], Referral], Any]
REFUSALS = [
    pytest.param(
        _accepted, lambda u, r: referral_accept(actor=u["ncp-lt"], referral=r), WrongStatus, "already been accepted", id="accept-twice"
    ),
    pytest.param(
        _accepted,
        lambda u, r: referral_accept(actor=u["ncp-lt"], referral=r, assign_to="caseworker-lt"),
        WrongStatus,
        "already been accepted",
        id="accept-twice-with-assignee",
    ),
    pytest.param(
        _draft, lambda u, r: referral_acknowledge(actor=u["ncp-lt"], referral=r), PermissionDenied, None, id="acknowledge-draft-receiver"
    ),
    pytest.param(
        _draft,
        lambda u, r: referral_acknowledge(actor=u["ncp-se"], referral=r),
        WrongStatus,
        "has not been sent yet",
        id="acknowledge-draft-sender",
    ),
    pytest.param(
        _acknowledged,
        lambda u, r: referral_acknowledge(actor=u["ncp-lt"], referral=r),
        WrongStatus,
        "already been acknowledged",
        id="acknowledge-twice",
    ),
    pytest.param(
        _caseworkers_draft, lambda u, r: referral_send(actor=u["caseworker-se"], referral=r), PermissionDenied, None, id="send-caseworker"
    ),
    pytest.param(
        _approval_asked,
        lambda u, r: referral_send(actor=u["caseworker-se"], referral=r),
        PermissionDenied,
        None,
        id="send-caseworker-asked",
    ),
    pytest.param(_draft, lambda u, r: referral_send(actor=u["supervisor-se"], referral=r), PermissionDenied, None, id="send-supervisor"),
    pytest.param(_draft, lambda u, r: referral_send(actor=u["ncp-lt"], referral=r), PermissionDenied, None, id="send-receiving-ncp"),
    pytest.param(_sent, lambda u, r: referral_send(actor=u["researcher"], referral=r), PermissionDenied, None, id="send-sent-outsider"),
    pytest.param(_sent, lambda u, r: referral_send(actor=u["ncp-lt"], referral=r), WrongStatus, "has been sent", id="send-sent-receiver"),
    pytest.param(_sent, lambda u, r: referral_send(actor=u["ncp-se"], referral=r), WrongStatus, "has been sent", id="send-twice"),
    pytest.param(
        _approval_asked,
        lambda u, r: referral_request_approval(actor=u["caseworker-se"], referral=r),
        WrongStatus,
        "already been asked",
        id="ask-approval-twice",
    ),
    pytest.param(
        _caseworkers_draft,
        lambda u, r: referral_request_approval(actor=u["supervisor-se"], referral=r),
        PermissionDenied,
        None,
        id="ask-approval-not-author",
    ),
    pytest.param(
        _completed,
        lambda u, r: referral_withdraw(actor=u["ncp-se"], referral=r, reason="Changed our mind"),
        WrongStatus,
        "has been completed",
        id="withdraw-completed",
    ),
    pytest.param(
        _withdrawn,
        lambda u, r: referral_withdraw(actor=u["ncp-se"], referral=r, reason="Again"),
        WrongStatus,
        "has been withdrawn",
        id="withdraw-twice",
    ),
    pytest.param(
        _sent,
        lambda u, r: referral_withdraw(actor=u["ncp-lt"], referral=r, reason="Not ours"),
        PermissionDenied,
        None,
        id="withdraw-receiver",
    ),
    pytest.param(
        _sent,
        lambda u, r: referral_withdraw(actor=u["caseworker-se"], referral=r, reason="Mine"),
        PermissionDenied,
        None,
        id="withdraw-sent-caseworker",
    ),
    pytest.param(
        _sent,
        lambda u, r: referral_withdraw(actor=u["ncp-se"], referral=r, reason="  "),
        ValidationError,
        "reason",
        id="withdraw-no-reason",
    ),
    pytest.param(
        _sent, lambda u, r: referral_decline(actor=u["ncp-lt"], referral=r, reason=""), ValidationError, "reason", id="decline-no-reason"
    ),
    pytest.param(
        _sent,
        lambda u, r: referral_decline(actor=u["ncp-lt"], referral=r, reason=" \n "),
        ValidationError,
        "reason",
        id="decline-blank-reason",
    ),
    pytest.param(
        _sent,
        lambda u, r: referral_decline(actor=u["ncp-lt"], referral=r, reason="x" * 2001),
        ValidationError,
        "reason",
        id="decline-long-reason",
    ),
    pytest.param(
        _accepted,
        lambda u, r: referral_decline(actor=u["ncp-lt"], referral=r, reason="Too late"),
        WrongStatus,
        "already been accepted",
        id="decline-accepted",
    ),
    pytest.param(_sent, lambda u, r: referral_accept(actor=u["ncp-se"], referral=r), PermissionDenied, None, id="accept-sender"),
    pytest.param(
        _sent, lambda u, r: referral_accept(actor=u["coordinator-lt"], referral=r), PermissionDenied, None, id="accept-coordinator"
    ),
    pytest.param(
        _info_requested,
        lambda u, r: referral_accept(actor=u["ncp-lt"], referral=r),
        WrongStatus,
        "waits for the answer",
        id="accept-while-asking",
    ),
    pytest.param(
        _sent,
        lambda u, r: referral_accept(actor=u["ncp-lt"], referral=r, assign_to="caseworker-se"),
        ValidationError,
        "assign_to",
        id="accept-assign-swede",
    ),
    pytest.param(
        _sent,
        lambda u, r: referral_accept(actor=u["ncp-lt"], referral=r, assign_to="nobody"),
        ValidationError,
        "assign_to",
        id="accept-assign-unknown",
    ),
    pytest.param(
        _sent,
        lambda u, r: referral_request_information(actor=u["ncp-lt"], referral=r, question=""),
        ValidationError,
        "question",
        id="ask-nothing",
    ),
    pytest.param(
        _acknowledged,
        lambda u, r: referral_provide_information(actor=u["caseworker-se"], referral=r, answer="Unasked"),
        WrongStatus,
        "already been acknowledged",
        id="provide-unasked",
    ),
    pytest.param(
        _info_requested,
        lambda u, r: referral_provide_information(actor=u["ncp-lt"], referral=r, answer="Ours"),
        PermissionDenied,
        None,
        id="provide-receiver",
    ),
    pytest.param(
        _info_requested,
        lambda u, r: referral_provide_information(actor=u["caseworker-se"], referral=r, answer=""),
        ValidationError,
        "answer",
        id="provide-nothing",
    ),
    pytest.param(
        _acknowledged,
        lambda u, r: referral_start(actor=u["ncp-lt"], referral=r),
        WrongStatus,
        "already been acknowledged",
        id="start-early",
    ),
    pytest.param(_accepted, lambda u, r: referral_start(actor=u["ncp-se"], referral=r), PermissionDenied, None, id="start-sender"),
    pytest.param(
        _accepted,
        lambda u, r: referral_complete(actor=u["ncp-lt"], referral=r, outcome="vanished"),
        ValidationError,
        "outcome",
        id="complete-bad-outcome",
    ),
    pytest.param(
        _sent,
        lambda u, r: referral_complete(actor=u["ncp-lt"], referral=r, outcome=Outcome.OTHER),
        WrongStatus,
        "waits for the receiving country",
        id="complete-unaccepted",
    ),
    pytest.param(
        _sent,
        lambda u, r: referral_assign(actor=u["ncp-lt"], referral=r, username="caseworker-se"),
        ValidationError,
        "assign_to",
        id="assign-swede",
    ),
    pytest.param(
        _sent,
        lambda u, r: referral_assign(actor=u["ncp-se"], referral=r, username="caseworker-lt"),
        PermissionDenied,
        None,
        id="assign-sender",
    ),
    pytest.param(
        _withdrawn,
        lambda u, r: referral_assign(actor=u["ncp-lt"], referral=r, username="caseworker-lt"),
        WrongStatus,
        "has been withdrawn",
        id="assign-withdrawn",
    ),
    pytest.param(_draft, lambda u, r: note_post(actor=u["ncp-se"], referral=r, body="Hello"), PermissionDenied, None, id="note-on-draft"),
    pytest.param(
        _withdrawn,
        lambda u, r: note_post(actor=u["ncp-lt"], referral=r, body="Hello"),
        WrongStatus,
        "has been withdrawn",
        id="note-on-withdrawn",
    ),
    pytest.param(
        _sent, lambda u, r: note_post(actor=u["researcher"], referral=r, body="Hello"), PermissionDenied, None, id="note-outsider"
    ),
    pytest.param(_sent, lambda u, r: note_post(actor=u["ncp-lt"], referral=r, body=" "), ValidationError, "body", id="note-empty"),
]


@pytest.mark.parametrize(("given", "step", "error", "detail"), REFUSALS)
def test_a_refused_step_says_why_and_changes_nothing(
    demo_users, case, given: Callable[..., Referral], step: Step, error, detail, committed
):
    # given a referral at some point of its life
    referral = given(demo_users, case)
    before = Snapshot.of(referral)
    # when someone takes a step that is not theirs, or not now, or without what it needs
    with committed() as outbox, pytest.raises(error) as refused:
        step(demo_users, referral)
    # then it is refused with the reason, and nothing changed: status, version, timeline, audit, messages, cases, e-mail
    if error is WrongStatus:
        assert detail in refused.value.message
        assert refused.value.message.endswith("Nothing was changed.")
        assert refused.value.code == "wrong_status"
    elif error is ValidationError:
        assert list(refused.value.message_dict) == [detail]
    assert Snapshot.of(referral) == before
    assert outbox == []


# --- Bad input at draft ----------------------------------------------------------------------------


def _closed(users: dict[str, User]) -> Case:
    case = returnable_case(users)
    return case_close(actor=users["caseworker-se"], case=case, reason="Child turned 18")


BAD_DRAFTS = [
    pytest.param(
        {"to_country": "RU"},
        "to_country",
        "Russia has no operational national contact point, so a referral cannot be sent there. "
        "Contact the CBSS secretariat about other channels.",
        id="russia",
    ),
    pytest.param(
        {"to_country": "DE"},
        "to_country",
        "Germany has no operational national contact point, so a referral cannot be sent there. "
        "Contact the CBSS secretariat about other channels.",
        id="germany",
    ),
    pytest.param(
        {"to_country": "EU"},
        "to_country",
        "European Commission has no operational national contact point, so a referral cannot be sent there. "
        "Contact the CBSS secretariat about other channels.",
        id="commission",
    ),
    pytest.param({"to_country": "SE"}, "to_country", "A referral goes to another country's national contact point.", id="own-country"),
    pytest.param(
        {"to_country": "se"}, "to_country", "A referral goes to another country's national contact point.", id="own-country-lower"
    ),
    pytest.param({"to_country": "XX"}, "to_country", "Choose the country to refer to from the list.", id="unknown-country"),
    pytest.param({"to_country": ""}, "to_country", "Choose the country to refer to from the list.", id="no-country"),
    pytest.param(
        {"purpose": Purpose.INFORMATION_REQUEST, "profile": "return"},
        "profile",
        "The purpose “Request for information” does not allow sharing: Risk level, Warnings (flags), Trafficking status, "
        "Care plan, Best-interests determination, Return plan. Choose a smaller profile.",
        id="profile-too-wide",
    ),
    pytest.param(
        {"purpose": Purpose.FAMILY_TRACING, "profile": "risk"},
        "profile",
        "The purpose “Family tracing” does not allow sharing: Risk level, Warnings (flags), Trafficking status, "
        "Forms of exploitation. Choose a smaller profile.",
        id="tracing-with-risk",
    ),
    pytest.param({"profile": "everything"}, "profile", "Choose what is shared from the list.", id="unknown-profile"),
    pytest.param({"purpose": "holiday"}, "purpose", "Choose the purpose of the referral from the list.", id="unknown-purpose"),
    pytest.param({"urgency": "yesterday"}, "urgency", "Choose how urgent the referral is from the list.", id="unknown-urgency"),
    pytest.param(
        {"legal_basis": ""},
        "legal_basis",
        "A referral needs a legal basis: the consent of the child and the guardian, or a legal mandate.",
        id="no-legal-basis",
    ),
    pytest.param(
        {"legal_basis": "gut_feeling"},
        "legal_basis",
        "A referral needs a legal basis: the consent of the child and the guardian, or a legal mandate.",
        id="unknown-legal-basis",
    ),
    pytest.param(
        {"legal_basis_decided_by": "  "},
        "legal_basis_decided_by",
        "Say who gave the consent or decided on the legal mandate.",
        id="nobody-decided",
    ),
    pytest.param(
        {"legal_basis_decided_on": None}, "legal_basis_decided_on", "Give the date of the consent or decision.", id="no-decision-date"
    ),
    pytest.param(
        {"legal_basis_decided_on": days(1)},
        "legal_basis_decided_on",
        "The consent or decision cannot be dated in the future.",
        id="future-decision",
    ),
    pytest.param({"respond_by": days(-1)}, "respond_by", "The deadline for an answer cannot be in the past.", id="past-deadline"),
    pytest.param({"note": "x" * 5001}, "note", "At most 5000 characters.", id="long-note"),
]


@pytest.mark.parametrize(("overrides", "field", "message"), BAD_DRAFTS)
def test_bad_input_at_draft_is_refused_with_a_clear_message_and_nothing_is_created(demo_users, case, overrides, field, message):
    # given a Swedish case and a sending NCP
    mark, keys = audit_mark(), DataKey.objects.count()
    # when the referral is drafted with one bad value
    with pytest.raises(ValidationError) as refused:
        referral_draft(actor=demo_users["ncp-se"], case=case, new=new_referral(**overrides))
    # then that value is named with its message, and nothing was created or audited
    assert refused.value.message_dict == {field: [message]}
    assert Referral.objects.count() == 0
    assert ReferralEvent.objects.count() == 0
    assert DataKey.objects.count() == keys
    assert audited_since(mark) == []


def test_missing_legal_basis_is_told_field_by_field(demo_users, case):
    with pytest.raises(ValidationError) as refused:
        referral_draft(
            actor=demo_users["ncp-se"],
            case=case,
            new=new_referral(legal_basis="", legal_basis_decided_by="", legal_basis_decided_on=None),
        )
    assert sorted(refused.value.message_dict) == ["legal_basis", "legal_basis_decided_by", "legal_basis_decided_on"]
    assert Referral.objects.count() == 0


@pytest.mark.parametrize(
    ("make_case", "overrides", "field", "message"),
    [
        pytest.param(
            lambda users: open_case(users["caseworker-se"]),
            {},
            "purpose",
            "A return needs an approved best-interests determination that decided on return. Record and approve it first.",
            id="no-determination",
        ),
        pytest.param(
            lambda users: returnable_case(users, to="LV"),
            {},
            "to_country",
            "The return plan returns the child to LV, not here.",
            id="plan-to-latvia",
        ),
    ],
)
def test_a_return_needs_its_approved_determination_and_a_plan_to_that_country(demo_users, make_case, overrides, field, message):
    case = make_case(demo_users)
    with pytest.raises(ValidationError) as refused:
        referral_draft(actor=demo_users["ncp-se"], case=case, new=new_referral(**overrides))
    assert refused.value.message_dict == {field: [message]}
    assert Referral.objects.count() == 0


def test_a_closed_case_is_not_referred(demo_users):
    case = _closed(demo_users)
    mark = audit_mark()
    with pytest.raises(InvalidReferral, match="This case is closed: reopen it before referring the child."):
        referral_draft(actor=demo_users["ncp-se"], case=case, new=new_referral())
    assert Referral.objects.count() == 0
    assert audited_since(mark) == []


def test_a_draft_is_checked_again_when_it_is_sent(demo_users, case):
    # given a draft, and then the case is closed
    referral = draft_referral(demo_users, case)
    case_close(actor=demo_users["caseworker-se"], case=case, reason="Child turned 18")
    before = Snapshot.of(referral)
    # when ncp-se sends it, then it is refused and stays a draft
    with pytest.raises(InvalidReferral):
        referral_send(actor=demo_users["ncp-se"], referral=referral)
    assert Snapshot.of(referral) == before


@pytest.mark.parametrize("username", ["ncp-lt", "caseworker-lt", "secretariat", "sysadmin", "researcher"])
def test_only_someone_who_may_edit_the_case_drafts_a_referral(demo_users, case, username):
    with pytest.raises(PermissionDenied):
        referral_draft(actor=demo_users[username], case=case, new=new_referral())
    assert Referral.objects.count() == 0


# --- What the receiving side sees -----------------------------------------------------------------


@pytest.mark.parametrize("profile", list(PROFILES))
def test_the_delivered_message_carries_exactly_the_profile_and_never_the_contacts(demo_users, rich_case, profile):
    # given a case with something recorded for every field, and the child's contacts
    assert identity_of(rich_case).contacts == CONTACTS
    # when it is referred with a profile
    referral = sent_referral(demo_users, rich_case, purpose=PURPOSE_OF[profile], profile=profile)
    # then the receiving side's message carries exactly that profile's fields
    message = shared_subject_for(actor=demo_users["ncp-lt"], referral=referral)
    assert message is not None
    assert message.subject.carried() == set(PROFILES[profile].fields)
    assert (message.profile.name, set(message.profile.fields)) == (profile, set(PROFILES[profile].fields))
    # and the child's contacts appear nowhere in what was stored, which is encrypted at rest
    stored = stored_message_json(referral)
    assert parse(stored) == message
    assert "600 00000" not in stored
    assert "contacts" not in stored
    raw = bytes(fresh(referral).message_enc)
    assert b"Syntheticova" not in raw
    assert b"return_preparation" not in raw
    # and the name is there only when the profile shares it
    assert ("Syntheticova" in stored) is ("full_name" in PROFILES[profile].fields)
    assert (PASSPORT in stored) is ("identity_documents" in PROFILES[profile].fields)


def test_the_return_profile_carries_the_determination_and_the_plan(demo_users, rich_case):
    referral = sent_referral(demo_users, rich_case)
    subject = delivered(demo_users["ncp-lt"], referral).subject
    assert (subject.given_names, subject.family_name, subject.date_of_birth) == ("Testa", "Syntheticova", date(2011, 4, 2))
    assert [(d.kind, d.issuing_country, d.number) for d in subject.identity_documents or []] == [("passport", "LT", PASSPORT)]
    assert subject.determination is not None
    assert subject.determination.decision == "return"
    assert subject.determination.reasons == "Grandmother safe and willing; school place ready"
    assert subject.return_plan is not None
    assert (subject.return_plan.receiving_country, subject.return_plan.visits_planned) == ("LT", [days(20)])
    assert subject.trafficking_status is not None
    assert subject.trafficking_status.status == "actual"
    assert subject.flags == ["missing_risk"]


def test_what_was_shared_does_not_follow_later_changes_to_the_case(demo_users, case):
    # given a sent referral
    referral = sent_referral(demo_users, case)
    # when the Swedish case gets another passport afterwards
    add_passport(demo_users, case, number="LT0099999")
    # then the receiving side still reads what was sent
    subject = delivered(demo_users["ncp-lt"], referral).subject
    assert [d.number for d in subject.identity_documents or []] == [PASSPORT]


@pytest.mark.parametrize("profile", list(PROFILES))
def test_the_receiving_side_finds_a_referral_only_by_what_its_profile_shared(demo_users, case, profile):
    # given a referral sent with a profile
    referral = sent_referral(demo_users, case, purpose=PURPOSE_OF[profile], profile=profile)
    shares_name = "full_name" in PROFILES[profile].fields
    shares_documents = "identity_documents" in PROFILES[profile].fields

    def found(query: str) -> bool:
        hits = list(referral_list_for(actor=demo_users["ncp-lt"], filters=ReferralFilters(box=Box.INBOX, query=query)))
        assert hits in ([], [referral])
        return hits == [referral]

    # then ncp-lt finds it by reference always, by name or alias only if shared, by passport only if shared
    assert found(referral.reference.lower())
    assert found("Testa Syntheticova") is shares_name
    assert found("syntheticova testa") is shares_name
    assert found("Tessa") is shares_name
    assert found(PASSPORT) is shares_documents
    assert found("lt 0012345") is shares_documents
    # and never by the contacts, or by a name that is not the child's
    assert found(CONTACTS) is False
    assert found("Testa Other") is False
    assert AuditEntry.objects.filter(action="referral.search", actor_username="ncp-lt").count() == 8


def test_somebody_elses_inbox_does_not_find_it(demo_users, case):
    referral = sent_referral(demo_users, case)
    assert list(referral_list_for(actor=demo_users["caseworker-lt"], filters=ReferralFilters(query="Testa Syntheticova"))) == []
    assert list(referral_list_for(actor=demo_users["ncp-lt"], filters=ReferralFilters(box=Box.OUTBOX, query=referral.reference))) == []
    assert list(referral_list_for(actor=demo_users["ncp-se"], filters=ReferralFilters(box=Box.OUTBOX, query="Testa Syntheticova"))) == [
        referral
    ]


def test_the_boxes_count_by_status_and_overdue(demo_users, case):
    users = demo_users
    # given one draft, one overdue sent referral and one acknowledged referral from Sweden to Lithuania
    draft = draft_referral(users, case)
    overdue = sent_referral(users, returnable_case(users))
    Referral.objects.filter(pk=overdue.pk).update(respond_by=days(-1))  # as if its deadline had passed
    referral_acknowledge(actor=users["ncp-lt"], referral=sent_referral(users, returnable_case(users)))
    # then each side counts its own box; the draft is nowhere in Lithuania
    assert box_counts_for(actor=users["ncp-lt"], box=Box.INBOX) == {"sent": 1, "acknowledged": 1, "overdue": 1}
    assert box_counts_for(actor=users["ncp-se"], box=Box.OUTBOX) == {"draft": 1, "sent": 1, "acknowledged": 1, "overdue": 1}
    assert box_counts_for(actor=users["ncp-se"], box=Box.INBOX) == {"overdue": 0}
    assert box_counts_for(actor=users["secretariat"], box=Box.INBOX) == {"overdue": 0}
    assert list(referral_list_for(actor=users["ncp-lt"], filters=ReferralFilters(overdue=True))) == [overdue]
    # and the outbox lists the newest sent first and the draft last, on every database
    outbox = list(referral_list_for(actor=users["ncp-se"], filters=ReferralFilters(box=Box.OUTBOX)))
    assert [r.status for r in outbox] == [Status.ACKNOWLEDGED, Status.SENT, Status.DRAFT]
    assert list(case_referrals_for(actor=users["caseworker-se"], case_id=case.pk)) == [draft]
    assert list(case_referrals_for(actor=users["ncp-lt"], case_id=case.pk)) == []


# --- Acceptance opens the receiving country's own case ------------------------------------------------


def test_accepting_opens_a_lithuanian_case_from_what_was_shared(demo_users, case):
    users = demo_users
    # given a sent return referral of a Swedish case with a passport
    referral = sent_referral(users, case)
    swedish = Case.objects.get(pk=case.pk)
    swedish_identity = identity_of(swedish)
    cases, children = Case.objects.count(), Child.objects.count()
    # when ncp-lt accepts it and assigns caseworker-lt
    referral = referral_accept(actor=users["ncp-lt"], referral=referral, assign_to="caseworker-lt")
    # then Lithuania has its own case for a new child record, owned by ncp-lt, with caseworker-lt in the team
    lithuanian = referral.receiving_case
    assert lithuanian is not None
    assert (Case.objects.count(), Child.objects.count()) == (cases + 1, children + 1)
    assert lithuanian.country.code == "LT"
    assert lithuanian.pk != swedish.pk
    assert lithuanian.child_id != swedish.child_id
    assert lithuanian.number.startswith("LT-")
    assert sorted(lithuanian.team.values_list("user__username", "role")) == [
        ("caseworker-lt", TeamRole.CASEWORKER),
        ("ncp-lt", TeamRole.OWNER),
    ]
    # with exactly the identity that was shared: no contacts
    assert identity_of(lithuanian) == Identity(
        given_names="Testa",
        family_name="Syntheticova",
        aliases=["Tessa"],
        date_of_birth=date(2011, 4, 2),
        citizenships=["LT"],
        languages=["lt", "ru"],
        contacts="",
    )
    documents = lithuanian.child.documents_of_identity.select_related("child__data_key")
    assert [(d.kind, d.issuing_country, read_document_number(d)) for d in documents] == [("passport", "LT", PASSPORT)]
    assert (lithuanian.child.sex, lithuanian.risk_level) == (swedish.child.sex, swedish.risk_level)
    # and the Swedish case is as it was
    after = Case.objects.get(pk=case.pk)
    assert (after.version, after.updated_at, after.status, after.child_id) == (
        swedish.version,
        swedish.updated_at,
        swedish.status,
        swedish.child_id,
    )
    assert identity_of(after) == swedish_identity
    # and the new case is Lithuania's alone: caseworker-lt sees it, nobody in Sweden does
    visible_to = {name for name in DEMO if CasePolicy.visible(users[name], Case.objects.filter(pk=lithuanian.pk)).exists()}
    assert visible_to == {"ncp-lt", "caseworker-lt"}


def test_accepting_with_a_minimal_profile_opens_a_case_without_a_name(demo_users, case):
    referral = sent_referral(demo_users, case, purpose=Purpose.INFORMATION_REQUEST, profile="minimal")
    referral = referral_accept(actor=demo_users["ncp-lt"], referral=referral)
    assert referral.receiving_case is not None
    identity = identity_of(referral.receiving_case)
    assert (identity.given_names, identity.family_name, identity.date_of_birth, identity.citizenships) == ("", "", None, ["LT"])
    assert referral.receiving_case.child.documents_of_identity.count() == 0


def test_accepting_can_link_a_lithuanian_case_instead(demo_users, case):
    # given Lithuania already has a case for the child
    lithuanian = open_case(demo_users["caseworker-lt"], identity=synthetic_identity())
    referral = sent_referral(demo_users, case)
    cases = Case.objects.count()
    # when ncp-lt accepts and links it by its number
    referral = referral_accept(actor=demo_users["ncp-lt"], referral=referral, existing_case=lithuanian.number)
    # then no case is opened and the referral points at it
    assert Case.objects.count() == cases
    assert referral.receiving_case_id == lithuanian.pk
    assert referral.status == Status.ACCEPTED


def test_accepting_refuses_a_swedish_or_an_already_linked_case(demo_users, case):
    users = demo_users
    lithuanian = open_case(users["caseworker-lt"], identity=synthetic_identity())
    first = sent_referral(users, case)
    referral_accept(actor=users["ncp-lt"], referral=first, existing_case=str(lithuanian.pk))
    second = sent_referral(users, returnable_case(users))
    before = Snapshot.of(second)
    # when ncp-lt tries to link the Swedish case, then it is no case ncp-lt can see
    with pytest.raises(ValidationError) as swedish:
        referral_accept(actor=users["ncp-lt"], referral=second, existing_case=case.number)
    assert swedish.value.message_dict == {"existing_case": ["No case with this number that you can see."]}
    # when ncp-lt links the case the first referral already uses, then that is refused too
    with pytest.raises(ValidationError) as linked:
        referral_accept(actor=users["ncp-lt"], referral=second, existing_case=lithuanian.number)
    assert linked.value.message_dict == {"existing_case": ["This case is already linked to another referral."]}
    assert Snapshot.of(second) == before


# --- Who sees a referral -----------------------------------------------------------------------------

SENDING_SIDE = {"ncp-se", "caseworker-se", "supervisor-se"}


@pytest.mark.parametrize("username", DEMO)
def test_a_draft_is_seen_by_the_sending_side_only(demo_users, case, username):
    referral = draft_referral(demo_users, case)
    visible = ReferralPolicy.visible(demo_users[username], Referral.objects.all()).filter(pk=referral.pk).exists()
    assert visible is (username in SENDING_SIDE)


@pytest.mark.parametrize("username", DEMO)
def test_a_sent_referral_is_seen_by_both_sides_and_nobody_else(demo_users, case, username):
    referral = sent_referral(demo_users, case)
    visible = ReferralPolicy.visible(demo_users[username], Referral.objects.all()).filter(pk=referral.pk).exists()
    assert visible is (username in SENDING_SIDE | {"ncp-lt"})
    if not visible:
        with pytest.raises(Http404):
            referral_get_for(actor=demo_users[username], ref=referral.reference)
        with pytest.raises(Http404):
            shared_subject_for(actor=demo_users[username], referral=referral)


def test_caseworker_lt_sees_it_once_assigned(demo_users, case):
    referral = sent_referral(demo_users, case)
    caseworker = demo_users["caseworker-lt"]
    assert not ReferralPolicy.visible(caseworker, Referral.objects.filter(pk=referral.pk)).exists()
    mark = audit_mark()
    referral = referral_assign(actor=demo_users["ncp-lt"], referral=referral, username="caseworker-lt")
    assert (referral.assigned_to, referral.version) == (caseworker, 3)
    assert timeline(referral)[-1] == ("assigned", "receiver", "sent", "ncp-lt")
    assert audited_since(mark) == [("referral.assign", "ncp-lt", "referrals.referral")]
    assert ReferralPolicy.visible(caseworker, Referral.objects.filter(pk=referral.pk)).exists()
    assert list(referral_list_for(actor=caseworker, filters=ReferralFilters(box=Box.INBOX))) == [referral]
    assert shared_subject_for(actor=caseworker, referral=referral) is not None


# --- The thread ------------------------------------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_both_sides_write_on_the_thread_and_the_text_is_encrypted(demo_users, case):
    users = demo_users
    referral = sent_referral(users, case)
    # when each side writes a message
    mark = audit_mark()
    first = note_post(actor=users["ncp-se"], referral=referral, body="The guardian can travel on the 12th.")
    second = note_post(actor=users["ncp-lt"], referral=referral, body="Understood; the grandmother is informed.")
    # then both see both, in order, with the side each came from
    for username in ("caseworker-se", "ncp-lt"):
        thread = thread_for(actor=users[username], referral=referral)
        assert [(t.note.side, t.note.author.username, t.body) for t in thread] == [
            (Side.SENDER, "ncp-se", "The guardian can travel on the 12th."),
            (Side.RECEIVER, "ncp-lt", "Understood; the grandmother is informed."),
        ]
    assert audited_since(mark)[:2] == [
        ("referral.message", "ncp-se", "referrals.referral"),
        ("referral.message", "ncp-lt", "referrals.referral"),
    ]
    assert AuditEntry.objects.filter(action="referral.thread.read").count() == 2
    # and each message travelled once; the text is not readable in the table
    assert TransportMessage.objects.filter(kind="note", direction="in").count() == 2
    assert b"guardian" not in bytes(ReferralNote.objects.get(pk=first.note.pk).body_enc)
    assert b"grandmother" not in bytes(ReferralNote.objects.get(pk=second.note.pk).body_enc)


def test_an_attachment_is_encrypted_at_rest_and_read_back_through_the_selector(demo_users, case):
    users = demo_users
    referral = sent_referral(users, case)
    content = b"Social report (synthetic): the child attends grade 7.\n"
    # when ncp-se attaches a social report (the return profile allows it)
    posted = note_post(
        actor=users["ncp-se"],
        referral=referral,
        body="Report attached.",
        uploads=[Upload(kind="social_report", filename="C:\\reports\\report.txt", content=content)],
    )
    (attachment,) = posted.attachments
    # then it is stored encrypted, with its checked format, cleaned name, size and checksum in clear
    row = ReferralAttachment.objects.get(pk=attachment.pk)
    assert (row.kind, row.filename, row.content_type, row.size) == ("social_report", "report.txt", "text/plain", len(content))
    assert row.sha256 == hashlib.sha256(content).hexdigest()
    assert content not in bytes(row.content_enc)
    assert b"grade 7" not in bytes(row.content_enc)
    # and the other side reads it back through the selector, audited as a download
    mark = audit_mark()
    found, data = attachment_for(actor=users["ncp-lt"], referral=referral, attachment_id=attachment.pk)
    assert (found.pk, data) == (attachment.pk, content)
    assert audited_since(mark) == [("referral.attachment.download", "ncp-lt", "referrals.referral")]
    # and the note message carried it
    assert TransportMessage.objects.filter(kind="note", direction="in").count() == 1


def test_a_long_file_name_is_shortened_to_fit_keeping_its_extension(demo_users, case):
    referral = sent_referral(demo_users, case)
    posted = note_post(
        actor=demo_users["ncp-se"],
        referral=referral,
        body="Scan",
        uploads=[Upload(kind="correspondence", filename="a" * 250 + ".pdf", content=PDF)],
    )
    name = ReferralAttachment.objects.get(pk=posted.attachments[0].pk).filename
    assert (len(name), name[-6:]) == (200, "aa.pdf")


@pytest.mark.parametrize(
    ("profile", "upload", "field", "message"),
    [
        pytest.param(
            "minimal",
            Upload(kind="identity_document", filename="passport.pdf", content=PDF),
            "kind",
            "This referral shares “Minimal: no name, no date of birth”, which does not include documents of this kind.",
            id="passport-copy-on-minimal",
        ),
        pytest.param(
            "identification",
            Upload(kind="medical", filename="medical.pdf", content=PDF),
            "kind",
            "This referral shares “Identification”, which does not include documents of this kind.",
            id="medical-on-identification",
        ),
        pytest.param(
            "return",
            Upload(kind="social_report", filename="empty.pdf", content=b""),
            "file",
            "The file is empty.",
            id="empty",
        ),
        pytest.param(
            "return",
            Upload(kind="social_report", filename="report.pdf", content=PNG),
            "file",
            "The file is named as PDF but its content is PNG. Nothing was stored: check that it is the right file.",
            id="png-named-pdf",
        ),
        pytest.param(
            "return",
            Upload(kind="social_report", filename="report.exe", content=PDF),
            "file",
            "Files ending in .exe are not accepted. "
            "Allowed formats: JPEG, OpenDocument text (ODT), PDF, PNG, Word (DOCX), plain text (UTF-8).",
            id="exe",
        ),
    ],
)
def test_an_attachment_the_profile_or_the_file_check_refuses_stores_nothing(demo_users, case, profile, upload, field, message):
    referral = sent_referral(demo_users, case, purpose=PURPOSE_OF[profile], profile=profile)
    before = Snapshot.of(referral)
    with pytest.raises(ValidationError) as refused:
        note_post(
            actor=demo_users["ncp-se"],
            referral=referral,
            body="See attached",
            uploads=[Upload(kind="correspondence", filename="ok.pdf", content=PDF), upload],
        )
    assert refused.value.message_dict == {field: [message]}
    assert Snapshot.of(referral) == before


def test_a_correspondence_attachment_is_allowed_on_every_profile(demo_users, case):
    referral = sent_referral(demo_users, case, purpose=Purpose.INFORMATION_REQUEST, profile="minimal")
    posted = note_post(
        actor=demo_users["ncp-lt"],
        referral=referral,
        body="Our letter",
        uploads=[Upload(kind="correspondence", filename="letter.pdf", content=PDF)],
    )
    assert [a.kind for a in posted.attachments] == ["correspondence"]


# --- Follow-up visits after a return ------------------------------------------------------------------


def follow_up_report_today(actor: User, referral: Referral, planned_on: date | None = None) -> FollowUpReport:
    return follow_up_report(
        actor=actor,
        referral=referral,
        visited_on=timezone.localdate(),
        result="Living with the grandmother, attends school",
        planned_on=planned_on,
    )


def selectors_follow_ups(actor: User, referral: Referral) -> list[tuple[date, str]]:
    return [(e.report.visited_on, e.result) for e in follow_ups_for(actor=actor, referral=referral)]


def test_the_receiving_ncp_reports_a_follow_up_visit_onto_the_swedish_case(demo_users, case):
    users = demo_users
    # given an accepted return referral and the visit planned on the Swedish case
    referral = referral_accept(actor=users["ncp-lt"], referral=sent_referral(users, case))
    visit = FollowUpVisit.objects.get(return_plan__determination__case=case)
    assert (visit.planned_on, visit.visited_on) == (days(20), None)
    mark = audit_mark()
    # when ncp-lt reports the visit
    report = follow_up_report_today(users["ncp-lt"], referral, planned_on=days(20))
    # then the report is kept encrypted on the referral
    assert (report.visited_on, report.planned_on, report.reported_by) == (timezone.localdate(), days(20), users["ncp-lt"])
    assert b"grandmother" not in bytes(FollowUpReport.objects.get(pk=report.pk).result_enc)
    # and the Swedish visit is marked as done, with the result encrypted under the child's key
    visit.refresh_from_db()
    assert visit.visited_on == timezone.localdate()
    assert b"grandmother" not in bytes(visit.result_enc)
    assert decrypt_field(visit, "result_enc", data_key=case.child.data_key) == "Living with the grandmother, attends school"
    # and it is on the timeline, sent as a message, and audited on both records
    assert timeline(referral)[-1] == ("follow_up", "receiver", "accepted", "ncp-lt")
    assert TransportMessage.objects.filter(kind="follow_up", direction="in").count() == 1
    assert audited_since(mark) == [
        ("case.best_interests.visit_record", f"referral {referral.reference}", "cases.case"),
        ("referral.follow_up", "ncp-lt", "referrals.referral"),
    ]
    entries = selectors_follow_ups(users["caseworker-se"], referral)
    assert entries == [(timezone.localdate(), "Living with the grandmother, attends school")]


@pytest.mark.parametrize(
    ("given", "username", "error"),
    [
        pytest.param(_sent, "ncp-lt", WrongStatus, id="before-acceptance"),
        pytest.param(_accepted, "ncp-se", PermissionDenied, id="by-the-sender"),
        pytest.param(_accepted, "caseworker-lt", PermissionDenied, id="by-an-unassigned-caseworker"),
        pytest.param(
            lambda users, case: referral_accept(
                actor=users["ncp-lt"], referral=sent_referral(users, case, purpose=Purpose.FAMILY_TRACING, profile="identification")
            ),
            "ncp-lt",
            InvalidReferral,
            id="not-a-return",
        ),
    ],
)
def test_a_follow_up_report_is_refused_outside_an_accepted_return(demo_users, case, given, username, error):
    referral = given(demo_users, case)
    before = Snapshot.of(referral)
    with pytest.raises(error):
        follow_up_report_today(demo_users[username], referral)
    assert Snapshot.of(referral) == before


def test_a_visit_in_the_future_is_refused(demo_users, case):
    referral = _accepted(demo_users, case)
    before = Snapshot.of(referral)
    with pytest.raises(ValidationError) as refused:
        follow_up_report(actor=demo_users["ncp-lt"], referral=referral, visited_on=days(1), result="Fine")
    assert refused.value.message_dict == {"visited_on": ["A visit cannot have taken place in the future."]}
    assert Snapshot.of(referral) == before


# --- Possible match ------------------------------------------------------------------------------------


def _swedish(users: dict[str, User], **identity: Any) -> Case:
    return open_case(users["caseworker-se"], identity=synthetic_identity(**identity))


def _lithuanian(users: dict[str, User], **identity: Any) -> Case:
    return open_case(users["caseworker-lt"], identity=synthetic_identity(**identity))


@pytest.mark.parametrize(
    ("setup", "possible", "compared", "answer"),
    [
        pytest.param(lambda u: (_swedish(u), _lithuanian(u)), True, True, "possible match", id="same-name-and-birth"),
        pytest.param(
            lambda u: (_swedish(u), _lithuanian(u, given_names="TESTA", family_name="Syntheticová")),
            True,
            True,
            "possible match",
            id="same-name-other-spelling",
        ),
        pytest.param(lambda u: (_swedish(u), _lithuanian(u, date_of_birth=date(2011, 4, 3))), False, True, "no match", id="other-birthday"),
        pytest.param(lambda u: (_swedish(u), _lithuanian(u, given_names="Other")), False, True, "no match", id="other-name"),
        pytest.param(lambda u: (_swedish(u), None), False, True, "no match", id="no-lithuanian-cases"),
        pytest.param(
            lambda u: (_with_passport(u, _swedish(u, date_of_birth=None)), _with_passport(u, _lithuanian(u, given_names="Other"))),
            True,
            True,
            "possible match",
            id="same-document-only",
        ),
        pytest.param(
            lambda u: (_swedish(u, date_of_birth=None), _lithuanian(u)), False, False, "nothing to compare", id="nothing-to-compare"
        ),
    ],
)
def test_match_check_answers_possible_match_or_not_and_nothing_else(demo_users, setup, possible, compared, answer):
    # given a Swedish case and perhaps a Lithuanian one
    swedish, lithuanian = setup(demo_users)
    mark = audit_mark()
    # when ncp-se asks whether Lithuania may know the child
    result = match_check(actor=demo_users["ncp-se"], case=swedish, country_code="lt")
    # then the answer is yes or no (or "nothing to compare"), about the country, and nothing more
    assert (result.country.code, result.possible_match, result.compared) == ("LT", possible, compared)
    assert [f.name for f in fields(MatchAnswer)] == ["country", "possible_match", "compared"]
    numbers = [swedish.number, swedish.child.pseudonym] + ([lithuanian.number, lithuanian.child.pseudonym] if lithuanian else [])
    assert [secret for secret in (*CHILD_NAME, "Other", PASSPORT, *numbers) if secret in repr(result)] == []
    # and the question and answer are audited on the Swedish case, with the answer and nothing about the other side
    assert audited_since(mark) == [("referral.match_check", "ncp-se", "cases.case")]
    entry = AuditEntry.objects.get(seq__gt=mark)
    assert (entry.object_id, entry.purpose) == (str(swedish.pk), f"LT: {answer}")


def _with_passport(users: dict[str, User], case: Case) -> Case:
    owner = "caseworker-se" if case.country.code == "SE" else "caseworker-lt"
    identity_document_add(actor=users[owner], case=case, kind="passport", number=PASSPORT, issuing_country="LT")
    return case


def test_match_check_does_not_look_at_other_countries_or_the_same_child(demo_users):
    swedish = _swedish(demo_users)
    _lithuanian(demo_users)
    assert match_check(actor=demo_users["ncp-se"], case=swedish, country_code="LV").possible_match is False
    assert match_check(actor=demo_users["ncp-se"], case=swedish, country_code="LT").possible_match is True


@pytest.mark.parametrize(
    ("username", "country", "error"),
    [
        pytest.param("caseworker-se", "LT", PermissionDenied, id="caseworker"),
        pytest.param("supervisor-se", "LT", PermissionDenied, id="supervisor"),
        pytest.param("ncp-lt", "LT", PermissionDenied, id="other-ncp"),
        pytest.param("secretariat", "LT", PermissionDenied, id="secretariat"),
        pytest.param("ncp-se", "SE", ValidationError, id="own-country"),
        pytest.param("ncp-se", "RU", ValidationError, id="no-operational-ncp"),
        pytest.param("ncp-se", "XX", ValidationError, id="unknown-country"),
    ],
)
def test_match_check_is_for_the_cases_ncp_towards_an_operational_ncp(demo_users, username, country, error):
    swedish = _swedish(demo_users)
    _lithuanian(demo_users)
    mark = audit_mark()
    with pytest.raises(error):
        match_check(actor=demo_users[username], case=swedish, country_code=country)
    assert audited_since(mark) == []


# --- Transport ---------------------------------------------------------------------------------------------


class RecordingTransport(LocalTransport):
    """A transport that delivers like the local one and keeps a log of every message it carried."""

    name = "recording"
    log: ClassVar[list[tuple[str, str]]] = []

    def send(self, *, referral: Referral, message: Any) -> None:
        type(self).log.append((message.kind, getattr(message, "event", "")))
        super().send(referral=referral, message=message)


def test_the_transport_is_chosen_by_the_environment_and_the_services_do_not_notice(demo_users, case, monkeypatch):
    users = demo_users
    # given the transport configured by CARNET_REFERRAL_TRANSPORT
    monkeypatch.setenv("CARNET_REFERRAL_TRANSPORT", f"{__name__}.RecordingTransport")
    monkeypatch.setattr(RecordingTransport, "log", [])
    assert isinstance(get_transport(), RecordingTransport)
    # when a referral goes through its steps
    referral = draft_referral(users, case)
    referral = referral_send(actor=users["ncp-se"], referral=referral)
    referral = referral_acknowledge(actor=users["ncp-lt"], referral=referral)
    note_post(actor=users["ncp-lt"], referral=referral, body="We are preparing.")
    referral = referral_assign(actor=users["ncp-lt"], referral=referral, username="caseworker-lt")
    referral = referral_accept(actor=users["ncp-lt"], referral=referral)
    referral_withdraw(actor=users["ncp-se"], referral=referral, reason="The child stays")
    # then every step after the draft went through it, in order, and was received once
    assert RecordingTransport.log == [
        ("referral", ""),
        ("event", "acknowledged"),
        ("note", ""),
        ("event", "assigned"),
        ("event", "accepted"),
        ("event", "withdrawn"),
    ]
    assert set(TransportMessage.objects.values_list("transport", flat=True)) == {"recording"}
    assert TransportMessage.objects.filter(direction="in").count() == 6
    # and the receiving side reads the delivered message as before
    assert shared_subject_for(actor=users["ncp-lt"], referral=referral) is not None


def test_the_default_transport_is_local(monkeypatch):
    monkeypatch.delenv("CARNET_REFERRAL_TRANSPORT", raising=False)
    assert type(get_transport()) is LocalTransport


def test_receiving_the_same_message_twice_does_nothing_the_second_time(demo_users, case):
    referral = sent_referral(demo_users, case)
    message = parse(stored_message_json(referral))
    assert isinstance(message, ReferralMessage)
    stored_before = bytes(fresh(referral).message_enc)
    # when the referral message arrives again (a retry of the same message)
    assert inbound.receive(message, transport="local") is False
    # then nothing is recorded or stored a second time
    assert TransportMessage.objects.filter(message_id=message.message_id, direction="in").count() == 1
    assert bytes(fresh(referral).message_enc) == stored_before
    # and a new event message is received once
    event = EventMessage(
        message_id=uuid.uuid4(),
        referral_id=referral.pk,
        reference=referral.reference,
        at=timezone.now(),
        event="delivered",
        status="sent",
        side="system",
    )
    assert inbound.receive(event, transport="local") is True
    assert inbound.receive(parse(canonical_json(event)), transport="local") is False
    assert TransportMessage.objects.filter(message_id=event.message_id).count() == 1


def test_a_message_about_an_unknown_referral_is_refused(demo_users):
    event = EventMessage(
        message_id=uuid.uuid4(),
        referral_id=uuid.uuid4(),
        reference="XB-0000-0000",
        at=timezone.now(),
        event="sent",
        status="sent",
        side="sender",
    )
    with pytest.raises(inbound.UnknownReferral):
        inbound.receive(event, transport="local")
    assert TransportMessage.objects.count() == 0
    assert Referral.objects.count() == 0


def test_a_message_whose_subject_goes_beyond_its_profile_is_refused_by_the_receiving_side(demo_users, case):
    # given a referral sent with the identification profile
    referral = sent_referral(demo_users, case, purpose=Purpose.FAMILY_TRACING, profile="identification")
    data = json.loads(stored_message_json(referral))
    stored_before = bytes(fresh(referral).message_enc)
    transport_before = TransportMessage.objects.count()
    # when a message arrives claiming that profile but carrying the risk level too
    data["message_id"] = str(uuid.uuid4())
    data["subject"]["risk_level"] = "high"
    # then it does not parse
    with pytest.raises(MessageInvalid, match="outside its profile"):
        parse(json.dumps(data))
    # and a sender that skips validation gets it refused by the transport before anything is written
    forged = ReferralMessage.model_construct(**{**parse(stored_message_json(referral)).__dict__, "message_id": uuid.uuid4()})
    forged = forged.model_copy(update={"subject": forged.subject.model_copy(update={"risk_level": "high"})})
    with pytest.raises(MessageInvalid, match="outside its profile"):
        LocalTransport().send(referral=fresh(referral), message=forged)
    assert TransportMessage.objects.count() == transport_before
    assert bytes(fresh(referral).message_enc) == stored_before


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"reference": "XB-0000-0000"}, id="other-reference"),
        pytest.param({"receiver": {"country": "LV", "organisation": ""}}, id="other-receiver"),
        pytest.param({"purpose": Purpose.INFORMATION_REQUEST.value}, id="other-purpose"),
        pytest.param(
            {
                "profile": {"name": "minimal", "fields": ["sex", "age_band", "citizenships", "languages"], "documents": ["correspondence"]},
                "subject": {"sex": "female", "age_band": "12_14", "citizenships": ["LT"], "languages": ["lt"]},
            },
            id="other-profile",
        ),
    ],
)
def test_a_message_that_contradicts_its_referral_is_refused(demo_users, case, change):
    # given a referral sent for family tracing with the identification profile
    referral = sent_referral(demo_users, case, purpose=Purpose.FAMILY_TRACING, profile="identification")
    stored_before, transport_before = bytes(fresh(referral).message_enc), TransportMessage.objects.count()
    # when a well-formed message arrives for it that says something else about it
    data = {**json.loads(stored_message_json(referral)), "message_id": str(uuid.uuid4()), **change}
    # then the receiving side refuses it and keeps what it had
    with pytest.raises(inbound.MismatchedMessage):
        inbound.receive(parse(json.dumps(data)), transport="local")
    assert TransportMessage.objects.count() == transport_before
    assert bytes(fresh(referral).message_enc) == stored_before


def test_an_event_with_another_reference_is_refused(demo_users, case):
    referral = sent_referral(demo_users, case)
    event = EventMessage(
        message_id=uuid.uuid4(),
        referral_id=referral.pk,
        reference="XB-0000-0000",
        at=timezone.now(),
        event="sent",
        status="sent",
        side="sender",
    )
    with pytest.raises(inbound.MismatchedMessage):
        inbound.receive(event, transport="local")
    assert not TransportMessage.objects.filter(message_id=event.message_id).exists()


# --- Escalation ------------------------------------------------------------------------------------------


def test_an_overdue_referral_is_escalated_once_to_both_countries(demo_users, case, committed):
    users = demo_users
    # given a referral due tomorrow that nobody answers, and one that was accepted in time
    referral = sent_referral(users, case, respond_by=days(1))
    answered = referral_accept(actor=users["ncp-lt"], referral=sent_referral(users, returnable_case(users), respond_by=days(1)))
    mark = audit_mark()
    # when the deadline check runs the day after the deadline
    with committed() as outbox:
        escalated = referrals_escalate(today=days(2))
    # then only the unanswered one is escalated: stamped, on both timelines, audited, told to NCPs and coordinators
    assert [r.pk for r in escalated] == [referral.pk]
    row = fresh(referral)
    assert row.escalated_at is not None
    assert (row.status, row.version) == (Status.SENT, 3)
    assert timeline(referral)[-1] == ("escalated", "system", "sent", "carnet")
    assert fresh(answered).escalated_at is None
    assert audited_since(mark) == [("referral.escalate", "carnet", "referrals.referral")]
    assert sorted(address for message in outbox for address in message.to) == [
        "coordinator-lt@demo.carnet.invalid", "ncp-lt@demo.carnet.invalid", "ncp-se@demo.carnet.invalid",
    ]  # fmt: skip
    assert all(referral.reference in message.subject and "Testa" not in message.body for message in outbox)
    # when it runs again, then nothing more happens
    assert referrals_escalate(today=days(3)) == []
    assert audited_since(mark) == [("referral.escalate", "carnet", "referrals.referral")]


def test_a_draft_sent_after_its_deadline_gets_the_time_its_urgency_gives_from_today(demo_users, case):
    # given an urgent draft that waited until its deadline had passed
    referral = draft_referral(demo_users, case, urgency=Urgency.URGENT)
    Referral.objects.filter(pk=referral.pk).update(respond_by=days(-3))  # as if it was drafted ten days ago
    # when ncp-se sends it
    referral = referral_send(actor=demo_users["ncp-se"], referral=referral)
    # then the deadline is a week from today, in the row and in the message, and it is not overdue
    assert fresh(referral).respond_by == days(7)
    assert delivered(demo_users["ncp-lt"], referral).respond_by == days(7)
    assert referrals_escalate(today=days(1)) == []


def test_a_deadline_still_ahead_is_kept_when_the_draft_is_sent(demo_users, case):
    referral = sent_referral(demo_users, case, respond_by=days(3))
    assert fresh(referral).respond_by == days(3)


def test_nothing_is_escalated_before_the_deadline_has_passed(demo_users, case):
    sent_referral(demo_users, case, respond_by=days(1))
    assert referrals_escalate(today=days(1)) == []
    assert referrals_escalate() == []


# --- E-mails ----------------------------------------------------------------------------------------------


def test_sending_e_mails_the_receiving_ncp_the_reference_and_never_the_child(demo_users, case, committed):
    # given a draft
    referral = draft_referral(demo_users, case)
    # when ncp-se sends it and the transaction commits
    with committed() as outbox:
        referral_send(actor=demo_users["ncp-se"], referral=referral)
    # then ncp-lt gets one e-mail naming the reference, with a link, and nothing about the child or the Swedish case
    assert [message.to for message in outbox] == [["ncp-lt@demo.carnet.invalid"]]
    (message,) = outbox
    assert message.subject == f"carnet: referral {referral.reference} from SE in your inbox"
    assert referral.reference in message.body
    assert str(referral.pk) in message.body
    for secret in (*CHILD_NAME, "Tessa", case.number, case.child.pseudonym, PASSPORT, CONTACTS):
        assert secret not in message.subject
        assert secret not in message.body


@pytest.mark.parametrize(
    ("step", "recipients"),
    [
        pytest.param(lambda u, r: referral_acknowledge(actor=u["ncp-lt"], referral=r), [], id="acknowledge-tells-nobody"),
        pytest.param(
            lambda u, r: referral_request_information(actor=u["ncp-lt"], referral=r, question="School?"),
            ["ncp-se@demo.carnet.invalid"],
            id="question-to-sender",
        ),
        pytest.param(lambda u, r: referral_accept(actor=u["ncp-lt"], referral=r), ["ncp-se@demo.carnet.invalid"], id="accept-to-sender"),
        pytest.param(
            lambda u, r: referral_decline(actor=u["ncp-lt"], referral=r, reason="No place"),
            ["ncp-se@demo.carnet.invalid"],
            id="decline-to-sender",
        ),
        pytest.param(
            lambda u, r: referral_withdraw(actor=u["ncp-se"], referral=r, reason="Found"),
            ["ncp-lt@demo.carnet.invalid"],
            id="withdraw-to-receiver",
        ),
        pytest.param(
            lambda u, r: note_post(actor=u["ncp-se"], referral=r, body="Hello"), ["ncp-lt@demo.carnet.invalid"], id="note-to-receiver"
        ),
        pytest.param(
            lambda u, r: note_post(actor=u["ncp-lt"], referral=r, body="Hello"), ["ncp-se@demo.carnet.invalid"], id="note-to-sender"
        ),
    ],
)
def test_each_side_is_told_of_the_others_steps_by_reference_only(demo_users, case, step, recipients, committed):
    referral = sent_referral(demo_users, case)
    with committed() as outbox:
        step(demo_users, referral)
    assert sorted(address for message in outbox for address in message.to) == recipients
    for message in outbox:
        assert referral.reference in message.subject
        assert all(secret not in message.body for secret in (*CHILD_NAME, case.number, "School?", "Hello", "No place"))


def test_a_change_that_rolls_back_sends_no_e_mail(demo_users, case, committed):
    referral = draft_referral(demo_users, case)

    def send_twice_in_one_transaction() -> None:
        with transaction.atomic():
            referral_send(actor=demo_users["ncp-se"], referral=referral)
            referral_send(actor=demo_users["ncp-se"], referral=referral)

    # when the second send fails, the first rolls back with it
    with committed() as outbox, pytest.raises(WrongStatus):
        send_twice_in_one_transaction()
    # then nobody was told of a referral that was never sent
    assert outbox == []
    assert fresh(referral).status == Status.DRAFT


def test_legal_basis_is_kept_as_decided(demo_users, case):
    referral = sent_referral(demo_users, case, legal_basis=LegalBasis.LEGAL_MANDATE, legal_basis_decided_by="  District court of Demo  ")
    message = shared_subject_for(actor=demo_users["ncp-lt"], referral=referral)
    assert message is not None
    assert (message.legal_basis.basis, message.legal_basis.decided_by, message.legal_basis.decided_on) == (
        LegalBasis.LEGAL_MANDATE, "District court of Demo", days(-2),
    )  # fmt: skip
    assert (referral.legal_basis, referral.legal_basis_decided_by) == (LegalBasis.LEGAL_MANDATE, "District court of Demo")
