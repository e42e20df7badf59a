"""Every write to accounts: memberships and API tokens, each audited in its transaction."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from carnet.accounts.models import ApiToken, Membership, Role, User
from carnet.accounts.roles import forget_grants
from carnet.audit.services import record

TOKEN_PREFIX = "carnet_"  # noqa: S105  (a public prefix, not a secret)


def token_digest(secret: str) -> str:
    """Tokens carry 256 random bits, so a plain SHA-256 is a safe store (no slow hash needed)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once, never stored


@transaction.atomic
def token_create(*, actor: Any, user: User, name: str, days: int | None = None) -> IssuedToken:
    """Issue a personal API token for ``user``. The secret is returned once and only its digest is kept."""
    lifetime = days if days is not None else settings.CARNET_API_TOKEN_DAYS
    prefix = secrets.token_hex(4)
    secret = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken(
        user=user, name=name[:100], prefix=prefix, digest=token_digest(secret), expires_at=timezone.now() + timedelta(days=lifetime)
    )
    token.full_clean()
    token.save(force_insert=True)
    record(actor=actor, action="token.create", obj=token, purpose=name[:100], username="carnet-cli")
    return IssuedToken(token=token, secret=secret)


@transaction.atomic
def token_revoke(*, actor: Any, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record(actor=actor, action="token.revoke", obj=token)
    return token


@transaction.atomic
def token_touch(*, token: ApiToken) -> None:
    """Note a token's use: at most once a minute, so the API does not write on every call."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        record(actor=token.user, action="token.use", obj=token)


@transaction.atomic
def user_create(*, actor: Any, username: str, email: str, password: str | None, first_name: str = "", last_name: str = "") -> User:
    """Create a person's account (``password=None``: one that cannot sign in). Roles come as memberships."""
    user = User(username=username, email=email, first_name=first_name, last_name=last_name)
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.full_clean()
    user.save(force_insert=True)
    record(actor=actor, action="user.create", obj=user, username="carnet-cli")
    return user


@transaction.atomic
def membership_grant(*, actor: Any, user: User, role: Role, country: Any = None, organisation: Any = None, purpose: str = "") -> Membership:
    """Give ``user`` the role; granting an ended membership again reopens it from now."""
    membership, created = Membership.objects.select_for_update().get_or_create(
        user=user, role=role, country=country, organisation=organisation
    )
    now = timezone.now()
    if not created and membership.valid_until is not None and membership.valid_until <= now:
        membership.valid_from, membership.valid_until = now, None
        membership.full_clean()
        membership.save(update_fields=["valid_from", "valid_until"])
        created = True
    if created:
        record(actor=actor, action="membership.grant", obj=membership, purpose=purpose)
    forget_grants(user)
    return membership


@transaction.atomic
def membership_end(*, actor: Any, membership: Membership, purpose: str = "") -> Membership:
    if membership.valid_until is None or membership.valid_until > timezone.now():
        membership.valid_until = timezone.now()
        membership.full_clean()
        membership.save(update_fields=["valid_until"])
        record(actor=actor, action="membership.end", obj=membership, purpose=purpose)
    forget_grants(membership.user)
    return membership
