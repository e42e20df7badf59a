"""The JSON API: one NinjaAPI assembling each app's router. Signed-in by default; public routes say so."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from carnet.accounts.api import router as accounts_router
from carnet.actionplan.api import router as actionplan_router
from carnet.api.auth import SIGNED_IN, docs_access
from carnet.assessments.api import router as assessments_router
from carnet.audit.api import router as audit_router
from carnet.cases.api import router as cases_router
from carnet.core.api import router as core_router
from carnet.core.errors import DomainError
from carnet.directory.api import router as directory_router
from carnet.directory.api_contacts import router as directory_contacts_router
from carnet.events.api import router as events_router
from carnet.library.api import router as library_router
from carnet.library.api_search import router as library_search_router
from carnet.portal.api import router as portal_router
from carnet.referrals.api import router as referrals_router

api = NinjaAPI(
    title="carnet API",
    version="1",
    description="The API of carnet. Authenticate with your session or `Authorization: Bearer <token>` (see your account security page).",
    urls_namespace="api",
    auth=SIGNED_IN,
    openapi_url="/openapi.json",
    docs_url=None,
    docs_decorator=docs_access,
)
api.add_router("/", core_router)
api.add_router("/", accounts_router)
api.add_router("/audit", audit_router)
api.add_router("/", cases_router)
api.add_router("/assessments", assessments_router)
api.add_router("/", referrals_router)
api.add_router("/", directory_router)
api.add_router("/", directory_contacts_router)
api.add_router("/", portal_router)
api.add_router("/library", library_router)
api.add_router("/library", library_search_router)
api.add_router("/", events_router)
api.add_router("/", actionplan_router)


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, {"detail": exc.message, "code": exc.code}, status=exc.status)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": "Not found.", "code": "not_found"}, status=404)


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": "Permission denied.", "code": "forbidden"}, status=403)


@api.exception_handler(AuthenticationError)
def _unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = api.create_response(
        request, {"detail": "Authentication required: sign in or send a valid bearer token.", "code": "unauthorized"}, status=401
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


def _field_name(loc: Any) -> str | None:
    """ninja's location is ("body", "<parameter>", "field", ...) or ("query", "field"): name the field as the client sent it."""
    parts = list(loc)
    parts = parts[2:] if parts[:1] == ["body"] and len(parts) > 2 else parts[1:]
    return ".".join(str(part) for part in parts) or None


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {
            "field": _field_name(error.get("loc", ())),
            "reason": error.get("msg", ""),
            "type": error.get("type", ""),
        }
        for error in exc.errors
    ]
    return api.create_response(request, {"detail": "The request is not valid.", "code": "invalid", "errors": errors}, status=422)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api.create_response(
        request, {"detail": str(exc), "code": "bad_request" if exc.status_code == 400 else "error"}, status=exc.status_code
    )
