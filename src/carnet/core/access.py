"""Every page declares who may open it; the permission matrix test reads the declaration.

``@public`` for anyone; ``@signed_in`` for any signed-in user; ``@allowed(policy, action)``
for a policy decision. Anonymous visitors of a protected page go to sign-in; a
signed-in user without the permission gets 403 (pages) — object lookups go through
selectors, which answer 404 for "not yours".
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from carnet.core.policies import Policy

View = Callable[..., HttpResponse]


def public(view: View) -> View:
    view.carnet_permission = "public"  # type: ignore[attr-defined]  # a marker read by the matrix test
    return view


def signed_in(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    wrapper.carnet_permission = "signed_in"  # type: ignore[attr-defined]  # a marker read by the matrix test
    return wrapper


def allowed(policy: type[Policy], action: StrEnum) -> Callable[[View], View]:
    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not policy.can(request.user, action):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.carnet_permission = f"{policy.__name__}.{action}"  # type: ignore[attr-defined]  # read by the matrix test
        return wrapper

    return decorate
