"""Reads of accounts data, already scoped to the actor."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from carnet.accounts.models import ApiToken
from carnet.accounts.services import TOKEN_PREFIX, token_digest


def token_for_secret(secret: str) -> ApiToken | None:
    """The usable token matching ``secret``, or None. Looked up by digest, never by comparing secrets."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = ApiToken.objects.select_related("user").filter(digest=token_digest(secret)).first()
    if token is None or not token.is_usable or not token.user.is_active:
        return None
    return token


def token_list_for(*, actor: Any) -> QuerySet[ApiToken]:
    """A user sees and manages their own tokens only."""
    if not getattr(actor, "is_authenticated", False):
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user_id=actor.pk)


def token_get_for(*, actor: Any, token_id: int) -> ApiToken:
    token = token_list_for(actor=actor).filter(pk=token_id).first()
    if token is None:
        raise Http404
    return token
