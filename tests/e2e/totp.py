"""The second factor in browser tests: the code a user's authenticator app shows now."""

from __future__ import annotations

import time

import pyotp
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt

from carnet.accounts.models import User


def current_totp_code(user: User) -> str:
    """The code the user's authenticator app shows now, never one about to expire."""
    secret = decrypt(Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP).data["secret"])
    totp = pyotp.TOTP(secret, digits=mfa_settings.TOTP_DIGITS, interval=mfa_settings.TOTP_PERIOD)
    left = mfa_settings.TOTP_PERIOD - time.time() % mfa_settings.TOTP_PERIOD
    if left < 3:  # the server allows no drift by default; do not race the period boundary
        time.sleep(left + 0.1)
    return totp.now()
