"""Errors of the case file, each with a stable code (the API maps them to HTTP in one place)."""

from __future__ import annotations

from carnet.core.errors import Conflict, DomainError


class StaleVersion(Conflict):
    """Somebody else saved first: the user must see their change before saving again."""

    code = "stale_version"

    def __init__(self, message: str, *, current_version: int, changed_by: str = "", changed_at: str = "") -> None:
        super().__init__(message)
        self.current_version = current_version
        self.changed_by = changed_by
        self.changed_at = changed_at


class InvalidCaseData(DomainError):
    """Input that breaks a rule of the case file (impossible dates, unknown codes): 422, like a schema error."""

    status = 422
    code = "invalid"
