"""Deployment checks Django's own `check --deploy` does not make."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def carnet_deploy_checks(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    problems: list[Any] = []
    policy = getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}
    directives = policy.get("DIRECTIVES", {})
    if "csp.middleware.CSPMiddleware" not in settings.MIDDLEWARE or not directives:
        problems.append(Error("No Content Security Policy is sent.", id="carnet.E001"))
    for directive in ("script-src", "default-src"):
        if any("unsafe" in str(src) for src in directives.get(directive, [])):
            problems.append(Error(f"The Content Security Policy allows unsafe sources in {directive}.", id="carnet.E002"))
    if settings.CARNET_SESSION_IDLE_SECONDS > 30 * 60:
        problems.append(Warning("Sessions stay open longer than 30 idle minutes.", id="carnet.W001"))
    if settings.CARNET_SESSION_ABSOLUTE_SECONDS > 12 * 60 * 60:
        problems.append(Warning("Sessions may last longer than 12 hours.", id="carnet.W002"))
    if settings.CARNET_API_DOCS_PUBLIC:
        problems.append(Warning("The API schema and docs are open to anonymous visitors.", id="carnet.W003"))
    if settings.DEBUG:
        problems.append(Error("CARNET_DEBUG is on.", id="carnet.E003"))
    if "axes.middleware.AxesMiddleware" not in settings.MIDDLEWARE:
        problems.append(Error("Sign-in lockout (django-axes) is not active.", id="carnet.E004"))
    return problems
