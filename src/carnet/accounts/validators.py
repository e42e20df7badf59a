"""Password length after NIST SP 800-63B-4: 15 characters alone, 8 with a second factor."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class LengthBySecondFactorValidator:
    def __init__(self, single_factor: int = 15, with_second_factor: int = 8) -> None:
        self.single_factor = single_factor
        self.with_second_factor = with_second_factor

    def _minimum(self, user: Any) -> int:
        if user is not None and getattr(user, "pk", None):
            from allauth.mfa.models import Authenticator

            if Authenticator.objects.filter(user_id=user.pk, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]).exists():
                return self.with_second_factor
        return self.single_factor

    def validate(self, password: str, user: Any = None) -> None:
        minimum = self._minimum(user)
        if len(password) < minimum:
            raise ValidationError(
                ngettext(
                    "This password is too short. It must contain at least %(min_length)d character.",
                    "This password is too short. It must contain at least %(min_length)d characters.",
                    minimum,
                ),
                code="password_too_short",
                params={"min_length": minimum},
            )

    def get_help_text(self) -> str:
        return _("Your password must contain at least %(single)d characters, or %(with_mfa)d once you use a second factor.") % {
            "single": self.single_factor,
            "with_mfa": self.with_second_factor,
        }
