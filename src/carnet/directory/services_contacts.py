"""Contact sharing: consent records, the visibility of contact fields, contact requests and their grants.

Every write here is atomic, checked against :class:`DirectoryPolicy` and audited in the same
transaction; e-mails go out after the commit and never carry a contact value (the people they
reach open carnet to see what they may see). Stored visibility never claims more than consent:
widening needs a current consent, and withdrawing a consent narrows what it no longer covers.
A grant expires by itself: :func:`carnet.directory.visibility.granted_people` only counts
approved requests whose ``expires_at`` is still ahead.

The reads that the contact pages and the API share are at the end of this module.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from carnet.accounts.models import Membership, Role, User
from carnet.audit.services import record
from carnet.core.errors import Conflict
from carnet.directory import visibility
from carnet.directory.models import VISIBILITY_ORDER, ContactConsent, ContactRequest, Person, Visibility
from carnet.directory.policies import DirectoryAction, DirectoryPolicy

REASON_MAX_CHARS = 1000
DECLINE_REASON_MAX_CHARS = 500
DEFAULT_GRANT_DAYS = 90

FIELD_LABELS: dict[str, Promise] = {
    "email": _("E-mail"),
    "phone": _("Phone"),
    "address": _("Postal address"),
}
# Who a visibility shows a field to, as the middle of a sentence ("… can be shown to %(audience)s …").
AUDIENCE_PHRASES: dict[str, Promise] = {
    Visibility.PUBLIC: _("everyone on the public site"),
    Visibility.MEMBERS: _("signed-in network members"),
    Visibility.RESTRICTED: _("national contact points, national coordinators and the task-force expert group"),
}


def grant_days() -> int:
    """How long an approved contact request lasts: ``CARNET_CONTACT_GRANT_DAYS`` (settings, else the environment), 90 by default."""
    configured = getattr(settings, "CARNET_CONTACT_GRANT_DAYS", None) or os.environ.get("CARNET_CONTACT_GRANT_DAYS")
    try:
        days = int(configured) if configured else DEFAULT_GRANT_DAYS
    except (TypeError, ValueError):
        days = DEFAULT_GRANT_DAYS
    return days if days > 0 else DEFAULT_GRANT_DAYS


def _require(actor: Any, action: DirectoryAction, obj: Any) -> None:
    if not DirectoryPolicy.can(actor, action, obj):
        raise PermissionDenied


def _widest_consent(person: Person, today: date | None = None) -> dict[str, str]:
    """Per contact field, the widest audience a current consent of ``person`` covers."""
    return visibility.consented([person.pk], today).get(person.pk, {})


def covers(consent_audience: str | None, wanted: str) -> bool:
    """Does a consent for ``consent_audience`` allow the visibility ``wanted``? Restricted needs none."""
    if wanted == Visibility.RESTRICTED:
        return True
    if consent_audience is None:
        return False
    return VISIBILITY_ORDER[Visibility(wanted)] <= VISIBILITY_ORDER[Visibility(consent_audience)]


def allowed_visibilities(person: Person) -> dict[str, list[str]]:
    """Per contact field, the visibilities the person's current consents allow, narrowest first."""
    widest = _widest_consent(person)
    order = sorted(Visibility, key=lambda v: VISIBILITY_ORDER[v])
    return {name: [v.value for v in order if covers(widest.get(name), v)] for name in Person.CONTACT_FIELDS}


# --- Consent ---------------------------------------------------------------------------------------


@transaction.atomic
def consent_record(
    *, actor: Any, person: Person, fields: Iterable[str], audience: str, given_on: date, valid_until: date | None = None
) -> ContactConsent:
    """Record that ``person`` agreed to show ``fields`` to ``audience`` (the person, or the secretariat for them).

    A consent only makes a wider visibility possible; it does not change what is shown until the
    visibility itself is set (by the person or the secretariat).
    """
    _require(actor, DirectoryAction.MANAGE_CONSENT, person)
    chosen = list(dict.fromkeys(fields))
    problems: dict[str, list[str]] = {}
    unknown = [name for name in chosen if name not in Person.CONTACT_FIELDS]
    if not chosen:
        problems["fields"] = [str(_("Choose at least one contact field."))]
    elif unknown:
        problems["fields"] = [str(_("Only e-mail, phone and postal address can be shared."))]
    if audience not in (Visibility.MEMBERS, Visibility.PUBLIC):
        problems["audience"] = [str(_("Choose who may see the fields: signed-in network members or everyone."))]
    today = timezone.localdate()
    if given_on is None:
        problems["given_on"] = [str(_("Say when the consent was given."))]
    elif given_on > today:
        problems["given_on"] = [str(_("A consent cannot be given in the future."))]
    if valid_until is not None:
        if given_on is not None and valid_until < given_on:
            problems["valid_until"] = [str(_("The consent cannot end before it was given."))]
        elif valid_until < today:
            problems["valid_until"] = [str(_("This date has passed: the consent would already have ended."))]
    if problems:
        raise ValidationError(problems)
    consent = ContactConsent(
        person=person,
        fields=[name for name in Person.CONTACT_FIELDS if name in chosen],
        audience=audience,
        given_on=given_on,
        valid_until=valid_until,
        recorded_by=actor,
    )
    consent.full_clean()
    consent.save()
    until = valid_until.isoformat() if valid_until else "withdrawn"
    record(
        actor=actor,
        action="directory.consent_record",
        obj=consent,
        purpose=f"person {person.pk}: {', '.join(consent.fields)} to {audience} from {given_on.isoformat()} until {until}",
    )
    return consent


@dataclass(frozen=True)
class Withdrawal:
    consent: ContactConsent
    narrowed: dict[str, str]  # field -> the visibility it was narrowed to

    def message(self) -> str:
        """What the withdrawal did, as one sentence for the person."""
        if not self.narrowed:
            return str(_("The consent was withdrawn. No contact field was shown more widely than the remaining consent allows."))
        names = ", ".join(str(FIELD_LABELS[name]) for name in self.narrowed)
        return str(_("The consent was withdrawn. These fields are shown less widely now: %(fields)s.") % {"fields": names})


@transaction.atomic
def consent_withdraw(*, actor: Any, consent: ContactConsent) -> Withdrawal:
    """Withdraw a consent now; every stored visibility it no longer covers narrows to what the remaining
    consents still cover (restricted when none), so stored visibility never claims more than consent."""
    consent = ContactConsent.objects.select_for_update().select_related("person").get(pk=consent.pk)
    person = Person.objects.select_for_update().get(pk=consent.person_id)
    _require(actor, DirectoryAction.MANAGE_CONSENT, person)
    if consent.withdrawn_at is not None:
        raise Conflict(str(_("This consent was already withdrawn.")), code="already_withdrawn")
    consent.withdrawn_at = timezone.now()
    consent.save(update_fields=["withdrawn_at"])
    narrowed = _narrow_to_consent(person)
    record(
        actor=actor,
        action="directory.consent_withdraw",
        obj=consent,
        purpose=f"person {person.pk}; narrowed: {', '.join(f'{k}->{v}' for k, v in narrowed.items()) or 'nothing'}",
    )
    return Withdrawal(consent=consent, narrowed=narrowed)


def _narrow_to_consent(person: Person) -> dict[str, str]:
    """Narrow the stored visibilities of ``person`` (locked by the caller) to what current consents cover."""
    widest = _widest_consent(person)
    narrowed: dict[str, str] = {}
    for name in Person.CONTACT_FIELDS:
        stored = getattr(person, f"{name}_visibility")
        effective = visibility.effective_visibility(stored, widest.get(name))
        if effective != stored:
            setattr(person, f"{name}_visibility", effective)
            narrowed[name] = effective
    if narrowed:
        person.save(update_fields=[f"{name}_visibility" for name in narrowed] + ["updated_at"])
    return narrowed


@transaction.atomic
def consent_expiry_narrow(*, actor: Any = None) -> dict[Any, dict[str, str]]:
    """Narrow the stored visibilities of everyone whose consent has ended (``carnet directory_consents``, daily).

    Not needed for safety — :mod:`carnet.directory.visibility` already ignores an ended consent —
    but it keeps the stored visibility honest, as the pages show it to the person.
    """
    wide = Person.objects.select_for_update().filter(
        ~Q(email_visibility="restricted") | ~Q(phone_visibility="restricted") | ~Q(address_visibility="restricted")
    )
    changed: dict[Any, dict[str, str]] = {}
    for person in wide:
        narrowed = _narrow_to_consent(person)
        if narrowed:
            changed[person.pk] = narrowed
            record(
                actor=actor,
                action="directory.visibility_narrow",
                obj=person,
                purpose=f"consent ended; narrowed: {', '.join(f'{k}->{v}' for k, v in narrowed.items())}",
            )
    return changed


# --- Visibility ------------------------------------------------------------------------------------


@transaction.atomic
def visibility_set(*, actor: Any, person: Person, field: str, visibility: str) -> Person:
    """Set who sees one contact field. Wider than restricted needs a current consent for that field and audience."""
    _require(actor, DirectoryAction.EDIT_PERSON, person)
    if field not in Person.CONTACT_FIELDS:
        raise ValidationError({"field": [str(_("Only e-mail, phone and postal address have a visibility."))]})
    if visibility not in Visibility.values:
        raise ValidationError({"visibility": [str(_("Choose public, members or restricted."))]})
    person = Person.objects.select_for_update().get(pk=person.pk)
    if not covers(_widest_consent(person).get(field), visibility):
        raise ValidationError(
            {
                "visibility": [
                    str(
                        _("%(field)s can be shown to %(audience)s only with %(person)s’s consent. Record the consent first.")
                        % {"field": FIELD_LABELS[field], "audience": AUDIENCE_PHRASES[visibility], "person": person.full_name}
                    )
                ]
            }
        )
    before = getattr(person, f"{field}_visibility")
    if before == visibility:
        return person
    setattr(person, f"{field}_visibility", visibility)
    person.save(update_fields=[f"{field}_visibility", "updated_at"])
    record(actor=actor, action="directory.visibility_set", obj=person, purpose=f"{field}: {before} -> {visibility}")
    return person


# --- Contact requests ------------------------------------------------------------------------------


def _deciders(person: Person) -> list[User]:
    """Who is told about a request: the person (through their account) and their country's NCP(s)."""
    ncp_ids = Membership.objects.active().filter(role=Role.NCP, country_id=person.country_id).values("user_id")
    query = Q(pk__in=ncp_ids)
    if person.user_id is not None:
        query |= Q(pk=person.user_id)
    return list(User.objects.filter(query, is_active=True).exclude(email="").order_by("username"))


def _send(recipients: list[User], subject: Promise, body: Promise, params: dict[str, str]) -> None:
    """One e-mail per recipient in their language; a link to the contact requests page, never a contact value."""
    for user in recipients:
        with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
            link = str(getattr(settings, "CARNET_BASE_URL", "http://localhost:8000")).rstrip("/") + reverse("directory:contact_requests")
            send_mail(str(subject) % params, str(body) % {**params, "link": link}, None, [user.email], fail_silently=True)


def _notify_on_commit(recipients: list[User], subject: Promise, body: Promise, params: dict[str, str]) -> None:
    transaction.on_commit(lambda: _send(recipients, subject, body, params))


def display_name(user: Any) -> str:
    return str(user.get_full_name() or user.get_username())


@transaction.atomic
def contact_request_create(*, actor: Any, person: Person, reason: str) -> ContactRequest:
    """A member asks to see a person's hidden contact details; the person and their country's NCP are told."""
    _require(actor, DirectoryAction.REQUEST_CONTACT, person)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [str(_("Say why you need these contact details."))]})
    if len(reason) > REASON_MAX_CHARS:
        raise ValidationError(
            {
                "reason": [
                    str(_("Keep the reason to %(max)d characters (it has %(count)d).") % {"max": REASON_MAX_CHARS, "count": len(reason)})
                ]
            }
        )
    person = Person.objects.select_related("country").get(pk=person.pk)  # decide on the stored visibility, not a stale copy
    if not visibility.card_for(actor, person).hidden:
        raise Conflict(str(_("You can already see all of this person’s contact details.")), code="nothing_hidden")
    if ContactRequest.objects.filter(person=person, requester=actor, status=ContactRequest.Status.PENDING).exists():
        raise Conflict(str(_("You have already asked for this person’s contact details; the answer is pending.")), code="already_pending")
    request = ContactRequest(person=person, requester=actor, reason=reason)
    request.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            request.save(force_insert=True)
    except IntegrityError as error:  # another request of the same pair, at the same moment
        raise Conflict(
            str(_("You have already asked for this person’s contact details; the answer is pending.")), code="already_pending"
        ) from error
    record(actor=actor, action="directory.contact_request", obj=request, purpose=f"asked for the contacts of person {person.pk}")
    _notify_on_commit(
        _deciders(person),
        _("%(requester)s asks to see the contact details of %(person)s"),
        _(
            "%(requester)s asks to see the contact details of %(person)s in the carnet directory.\n\n"
            "Their reason: %(reason)s\n\n"
            "The person, or the national contact point of their country, can approve or decline the request here:\n%(link)s\n"
        ),
        {"requester": display_name(actor), "person": person.full_name, "reason": reason},
    )
    return request


def _locked(request: ContactRequest) -> ContactRequest:
    return ContactRequest.objects.select_for_update().select_related("person__country", "requester").get(pk=request.pk)


@transaction.atomic
def contact_request_decide(*, actor: Any, request: ContactRequest, approve: bool, reason: str = "") -> ContactRequest:
    """The person (or their country's NCP) answers a pending request; an approval lasts ``grant_days()`` days."""
    request = _locked(request)
    _require(actor, DirectoryAction.DECIDE_REQUEST, request)
    if request.status != ContactRequest.Status.PENDING:
        raise Conflict(
            str(_("This request was already answered or withdrawn (%(status)s).") % {"status": request.get_status_display()}),
            code="wrong_status",
        )
    reason = (reason or "").strip()
    if len(reason) > DECLINE_REASON_MAX_CHARS:
        raise ValidationError(
            {
                "reason": [
                    str(
                        _("Keep the reason to %(max)d characters (it has %(count)d).")
                        % {"max": DECLINE_REASON_MAX_CHARS, "count": len(reason)}
                    )
                ]
            }
        )
    now = timezone.now()
    request.decided_by = actor
    request.decided_at = now
    params = {"person": request.person.full_name, "decider": display_name(actor)}
    if approve:
        request.status = ContactRequest.Status.APPROVED
        request.expires_at = now + timedelta(days=grant_days())
        request.save(update_fields=["status", "decided_by", "decided_at", "expires_at"])
        record(
            actor=actor,
            action="directory.contact_grant",
            obj=request,
            purpose=f"contacts of person {request.person_id} to {request.requester.get_username()} until {request.expires_at.isoformat()}",
        )
        until = timezone.localtime(request.expires_at).date().isoformat()
        _notify_on_commit(
            [request.requester],
            _("You may now see the contact details of %(person)s"),
            _(
                "Your request to see the contact details of %(person)s was approved. "
                "You can see them in the carnet directory until %(until)s.\n\n%(link)s\n"
            ),
            {**params, "until": until},
        )
    else:
        request.status = ContactRequest.Status.DECLINED
        request.decline_reason = reason
        request.save(update_fields=["status", "decided_by", "decided_at", "decline_reason"])
        record(actor=actor, action="directory.contact_decline", obj=request, purpose=f"contacts of person {request.person_id}")
        _notify_on_commit(
            [request.requester],
            _("Your request for the contact details of %(person)s was declined"),
            _("Your request to see the contact details of %(person)s was declined.\n\nReason given: %(reason)s\n\n%(link)s\n"),
            {**params, "reason": reason or str(_("none"))},
        )
    return request


@transaction.atomic
def contact_request_withdraw(*, actor: Any, request: ContactRequest) -> ContactRequest:
    """The requester takes back a request that has not been answered."""
    request = _locked(request)
    if request.requester_id != getattr(actor, "pk", None):
        raise PermissionDenied
    if request.status != ContactRequest.Status.PENDING:
        raise Conflict(str(_("Only a request waiting for an answer can be withdrawn.")), code="wrong_status")
    request.status = ContactRequest.Status.WITHDRAWN
    request.save(update_fields=["status"])
    record(actor=actor, action="directory.contact_request_withdraw", obj=request, purpose=f"contacts of person {request.person_id}")
    return request


@transaction.atomic
def contact_grant_revoke(*, actor: Any, request: ContactRequest) -> ContactRequest:
    """The person (or their country's NCP) ends an approved grant now, before it would expire."""
    request = _locked(request)
    _require(actor, DirectoryAction.DECIDE_REQUEST, request)
    now = timezone.now()
    if request.status != ContactRequest.Status.APPROVED or request.expires_at is None or request.expires_at <= now:
        raise Conflict(str(_("There is no current grant to end.")), code="wrong_status")
    request.expires_at = now
    request.save(update_fields=["expires_at"])
    record(
        actor=actor,
        action="directory.contact_grant_revoke",
        obj=request,
        purpose=f"contacts of person {request.person_id} to {request.requester.get_username()} ended",
    )
    _notify_on_commit(
        [request.requester],
        _("Your access to the contact details of %(person)s has ended"),
        _("Your access to the contact details of %(person)s in the carnet directory was ended by %(decider)s.\n\n%(link)s\n"),
        {"person": request.person.full_name, "decider": display_name(actor)},
    )
    return request
