"""API: the instruments one may see, and importing a new version (secretariat). No `from __future__ import annotations` here (ninja).

The import body is an instrument file (docs/instrument.schema.json). It is checked by the same
code as a file on the command line or the page, so every problem comes back at once with its
path in the document (``domains[3].levels[1].statements.ru``), and nothing is stored.
"""

import json
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status

from carnet.assessments.instruments import InstrumentFileInvalid, can_manage, can_read, instrument_import, validate_document, versions_for
from carnet.assessments.models import InstrumentVersion, VersionStatus
from carnet.assessments.schema import instrument_json_schema

router = Router()


class InstrumentSummaryOut(Schema):
    id: int
    slug: str
    name: str
    version: int
    status: VersionStatus
    published_at: datetime | None
    notes: str
    domains: int = Field(description="Number of domains.")


def _out(version: InstrumentVersion, domains: int) -> dict[str, Any]:
    return {
        "id": version.pk,
        "slug": version.instrument.slug,
        "name": str(version.instrument),
        "version": version.number,
        "status": version.status,
        "published_at": version.published_at,
        "notes": version.notes,
        "domains": domains,
    }


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """The file's JSON Schema with its definitions inlined, for the OpenAPI document (which has no room for ``$defs``)."""
    definitions = schema.get("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return walk(definitions[node["$ref"].rsplit("/", 1)[-1]])
            return {key: walk(value) for key, value in node.items() if key not in {"$defs", "$schema", "propertyNames"}}
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    return dict(walk(schema))


@router.get("/instruments", response=list[InstrumentSummaryOut], summary="Instrument versions (drafts for the secretariat only)")
def instrument_list(request: HttpRequest) -> list[dict[str, Any]]:
    if not can_read(request.user):
        raise PermissionDenied
    versions = versions_for(request.user).prefetch_related("domains")
    return [_out(version, len(version.domains.all())) for version in versions]


def _problems(invalid: InstrumentFileInvalid) -> list[dict[str, str]]:
    return [{"field": problem.path, "reason": problem.message} for problem in invalid.problems]


@router.post(
    "/instruments/import",
    response={201: InstrumentSummaryOut},
    summary="Import an instrument file as a new version (secretariat)",
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": _inline(instrument_json_schema())}}},
        "responses": {"422": {"description": "The document is not valid: every problem, with its path; nothing was stored."}},
    },
)
def instrument_import_api(request: HttpRequest, publish: bool = False) -> Any:
    if not can_manage(request.user):
        raise PermissionDenied
    try:
        data = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return _error(422, "The body is not JSON.", [])
    try:
        version = instrument_import(actor=request.user, document=validate_document(data), publish=publish)
    except InstrumentFileInvalid as invalid:
        return _error(422, invalid.message, _problems(invalid))
    return Status(201, _out(version, version.domains.count()))


def _error(status: int, detail: str, errors: list[dict[str, str]]) -> HttpResponse:
    body = {"detail": detail, "code": "invalid_instrument", "errors": errors}
    return HttpResponse(json.dumps(body), status=status, content_type="application/json")
