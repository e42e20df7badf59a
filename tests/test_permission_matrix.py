"""The permission matrix: every page and every API operation, against every role.

A route without rows here fails `test_every_route_has_rows`, so a new page cannot
ship without someone deciding, in writing, who may open it. Rows name the expected
HTTP status per demo account (see carnet.accounts.demo); "anonymous" is nobody.
Object rows (a token of one's own, of someone else) also check that a denial
changed nothing.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.account.internal.flows.login import _AUTHENTICATION_METHODS_USER_SESSION_KEY
from allauth.mfa.models import Authenticator
from django.urls import URLPattern, URLResolver, get_resolver

from carnet.accounts.models import ApiToken
from carnet.api.api import api
from tests.accounts.factories import ApiTokenFactory
from tests.fixtures import ROLES

pytestmark = pytest.mark.django_db

from tests.matrix.base import ANON, DPO, SIGNED, WITH_TOTP, Row, rows  # noqa: E402,F401  (rows for this file)

EVERYONE_200 = rows(200, 200)
SIGNED_IN_PAGE = rows(302, 200)

PAGES: dict[str, Row] = {
    # carnet's own pages
    "healthz": Row("GET", "/healthz", EVERYONE_200),
    "portal:home": Row("GET", "/en/", EVERYONE_200),
    "accounts:security": Row("GET", "/en/account/", SIGNED_IN_PAGE),
    "accounts:token_revoke": Row("POST", "/en/account/tokens/{token}/revoke/", rows(302, 302), objects=True),
    "audit:log": Row("GET", "/en/audit/", rows(302, 403, dpo=200)),
    "api-docs": Row("GET", "/api/docs", SIGNED_IN_PAGE),
    # django-allauth: sign-in, password and second-factor pages (its own views, its own checks)
    "account_login": Row("GET", "/en/accounts/login/", rows(200, 302)),
    "account_logout": Row("GET", "/en/accounts/logout/", rows(302, 200)),
    "account_inactive": Row("GET", "/en/accounts/inactive/", EVERYONE_200),
    "account_signup": Row("GET", "/en/accounts/signup/", rows(200, 302), note="sign-up is closed: the page says so"),
    "account_reauthenticate": Row("GET", "/en/accounts/reauthenticate/", SIGNED_IN_PAGE),
    "account_request_reauthentication_code": Row("GET", "/en/accounts/reauthenticate/code/", rows(302, 302)),
    "account_confirm_reauthentication_code": Row("GET", "/en/accounts/reauthenticate/code/confirm/", rows(302, 302)),
    "account_email": Row("GET", "/en/accounts/email/", SIGNED_IN_PAGE),
    "account_email_verification_sent": Row("GET", "/en/accounts/confirm-email/", EVERYONE_200),
    "account_confirm_email": Row(
        "GET", "/en/accounts/confirm-email/not-a-key/", EVERYONE_200, note="an unknown key shows the expired-link page"
    ),
    "account_change_password": Row("GET", "/en/accounts/password/change/", SIGNED_IN_PAGE),
    "account_set_password": Row("GET", "/en/accounts/password/set/", rows(302, 302)),
    "account_reset_password": Row("GET", "/en/accounts/password/reset/", EVERYONE_200),
    "account_reset_password_done": Row("GET", "/en/accounts/password/reset/done/", EVERYONE_200),
    "account_reset_password_from_key": Row("GET", "/en/accounts/password/reset/key/1-not-a-key/", EVERYONE_200, note="bad token page"),
    "account_reset_password_from_key_done": Row("GET", "/en/accounts/password/reset/key/done/", EVERYONE_200),
    "account_confirm_login_code": Row("GET", "/en/accounts/login/code/confirm/", rows(302, 302)),
    "mfa_index": Row("GET", "/en/accounts/2fa/", SIGNED_IN_PAGE),
    "mfa_authenticate": Row("GET", "/en/accounts/2fa/authenticate/", rows(302, 302)),
    "mfa_reauthenticate": Row("GET", "/en/accounts/2fa/reauthenticate/", rows(302, 302, with_totp=200)),
    "mfa_activate_totp": Row("GET", "/en/accounts/2fa/totp/activate/", rows(302, 302)),
    "mfa_deactivate_totp": Row("GET", "/en/accounts/2fa/totp/deactivate/", rows(302, 404, with_totp=302)),
    "mfa_view_recovery_codes": Row("GET", "/en/accounts/2fa/recovery-codes/", rows(302, 404, with_totp=302)),
    "mfa_generate_recovery_codes": Row("GET", "/en/accounts/2fa/recovery-codes/generate/", rows(302, 302)),
    "mfa_download_recovery_codes": Row("GET", "/en/accounts/2fa/recovery-codes/download/", rows(302, 404, with_totp=302)),
    "mfa_list_webauthn": Row("GET", "/en/accounts/2fa/webauthn/", SIGNED_IN_PAGE),
    "mfa_add_webauthn": Row("GET", "/en/accounts/2fa/webauthn/add/", rows(302, 302)),
    "mfa_reauthenticate_webauthn": Row("GET", "/en/accounts/2fa/webauthn/reauthenticate/", rows(302, 302)),
    "mfa_login_webauthn": Row("GET", "/en/accounts/2fa/webauthn/login/", rows(302, 302)),
    # allauth asks a user with a device to re-authenticate before it looks the device up (302)
    # allauth asks for a fresh sign-in before it looks a device up; the object test re-authenticates first
    "mfa_remove_webauthn": Row("GET", "/en/accounts/2fa/webauthn/keys/{authenticator}/remove/", rows(302, 404), objects=True),
    "mfa_edit_webauthn": Row("GET", "/en/accounts/2fa/webauthn/keys/{authenticator}/edit/", rows(302, 404), objects=True),
    # The API's own URLs (its operations are below)
    "api:openapi-json": Row("GET", "/api/v1/openapi.json", rows(401, 200)),
    "api:api-root": Row("GET", "/api/v1/", rows(404, 404)),
}

API: dict[str, Row] = {
    "GET /countries": Row("GET", "/api/v1/countries", EVERYONE_200),
    "GET /priorities": Row("GET", "/api/v1/priorities", EVERYONE_200),
    "GET /me": Row("GET", "/api/v1/me", rows(401, 200)),
    "GET /tokens": Row("GET", "/api/v1/tokens", rows(401, 200)),
    "POST /tokens": Row("POST", "/api/v1/tokens", rows(401, 201), body={"name": "matrix"}),
    "DELETE /tokens/{token_id}": Row("DELETE", "/api/v1/tokens/{token}", rows(401, 204), objects=True),
    "GET /audit/entries": Row("GET", "/api/v1/audit/entries", rows(401, 403, dpo=200)),
}


def _extra_rows() -> None:
    """Each app's rows live in tests/matrix/<app>.py (PAGES and API dicts), so parallel work never collides here."""
    import importlib
    import pkgutil

    import tests.matrix

    for module_info in pkgutil.iter_modules(tests.matrix.__path__):
        module = importlib.import_module(f"tests.matrix.{module_info.name}")
        for name, table in (("PAGES", PAGES), ("API", API)):
            for key, row in getattr(module, name, {}).items():
                assert key not in table, f"two matrix rows for {key}"
                table[key] = row


_extra_rows()


def _walk(patterns: list[URLPattern | URLResolver], namespace: str | None = None) -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, inner)
        elif pattern.name:
            yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), pattern


def _api_operations() -> set[str]:
    operations = set()
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                for method in operation.methods:
                    operations.add(f"{method} /{(prefix.strip('/') + path).lstrip('/')}".replace("//", "/"))
    return operations


API_OWN_URLS = {"api:openapi-json", "api:api-root"}  # the API's own pages; everything else under api: is an operation


def _is_api_operation(name: str) -> bool:
    return name.startswith("api:") and name not in API_OWN_URLS


def test_every_route_has_rows() -> None:
    # given every named URL pattern and every API operation
    pages = {name for name, _pattern in _walk(get_resolver().url_patterns) if not _is_api_operation(name)}
    operations = _api_operations()
    # then each has rows in the matrix, and the matrix names nothing that no longer exists
    assert sorted(pages - PAGES.keys()) == [], "routes without matrix rows"
    assert sorted(PAGES.keys() - pages) == [], "matrix rows for routes that no longer exist"
    assert sorted(operations ^ API.keys()) == [], "API operations and matrix rows differ"


def test_carnet_views_declare_their_permission() -> None:
    # every view that carnet itself defines carries a declaration from carnet.core.access
    undeclared = [
        name
        for name, pattern in _walk(get_resolver().url_patterns)
        if getattr(pattern.callback, "__module__", "").startswith("carnet.")
        and not name.startswith("api:")
        and not hasattr(pattern.callback, "carnet_permission")
    ]
    assert undeclared == []


def _request(client: object, row: Row, path: str) -> int:
    method = getattr(client, row.method.lower())
    if row.body is not None and path.startswith("/api/"):
        response = method(path, data=json.dumps(row.body), content_type="application/json")
    elif row.body is not None:
        response = method(path, data=row.body)  # a page's form, sent as a browser sends it
    else:
        response = method(path)
    return int(response.status_code)


def _path(row: Row, demo_users: dict[str, object]) -> str:
    """Fill the placeholders: ``{case}`` is a Swedish case owned by caseworker-se (see tests/matrix/cases.py)."""
    if "{case}" not in row.path:
        return row.path
    from tests.cases.factories import open_case

    case = open_case(demo_users["caseworker-se"])  # type: ignore[arg-type]
    return row.path.format(case=case.pk)


@pytest.mark.parametrize("name", sorted(k for k, v in PAGES.items() if not v.objects))
def test_page_matrix(name: str, client_as: object, demo_users: dict[str, object]) -> None:
    row = PAGES[name]
    path = _path(row, demo_users)
    actual = {role: _request(client_as(role), row, path) for role in ROLES}  # type: ignore[operator]
    assert actual == row.expect


@pytest.mark.parametrize("name", sorted(k for k, v in API.items() if not v.objects))
def test_api_matrix(name: str, client_as: object, demo_users: dict[str, object]) -> None:
    row = API[name]
    path = _path(row, demo_users)
    actual = {role: _request(client_as(role), row, path) for role in ROLES}  # type: ignore[operator]
    assert actual == row.expect


@pytest.mark.parametrize(
    "row",
    [PAGES["accounts:token_revoke"], API["DELETE /tokens/{token_id}"]],
    ids=["page-token-revoke", "api-token-delete"],
)
def test_tokens_are_revoked_only_by_their_owner(row: Row, client_as: object, demo_users: dict[str, object]) -> None:
    for role in ROLES:
        # given a token of the acting user's own (when signed in) and one of another user
        victim = demo_users["member-fi" if role != "member-fi" else "expert-ee"]
        others = ApiTokenFactory(user=victim)
        client = client_as(role)  # type: ignore[operator]
        # when they try to revoke somebody else's token
        status = _request(client, row, row.path.format(token=others.pk))
        # then it is not found (or sign-in is asked for) and the token still works
        assert status == (401 if row.path.startswith("/api/") and role == ANON else 302 if role == ANON else 404), role
        assert ApiToken.objects.get(pk=others.pk).revoked_at is None
        if role == ANON:
            continue
        # when they revoke their own, it is revoked
        own = ApiTokenFactory(user=demo_users[role])
        assert _request(client, row, row.path.format(token=own.pk)) == row.expect[role]
        assert ApiToken.objects.get(pk=own.pk).revoked_at is not None


def _just_reauthenticated(client: object, user: object) -> None:
    """Mark the session as re-authenticated a moment ago, as allauth records it after a password or code prompt.

    allauth keeps no public helper for this outside a request; the session keys are its own.
    """
    session = client.session  # type: ignore[attr-defined]
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)  # type: ignore[attr-defined]
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": time.time(), "reauthenticated": True},
        {"method": "mfa", "type": "totp", "at": time.time(), "reauthenticated": True},
    ]
    session.save()


@pytest.mark.parametrize("name", ["mfa_remove_webauthn", "mfa_edit_webauthn"])
def test_second_factor_devices_are_only_reachable_by_their_owner(name: str, client_as: object, demo_users: dict[str, object]) -> None:
    # given a second-factor device of ncp-lt
    device = Authenticator.objects.get(user=demo_users["ncp-lt"], type=Authenticator.Type.TOTP)
    row = PAGES[name]
    for role in ROLES:
        if role == "ncp-lt":
            continue
        client = client_as(role)  # type: ignore[operator]
        if role != ANON:
            _just_reauthenticated(client, demo_users[role])
        # when anybody else asks for it, then it is not there for them, and it stays
        assert _request(client, row, row.path.format(authenticator=device.pk)) == row.expect[role], role
        assert Authenticator.objects.filter(pk=device.pk).exists()
