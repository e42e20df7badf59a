"""Sign-in events reach us only as Django's auth signals: this is the one place carnet listens to signals."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from carnet.audit.models import Outcome
from carnet.audit.services import record


@receiver(user_logged_in, dispatch_uid="carnet.audit.login")
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record(actor=user, action="auth.login", obj=user)


@receiver(user_logged_out, dispatch_uid="carnet.audit.logout")
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record(actor=user, action="auth.logout", obj=user)


@receiver(user_login_failed, dispatch_uid="carnet.audit.login_failed")
def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    # The username as typed, never the password; it may not name a real account.
    typed = str(credentials.get("username") or credentials.get("login") or credentials.get("email") or "")
    record(actor=None, action="auth.login_failed", username=typed, outcome=Outcome.DENIED)
