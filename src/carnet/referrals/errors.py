"""Errors of referrals, each with a stable code (the API maps them to HTTP in one place)."""

from __future__ import annotations

from carnet.core.errors import Conflict, DomainError


class InvalidReferral(DomainError):
    """Input that breaks a rule of referrals (no legal basis, no operational NCP, a profile too wide): 422."""

    status = 422
    code = "invalid"


class WrongStatus(Conflict):
    """The referral is not (or no longer) in a status that allows the step: accepting twice, withdrawing a completed one."""

    code = "wrong_status"
