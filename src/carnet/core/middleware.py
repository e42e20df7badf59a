"""Refuse input that no person types and PostgreSQL cannot store: a NUL character.

PostgreSQL refuses a NUL in any text parameter, so a NUL that reached a query would become
a 500 there (and be accepted by SQLite: the two databases would disagree). No address,
query or JSON body carnet serves has a use for one, so it is refused at the door with a
400 (JSON for the API), before any view, form or service sees it. Form fields already
refuse it on their own (Django's ProhibitNullCharactersValidator); uploaded files are
bytes and are left alone.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.http import HttpRequest, HttpResponse

from carnet.core.views import bad_request

NUL = b"\x00"
JSON_NUL = b"\\u0000"


def carries_nul(request: HttpRequest) -> bool:
    if NUL in request.path.encode("utf-8", "surrogatepass") or NUL in unquote_to_bytes(request.META.get("QUERY_STRING", "")):
        return True
    if request.content_type == "application/json" and request.method in {"POST", "PUT", "PATCH", "DELETE"}:
        body = request.body
        return NUL in body or JSON_NUL in body.lower()
    return False


class RefuseNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if carries_nul(request):
            return bad_request(request)
        return self.get_response(request)
