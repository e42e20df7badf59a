"""The JSON API: public reference data, authentication by session or bearer token, tokens, audit search, errors."""

from __future__ import annotations

import io
import json
import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from carnet.accounts.models import ApiToken, Role
from carnet.accounts.services import token_create, token_revoke
from carnet.audit.models import AuditEntry
from tests.accounts.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

SNAPSHOT = Path(__file__).with_name("openapi.json")
UNAUTHORIZED = {"detail": "Authentication required: sign in or send a valid bearer token.", "code": "unauthorized"}
NOT_FOUND = {"detail": "Not found.", "code": "not_found"}
FORBIDDEN = {"detail": "Permission denied.", "code": "forbidden"}

COUNTRIES_EN = [
    ("DK", "Denmark"), ("EE", "Estonia"), ("FI", "Finland"), ("DE", "Germany"), ("IS", "Iceland"), ("LV", "Latvia"),
    ("LT", "Lithuania"), ("NO", "Norway"), ("PL", "Poland"), ("RU", "Russia"), ("SE", "Sweden"), ("EU", "European Commission"),
]  # fmt: skip
COUNTRIES_RU = [
    ("DK", "Дания"), ("EE", "Эстония"), ("FI", "Финляндия"), ("DE", "Германия"), ("IS", "Исландия"), ("LV", "Латвия"),
    ("LT", "Литва"), ("NO", "Норвегия"), ("PL", "Польша"), ("RU", "Россия"), ("SE", "Швеция"), ("EU", "Европейская комиссия"),
]  # fmt: skip
PRIORITIES_EN = [
    (1, "Sexual exploitation in all its forms"),
    (2, "Unaccompanied and trafficked children"),
    (3, "Children living in the street"),
    (4, "The rights of children in institutions"),
    (5, "Young offenders and self-destructive behaviour in children"),
]
PRIORITIES_RU = [
    (1, "Сексуальная эксплуатация во всех её формах"),
    (2, "Несопровождаемые дети и дети — жертвы торговли людьми"),
    (3, "Дети, живущие на улице"),
    (4, "Права детей в учреждениях"),
    (5, "Несовершеннолетние правонарушители и саморазрушительное поведение детей"),
]


def _cli_token(username: str, *extra: str) -> str:
    """Issue a token the documented way, `carnet token USERNAME`, and return the last line of its output."""
    out, err = io.StringIO(), io.StringIO()
    call_command("token", username, *extra, stdout=out, stderr=err)
    return out.getvalue().strip().splitlines()[-1]


def _bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def _csrf_client(user, page_path: str = "/en/account/") -> tuple[Client, str]:
    """A signed-in client that enforces CSRF like a browser, and the CSRF token a page gave it."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get(page_path)
    assert page.status_code == 200
    return client, client.cookies["csrftoken"].value


def assert_json(response, status: int, body: object = None) -> object:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    data = response.json()
    if body is not None:
        assert data == body
    return data


def assert_matches_snapshot(data: object, path: Path) -> None:
    """Compare with the committed snapshot; with UPDATE_SNAPSHOTS=1 rewrite it instead (then review the diff)."""
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"{path.name} is missing: run the tests once with UPDATE_SNAPSHOTS=1 and commit it"
    assert json.loads(path.read_text(encoding="utf-8")) == data, f"{path.name} is out of date: rerun with UPDATE_SNAPSHOTS=1 and review"


# --- public reference data ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        pytest.param(None, COUNTRIES_EN, id="default-en"),
        pytest.param("en", COUNTRIES_EN, id="en"),
        pytest.param("ru", COUNTRIES_RU, id="ru"),
    ],
)
def test_countries_are_public_and_named_in_the_requested_language(client, language, expected):
    # given nobody signed in
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    # when the countries are listed
    response = client.get("/api/v1/countries", **headers)
    # then all twelve CBSS members come, in order, named in that language
    data = assert_json(response, 200)
    assert [(c["code"], c["name"]) for c in data] == expected
    assert [c["code"] for c in data if not c["is_state"]] == ["EU"]
    assert {c["code"]: c["ncp_status"] for c in data if c["ncp_status"] != "operational"} == {
        "DE": "not_operational",
        "RU": "not_operational",
        "EU": "not_applicable",
    }


@pytest.mark.parametrize(("language", "expected"), [pytest.param("en", PRIORITIES_EN, id="en"), pytest.param("ru", PRIORITIES_RU, id="ru")])
def test_priorities_are_public_and_named_in_the_requested_language(client, language, expected):
    # given nobody signed in; when the priorities are listed
    response = client.get("/api/v1/priorities", HTTP_ACCEPT_LANGUAGE=language)
    # then all five come in order, titled in that language
    data = assert_json(response, 200)
    assert [(p["number"], p["title"]) for p in data] == expected
    assert set(data[0]) == {"number", "slug", "title", "summary"}


# --- who am I: session and bearer -------------------------------------------------------------


def test_me_needs_authentication(client):
    # given nobody signed in and no token; when /me is asked
    response = client.get("/api/v1/me")
    # then it is 401 with a machine-readable body and a bearer challenge
    assert_json(response, 401, UNAUTHORIZED)
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        pytest.param(
            "secretariat",
            {"username": "secretariat", "roles": [{"role": "secretariat", "country": None}], "second_factor_required": True},
            id="secretariat",
        ),
        pytest.param(
            "member-fi",
            {"username": "member-fi", "roles": [{"role": "member", "country": "FI"}], "second_factor_required": False},
            id="member",
        ),
    ],
)
def test_me_works_with_a_token_from_carnet_token(client, demo_users, username, expected):
    # given a token issued with `carnet token`
    secret = _cli_token(username)
    # when /me is asked with it
    response = client.get("/api/v1/me", **_bearer(secret))
    # then it answers for that user, and the use is noted and audited
    assert_json(response, 200, expected)
    token = ApiToken.objects.get(user=demo_users[username])
    assert token.last_used_at is not None
    assert AuditEntry.objects.filter(action="token.use", actor_id=demo_users[username].pk, object_id=str(token.pk)).count() == 1


def test_me_works_with_a_session(client_as):
    # given ncp-se signed in; when /me is asked with the session
    response = client_as("ncp-se").get("/api/v1/me")
    # then it answers for them
    assert_json(response, 200, {"username": "ncp-se", "roles": [{"role": "ncp", "country": "SE"}], "second_factor_required": True})


def _revoke(token: ApiToken) -> None:
    token_revoke(actor=token.user, token=token)


def _expire(token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(minutes=1))


def _deactivate_user(token: ApiToken) -> None:
    type(token.user).objects.filter(pk=token.user_id).update(is_active=False)


@pytest.mark.parametrize(
    "spoil", [pytest.param(_revoke, id="revoked"), pytest.param(_expire, id="expired"), pytest.param(_deactivate_user, id="inactive-user")]
)
def test_unusable_tokens_get_401_and_are_not_marked_used(client, demo_users, spoil):
    # given a token that worked and was then made unusable
    secret = _cli_token("member-fi")
    token = ApiToken.objects.get(user=demo_users["member-fi"])
    spoil(token)
    uses = AuditEntry.objects.filter(action="token.use").count()
    # when it is used
    response = client.get("/api/v1/me", **_bearer(secret))
    # then it is refused and nothing notes a use
    assert_json(response, 401, UNAUTHORIZED)
    token.refresh_from_db()
    assert token.last_used_at is None
    assert AuditEntry.objects.filter(action="token.use").count() == uses


@pytest.mark.parametrize(
    "header",
    [
        pytest.param("Bearer carnet_00000000_made-up", id="unknown-token"),
        pytest.param("Bearer ", id="empty-bearer"),
        pytest.param("Basic bWVtYmVyLWZpOnBhc3N3b3Jk", id="basic-auth"),
        pytest.param("carnet_00000000_made-up", id="no-scheme"),
    ],
)
def test_bad_authorization_headers_get_401(client, db, header):
    # given nobody signed in; when /me is asked with a bad Authorization header; then 401
    assert_json(client.get("/api/v1/me", HTTP_AUTHORIZATION=header), 401, UNAUTHORIZED)


# --- the schema and the docs -------------------------------------------------------------------


def test_the_schema_needs_a_user_or_a_token(client, db):
    # given nobody signed in; when the schema is asked; then 401 JSON
    assert_json(
        client.get("/api/v1/openapi.json"),
        401,
        {"detail": "Sign in or send a bearer token to read the API schema.", "code": "unauthorized"},
    )


def test_the_docs_send_anonymous_visitors_to_sign_in(client, db):
    # given nobody signed in; when the docs are opened; then they are sent to sign in and back
    response = client.get("/api/docs")
    assert response.status_code == 302
    assert response["Location"] == "/en/accounts/login/?next=/api/docs"


@pytest.mark.parametrize("spoil", [pytest.param(_revoke, id="revoked"), pytest.param(_expire, id="expired")])
def test_the_schema_and_docs_refuse_unusable_tokens(client, demo_users, spoil):
    # given a token that is no longer usable
    secret = _cli_token("member-fi")
    spoil(ApiToken.objects.get(user=demo_users["member-fi"]))
    # when the schema and docs are asked with it; then they are refused as for nobody
    assert client.get("/api/v1/openapi.json", **_bearer(secret)).status_code == 401
    assert client.get("/api/docs", **_bearer(secret)).status_code == 302


def test_the_schema_and_docs_work_with_a_token(client, demo_users):
    # given a token
    secret = _cli_token("member-fi")
    # when the schema and the docs are asked with it
    schema = client.get("/api/v1/openapi.json", **_bearer(secret))
    docs = client.get("/api/docs", **_bearer(secret))
    # then both are served
    data = assert_json(schema, 200)
    assert data["info"]["title"] == "carnet API"
    assert "/api/v1/me" in data["paths"]
    assert docs.status_code == 200
    assert "<title>carnet API</title>" in docs.content.decode()


def test_the_schema_works_with_a_session(client_as):
    # given a signed-in member; when the schema is asked; then it is served
    assert assert_json(client_as("member-fi").get("/api/v1/openapi.json"), 200)["openapi"].startswith("3.")


def test_the_schema_matches_the_committed_snapshot(client_as):
    # given a signed-in member
    # when the schema is fetched
    data = assert_json(client_as("member-fi").get("/api/v1/openapi.json"), 200)
    # then it is the committed one: an API change shows as a reviewed diff of tests/api/openapi.json
    assert_matches_snapshot(data, SNAPSHOT)


# --- tokens --------------------------------------------------------------------------------------


def test_creating_a_token_with_a_session_needs_the_csrf_token(demo_users):
    # given secretariat signed in, in a client that enforces CSRF like a browser
    client, csrf = _csrf_client(demo_users["secretariat"])
    # when a token is requested without the CSRF token
    refused = client.post("/api/v1/tokens", {"name": "script"}, content_type="application/json")
    # then it is refused and nothing was created
    assert_json(refused, 403, {"detail": "CSRF check Failed", "code": "error"})
    assert ApiToken.objects.count() == 0
    # and when it is requested with the CSRF token
    created = client.post("/api/v1/tokens", {"name": "script", "days": 7}, content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
    # then it is created, and the secret is in the body once
    data = assert_json(created, 201)
    token = ApiToken.objects.get()
    assert (token.user_id, token.name, token.prefix) == (demo_users["secretariat"].pk, "script", data["prefix"])
    assert data["secret"].startswith(f"carnet_{token.prefix}_")
    assert set(data) == {"id", "name", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at", "secret"}
    assert Client().get("/api/v1/me", **_bearer(data["secret"])).json()["username"] == "secretariat"


def test_revoking_a_token_with_a_session_needs_the_csrf_token(demo_users):
    # given secretariat signed in with one token, in a client that enforces CSRF
    client, csrf = _csrf_client(demo_users["secretariat"])
    token = token_create(actor=None, user=demo_users["secretariat"], name="x").token
    # when it is revoked without, then with, the CSRF token
    refused = client.delete(f"/api/v1/tokens/{token.pk}")
    token.refresh_from_db()
    revoked_after_refusal = token.revoked_at
    done = client.delete(f"/api/v1/tokens/{token.pk}", HTTP_X_CSRFTOKEN=csrf)
    # then the first is refused and changes nothing, the second revokes it
    assert refused.status_code == 403
    assert revoked_after_refusal is None
    assert done.status_code == 204
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_malformed_json_is_a_400_with_a_json_body(client_as):
    # given secretariat signed in
    client = client_as("secretariat")
    # when the body is not JSON
    response = client.post("/api/v1/tokens", "{not json", content_type="application/json")
    # then 400 with a machine-readable body, and no token
    assert_json(response, 400, {"detail": "Cannot parse request body", "code": "bad_request"})
    assert ApiToken.objects.count() == 0


@pytest.mark.parametrize(
    ("payload", "field", "error_type"),
    [
        pytest.param({"name": "x", "days": "many"}, "days", "int_parsing", id="days-not-a-number"),
        pytest.param({"name": "x", "days": 0}, "days", "greater_than_equal", id="days-too-few"),
        pytest.param({"name": "x", "days": 366}, "days", "less_than_equal", id="days-too-many"),
        pytest.param({"name": ""}, "name", "string_too_short", id="name-empty"),
        pytest.param({"days": 5}, "name", "missing", id="name-missing"),
    ],
)
def test_invalid_fields_are_a_422_naming_the_field(client_as, payload, field, error_type):
    # given secretariat signed in
    client = client_as("secretariat")
    # when a token is requested with an invalid field
    response = client.post("/api/v1/tokens", payload, content_type="application/json")
    # then 422 lists exactly that field, and no token was created
    data = assert_json(response, 422)
    assert (data["detail"], data["code"]) == ("The request is not valid.", "invalid")
    assert [(e["field"].rsplit(".", 1)[-1], e["type"]) for e in data["errors"]] == [(field, error_type)]
    assert all(e["reason"] for e in data["errors"])
    assert ApiToken.objects.count() == 0


def test_a_body_field_error_names_the_field_as_the_client_sent_it(client_as):
    # given secretariat signed in; when `days` has the wrong type
    response = client_as("secretariat").post("/api/v1/tokens", {"name": "x", "days": "many"}, content_type="application/json")
    # then the error names `days`, as in the request body
    assert [e["field"] for e in assert_json(response, 422)["errors"]] == ["days"]


def test_a_query_field_error_names_the_field(client_as):
    # given secretariat signed in; when the audit search gets a date that is not one
    response = client_as("secretariat").get("/api/v1/audit/entries?date_from=yesterday")
    # then 422 names date_from
    assert [e["field"] for e in assert_json(response, 422)["errors"]] == ["date_from"]


def test_a_bearer_token_cannot_create_tokens(client, demo_users):
    # given a token
    secret = _cli_token("secretariat")
    # when it is used to ask for another token
    response = client.post("/api/v1/tokens", {"name": "more"}, content_type="application/json", **_bearer(secret))
    # then it is refused, and there is still just the one token
    assert_json(response, 401, UNAUTHORIZED)
    assert ApiToken.objects.count() == 1


def test_tokens_lists_only_my_own(client, demo_users):
    # given tokens for two users
    mine = _cli_token("member-fi", "--name", "mine")
    _cli_token("expert-ee", "--name", "theirs")
    # when I list tokens; then I see mine only, without any secret
    data = assert_json(client.get("/api/v1/tokens", **_bearer(mine)), 200)
    assert [t["name"] for t in data] == ["mine"]
    assert "secret" not in data[0]
    assert "digest" not in data[0]


@pytest.mark.parametrize("auth", ["session", "bearer"])
def test_revoking_another_users_token_is_a_404_and_changes_nothing(client_as, demo_users, auth):
    # given expert-ee's token, and member-fi signed in (or holding a token)
    theirs = token_create(actor=None, user=demo_users["expert-ee"], name="theirs").token
    if auth == "session":
        client, headers = client_as("member-fi"), {}
    else:
        client, headers = Client(), _bearer(_cli_token("member-fi"))
    revocations = AuditEntry.objects.filter(action="token.revoke").count()
    # when member-fi tries to revoke it
    response = client.delete(f"/api/v1/tokens/{theirs.pk}", **headers)
    # then it is "not found", still usable, and nothing was recorded as revoked
    assert_json(response, 404, NOT_FOUND)
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert AuditEntry.objects.filter(action="token.revoke").count() == revocations


def test_revoking_my_own_token_works_and_is_audited(client_as, demo_users):
    # given member-fi signed in with a token
    mine = token_create(actor=None, user=demo_users["member-fi"], name="mine").token
    # when they revoke it
    response = client_as("member-fi").delete(f"/api/v1/tokens/{mine.pk}")
    # then it is revoked, once, by them
    assert response.status_code == 204
    mine.refresh_from_db()
    assert mine.revoked_at is not None
    assert list(AuditEntry.objects.filter(action="token.revoke").values_list("actor_username", "object_id")) == [
        ("member-fi", str(mine.pk))
    ]


def test_revoking_a_token_that_does_not_exist_is_a_404(client_as):
    assert_json(client_as("member-fi").delete("/api/v1/tokens/999999"), 404, NOT_FOUND)


def test_a_second_factor_role_without_one_cannot_mint_a_token_with_its_session():
    # given a caseworker with no second factor, signed in with a password only
    user = MembershipFactory(role=Role.CASEWORKER).user
    client, csrf = _csrf_client(user, page_path="/en/accounts/logout/")  # the accounts pages stay open to them
    # when they ask the API for a token with their session
    response = client.post("/api/v1/tokens", {"name": "escape"}, content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
    # then it is refused, and no token exists
    assert response.status_code == 403
    assert ApiToken.objects.count() == 0


# --- the audit log through the API -----------------------------------------------------------


@pytest.mark.parametrize("username", ["ncp-se", "caseworker-se", "member-fi"], ids=["ncp", "caseworker", "member"])
def test_audit_entries_are_forbidden_to_other_roles(client_as, username):
    # given a signed-in user without a data-protection role
    client = client_as(username)
    before = AuditEntry.objects.count()
    # when they search the audit log; then 403, and no search ran
    assert_json(client.get("/api/v1/audit/entries?actor=secretariat"), 403, FORBIDDEN)
    assert AuditEntry.objects.count() == before


def test_audit_entries_need_authentication(client, db):
    assert_json(client.get("/api/v1/audit/entries"), 401, UNAUTHORIZED)


def test_audit_entries_for_the_secretariat_are_paginated_and_the_search_is_recorded(client_as, demo_users):
    # given the secretariat signed in
    client = client_as("secretariat")
    # when they search the audit log for their own entries, two at a time
    response = client.get("/api/v1/audit/entries?actor=secretariat&limit=2")
    # then they get the newest two with the total count; their search itself is the newest
    data = assert_json(response, 200)
    expected = list(AuditEntry.objects.filter(actor_username="secretariat").order_by("-seq").values_list("seq", "action"))
    assert data["count"] == len(expected)
    assert [(item["seq"], item["action"]) for item in data["items"]] == expected[:2]
    assert data["items"][0]["action"] == "audit.search"
    assert data["items"][0]["purpose"] == "actor=secretariat"
    assert set(data["items"][0]) == {
        "seq",
        "at",
        "actor_username",
        "action",
        "object_type",
        "object_id",
        "purpose",
        "outcome",
        "ip",
        "hash",
    }


def test_audit_entries_work_for_sysadmin_with_a_token(client, demo_users):
    # given a sysadmin token
    secret = _cli_token("sysadmin")
    # when the whole log is asked
    data = assert_json(client.get("/api/v1/audit/entries", **_bearer(secret)), 200)
    # then every entry is counted
    assert data["count"] == AuditEntry.objects.count()


# --- unknown paths ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("get", "/api/v1/nope", id="get-unknown"),
        pytest.param("post", "/api/v1/nope", id="post-unknown"),
        pytest.param("get", "/api/v1/countries/unknown", id="below-a-route"),
        pytest.param("get", "/api/v2/countries", id="unknown-version"),
    ],
)
@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
def test_unknown_api_paths_answer_404_json(client_as, method, path, signed_in):
    # given an anonymous or signed-in client; when an unknown API path is asked
    client = client_as("member-fi" if signed_in else "anonymous")
    response = getattr(client, method)(path)
    # then 404 with a JSON body, not an HTML page
    assert_json(response, 404, NOT_FOUND)


# --- carnet token ---------------------------------------------------------------------------


def test_carnet_token_prints_the_secret_last_and_details_on_stderr(demo_users):
    # given member-fi; when `carnet token member-fi --days 5` runs
    out, err = io.StringIO(), io.StringIO()
    call_command("token", "member-fi", "--days", "5", "--name", "cron", stdout=out, stderr=err)
    # then stdout is only the secret, and stderr names the prefix and expiry
    token = ApiToken.objects.get(user=demo_users["member-fi"])
    secret = out.getvalue().strip()
    assert out.getvalue() == f"{secret}\n"
    assert secret.startswith(f"carnet_{token.prefix}_")
    assert token.name == "cron"
    assert err.getvalue() == f"Token {token.prefix} for member-fi, expires {token.expires_at:%Y-%m-%d}. It is shown once:\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["no-such-user"], "No active user named 'no-such-user'.", id="unknown-user"),
        pytest.param(["member-fi", "--days", "0"], "--days must be between 1 and 365.", id="zero-days"),
        pytest.param(["member-fi", "--days", "366"], "--days must be between 1 and 365.", id="too-many-days"),
    ],
)
def test_carnet_token_refuses_bad_input_and_creates_nothing(demo_users, args, message):
    with pytest.raises(CommandError, match=message.replace(".", r"\.")):
        call_command("token", *args, stdout=io.StringIO(), stderr=io.StringIO())
    assert ApiToken.objects.count() == 0


def test_carnet_token_refuses_an_inactive_user(db):
    UserFactory(username="gone", is_active=False)
    with pytest.raises(CommandError, match="No active user named 'gone'"):
        call_command("token", "gone", stdout=io.StringIO(), stderr=io.StringIO())
    assert ApiToken.objects.count() == 0
