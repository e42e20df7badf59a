"""Every write to a case: atomic, validated, audited in the same transaction.

Sub-parts of the case file (identification, care plan, best interests, notes and
documents, exports) have their own service modules next to this one; they use
:func:`touch_case` so that the case's version moves with every change.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from carnet.accounts.models import User
from carnet.audit.services import record
from carnet.cases.errors import InvalidCaseData, StaleVersion
from carnet.cases.identity import Identity, add_identity_document, read_identity, write_identity
from carnet.cases.models import (
    AgeAssessment,
    BreakGlass,
    Case,
    CaseCounter,
    Child,
    Flag,
    GuardianAppointment,
    LegalBasisRecord,
    RetentionPolicy,
    RiskChange,
    TeamMember,
)
from carnet.cases.models.codes import PROTECTIVE_FLAGS, CaseStatus, LegalBasis, RiskLevel, Sex, TeamRole
from carnet.cases.policies import CaseAction, CasePolicy, organisation_for_new_case
from carnet.core.crypto import data_key_shred, encrypt_field
from carnet.core.models import Country

# Synthetic, neutral pseudonyms: a word and a number, never derived from the child.
_PSEUDONYM_WORDS = [
    "Amber", "Aspen", "Birch", "Cedar", "Coral", "Dune", "Fern", "Flint", "Harbor", "Heath", "Iris", "Juniper",
    "Lark", "Linden", "Maple", "Meadow", "Moss", "Oak", "Orion", "Pebble", "Pine", "Reed", "River", "Robin",
    "Rowan", "Sage", "Sparrow", "Spruce", "Swift", "Tern", "Willow", "Wren",
]  # fmt: skip
BREAK_GLASS_HOURS = 4


def _require(actor: Any, action: CaseAction, obj: Any) -> None:
    if not CasePolicy.can(actor, action, obj):
        raise PermissionDenied


def new_pseudonym() -> str:
    return f"{secrets.choice(_PSEUDONYM_WORDS)}-{secrets.randbelow(90) + 10}"


def _next_number(country: Country, year: int) -> str:
    counter, _created = CaseCounter.objects.select_for_update().get_or_create(country=country, year=year)
    CaseCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
    counter.refresh_from_db(fields=["last"])
    return f"{country.code}-{year}-{counter.last:05d}"


def touch_case(*, actor: Any, case: Case, expected_version: int | None) -> Case:
    """Move the case to its next version; with ``expected_version``, refuse if somebody saved in between."""
    updated = Case.objects.filter(pk=case.pk)
    if expected_version is not None:
        updated = updated.filter(version=expected_version)
    if not updated.update(version=F("version") + 1, updated_at=timezone.now()):
        from carnet.cases.selectors import last_change

        current = Case.objects.get(pk=case.pk)
        last = last_change(current)
        raise StaleVersion(
            _("Somebody else saved this case while you were editing it. Review their change, then make yours again."),
            current_version=current.version,
            changed_by=last.actor_username if last else "",
            changed_at=last.at.isoformat() if last else "",
        )
    case.refresh_from_db(fields=["version", "updated_at"])
    return case


def _validate_identity(identity: Identity, *, opened_on: date) -> None:
    errors: dict[str, str] = {}
    if identity.date_of_birth and identity.date_of_birth > opened_on:
        errors["date_of_birth"] = _("The date of birth cannot be after the case was opened.")
    if identity.estimated_age is not None and not 0 <= identity.estimated_age <= 30:
        errors["estimated_age"] = _("An estimated age must be between 0 and 30.")
    unknown = [c for c in identity.citizenships if len(c) != 2 or not c.isalpha() or not c.isupper()]
    if unknown:
        errors["citizenships"] = _("Citizenships are two-letter country codes (ISO 3166-1), for example LT.")
    if errors:
        raise ValidationError(errors)


@dataclass(frozen=True)
class NewCase:
    country: Country
    identity: Identity
    opened_on: date
    sex: str = Sex.UNKNOWN
    risk_level: str = RiskLevel.MEDIUM
    legal_basis: str = LegalBasis.LEGAL_MANDATE
    legal_basis_given_by: str = ""
    pseudonym: str = ""
    identified_on: date | None = None


@transaction.atomic
def case_open(*, actor: User, new: NewCase) -> Case:
    """Open a case for a child in the actor's own country; the actor becomes its owner."""
    _require(actor, CaseAction.OPEN, new.country)
    if new.opened_on > timezone.localdate():
        raise ValidationError({"opened_on": _("A case cannot be opened in the future.")})
    if new.identified_on and new.identity.date_of_birth and new.identified_on < new.identity.date_of_birth:
        raise ValidationError({"identified_on": _("The child cannot have been identified before they were born.")})
    _validate_identity(new.identity, opened_on=new.opened_on)
    child = Child(pseudonym=new.pseudonym.strip() or new_pseudonym(), sex=new.sex)
    child.full_clean(exclude=["data_key"])
    write_identity(child, new.identity, today=new.opened_on)
    case = Case(
        number=_next_number(new.country, new.opened_on.year),
        child=child,
        country=new.country,
        organisation_id=organisation_for_new_case(actor, new.country.code),
        risk_level=new.risk_level,
        opened_on=new.opened_on,
        identified_on=new.identified_on,
    )
    case.full_clean()
    case.save(force_insert=True)
    TeamMember.objects.create(case=case, user=actor, role=TeamRole.OWNER)
    RiskChange.objects.create(case=case, level=new.risk_level, reason=_("Risk at opening"), changed_by=actor)
    LegalBasisRecord.objects.create(
        case=case, basis=new.legal_basis, given_by=new.legal_basis_given_by, recorded_on=new.opened_on, recorded_by=actor
    )
    record(actor=actor, action="case.open", obj=case)
    record(actor=actor, action="child.identity.write", obj=child, purpose=case.number)
    return case


@transaction.atomic
def case_update_identity(*, actor: User, case: Case, identity: Identity, sex: str, expected_version: int) -> Case:
    _require(actor, CaseAction.EDIT, case)
    _validate_identity(identity, opened_on=max(case.opened_on, timezone.localdate()))
    touch_case(actor=actor, case=case, expected_version=expected_version)
    child = case.child
    child.sex = sex
    write_identity(child, identity, today=timezone.localdate())
    record(actor=actor, action="child.identity.write", obj=child, purpose=case.number)
    record(actor=actor, action="case.update", obj=case, purpose="identity")
    return case


@transaction.atomic
def identity_document_add(
    *, actor: User, case: Case, kind: str, number: str, issuing_country: str = "", expires: date | None = None
) -> None:
    _require(actor, CaseAction.EDIT, case)
    if not number.strip():
        raise ValidationError({"number": _("Enter the document number.")})
    add_identity_document(case.child, kind=kind, number=number, issuing_country=issuing_country, expires=expires)
    touch_case(actor=actor, case=case, expected_version=None)
    record(actor=actor, action="child.identity.write", obj=case.child, purpose="identity document")


@transaction.atomic
def age_assessment_record(
    *,
    actor: User,
    case: Case,
    method: str,
    assessed_on: date,
    minimum_age: int | None,
    maximum_age: int | None,
    contested: bool,
    assessed_by: str = "",
) -> AgeAssessment:
    """Record an age assessment. The child stays presumed a minor unless an uncontested one finds 18 or more."""
    _require(actor, CaseAction.EDIT, case)
    if assessed_on > timezone.localdate():
        raise ValidationError({"assessed_on": _("An assessment cannot be dated in the future.")})
    assessment = AgeAssessment(
        child=case.child, method=method, assessed_on=assessed_on, minimum_age=minimum_age, maximum_age=maximum_age,
        contested=contested, assessed_by=assessed_by, recorded_by=actor,
    )  # fmt: skip
    assessment.full_clean()
    assessment.save()
    child = case.child
    child.presumed_minor = contested or minimum_age is None or minimum_age < 18
    child.save(update_fields=["presumed_minor"])
    touch_case(actor=actor, case=case, expected_version=None)
    record(actor=actor, action="case.age_assessment", obj=case)
    return assessment


@transaction.atomic
def case_set_risk(*, actor: User, case: Case, level: str, reason: str, expected_version: int | None = None) -> Case:
    _require(actor, CaseAction.EDIT, case)
    if level not in RiskLevel.values:
        raise InvalidCaseData(_("Unknown risk level."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the risk changed.")})
    touch_case(actor=actor, case=case, expected_version=expected_version)
    Case.objects.filter(pk=case.pk).update(risk_level=level)
    case.risk_level = level
    RiskChange.objects.create(case=case, level=level, reason=reason[:500], changed_by=actor)
    record(actor=actor, action="case.risk", obj=case, purpose=reason[:200])
    return case


@transaction.atomic
def flag_raise(*, actor: User, case: Case, kind: str, reason: str) -> Flag:
    _require(actor, CaseAction.EDIT, case)
    flag = Flag(case=case, kind=kind, reason=reason, raised_by=actor)
    flag.full_clean()
    flag.save()
    touch_case(actor=actor, case=case, expected_version=None)
    record(actor=actor, action="case.flag.raise", obj=case, purpose=f"{kind}: {reason}"[:500])
    return flag


@transaction.atomic
def flag_remove(*, actor: User, case: Case, flag: Flag, reason: str) -> Flag:
    """Remove a flag. A protective flag is only requested by the first person and removed when a second confirms."""
    _require(actor, CaseAction.EDIT, case)
    flag = Flag.objects.select_for_update().get(pk=flag.pk, case=case)
    if flag.removed_at is not None:
        return flag
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the flag is no longer needed.")})
    if flag.kind in PROTECTIVE_FLAGS:
        if flag.removal_requested_by_id is None:
            flag.removal_requested_by, flag.removal_reason = actor, reason[:500]
            flag.save(update_fields=["removal_requested_by", "removal_reason"])
            record(actor=actor, action="case.flag.removal_requested", obj=case, purpose=f"{flag.kind}: {reason}"[:500])
            touch_case(actor=actor, case=case, expected_version=None)
            return flag
        if flag.removal_requested_by_id == actor.pk:
            raise InvalidCaseData(_("A second person must confirm the removal of a protective flag."), code="second_person_required")
    flag.removed_by, flag.removed_at = actor, timezone.now()
    if not flag.removal_reason:
        flag.removal_reason = reason[:500]
    flag.save(update_fields=["removed_by", "removed_at", "removal_reason"])
    touch_case(actor=actor, case=case, expected_version=None)
    record(actor=actor, action="case.flag.remove", obj=case, purpose=f"{flag.kind}: {reason}"[:500])
    return flag


@transaction.atomic
def team_add(*, actor: User, case: Case, user: User, role: str) -> TeamMember:
    _require(actor, CaseAction.MANAGE, case)
    if role == TeamRole.OWNER:
        raise InvalidCaseData(_("A case has one owner; hand it over instead."))
    from carnet.accounts.models import Role
    from carnet.accounts.roles import has_role

    if not has_role(user, Role.CASEWORKER, Role.SUPERVISOR, Role.NCP, country=case.country.code):
        raise InvalidCaseData(_("Only caseworkers, supervisors and the NCP of the case's country can join its team."))
    member, _created = TeamMember.objects.update_or_create(case=case, user=user, defaults={"role": role})
    touch_case(actor=actor, case=case, expected_version=None)
    record(actor=actor, action="case.team.add", obj=case, purpose=f"{user.get_username()} as {role}")
    return member


@transaction.atomic
def guardian_appoint(*, actor: User, case: Case, guardian: str, organisation: str, appointed_on: date) -> GuardianAppointment:
    _require(actor, CaseAction.EDIT, case)
    if appointed_on > timezone.localdate():
        raise ValidationError({"appointed_on": _("An appointment cannot be dated in the future.")})
    appointment = GuardianAppointment(case=case, organisation=organisation, appointed_on=appointed_on, recorded_by=actor)
    appointment.full_clean()
    appointment.save()  # the row needs its id before a value can be bound to it
    assert case.child.data_key is not None  # noqa: S101  (every child has a key from opening)
    encrypt_field(appointment, "guardian_enc", guardian, data_key=case.child.data_key)
    appointment.save(update_fields=["guardian_enc"])
    touch_case(actor=actor, case=case, expected_version=None)
    record(actor=actor, action="case.guardian", obj=case)
    return appointment


@transaction.atomic
def legal_basis_record(
    *,
    actor: User,
    case: Case,
    basis: str,
    given_by: str,
    scope: str,
    recorded_on: date,
    override_reason: str = "",
    approver: User | None = None,
) -> LegalBasisRecord:
    """Record consent or another legal basis.

    Processing against the child's or guardian's wish (an override) is recorded with its reason and
    stays pending until a supervisor of the case other than the recorder approves it
    (:func:`legal_basis_override_approve`).
    """
    _require(actor, CaseAction.EDIT, case)
    if basis not in LegalBasis.values:
        raise ValidationError({"basis": _("Choose one of the legal bases.")})
    if recorded_on > timezone.localdate():
        raise ValidationError({"recorded_on": _("A legal basis cannot be dated in the future.")})
    entry = LegalBasisRecord(
        case=case, basis=basis, given_by=given_by, scope=scope, recorded_on=recorded_on,
        override_reason=override_reason.strip()[:500], override_approved_by=None, recorded_by=actor,
    )  # fmt: skip
    entry.full_clean()
    entry.save()
    touch_case(actor=actor, case=case, expected_version=None)
    record(
        actor=actor,
        action="case.legal_basis",
        obj=case,
        purpose=f"{basis}{' (override pending approval)' if entry.override_reason else ''}",
    )
    return entry


@transaction.atomic
def legal_basis_override_approve(*, actor: User, case: Case, entry: LegalBasisRecord) -> LegalBasisRecord:
    """A supervisor of the case, not the person who recorded it, approves an override."""
    if not CasePolicy.can(actor, CaseAction.APPROVE, case):
        raise PermissionDenied
    entry = LegalBasisRecord.objects.select_for_update().get(pk=entry.pk, case=case)
    if not entry.override_reason or entry.override_approved_by_id is not None:
        raise InvalidCaseData(_("There is no override waiting for approval here."), code="wrong_status")
    if entry.recorded_by_id == actor.pk:
        raise InvalidCaseData(_("A second person must approve an override: not the one who recorded it."), code="second_person_required")
    entry.override_approved_by = actor
    entry.save(update_fields=["override_approved_by"])
    touch_case(actor=actor, case=case, expected_version=None)
    record(actor=actor, action="case.legal_basis.override_approve", obj=case, purpose=entry.override_reason[:200])
    return entry


def _retention_years(country: Country) -> int:
    policy = RetentionPolicy.objects.filter(country=country).first()
    return policy.years_after_closure if policy else 5


@transaction.atomic
def case_close(*, actor: User, case: Case, reason: str, referred: bool = False, expected_version: int | None = None) -> Case:
    """Close a case; starts its retention clock by the country's policy."""
    _require(actor, CaseAction.MANAGE, case)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the case is closed.")})
    touch_case(actor=actor, case=case, expected_version=expected_version)
    now = timezone.now()
    case.status = CaseStatus.CLOSED_REFERRED if referred else CaseStatus.CLOSED
    case.closed_at, case.closure_reason = now, reason[:500]
    case.retain_until = timezone.localdate() + timedelta(days=365 * _retention_years(case.country))
    case.save(update_fields=["status", "closed_at", "closure_reason", "retain_until"])
    record(actor=actor, action="case.close", obj=case, purpose=reason[:200])
    return case


@transaction.atomic
def case_set_status(*, actor: User, case: Case, status: str, expected_version: int | None = None) -> Case:
    """Move an open case to follow-up or back (closing has its own service)."""
    _require(actor, CaseAction.MANAGE, case)
    if status not in (CaseStatus.OPEN, CaseStatus.FOLLOW_UP):
        raise InvalidCaseData(_("Use 'close' to close a case."))
    touch_case(actor=actor, case=case, expected_version=expected_version)
    Case.objects.filter(pk=case.pk).update(status=status, closed_at=None, retain_until=None)
    case.status = status
    record(actor=actor, action="case.status", obj=case, purpose=status)
    return case


@transaction.atomic
def break_glass_open(*, actor: User, case: Case, reason: str) -> BreakGlass:
    """Emergency read access for a supervisor or NCP of the case's country: reasoned, 4 hours, shown to the owner."""
    if not CasePolicy.can(actor, CaseAction.BREAK_GLASS, case):
        raise PermissionDenied
    if len(reason.strip()) < 10:
        raise ValidationError({"reason": _("Write down why you need this case now (at least 10 characters).")})
    grant = BreakGlass.objects.create(
        case=case, user=actor, reason=reason[:500], expires_at=timezone.now() + timedelta(hours=BREAK_GLASS_HOURS)
    )
    record(actor=actor, action="case.break_glass", obj=case, purpose=reason[:500])
    return grant


@transaction.atomic
def case_anonymise(*, case: Case, actor: User | None = None, reason: str = "retention period ended") -> Case:
    """Erase what identifies the child: shred the data key, clear every encrypted column and the blind index.

    Statistics-relevant codes (country, status, exploitation types, age band) stay.
    """
    case = Case.objects.select_for_update().select_related("child").get(pk=case.pk)
    if case.anonymised_at is not None:
        return case
    child = case.child
    key = child.data_key
    for column in [f.name for f in Child._meta.get_fields() if f.name.endswith("_enc")]:
        setattr(child, column, None)
    child.pseudonym = _("(anonymised)")
    child.data_key = None
    child.anonymised_at = timezone.now()
    child.save()
    child.index_entries.all().delete()
    child.documents_of_identity.all().delete()
    if key is not None and not Child.objects.filter(data_key=key).exclude(pk=child.pk).exists():
        data_key_shred(data_key=key)
    Case.objects.filter(pk=case.pk).update(anonymised_at=timezone.now(), version=F("version") + 1)
    case.refresh_from_db()
    record(actor=actor, action="case.anonymise", obj=case, purpose=reason, username="carnet-retention")
    return case


def retention_due(*, today: date | None = None) -> list[Case]:
    today = today or timezone.localdate()
    return list(
        Case.objects.filter(retain_until__lt=today, anonymised_at__isnull=True, status__in=[CaseStatus.CLOSED, CaseStatus.CLOSED_REFERRED])
    )


def identity_of(case: Case) -> Identity:
    """For services that must read the identity to do their work (exports): the caller audits."""
    return read_identity(case.child)


PHOTO_MAX_BYTES = 5 * 1024 * 1024


@transaction.atomic
def child_photo_set(*, actor: User, case: Case, content: bytes) -> None:
    """Store the child's photo (PNG or JPEG, checked by content), encrypted like every identity field."""
    from carnet.cases.services_records import JPEG, PNG, sniff_format

    _require(actor, CaseAction.EDIT, case)
    if len(content) > PHOTO_MAX_BYTES:
        raise ValidationError({"photo": _("A photo may be at most 5 MB.")})
    if sniff_format(content) not in (PNG, JPEG):
        raise ValidationError({"photo": _("A photo must be a PNG or JPEG image.")})
    child = case.child
    assert child.data_key is not None  # noqa: S101  (every child has a key from opening)
    encrypt_field(child, "photo_enc", content, data_key=child.data_key)
    child.save(update_fields=["photo_enc"])
    touch_case(actor=actor, case=case, expected_version=None)
    record(actor=actor, action="child.identity.write", obj=child, purpose="photo")
