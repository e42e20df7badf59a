"""Every write to a referral: atomic, validated, audited in the same transaction, sent as a message.

The lifecycle (see ``TRANSITIONS``)::

    draft -> sent -> acknowledged -> accepted -> in progress -> completed
                  \\-> information requested -> (answered) -> acknowledged
                  \\-> declined (with a reason)
    any open status -> withdrawn (by the sender, with a reason)

A step is taken under a row lock and only from the statuses that allow it, so a
second "accept" (a double click, two NCP staff at once) is a clear refusal and
changes nothing. Each step writes a timeline event both sides see, an audit entry,
and a message through the transport (the views never know which transport).
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carnet.accounts.models import Role, User
from carnet.accounts.roles import has_role
from carnet.audit.services import record
from carnet.cases.models import Case, ChildIndex, ReturnPlan
from carnet.cases.models.codes import CaseStatus, DurableSolution, TeamRole
from carnet.cases.models.codes import LegalBasis as CaseLegalBasis
from carnet.cases.selectors import case_identity_for
from carnet.cases.services import NewCase, case_open, identity_document_add, team_add
from carnet.cases.services_records import check_upload, clean_filename
from carnet.core.crypto import data_key_create, encrypt_field
from carnet.core.models import Country, NcpStatus
from carnet.referrals import notify
from carnet.referrals.errors import InvalidReferral, WrongStatus
from carnet.referrals.message import (
    EventMessage,
    FollowUpMessage,
    LegalBasisPart,
    NoteMessage,
    Party,
    ProfilePart,
    ReferralMessage,
    attachment_part,
)
from carnet.referrals.models import (
    AWAITING_ANSWER,
    CLOSED,
    FollowUpReport,
    Referral,
    ReferralAttachment,
    ReferralEvent,
    ReferralNote,
    Side,
    Status,
)
from carnet.referrals.policies import ReferralAction, ReferralPolicy, side_of
from carnet.referrals.profiles import (
    PROFILES,
    PURPOSE_DEFAULT_PROFILE,
    Field,
    LegalBasis,
    Outcome,
    Purpose,
    Urgency,
    default_deadline,
    fields_beyond,
    ordered,
)
from carnet.referrals.subject import IDENTITY_FIELDS, approved_determination, build_subject, identity_from_subject
from carnet.referrals.transport import get_transport

NOTE_MAX_CHARS = 5_000
REASON_MAX_CHARS = 2_000
_REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I, L, O, U to misread

Kind = ReferralEvent.Kind


def _require(actor: Any, action: ReferralAction, obj: Any) -> None:
    if not ReferralPolicy.can(actor, action, obj):
        raise PermissionDenied


def new_reference() -> str:
    """A pseudonymous cross-border reference, e.g. XB-7F3K-9Q2M: random, never derived from the child or a case number."""
    while True:
        body = "".join(secrets.choice(_REFERENCE_ALPHABET) for _i in range(8))
        reference = f"XB-{body[:4]}-{body[4:]}"
        if not Referral.objects.filter(reference=reference).exists():
            return reference


def _encrypt(referral: Referral, obj: Any, column: str, text: str | bytes) -> None:
    assert referral.data_key is not None  # noqa: S101  (set when the draft is created)
    encrypt_field(obj, column, text or None, data_key=referral.data_key)


def _event(referral: Referral, *, kind: str, side: str, actor: Any = None, note: str = "", username: str = "") -> ReferralEvent:
    event = ReferralEvent(
        referral=referral,
        kind=kind,
        status=referral.status,
        side=side,
        actor=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
        actor_username=actor.get_username() if actor is not None and getattr(actor, "is_authenticated", False) else username,
        at=timezone.now(),
    )
    _encrypt(referral, event, "note_enc", note)
    event.save(force_insert=True)
    return event


def _send_event(referral: Referral, event: ReferralEvent, note: str = "") -> None:
    """Tell the other side about a step (after the referral itself has been delivered)."""
    if referral.sent_at is None:
        return  # a draft's steps stay on the sending side
    message = EventMessage(
        message_id=event.pk,
        referral_id=referral.pk,
        reference=referral.reference,
        at=event.at,
        event=event.kind,
        status=event.status,
        side=event.side,
        actor=event.actor_username,
        note=note,
        outcome=Outcome(referral.outcome) if referral.outcome else None,
    )
    get_transport().send(referral=referral, message=message)


def _bump(referral: Referral, **changes: Any) -> None:
    for name, value in changes.items():
        setattr(referral, name, value)
    referral.version = F("version") + 1
    referral.save(update_fields=[*changes, "version"])
    referral.refresh_from_db(fields=["version"])


def _locked(referral: Referral) -> Referral:
    """The referral's row, locked for the rest of the transaction, with its current status."""
    # Only the referral's own row: PostgreSQL refuses FOR UPDATE on the nullable side of an outer join (data_key).
    return (
        Referral.objects.select_for_update(of=("self",))
        .select_related("from_country", "to_country", "source_case", "data_key")
        .get(pk=referral.pk)
    )


_STATUS_MESSAGES = {
    Status.DRAFT: gettext_lazy("This referral has not been sent yet."),
    Status.SENT: gettext_lazy("This referral has been sent and waits for the receiving country."),
    Status.ACKNOWLEDGED: gettext_lazy("This referral has already been acknowledged."),
    Status.INFO_REQUESTED: gettext_lazy("The receiving country has asked for information; it waits for the answer."),
    Status.ACCEPTED: gettext_lazy("This referral has already been accepted."),
    Status.DECLINED: gettext_lazy("This referral has been declined."),
    Status.IN_PROGRESS: gettext_lazy("Work on this referral is already in progress."),
    Status.COMPLETED: gettext_lazy("This referral has been completed."),
    Status.WITHDRAWN: gettext_lazy("This referral has been withdrawn."),
}


def _expect(referral: Referral, *allowed: str) -> None:
    if referral.status not in allowed:
        raise WrongStatus(str(_STATUS_MESSAGES[Status(referral.status)]) + " " + _("Nothing was changed."))


def _required_text(value: str, field_name: str, message: str, limit: int = REASON_MAX_CHARS) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({field_name: message})
    if len(text) > limit:
        raise ValidationError({field_name: _("At most %(max)s characters.") % {"max": limit}})
    return text


# --- Drafting and sending -------------------------------------------------------------------


@dataclass(frozen=True)
class NewReferral:
    to_country: str
    purpose: str
    legal_basis: str
    legal_basis_decided_by: str
    legal_basis_decided_on: date | None
    profile: str = ""  # empty: the purpose's suggested profile
    urgency: str = Urgency.ROUTINE
    respond_by: date | None = None  # empty: by urgency
    note: str = ""


def _country(code: str) -> Country:
    country: Country | None = Country.objects.filter(code=(code or "").upper()).first()
    if country is None:
        raise ValidationError({"to_country": _("Choose the country to refer to from the list.")})
    return country


def _check_receiving_country(case: Case, country: Country) -> None:
    if country.pk == case.country_id:
        raise ValidationError({"to_country": _("A referral goes to another country's national contact point.")})
    if country.ncp_status != NcpStatus.OPERATIONAL:
        raise ValidationError(
            {
                "to_country": _(
                    "%(country)s has no operational national contact point, so a referral cannot be sent there. "
                    "Contact the CBSS secretariat about other channels."
                )
                % {"country": country}
            }
        )


def _check_profile(purpose: str, profile: str) -> None:
    if profile not in PROFILES:
        raise ValidationError({"profile": _("Choose what is shared from the list.")})
    beyond = fields_beyond(purpose, profile)
    if beyond:
        labels = ", ".join(str(Field(f).label) for f in ordered(frozenset(beyond)))  # in the order the form lists them
        raise ValidationError(
            {
                "profile": _("The purpose “%(purpose)s” does not allow sharing: %(fields)s. Choose a smaller profile.")
                % {"purpose": Purpose(purpose).label, "fields": labels}
            }
        )


def _check_legal_basis(basis: str, decided_by: str, decided_on: date | None) -> None:
    errors: dict[str, str] = {}
    if basis not in LegalBasis.values:
        errors["legal_basis"] = _("A referral needs a legal basis: the consent of the child and the guardian, or a legal mandate.")
    if not (decided_by or "").strip():
        errors["legal_basis_decided_by"] = _("Say who gave the consent or decided on the legal mandate.")
    if decided_on is None:
        errors["legal_basis_decided_on"] = _("Give the date of the consent or decision.")
    elif decided_on > timezone.localdate():
        errors["legal_basis_decided_on"] = _("The consent or decision cannot be dated in the future.")
    if errors:
        raise ValidationError(errors)


def _check_return(case: Case, purpose: str, country: Country) -> None:
    """A return referral carries an approved determination for return and its return plan to that country."""
    if purpose != Purpose.RETURN_PREPARATION:
        return
    determination = approved_determination(case)
    if determination is None or determination.decision != DurableSolution.RETURN:
        raise ValidationError(
            {"purpose": _("A return needs an approved best-interests determination that decided on return. Record and approve it first.")}
        )
    plan = ReturnPlan.objects.filter(determination=determination).first()
    if plan is None:
        raise ValidationError({"purpose": _("A return needs a return plan. Add it to the best-interests determination first.")})
    if plan.receiving_country.upper() != country.code:
        raise ValidationError(
            {"to_country": _("The return plan returns the child to %(planned)s, not here.") % {"planned": plan.receiving_country}}
        )


def _validate(case: Case, new: NewReferral) -> tuple[Country, str, date]:
    if case.status in (CaseStatus.CLOSED, CaseStatus.CLOSED_REFERRED) or case.anonymised_at is not None:
        raise InvalidReferral(_("This case is closed: reopen it before referring the child."))
    if new.purpose not in Purpose.values:
        raise ValidationError({"purpose": _("Choose the purpose of the referral from the list.")})
    if new.urgency not in Urgency.values:
        raise ValidationError({"urgency": _("Choose how urgent the referral is from the list.")})
    country = _country(new.to_country)
    _check_receiving_country(case, country)
    profile = new.profile or PURPOSE_DEFAULT_PROFILE[new.purpose]
    _check_profile(new.purpose, profile)
    _check_legal_basis(new.legal_basis, new.legal_basis_decided_by, new.legal_basis_decided_on)
    today = timezone.localdate()
    respond_by = new.respond_by or default_deadline(new.urgency, today=today)
    if respond_by < today:
        raise ValidationError({"respond_by": _("The deadline for an answer cannot be in the past.")})
    if len(new.note) > NOTE_MAX_CHARS:
        raise ValidationError({"note": _("At most %(max)s characters.") % {"max": NOTE_MAX_CHARS}})
    _check_return(case, new.purpose, country)
    return country, profile, respond_by


@transaction.atomic
def referral_draft(*, actor: User, case: Case, new: NewReferral) -> Referral:
    """Start a referral from a case: validated now, sent later by the sending country's NCP."""
    _require(actor, ReferralAction.DRAFT, case)
    country, profile, respond_by = _validate(case, new)
    referral = Referral(
        reference=new_reference(),
        source_case=case,
        from_country=case.country,
        to_country=country,
        purpose=new.purpose,
        urgency=new.urgency,
        respond_by=respond_by,
        legal_basis=new.legal_basis,
        legal_basis_decided_by=new.legal_basis_decided_by.strip(),
        legal_basis_decided_on=new.legal_basis_decided_on or timezone.localdate(),  # required: _validate refused None
        profile=profile,
        status=Status.DRAFT,
        data_key=data_key_create(),
        created_by=actor,
    )
    _encrypt(referral, referral, "note_enc", new.note.strip())
    referral.full_clean(exclude=["data_key", "created_by", "source_case", "from_country", "to_country"])
    referral.save(force_insert=True)
    _event(referral, kind=Kind.CREATED, side=Side.SENDER, actor=actor)
    record(actor=actor, action="referral.draft", obj=referral, purpose=f"{case.number} to {country.code}: {new.purpose}, profile {profile}")
    return referral


@transaction.atomic
def referral_request_approval(*, actor: User, referral: Referral) -> Referral:
    """A caseworker's draft goes to the sending country's NCP, who approves and sends it."""
    referral = _locked(referral)
    if side_of(actor, referral) != Side.SENDER or referral.created_by_id != actor.pk:
        raise PermissionDenied
    _expect(referral, Status.DRAFT)
    if referral.approval_requested_at is not None:
        raise WrongStatus(_("The NCP has already been asked to approve this referral. Nothing was changed."))
    _bump(referral, approval_requested_at=timezone.now())
    _event(referral, kind=Kind.APPROVAL_REQUESTED, side=Side.SENDER, actor=actor)
    record(actor=actor, action="referral.approval_request", obj=referral, purpose=referral.reference)
    notify.notify_on_commit(
        referral,
        notify.people([referral.from_country.code], Role.NCP),
        gettext_lazy("carnet: referral %(reference)s waits for your approval"),
        gettext_lazy("A draft referral %(reference)s from %(from)s to %(to)s waits for your approval before it is sent.\n\n%(link)s"),
    )
    return referral


def _message_for(actor: User, referral: Referral, now: Any) -> ReferralMessage:
    fields = PROFILES[referral.profile].fields
    identity = None
    needs_identity = fields & IDENTITY_FIELDS
    if needs_identity:
        identity = case_identity_for(actor=actor, case=referral.source_case, purpose=f"referral {referral.reference}")
    subject = build_subject(referral.source_case, fields, identity)
    from carnet.core.crypto import decrypt_field

    note = decrypt_field(referral, "note_enc", data_key=referral.data_key)
    return ReferralMessage(
        message_id=uuid.uuid4(),
        referral_id=referral.pk,
        reference=referral.reference,
        at=now,
        sender=Party(country=referral.from_country.code, organisation=str(referral.source_case.organisation or "")),
        receiver=Party(country=referral.to_country.code),
        purpose=Purpose(referral.purpose),
        urgency=Urgency(referral.urgency),
        respond_by=referral.respond_by,
        legal_basis=LegalBasisPart(
            basis=LegalBasis(referral.legal_basis), decided_by=referral.legal_basis_decided_by, decided_on=referral.legal_basis_decided_on
        ),
        profile=ProfilePart(
            name=referral.profile,
            fields=ordered(fields),
            documents=sorted(PROFILES[referral.profile].documents),
        ),
        subject=subject,
        note=str(note or ""),
    )


@transaction.atomic
def referral_send(*, actor: User, referral: Referral) -> Referral:
    """Send (or approve and send) a draft: the profile's fields are read from the case now and travel as the message."""
    referral = _locked(referral)
    _require(actor, ReferralAction.VIEW, referral)  # before the status: someone who cannot see it learns nothing of it
    _expect(referral, Status.DRAFT)
    _require(actor, ReferralAction.SEND, referral)
    case = Case.objects.select_related("child", "child__data_key", "country", "organisation").get(pk=referral.source_case_id)
    referral.source_case = case
    # The rules are checked again: the case, the country or the determination may have changed since the draft.
    _validate(
        case,
        NewReferral(
            to_country=referral.to_country.code,
            purpose=referral.purpose,
            legal_basis=referral.legal_basis,
            legal_basis_decided_by=referral.legal_basis_decided_by,
            legal_basis_decided_on=referral.legal_basis_decided_on,
            profile=referral.profile,
            urgency=referral.urgency,
            respond_by=max(referral.respond_by, timezone.localdate()),
        ),
    )
    # A draft that waited past its deadline would arrive overdue (and be escalated at once): the receiving
    # country gets the time its urgency gives, counted from today.
    today = timezone.localdate()
    respond_by = referral.respond_by if referral.respond_by >= today else default_deadline(referral.urgency, today=today)
    referral.respond_by = respond_by
    now = timezone.now()
    message = _message_for(actor, referral, now)
    _bump(referral, status=Status.SENT, sent_by=actor, sent_at=now, respond_by=respond_by)
    _event(referral, kind=Kind.SENT, side=Side.SENDER, actor=actor)
    get_transport().send(referral=referral, message=message)
    referral.refresh_from_db(fields=["message_enc", "message_format", "delivered_at"])
    _event(referral, kind=Kind.DELIVERED, side=Side.SYSTEM, username="carnet")
    record(actor=actor, action="referral.send", obj=referral, purpose=f"{referral.purpose}, profile {referral.profile}")
    record(actor=actor, action="case.referral", obj=case, purpose=f"{referral.reference} to {referral.to_country.code}: {referral.purpose}")
    notify.notify_on_commit(
        referral,
        notify.people([referral.to_country.code], Role.NCP),
        gettext_lazy("carnet: referral %(reference)s from %(from)s in your inbox"),
        gettext_lazy(
            "A referral %(reference)s from %(from)s has arrived in the inbox of the national contact point of %(to)s.\n\n%(link)s"
        ),
    )
    return referral


# --- The receiving side's answer ----------------------------------------------------------


def _step(
    *,
    actor: User,
    referral: Referral,
    action: ReferralAction,
    allowed: tuple[str, ...],
    to: str,
    kind: str,
    side: str,
    note: str = "",
    audit_action: str,
    changes: dict[str, Any] | None = None,
) -> Referral:
    changes = dict(changes or {})
    referral = _locked(referral)
    _require(actor, ReferralAction.VIEW, referral)
    _expect(referral, *allowed)
    _require(actor, action, referral)
    now = timezone.now()
    stamp = {
        Status.ACKNOWLEDGED: "acknowledged_at",
        Status.ACCEPTED: "accepted_at",
        Status.COMPLETED: "completed_at",
        Status.WITHDRAWN: "withdrawn_at",
    }.get(Status(to))
    if stamp and getattr(referral, stamp) is None:
        changes[stamp] = now
    if to in (Status.ACCEPTED, Status.DECLINED) and referral.decided_at is None:
        changes["decided_at"] = now
    if to == Status.ACCEPTED or to == Status.DECLINED or to == Status.INFO_REQUESTED:
        changes.setdefault("acknowledged_at", referral.acknowledged_at or now)
    _bump(referral, status=to, **changes)
    event = _event(referral, kind=kind, side=side, actor=actor, note=note)
    _send_event(referral, event, note)
    record(actor=actor, action=audit_action, obj=referral, purpose=referral.reference)
    return referral


@transaction.atomic
def referral_acknowledge(*, actor: User, referral: Referral) -> Referral:
    """The receiving NCP confirms the referral arrived and is being looked at (the clock for "time to acknowledge" stops)."""
    return _step(
        actor=actor,
        referral=referral,
        action=ReferralAction.ANSWER,
        allowed=(Status.SENT,),
        to=Status.ACKNOWLEDGED,
        kind=Kind.ACKNOWLEDGED,
        side=Side.RECEIVER,
        audit_action="referral.acknowledge",
    )


@transaction.atomic
def referral_request_information(*, actor: User, referral: Referral, question: str) -> Referral:
    _require(actor, ReferralAction.ANSWER, _locked(referral))  # who asks, before what they wrote
    text = _required_text(question, "question", _("Write what information you need."))
    referral = _step(
        actor=actor,
        referral=referral,
        action=ReferralAction.ANSWER,
        allowed=(Status.SENT, Status.ACKNOWLEDGED),
        to=Status.INFO_REQUESTED,
        kind=Kind.INFO_REQUESTED,
        side=Side.RECEIVER,
        note=text,
        audit_action="referral.request_information",
    )
    notify.notify_on_commit(
        referral,
        notify.people([referral.from_country.code], Role.NCP),
        gettext_lazy("carnet: %(to)s asks for information on referral %(reference)s"),
        gettext_lazy("The national contact point of %(to)s asks for information on referral %(reference)s.\n\n%(link)s"),
    )
    return referral


@transaction.atomic
def referral_provide_information(*, actor: User, referral: Referral, answer: str) -> Referral:
    """The sending side answers a request for information; the referral goes back to the receiving NCP."""
    text = _required_text(answer, "answer", _("Write the information asked for."), limit=NOTE_MAX_CHARS)
    return _step(
        actor=actor,
        referral=referral,
        action=ReferralAction.PROVIDE,
        allowed=(Status.INFO_REQUESTED,),
        to=Status.ACKNOWLEDGED,
        kind=Kind.INFO_PROVIDED,
        side=Side.SENDER,
        note=text,
        audit_action="referral.provide_information",
    )


def _receiving_staff(referral: Referral, username: str) -> User:
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None or not has_role(user, Role.CASEWORKER, Role.SUPERVISOR, Role.NCP, country=referral.to_country.code):
        message = _("Assign the referral to a caseworker, supervisor or the NCP of %(country)s.")
        raise ValidationError({"assign_to": message % {"country": referral.to_country}})
    return user


def _own_existing_case(actor: User, referral: Referral, case_ref: str) -> Case:
    from carnet.cases.selectors import case_get_for

    try:
        case = case_get_for(actor=actor, case_ref=case_ref, purpose=f"link to referral {referral.reference}")
    except Exception as missing:  # noqa: BLE001  (Http404: a case the actor cannot see is no case here)
        raise ValidationError({"existing_case": _("No case with this number that you can see.")}) from missing
    if case.country_id != referral.to_country_id:
        raise ValidationError({"existing_case": _("The case must be one of %(country)s.") % {"country": referral.to_country}})
    if Referral.objects.filter(receiving_case=case).exists():
        raise ValidationError({"existing_case": _("This case is already linked to another referral.")})
    return case


@transaction.atomic
def referral_accept(*, actor: User, referral: Referral, assign_to: str = "", existing_case: str = "") -> Referral:
    """Accept: the receiving country opens its **own** case for the child (or links one it already has).

    The new case starts from what the referral shared (name, date of birth, citizenships,
    languages, documents, as far as the profile carried them) and nothing else; from then
    on each country's case stays with its owner, linked only by the cross-border reference.
    """
    from carnet.referrals.selectors import shared_subject_for

    referral = _locked(referral)
    _require(actor, ReferralAction.VIEW, referral)
    _expect(referral, Status.SENT, Status.ACKNOWLEDGED)
    _require(actor, ReferralAction.ANSWER, referral)
    assignee = _receiving_staff(referral, assign_to) if assign_to else None
    if existing_case:
        case = _own_existing_case(actor, referral, existing_case)
    else:
        message = shared_subject_for(actor=actor, referral=referral, purpose="accept referral: open the receiving case")
        assert message is not None  # noqa: S101  (a sent referral has been delivered)
        subject = message.subject
        case = case_open(
            actor=actor,
            new=NewCase(
                country=referral.to_country,
                identity=identity_from_subject(subject),
                opened_on=timezone.localdate(),
                sex=subject.sex or "unknown",
                risk_level=subject.risk_level or "medium",
                legal_basis=CaseLegalBasis.LEGAL_MANDATE,
                legal_basis_given_by=_("Cross-border referral %(reference)s from %(country)s")
                % {"reference": referral.reference, "country": referral.from_country},
            ),
        )
        for document in subject.identity_documents or []:
            identity_document_add(
                actor=actor, case=case, kind=document.kind, number=document.number, issuing_country=document.issuing_country
            )
    if assignee is not None and assignee.pk != actor.pk:
        team_add(actor=actor, case=case, user=assignee, role=TeamRole.CASEWORKER)
    referral = _step(
        actor=actor,
        referral=referral,
        action=ReferralAction.ANSWER,
        allowed=(Status.SENT, Status.ACKNOWLEDGED),
        to=Status.ACCEPTED,
        kind=Kind.ACCEPTED,
        side=Side.RECEIVER,
        audit_action="referral.accept",
        changes={"receiving_case": case, **({"assigned_to": assignee} if assignee is not None else {})},
    )
    record(actor=actor, action="case.referral", obj=case, purpose=f"opened from referral {referral.reference}")
    notify.notify_on_commit(
        referral,
        notify.people([referral.from_country.code], Role.NCP),
        gettext_lazy("carnet: %(to)s accepted referral %(reference)s"),
        gettext_lazy("The national contact point of %(to)s accepted referral %(reference)s.\n\n%(link)s"),
    )
    return referral


@transaction.atomic
def referral_decline(*, actor: User, referral: Referral, reason: str) -> Referral:
    _require(actor, ReferralAction.ANSWER, _locked(referral))  # who asks, before what they wrote
    text = _required_text(reason, "reason", _("Say why the referral is declined: the sending country needs it to find another way."))
    referral = _step(
        actor=actor,
        referral=referral,
        action=ReferralAction.ANSWER,
        allowed=(Status.SENT, Status.ACKNOWLEDGED, Status.INFO_REQUESTED),
        to=Status.DECLINED,
        kind=Kind.DECLINED,
        side=Side.RECEIVER,
        note=text,
        audit_action="referral.decline",
    )
    notify.notify_on_commit(
        referral,
        notify.people([referral.from_country.code], Role.NCP),
        gettext_lazy("carnet: %(to)s declined referral %(reference)s"),
        gettext_lazy("The national contact point of %(to)s declined referral %(reference)s. The reason is on the referral.\n\n%(link)s"),
    )
    return referral


@transaction.atomic
def referral_assign(*, actor: User, referral: Referral, username: str) -> Referral:
    """The receiving NCP hands the referral to one of their country's staff (who joins the receiving case's team)."""
    referral = _locked(referral)
    _require(actor, ReferralAction.VIEW, referral)
    _require(actor, ReferralAction.ANSWER, referral)
    if referral.status in CLOSED:
        _expect(referral, *AWAITING_ANSWER, Status.ACCEPTED, Status.IN_PROGRESS)
    assignee = _receiving_staff(referral, username)
    _bump(referral, assigned_to=assignee)
    if referral.receiving_case is not None and assignee.pk != actor.pk:
        team_add(actor=actor, case=referral.receiving_case, user=assignee, role=TeamRole.CASEWORKER)
    event = _event(referral, kind=Kind.ASSIGNED, side=Side.RECEIVER, actor=actor, note=assignee.get_username())
    _send_event(referral, event, assignee.get_username())
    record(actor=actor, action="referral.assign", obj=referral, purpose=assignee.get_username())
    return referral


@transaction.atomic
def referral_start(*, actor: User, referral: Referral) -> Referral:
    return _step(
        actor=actor,
        referral=referral,
        action=ReferralAction.WORK,
        allowed=(Status.ACCEPTED,),
        to=Status.IN_PROGRESS,
        kind=Kind.STARTED,
        side=Side.RECEIVER,
        audit_action="referral.start",
    )


@transaction.atomic
def referral_complete(*, actor: User, referral: Referral, outcome: str, note: str = "") -> Referral:
    _require(actor, ReferralAction.WORK, _locked(referral))  # who asks, before what they wrote
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": _("Choose the outcome from the list.")})
    if len((note or "").strip()) > REASON_MAX_CHARS:
        raise ValidationError({"note": _("At most %(max)s characters.") % {"max": REASON_MAX_CHARS}})
    referral = _step(
        actor=actor,
        referral=referral,
        action=ReferralAction.WORK,
        allowed=(Status.ACCEPTED, Status.IN_PROGRESS),
        to=Status.COMPLETED,
        kind=Kind.COMPLETED,
        side=Side.RECEIVER,
        note=(note or "").strip(),
        audit_action="referral.complete",
        changes={"outcome": outcome},
    )
    notify.notify_on_commit(
        referral,
        notify.people([referral.from_country.code], Role.NCP),
        gettext_lazy("carnet: referral %(reference)s completed"),
        gettext_lazy("The national contact point of %(to)s completed referral %(reference)s. The outcome is on the referral.\n\n%(link)s"),
    )
    return referral


@transaction.atomic
def referral_withdraw(*, actor: User, referral: Referral, reason: str) -> Referral:
    text = _required_text(reason, "reason", _("Say why the referral is withdrawn."))
    referral = _step(
        actor=actor,
        referral=referral,
        action=ReferralAction.WITHDRAW,
        allowed=tuple(s for s in Status.values if s not in CLOSED),
        to=Status.WITHDRAWN,
        kind=Kind.WITHDRAWN,
        side=Side.SENDER,
        note=text,
        audit_action="referral.withdraw",
    )
    if referral.sent_at is not None:
        notify.notify_on_commit(
            referral,
            notify.people([referral.to_country.code], Role.NCP),
            gettext_lazy("carnet: referral %(reference)s withdrawn by %(from)s"),
            gettext_lazy("The national contact point of %(from)s withdrew referral %(reference)s.\n\n%(link)s"),
        )
    return referral


# --- The thread -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    kind: str
    filename: str
    content: bytes


@dataclass(frozen=True)
class Posted:
    note: ReferralNote
    attachments: list[ReferralAttachment] = field(default_factory=list)


def _attachment_filename(filename: str) -> str:
    """The cleaned name, shortened to what the column holds (the extension, which check_upload vetted, kept)."""
    name = clean_filename(filename)
    limit = ReferralAttachment._meta.get_field("filename").max_length or len(name)
    if len(name) > limit:
        stem, _dot, extension = name.rpartition(".")
        name = f"{stem[: limit - len(extension) - 1]}.{extension}"
    return name


@transaction.atomic
def note_post(*, actor: User, referral: Referral, body: str, uploads: list[Upload] | None = None) -> Posted:
    """A message to the other side; each attachment must be a kind of document the referral's profile allows."""
    referral = _locked(referral)
    _require(actor, ReferralAction.VIEW, referral)
    _require(actor, ReferralAction.MESSAGE, referral)
    if referral.status in CLOSED:
        _expect(referral, *(s for s in Status.values if s not in CLOSED))
    text = _required_text(body, "body", _("Write a message."), limit=NOTE_MAX_CHARS)
    side = side_of(actor, referral)
    assert side is not None  # noqa: S101  (MESSAGE is only allowed to someone on a side)
    allowed_documents = PROFILES[referral.profile].documents
    checked = []
    for upload in uploads or []:
        if upload.kind not in allowed_documents:
            raise ValidationError(
                {
                    "kind": _("This referral shares “%(profile)s”, which does not include documents of this kind.")
                    % {"profile": PROFILES[referral.profile].label}
                }
            )
        found = check_upload(filename=upload.filename, content=upload.content)
        checked.append((upload, found, _attachment_filename(upload.filename)))
    now = timezone.now()
    note = ReferralNote(referral=referral, side=side, author=actor, created_at=now)
    _encrypt(referral, note, "body_enc", text)
    note.save(force_insert=True)
    attachments = []
    parts = []
    for upload, found, name in checked:
        attachment = ReferralAttachment(note=note, kind=upload.kind, filename=name, content_type=found.media_type, size=len(upload.content))
        part = attachment_part(kind=upload.kind, filename=name, content_type=found.media_type, content=upload.content)
        attachment.sha256 = part.sha256
        _encrypt(referral, attachment, "content_enc", upload.content)
        attachment.save(force_insert=True)
        attachments.append(attachment)
        parts.append(part)
    message = NoteMessage(
        message_id=uuid.uuid4(),
        referral_id=referral.pk,
        reference=referral.reference,
        at=now,
        note_id=note.pk,
        side=side,
        author=actor.get_username(),
        body=text,
        attachments=parts,
    )
    get_transport().send(referral=referral, message=message)
    record(actor=actor, action="referral.message", obj=referral, purpose=f"{len(attachments)} attachments")
    other = referral.to_country.code if side == Side.SENDER else referral.from_country.code
    notify.notify_on_commit(
        referral,
        notify.people([other], Role.NCP),
        gettext_lazy("carnet: new message on referral %(reference)s"),
        gettext_lazy("There is a new message on referral %(reference)s between %(from)s and %(to)s.\n\n%(link)s"),
    )
    return Posted(note=note, attachments=attachments)


# --- After a return -----------------------------------------------------------------------------


@transaction.atomic
def follow_up_report(*, actor: User, referral: Referral, visited_on: date, result: str, planned_on: date | None = None) -> FollowUpReport:
    """The receiving NCP reports a follow-up visit after a return; it is recorded on the sending country's case too."""
    referral = _locked(referral)
    _require(actor, ReferralAction.VIEW, referral)
    if referral.purpose != Purpose.RETURN_PREPARATION:
        raise InvalidReferral(_("Follow-up visits are reported on return referrals only."))
    _expect(referral, Status.ACCEPTED, Status.IN_PROGRESS, Status.COMPLETED)
    _require(actor, ReferralAction.WORK, referral)
    text = _required_text(result, "result", _("Write down what the visit found."), limit=NOTE_MAX_CHARS)
    if visited_on > timezone.localdate():
        raise ValidationError({"visited_on": _("A visit cannot have taken place in the future.")})
    if referral.sent_at and visited_on < timezone.localtime(referral.sent_at).date():
        raise ValidationError({"visited_on": _("A follow-up visit comes after the referral was sent.")})
    report = FollowUpReport(referral=referral, planned_on=planned_on, visited_on=visited_on, reported_by=actor)
    _encrypt(referral, report, "result_enc", text)
    report.save(force_insert=True)
    _event(referral, kind=Kind.FOLLOW_UP, side=Side.RECEIVER, actor=actor, note=visited_on.isoformat())
    message = FollowUpMessage(
        message_id=uuid.uuid4(),
        referral_id=referral.pk,
        reference=referral.reference,
        at=timezone.now(),
        planned_on=planned_on,
        visited_on=visited_on,
        result=text,
        author=actor.get_username(),
    )
    get_transport().send(referral=referral, message=message)
    from carnet.cases.services_best_interests import visit_report_received

    visit_report_received(
        case=referral.source_case, planned_on=planned_on, visited_on=visited_on, result=text, source=f"referral {referral.reference}"
    )
    record(actor=actor, action="referral.follow_up", obj=referral, purpose=visited_on.isoformat())
    return report


# --- Deadlines -------------------------------------------------------------------------------------


@transaction.atomic
def referrals_escalate(*, today: date | None = None) -> list[Referral]:
    """Escalate every referral past its deadline, once: a timeline event, an audit entry, and an e-mail to both
    countries' NCPs and national coordinators (naming the reference, never the child). Safe to run as often as wanted."""
    from carnet.referrals.selectors import overdue_q

    today = today or timezone.localdate()
    due = list(
        Referral.objects.select_for_update(of=("self",))
        .filter(overdue_q(today), escalated_at__isnull=True)
        .select_related("from_country", "to_country", "data_key")
        .order_by("respond_by", "reference")
    )
    for referral in due:
        _bump(referral, escalated_at=timezone.now())
        event = _event(referral, kind=Kind.ESCALATED, side=Side.SYSTEM, username="carnet", note=referral.respond_by.isoformat())
        _send_event(referral, event)
        record(actor=None, username="carnet", action="referral.escalate", obj=referral, purpose=f"deadline {referral.respond_by}")
        countries = [referral.from_country.code, referral.to_country.code]
        subject = gettext_lazy("carnet: referral %(reference)s is overdue")
        body = gettext_lazy(
            "Referral %(reference)s from %(from)s to %(to)s has passed its deadline without an answer. "
            "It has been escalated to the national contact points and national coordinators of both countries.\n\n%(link)s"
        )
        ncps = notify.people(countries, Role.NCP)
        notify.notify_on_commit(referral, ncps, subject, body)
        # Coordinators may not open the referral (no case data for them): their link is the dashboard's overdue counts.
        coordinators = [user for user in notify.people(countries, Role.COORDINATOR) if user not in ncps]
        notify.notify_on_commit(referral, coordinators, subject, body, link_to="referrals:dashboard")
    return due


# --- Possible match across borders ---------------------------------------------------------------


@dataclass(frozen=True)
class MatchAnswer:
    country: Country
    possible_match: bool
    compared: bool  # False when the case has no name with a date of birth and no document number to compare


@transaction.atomic
def match_check(*, actor: User, case: Case, country_code: str) -> MatchAnswer:
    """Does the other country already know this child? Compares keyed hashes only; answers yes or no, nothing more.

    The hashes of the normalised name with the date of birth, and of document numbers, of
    this child are compared with those of the children of the other country's cases. No
    name, no case number and no count crosses: the answer is "possible match at the NCP of
    X" or not. Both the question and the answer are audited.
    """
    _require(actor, ReferralAction.MATCH, case)
    country = _country(country_code)
    _check_receiving_country(case, country)
    mine = ChildIndex.objects.filter(child=case.child, kind__in=[ChildIndex.Kind.NAME_DOB, ChildIndex.Kind.DOCUMENT])
    probes = list(mine.values_list("kind", "digest"))
    compared = bool(probes)
    possible = False
    if compared:
        others = ChildIndex.objects.filter(child__cases__country=country).exclude(child=case.child)
        condition = None
        for kind, digest in probes:
            clause = Q(kind=kind, digest=digest)
            condition = clause if condition is None else condition | clause
        possible = others.filter(condition).exists()
    record(
        actor=actor,
        action="referral.match_check",
        obj=case,
        purpose=f"{country.code}: {'possible match' if possible else 'no match' if compared else 'nothing to compare'}",
    )
    return MatchAnswer(country=country, possible_match=possible, compared=compared)
