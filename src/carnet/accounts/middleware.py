"""Session lifetime, the second-factor requirement and no-store caching for signed-in pages."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from carnet.accounts.roles import needs_second_factor

Handler = Callable[[HttpRequest], HttpResponse]
SEEN_KEY = "carnet_seen_at"
STARTED_KEY = "carnet_started_at"


class SessionLifetimeMiddleware:
    """Sign out after 30 idle minutes, and 12 hours after sign-in whatever happens (settings)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            started = request.session.setdefault(STARTED_KEY, now)
            seen = request.session.get(SEEN_KEY, now)
            idle = now - seen > settings.CARNET_SESSION_IDLE_SECONDS
            too_old = now - started > settings.CARNET_SESSION_ABSOLUTE_SECONDS
            if idle or too_old:
                logout(request)
                messages.info(request, _("You were signed out to protect the data you can see. Please sign in again."))
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                return HttpResponseRedirect(f"{reverse('account_login')}?next={request.path}")
            # Writing the session on every request is the price of an idle timeout; touch it at most once a minute.
            if now - seen >= 60 or SEEN_KEY not in request.session:
                request.session[SEEN_KEY] = now
        return self.get_response(request)


class RequireSecondFactorMiddleware:
    """A user whose role can see protected data does nothing else until a second factor is enrolled."""

    ALLOWED_PREFIXES = ("/static/", "/healthz")

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and needs_second_factor(user) and not self._allowed(request.path):
            from allauth.mfa.models import Authenticator

            if not Authenticator.objects.filter(user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]).exists():
                if request.path.startswith("/api/"):
                    # A session without a second factor must not reach protected data, nor mint a token, through the API.
                    return JsonResponse(
                        {"detail": _("Set up a second factor before using the API."), "code": "second_factor_required"}, status=403
                    )
                messages.warning(request, _("Your role gives access to protected data. Set up a second factor to continue."))
                return HttpResponseRedirect(reverse("mfa_activate_totp"))
        return self.get_response(request)

    def _allowed(self, path: str) -> bool:
        if path.startswith(self.ALLOWED_PREFIXES):
            return True
        # /<lang>/accounts/... covers sign-out and the second-factor pages themselves.
        parts = path.split("/", 3)
        return len(parts) > 2 and parts[2] == "accounts"


class NoStoreForSignedInMiddleware:
    """No browser or proxy keeps a copy of what a signed-in user saw."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        signed_in = getattr(request, "user", None) is not None and request.user.is_authenticated
        if signed_in or request.path.startswith("/api/"):
            response["Cache-Control"] = "no-store"
        return response
