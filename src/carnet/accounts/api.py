"""The signed-in user, and their personal API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.security import django_auth

from carnet.accounts.roles import grants_of, needs_second_factor
from carnet.accounts.selectors import token_get_for, token_list_for
from carnet.accounts.services import token_create, token_revoke

router = Router(tags=["accounts"])


class GrantOut(Schema):
    role: str
    country: str | None


class MeOut(Schema):
    username: str
    roles: list[GrantOut]
    second_factor_required: bool


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class TokenIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    days: int = Field(default=90, ge=1, le=365)


class TokenCreatedOut(TokenOut):
    secret: str


@router.get("/me", response=MeOut, summary="Who I am and my roles")
def me(request: HttpRequest) -> MeOut:
    grants = sorted(grants_of(request.user), key=lambda g: (g.role, g.country or ""))
    return MeOut(
        username=request.user.get_username(),
        roles=[GrantOut(role=g.role.value, country=g.country) for g in grants],
        second_factor_required=needs_second_factor(request.user),
    )


@router.get("/tokens", response=list[TokenOut], summary="My API tokens")
def tokens(request: HttpRequest) -> list[TokenOut]:
    return list(token_list_for(actor=request.user))  # type: ignore[arg-type]  # ninja validates the model rows into TokenOut


@router.post("/tokens", response={201: TokenCreatedOut}, auth=django_auth, summary="Create a token (signed-in session only)")
def token_new(request: HttpRequest, payload: TokenIn) -> Status[Any]:
    """Only a signed-in session can create a token: a token cannot mint further tokens."""
    issued = token_create(actor=request.user, user=request.user, name=payload.name, days=payload.days)  # type: ignore[arg-type]  # signed in
    out = TokenCreatedOut.model_validate({**TokenOut.from_orm(issued.token).model_dump(), "secret": issued.secret})
    return Status(201, out)


@router.delete("/tokens/{token_id}", response={204: None}, summary="Revoke one of my tokens")
def token_delete(request: HttpRequest, token_id: int) -> Status[Any]:
    token_revoke(actor=request.user, token=token_get_for(actor=request.user, token_id=token_id))
    return Status(204, None)
