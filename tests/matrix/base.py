"""The building blocks of permission-matrix rows (tests/test_permission_matrix.py and tests/matrix/*.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from carnet.accounts.demo import DEMO_ACCOUNTS
from carnet.accounts.models import SECOND_FACTOR_ROLES

ANON = "anonymous"
SIGNED = [a.username for a in DEMO_ACCOUNTS]
DPO = {"secretariat", "sysadmin"}
WITH_TOTP = {a.username for a in DEMO_ACCOUNTS if a.role in SECOND_FACTOR_ROLES}


def rows(anonymous: int, signed: int | None = None, **special: int) -> dict[str, int]:
    """Expected status per role: ``anonymous``, then ``signed`` for every account, then named exceptions.

    Group names: ``dpo`` (secretariat, sysadmin), ``with_totp`` / ``without_totp``.
    """
    table = {ANON: anonymous}
    for username in SIGNED:
        table[username] = signed if signed is not None else anonymous
    groups = {"dpo": DPO, "with_totp": WITH_TOTP, "without_totp": set(SIGNED) - WITH_TOTP}
    for key, status in special.items():
        for username in groups.get(key, {key.replace("_", "-")}):
            table[username] = status
    return table


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    expect: dict[str, int]
    body: dict[str, object] | None = None
    objects: bool = False  # the path holds {own} / {other}: checked by the object tests below
    note: str = ""
    extra: dict[str, str] = field(default_factory=dict)
