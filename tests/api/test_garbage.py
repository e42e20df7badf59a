"""Every API operation, fed garbage: never a 500, always a JSON answer.

The operations come from the committed OpenAPI schema (tests/api/openapi.json), so a route
added anywhere is covered the day its snapshot is regenerated. Path parameters, query
parameters and body fields get values no client should send — very long strings mixing
scripts and FTS/tsquery syntax, huge numbers, a well-formed UUID that names nothing —
for an anonymous caller and for the secretariat (who passes most policies, so the input
reaches the services). A refusal is fine (4xx with a JSON body); an error is not.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

SCHEMA = json.loads((Path(__file__).parent / "openapi.json").read_text())
GARBAGE = [
    "ä\u202e<script>x</script>\"*:^()-&|!NEAR/'; DROP TABLE x;--" * 40,
    "9" * 40,
    "nul\x00byte",  # PostgreSQL refuses a NUL in any text parameter
    "00000000-0000-4000-8000-000000000000",
]
PARAM = re.compile(r"\{(\w+)\}")


def _operations() -> list[Any]:
    found = []
    for path, methods in sorted(SCHEMA["paths"].items()):
        for method, operation in sorted(methods.items()):
            found.append(pytest.param(method, path, operation, id=f"{method.upper()} {path}"))
    return found


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = SCHEMA["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _body(operation: dict[str, Any], value: str) -> tuple[str | None, Any]:
    """A JSON body whose every declared field is ``value`` (None when the operation takes no JSON)."""
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return None, None
    schema = _resolve(content["application/json"]["schema"])
    return "application/json", json.dumps(dict.fromkeys(schema.get("properties", {}), value))


def _query(operation: dict[str, Any], value: str) -> dict[str, str]:
    return {p["name"]: value for p in operation.get("parameters", []) if p.get("in") == "query"}


@pytest.mark.parametrize("username", ["anonymous", "secretariat"])
@pytest.mark.parametrize(("method", "path", "operation"), _operations())
def test_garbage_never_makes_a_500(client_as: Any, method: str, path: str, operation: dict[str, Any], username: str) -> None:
    client = client_as(username)
    for value in GARBAGE:
        url = PARAM.sub(quote(value[:300], safe=""), path)
        content_type, body = _body(operation, value)
        query = _query(operation, value)
        if method == "get":
            response = client.get(url, query)
        else:
            target = url + ("?" + "&".join(f"{k}=x" for k in query) if query else "")
            kwargs = {"content_type": content_type, "data": body} if content_type else {}
            response = getattr(client, method)(target, **kwargs)
        assert response.status_code < 500, (method, url, response.status_code)
        if response.status_code >= 400:
            assert response["Content-Type"].startswith("application/json"), (method, url, response["Content-Type"])
            assert "detail" in json.loads(response.content) or "errors" in json.loads(response.content)
