"""Running a service for a form, the way every page does: a refusal lands on the form, with the HTTP status to answer.

Services refuse with ``ValidationError`` (keyed by field, or not), ``DomainError`` (a
conflict, a wrong status: carnet.core.errors) and ``PermissionDenied``. A page shows the
form again with the reason where it belongs — on the field the service named (or on the
form field an alias maps it to), else at the top — and answers 400, the domain error's
own status, or 403. The service runs in its own savepoint, so a refusal changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from carnet.core.errors import DomainError

NOT_YOURS = _("You may not take this step.")


def run_service(
    form: forms.Form, act: Callable[[], Any], *, aliases: Mapping[str, str] | None = None, catch_denied: bool = False
) -> int | None:
    """``None`` when ``act`` succeeded; otherwise its refusal is on ``form`` and the HTTP status is returned.

    ``aliases`` maps a service's field name to the form's (``title`` -> ``title_en``).
    ``catch_denied`` shows a refusal by the policy on the form (403) instead of raising it
    to the 403 page, for forms where someone may see a step they cannot take.
    """
    try:
        with transaction.atomic():
            act()
    except ValidationError as error:
        problems = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
        for field, texts in problems.items():
            name = (aliases or {}).get(field, field)
            form.add_error(name if name in form.fields else None, texts)
        return 400
    except PermissionDenied:
        if not catch_denied:
            raise
        form.add_error(None, NOT_YOURS)
        return 403
    except DomainError as error:
        form.add_error(None, error.message)
        return error.status
    return None
