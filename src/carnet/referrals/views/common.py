"""What the referral pages share: running a service for a form and putting its refusal on that form."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone

from carnet.core.errors import DomainError
from carnet.referrals.models import AWAITING_ANSWER, Referral


def attempt(form: forms.Form, act: Callable[[], Any], aliases: Mapping[str, str] | None = None) -> int | None:
    """Run a service for a valid form. ``None`` when it succeeded; otherwise the refusal is on the form (under
    the field it names, or the whole form) and the HTTP status to answer with is returned: 400 for invalid
    input, the domain error's own status otherwise (409 for a step the referral's status does not allow, 422
    for a rule of referrals)."""
    aliases = aliases or {}
    try:
        act()
    except ValidationError as error:
        problems = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
        for field, messages in problems.items():
            name = aliases.get(field, field)
            form.add_error(name if name in form.fields else None, messages)
        return 400
    except DomainError as error:
        form.add_error(None, error.message)
        return error.status
    return None


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def is_overdue(referral: Referral) -> bool:
    return referral.status in AWAITING_ANSWER and referral.respond_by < timezone.localdate()
