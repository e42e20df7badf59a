"""Writes to the Plan of Action: creating an action and recording where it stands.

Every change is audited in the same transaction. An action's code is ``PoA-YYYY-NNN``
(the year it was created, then the next free number of that year) unless the caller names
one; two people creating actions at the same moment never get the same code: the code is
unique in the database, and a clash retries with the next number inside a savepoint.
Each status update is an :class:`ActionUpdate` with what happened and the evidence (a link
or a library resource the author may see): the history is the action's accountability record.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carnet.actionplan.models import Action, ActionStatus, ActionUpdate
from carnet.actionplan.policies import ActionPlanAction, ActionPlanPolicy
from carnet.audit.services import record
from carnet.core.errors import Conflict
from carnet.core.models import Country, Priority
from carnet.directory.models import Organisation
from carnet.library.models import Resource
from carnet.library.policies import may_see

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$")
TITLE_MAX = 300
RESERVED_CODES = frozenset({"new"})  # /plan/new/ is the page to add one
_CODE_ATTEMPTS = 20

NO_TITLE = _("Give the action a title in at least one language.")
BAD_LANGUAGE = _("“%(code)s” is not one of this site's languages.")
TOO_LONG = _("Keep each text to at most %(max)d characters.")
BAD_CODE = _("A code has 1 to 20 letters, digits, dots, hyphens or underscores, for example PoA-2026-004.")
CODE_TAKEN = _("There is already an action with the code %(code)s.")
BAD_STATUS = _("Choose one of the statuses of the Plan of Action.")
NOTHING_SAID = _("Change the status, say what happened, or give the evidence.")
BAD_EVIDENCE_URL = _("Give the evidence as a web address starting with https:// or http://.")
BAD_EVIDENCE = _("Choose a library resource that you can see.")


def site_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def clean_texts(texts: Mapping[str, str] | None, *, field: str, max_length: int | None = None) -> dict[str, str]:
    """The non-empty texts per language (stripped); a language the site does not have is refused."""
    languages = site_languages()
    cleaned: dict[str, str] = {}
    for language, text in (texts or {}).items():
        if language not in languages:
            raise ValidationError({field: BAD_LANGUAGE % {"code": str(language)[:10]}}, code="language")
        value = str(text or "").strip()
        if not value:
            continue
        if max_length is not None and len(value) > max_length:
            raise ValidationError({field: TOO_LONG % {"max": max_length}}, code="max_length")
        cleaned[language] = value
    return cleaned


def _status(status: str) -> ActionStatus:
    if status not in ActionStatus.values:
        raise ValidationError({"status": BAD_STATUS}, code="status")
    return ActionStatus(status)


def _next_code(year: int) -> str:
    prefix = f"PoA-{year}-"
    numbers = [
        int(code[len(prefix) :])
        for code in Action.objects.filter(code__startswith=prefix).values_list("code", flat=True)
        if code[len(prefix) :].isdigit()
    ]
    return f"{prefix}{max(numbers, default=0) + 1:03d}"


@transaction.atomic
def action_create(
    *,
    actor: Any,
    code: str | None = None,
    titles: Mapping[str, str],
    descriptions: Mapping[str, str] | None = None,
    priority: Priority | None = None,
    responsible: Iterable[Organisation] = (),
    countries: Iterable[Country] = (),
    due: date | None = None,
    status: str = ActionStatus.PROPOSED,
) -> Action:
    """A new action of the Plan of Action (the secretariat's), with the first entry of its history."""
    if not ActionPlanPolicy.can(actor, ActionPlanAction.CREATE):
        raise PermissionDenied(_("Only the secretariat adds actions to the Plan of Action."))
    title_texts = clean_texts(titles, field="titles", max_length=TITLE_MAX)
    if not title_texts:
        raise ValidationError({"titles": NO_TITLE}, code="required")
    description_texts = clean_texts(descriptions, field="descriptions")
    initial = _status(status)
    if code is not None:
        code = code.strip()
        if not CODE_PATTERN.match(code) or code.lower() in RESERVED_CODES:
            raise ValidationError({"code": BAD_CODE}, code="code")
    responsible, countries = list(responsible), list(countries)

    for _attempt in range(_CODE_ATTEMPTS):
        action = Action(
            code=code or _next_code(timezone.localdate().year),
            priority=priority,
            status=initial,
            due=due,
            created_by=actor,
        )
        for language in site_languages():
            if language in title_texts or language in description_texts:
                action.set_current_language(language)
                action.title = title_texts.get(language) or next(iter(title_texts.values()))
                action.description = description_texts.get(language, "")
        action.full_clean(exclude=["code"])  # the code's uniqueness is the database's to decide, race-free
        try:
            with transaction.atomic():
                action.save()
        except IntegrityError:
            if code is not None:
                raise Conflict(str(CODE_TAKEN % {"code": code}), code="code_taken") from None
            continue  # somebody took this number a moment ago: take the next
        break
    else:  # pragma: no cover - twenty clashes in a row is not a race, it is a fault
        raise Conflict(str(_("No free code for a new action: try again.")), code="code_taken")

    action.responsible.set(responsible)
    action.countries.set(countries)
    ActionUpdate.objects.create(action=action, status=initial, author=actor)
    record(actor=actor, action="action.create", obj=action, purpose=action.code)
    return action


@transaction.atomic
def action_update_status(
    *,
    actor: Any,
    action: Action,
    status: str,
    note: str = "",
    evidence_url: str = "",
    evidence: Resource | None = None,
) -> ActionUpdate:
    """Record where an action stands: its status (possibly unchanged), what happened, and the evidence."""
    if not ActionPlanPolicy.can(actor, ActionPlanAction.UPDATE, action):
        raise PermissionDenied(_("You may not report on this action."))
    new_status = _status(status)
    note = (note or "").strip()
    evidence_url = (evidence_url or "").strip()
    if evidence_url:
        try:
            URLValidator(schemes=["http", "https"])(evidence_url)
        except ValidationError:
            raise ValidationError({"evidence_url": BAD_EVIDENCE_URL}, code="url") from None
    if evidence is not None and not may_see(actor, evidence):
        raise ValidationError({"evidence": BAD_EVIDENCE}, code="evidence")
    locked = Action.objects.select_for_update().get(pk=action.pk)
    if new_status == locked.status and not note and not evidence_url and evidence is None:
        raise ValidationError({"note": NOTHING_SAID}, code="empty")
    update = ActionUpdate(action=locked, status=new_status, note=note, evidence_url=evidence_url, evidence=evidence, author=actor)
    update.full_clean()
    update.save()
    if locked.status != new_status:
        locked.status = new_status
        locked.save(update_fields=["status", "updated_at"])
    action.status = locked.status
    record(actor=actor, action="action.update", obj=locked, purpose=f"{locked.code}: {new_status}")
    return update
