"""Domain errors carry a stable code; the API maps them to HTTP in one place (carnet.api.api)."""

from __future__ import annotations


class DomainError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code

    def with_status(self, status: int) -> DomainError:
        """The same error answered with another HTTP status (e.g. 412 for a stale If-Match)."""
        self.status = status
        return self


class Conflict(DomainError):
    status = 409
    code = "conflict"
