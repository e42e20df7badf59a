"""Signing in and staying signed in, through the Django test client (no browser).

Sign-in is allauth's, with its second-factor stage; failed attempts are limited by
allauth's rate limits (cache) and django-axes (database); the session has an idle and
an absolute lifetime (carnet.accounts.middleware).
"""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client

from carnet.accounts.models import Role
from carnet.audit.models import AuditEntry, Outcome
from tests.accounts.factories import MembershipFactory

pytestmark = pytest.mark.django_db

LOGIN = "/en/accounts/login/"
LOGOUT = "/en/accounts/logout/"
MFA_STAGE = "/en/accounts/2fa/authenticate/"
TOTP_ACTIVATE = "/en/accounts/2fa/totp/activate/"
WRONG_CREDENTIALS = "The username and/or password you specified are not correct."
RATE_LIMITED = "Too many failed login attempts. Try again later."
LOCKED_OUT = "Sign-in paused"
MESSAGES_BUG = (
    "bug: settings.MIDDLEWARE lists MessageMiddleware after SessionLifetimeMiddleware and RequireSecondFactorMiddleware, "
    "which call messages.info/warning before request._messages exists: MessageFailure (a 500) instead of the redirect"
)
AXES_USERNAME_BUG = (
    "bug: AXES_USERNAME_FORM_FIELD='login' but allauth authenticates with credentials {'username': ...}, so axes records "
    "every failure under username NULL: the lock is per IP for failures and never per username+IP"
)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """allauth keeps its sign-in rate limits in the (process-wide) cache: each test starts clean."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def password() -> str:
    return django_settings.CARNET_DEMO_PASSWORD


def _sign_in(client: Client, login: str, password: str):
    return client.post(LOGIN, {"login": login, "password": password})


def _signed_in_as(client: Client) -> str | None:
    user_id = client.session.get("_auth_user_id")
    if user_id is None:
        return None
    from carnet.accounts.models import User

    return User.objects.get(pk=user_id).username


def _errors(response) -> list[str]:
    return re.findall(r'<ul class="errorlist[^"]*"[^>]*><li>(.*?)</li></ul>', response.content.decode(), re.S)


def _new_entries(after_seq: int) -> list[tuple[str, int | None, str, str, str, str]]:
    return list(
        AuditEntry.objects.filter(seq__gt=after_seq)
        .order_by("seq")
        .values_list("action", "actor_id", "actor_username", "object_type", "object_id", "outcome")
    )


def _last_seq() -> int:
    return AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def _totp_code(user, *, wrong: bool = False) -> str:
    secret = decrypt(Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP).data["secret"])
    # allauth accepts the current 30-second step only: never hand out a code about to expire
    left = 30 - time.time() % 30
    if left < 2:
        time.sleep(left + 0.05)
    code = pyotp.TOTP(secret).now()
    if wrong:
        code = f"{(int(code) + 500000) % 1000000:06d}"
    return code


def _normalised(response) -> str:
    """A response body without what legitimately differs between two clients: CSRF tokens and the echoed login."""
    body = response.content.decode()
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value=""', body)
    return re.sub(r'(name="login"[^>]*?)value="[^"]*"', r"\1", body)


# --- a wrong password -----------------------------------------------------------------


@pytest.mark.parametrize("login", ["member-fi", "no-such-user"], ids=["existing", "unknown"])
def test_a_wrong_password_shows_a_clear_error_and_is_audited_with_the_typed_name(demo_users, login):
    # given the sign-in page
    client = Client()
    last = _last_seq()
    # when someone signs in with a wrong password
    response = _sign_in(client, login, "not-the-password")
    # then the form says so, nobody is signed in, and the failure is recorded under the name as typed
    assert response.status_code == 200
    assert _errors(response) == [WRONG_CREDENTIALS]
    assert _signed_in_as(client) is None
    assert _new_entries(last) == [("auth.login_failed", None, login, "", "", Outcome.DENIED)]
    entry = AuditEntry.objects.get(seq=last + 1)
    assert (entry.ip, entry.purpose) == ("127.0.0.1", "")


# --- too many failures ---------------------------------------------------------------


@pytest.mark.parametrize("login", ["member-fi", "no-such-user"], ids=["existing", "unknown"])
def test_the_fifth_failure_answers_with_the_lockout_page(demo_users, login):
    # given a client at one address
    client = Client()
    # when the same name fails to sign in five times (AXES_FAILURE_LIMIT)
    responses = [_sign_in(client, login, f"wrong-{i}") for i in range(django_settings.AXES_FAILURE_LIMIT)]
    # then the first four show the form error and the fifth is axes' lockout page, 429
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 429]
    assert [_errors(r) for r in responses[:4]] == [[WRONG_CREDENTIALS]] * 4
    assert LOCKED_OUT in responses[4].content.decode()
    assert _signed_in_as(client) is None


def test_after_five_failures_even_the_right_password_is_refused(demo_users, password):
    # given five failed attempts for member-fi from one address
    client = Client()
    for i in range(django_settings.AXES_FAILURE_LIMIT):
        _sign_in(client, "member-fi", f"wrong-{i}")
    last = _last_seq()
    # when the right password is tried next
    response = _sign_in(client, "member-fi", password)
    # then the attempt is refused by the rate limit (allauth answers before axes is asked), nobody is signed in,
    # and no sign-in was recorded
    assert response.status_code == 200
    assert _errors(response) == [RATE_LIMITED]
    assert _signed_in_as(client) is None
    assert [row[0] for row in _new_entries(last)] == []


def test_axes_itself_locks_the_username_at_that_address(demo_users, password):
    # given five failed attempts for member-fi from one address
    client = Client()
    for i in range(django_settings.AXES_FAILURE_LIMIT):
        _sign_in(client, "member-fi", f"wrong-{i}")
    # when allauth's rate-limit counters are gone (another worker process, whose cache is its own) and the right password is tried
    cache.clear()
    response = _sign_in(client, "member-fi", password)
    # then axes, which keeps its counts in the database, still refuses with its lockout page
    assert response.status_code == 429
    assert LOCKED_OUT in response.content.decode()
    assert _signed_in_as(client) is None


def test_a_lockout_of_one_username_does_not_lock_out_other_names_at_that_address(demo_users):
    # given member-fi locked out at one address
    client = Client()
    for i in range(django_settings.AXES_FAILURE_LIMIT):
        _sign_in(client, "member-fi", f"wrong-{i}")
    # when another person at the same address mistypes their password once
    response = _sign_in(client, "expert-ee", "typo")
    # then they get the ordinary error, not the lockout page
    assert response.status_code == 200
    assert _errors(response) == [WRONG_CREDENTIALS]


def test_failures_look_the_same_for_an_existing_and_an_unknown_username(demo_users, password):
    # given two clients at two addresses, one trying a real account and one a made-up name
    real, made_up = Client(REMOTE_ADDR="192.0.2.1"), Client(REMOTE_ADDR="192.0.2.2")
    # when both fail five times and then try once more
    attempts = [f"wrong-{i}" for i in range(django_settings.AXES_FAILURE_LIMIT)] + [password]
    real_responses = [_sign_in(real, "member-fi", attempt) for attempt in attempts]
    made_up_responses = [_sign_in(made_up, "no-such-user", attempt) for attempt in attempts]
    # then every step answers with the same status and the same page: nothing tells whether the account exists
    assert [r.status_code for r in real_responses] == [r.status_code for r in made_up_responses] == [200, 200, 200, 200, 429, 200]
    for real_response, made_up_response in zip(real_responses, made_up_responses, strict=True):
        assert _normalised(real_response) == _normalised(made_up_response)


# --- the right password, and the second factor -------------------------------------------


def test_a_user_without_a_second_factor_role_signs_in_with_a_new_session_key(demo_users, password):
    # given an anonymous session on the sign-in page
    client = Client()
    client.get(LOGIN)
    anonymous_key = client.session.session_key
    assert anonymous_key
    last = _last_seq()
    # when member-fi signs in with the right password
    response = _sign_in(client, "member-fi", password)
    # then they are signed in, under a new session key, and the sign-in is recorded
    assert response.status_code == 302
    assert response["Location"] == "/en/"
    assert _signed_in_as(client) == "member-fi"
    assert client.session.session_key != anonymous_key
    user = demo_users["member-fi"]
    assert _new_entries(last) == [("auth.login", user.pk, "member-fi", "accounts.user", str(user.pk), Outcome.OK)]


def test_a_second_factor_role_is_sent_to_the_second_factor_stage_after_the_password(demo_users, password):
    # given ncp-se, who has TOTP enrolled
    client = Client()
    last = _last_seq()
    # when they give the right password
    response = _sign_in(client, "ncp-se", password)
    # then they are asked for the second factor and are not signed in yet
    assert response.status_code == 302
    assert response["Location"] == MFA_STAGE
    assert _signed_in_as(client) is None
    assert _new_entries(last) == []
    stage = client.get(MFA_STAGE)
    assert stage.status_code == 200
    assert 'name="code"' in stage.content.decode()
    # and a protected page still sends them to sign-in
    assert client.get("/en/account/")["Location"] == f"{LOGIN}?next=/en/account/"


def test_a_wrong_second_factor_code_does_not_sign_in(demo_users, password):
    # given ncp-se at the second-factor stage
    client = Client()
    _sign_in(client, "ncp-se", password)
    last = _last_seq()
    # when they enter a wrong code
    response = client.post(MFA_STAGE, {"code": _totp_code(demo_users["ncp-se"], wrong=True)})
    # then the stage says so and they are not signed in
    assert response.status_code == 200
    assert _errors(response) == ["Incorrect code."]
    assert _signed_in_as(client) is None
    assert [row[0] for row in _new_entries(last)] == []


def test_the_right_second_factor_code_signs_in_with_a_new_session_key(demo_users, password):
    # given ncp-se at the second-factor stage
    client = Client()
    _sign_in(client, "ncp-se", password)
    stage_key = client.session.session_key
    last = _last_seq()
    # when they enter the current TOTP code
    response = client.post(MFA_STAGE, {"code": _totp_code(demo_users["ncp-se"])})
    # then they are signed in, under a new session key, the sign-in is recorded, and protected pages open
    assert response.status_code == 302
    assert response["Location"] == "/en/"
    assert _signed_in_as(client) == "ncp-se"
    assert client.session.session_key != stage_key
    user = demo_users["ncp-se"]
    assert _new_entries(last) == [("auth.login", user.pk, "ncp-se", "accounts.user", str(user.pk), Outcome.OK)]
    assert client.get("/en/account/").status_code == 200


def test_signing_out_ends_the_session_and_is_audited(demo_users, password):
    # given member-fi signed in
    client = Client()
    _sign_in(client, "member-fi", password)
    signed_in_key = client.session.session_key
    last = _last_seq()
    # when they sign out
    response = client.post(LOGOUT)
    # then the session is gone, the sign-out is recorded, and protected pages need sign-in again
    assert response.status_code == 302
    assert _signed_in_as(client) is None
    assert client.session.session_key != signed_in_key
    user = demo_users["member-fi"]
    assert _new_entries(last) == [("auth.logout", user.pk, "member-fi", "accounts.user", str(user.pk), Outcome.OK)]
    assert client.get("/en/account/")["Location"] == f"{LOGIN}?next=/en/account/"


# --- a second factor is required for some roles -------------------------------------------


@pytest.fixture
def caseworker_without_second_factor():
    membership = MembershipFactory(role=Role.CASEWORKER)
    assert not Authenticator.objects.filter(user=membership.user).exists()
    return membership.user


@pytest.mark.parametrize("path", ["/en/", "/en/account/"], ids=["home", "security"])
def test_a_second_factor_role_without_one_is_sent_to_enrol_totp(caseworker_without_second_factor, path):
    # given a caseworker with no second factor, signed in
    client = Client()
    client.force_login(caseworker_without_second_factor, backend="django.contrib.auth.backends.ModelBackend")
    # when they open any page outside the accounts pages
    response = client.get(path)
    # then they are sent to set up TOTP first
    assert response.status_code == 302
    assert response["Location"] == TOTP_ACTIVATE


def test_a_second_factor_role_without_one_can_still_reach_the_accounts_pages(caseworker_without_second_factor):
    # given a caseworker with no second factor, signed in
    client = Client()
    client.force_login(caseworker_without_second_factor, backend="django.contrib.auth.backends.ModelBackend")
    # when they open the sign-out page (under /accounts/, where enrolment and sign-out live)
    response = client.get(LOGOUT)
    # then it opens
    assert response.status_code == 200


@pytest.mark.parametrize("username", ["member-fi", "ncp-se"], ids=["member-no-factor-needed", "ncp-with-totp"])
def test_users_who_need_no_enrolment_are_not_redirected(client_as, username):
    # given a member (no second factor needed) or an NCP with TOTP enrolled, signed in
    client = client_as(username)
    # when they open the home page; then it opens
    response = client.get("/en/")
    assert response.status_code == 200
    assert f"Signed in as {username}" in response.content.decode()


# --- session lifetime ---------------------------------------------------------------------


def _age_session(client: Client, *, idle: int, age: int) -> None:
    """Pretend the last request was ``idle`` seconds ago and the sign-in ``age`` seconds ago."""
    now = int(time.time())
    session = client.session
    session["carnet_seen_at"] = now - idle
    session["carnet_started_at"] = now - age
    session.save()


@pytest.mark.parametrize(
    ("idle", "age"),
    [
        pytest.param(lambda s: s.CARNET_SESSION_IDLE_SECONDS - 10, lambda s: 60, id="almost-idle"),
        pytest.param(lambda s: 0, lambda s: s.CARNET_SESSION_ABSOLUTE_SECONDS - 10, id="almost-too-old"),
    ],
)
def test_a_session_within_both_limits_stays_signed_in(client_as, settings, idle, age):
    # given member-fi signed in, close to but within a limit
    client = client_as("member-fi")
    _age_session(client, idle=idle(settings), age=age(settings))
    # when they open a page
    response = client.get("/en/account/")
    # then they are still signed in, and the request counts as activity
    assert response.status_code == 200
    assert _signed_in_as(client) == "member-fi"
    assert int(time.time()) - client.session["carnet_seen_at"] <= 5


@pytest.mark.parametrize(
    ("idle", "age"),
    [
        pytest.param(lambda s: s.CARNET_SESSION_IDLE_SECONDS + 10, lambda s: 3600, id="idle-too-long"),
        pytest.param(lambda s: 0, lambda s: s.CARNET_SESSION_ABSOLUTE_SECONDS + 10, id="older-than-12-hours"),
    ],
)
def test_a_session_past_a_limit_is_signed_out_and_sent_to_sign_in(client_as, demo_users, settings, idle, age):
    # given member-fi signed in, past the idle or the absolute limit
    client = client_as("member-fi")
    _age_session(client, idle=idle(settings), age=age(settings))
    last = _last_seq()
    # when they open a page
    response = client.get("/en/account/")
    # then they are signed out (and that is recorded) and sent to sign in, coming back to the same page
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=/en/account/"
    assert _signed_in_as(client) is None
    user = demo_users["member-fi"]
    assert _new_entries(last) == [("auth.logout", user.pk, "member-fi", "accounts.user", str(user.pk), Outcome.OK)]


def test_a_shorter_idle_limit_from_settings_applies(client_as, settings):
    # given a 2-minute idle limit and member-fi idle for 3 minutes
    settings.CARNET_SESSION_IDLE_SECONDS = 120
    client = client_as("member-fi")
    _age_session(client, idle=180, age=180)
    # when they open a page; then they are signed out
    response = client.get("/en/")
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=/en/"
    assert _signed_in_as(client) is None


def test_an_idle_session_gets_401_from_the_api(client_as):
    # given member-fi signed in but idle too long
    client = client_as("member-fi")
    _age_session(client, idle=django_settings.CARNET_SESSION_IDLE_SECONDS + 10, age=3600)
    # when the API is called with the session; then it answers 401 and the session is gone
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
    assert _signed_in_as(client) is None


# --- caching ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "path"),
    [
        pytest.param("member-fi", "/en/", id="member-home"),
        pytest.param("member-fi", "/en/account/", id="member-security"),
        pytest.param("secretariat", "/en/audit/", id="secretariat-audit"),
        pytest.param("secretariat", "/ru/", id="secretariat-home-ru"),
    ],
)
def test_signed_in_responses_are_not_stored(client_as, username, path):
    # given a signed-in user; when they open a page
    response = client_as(username).get(path)
    # then no browser or proxy may keep it
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", ["/en/", "/ru/"], ids=["en", "ru"])
def test_anonymous_public_pages_may_be_cached(client, db, path):
    # given nobody signed in; when the public home page is opened
    response = client.get(path)
    # then it carries no no-store
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
