"""API authentication: the session (ninja's own cookie auth, which checks CSRF) or a personal bearer token."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer, django_auth

from carnet.accounts.selectors import token_for_secret
from carnet.accounts.services import token_touch


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = token_for_secret(token)
        if found is None:
            return None
        request.user = found.user
        token_touch(token=found)
        return found.user


bearer = BearerToken()
session = django_auth  # never a custom cookie auth: only ninja's checks CSRF
SIGNED_IN = [session, bearer]


def anyone(request: HttpRequest) -> bool:
    """The last of a public read's authentications: without a session or a token, the reader is anonymous."""
    return True


# Public reads that show more to a member (events, actions): the session or token when one comes, else anonymous.
READERS = [*SIGNED_IN, anyone]
# The schema says so too: a session, a token, or nothing at all (``{}``: no authentication).
OPTIONAL_AUTH: dict[str, Any] = {"security": [{}]}  # ninja adds it to the session and token it lists


def caller(request: HttpRequest) -> Any:
    """Who asks a public read declared ``auth=None``: the session's user, else the bearer token's (an invalid
    token is a 401, not a silent anonymous answer), else the anonymous user."""
    if request.user.is_authenticated:
        return request.user
    if request.headers.get("Authorization", "").strip():
        user = bearer(request)
        if user is None:
            raise AuthenticationError
        return user
    return request.user


def docs_access(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The schema and the docs need a signed-in user or a token, unless settings make them public (development)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if settings.CARNET_API_DOCS_PUBLIC or request.user.is_authenticated:
            return view(request, *args, **kwargs)
        header = request.headers.get("Authorization", "")
        scheme, _sep, secret = header.partition(" ")
        if scheme.lower() == "bearer" and token_for_secret(secret.strip()) is not None:
            return view(request, *args, **kwargs)
        if request.path.endswith(".json"):
            return JsonResponse({"detail": "Sign in or send a bearer token to read the API schema.", "code": "unauthorized"}, status=401)
        return redirect_to_login(request.get_full_path())

    wrapper.carnet_permission = "signed_in_or_token"  # type: ignore[attr-defined]  # read by the matrix test
    return wrapper
