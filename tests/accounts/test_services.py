"""Accounts services and policies: API tokens, memberships, role grants and the password length rule."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from carnet.accounts.models import ApiToken, Membership, Role
from carnet.accounts.roles import Grant, countries_for, forget_grants, grants_of, has_role, needs_second_factor
from carnet.accounts.selectors import token_for_secret, token_get_for, token_list_for
from carnet.accounts.services import TOKEN_PREFIX, membership_end, membership_grant, token_create, token_revoke, token_touch
from carnet.accounts.validators import LengthBySecondFactorValidator
from carnet.audit.models import AuditEntry
from carnet.audit.services import verify
from carnet.core.models import Country
from tests.accounts.factories import ApiTokenFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("seq"))


def _fresh(user):
    """The same user as a new object, without grants cached from earlier in the test."""
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def sweden() -> Country:
    return Country.objects.get(code="SE")


@pytest.fixture
def lithuania() -> Country:
    return Country.objects.get(code="LT")


# --- token_create -------------------------------------------------------------------


def test_token_create_keeps_only_a_sha256_digest_of_the_secret():
    # given a user
    user = UserFactory()
    # when a token is issued
    issued = token_create(actor=user, user=user, name="monthly statistics", days=30)
    # then the secret is carnet_<prefix>_<random>, the row holds its SHA-256, and no column holds the secret or its random part
    secret = issued.secret
    prefix, _sep, random_part = secret.removeprefix(TOKEN_PREFIX).partition("_")
    assert secret.startswith(TOKEN_PREFIX)
    assert len(random_part) >= 43  # 32 random bytes, urlsafe base64
    row = ApiToken.objects.get(pk=issued.token.pk)
    assert row.prefix == prefix
    assert len(prefix) == 8
    assert row.digest == hashlib.sha256(secret.encode()).hexdigest()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {ApiToken._meta.db_table} WHERE id = %s", [row.pk])  # noqa: S608  # table name from the model
        stored = [str(value) for value in cursor.fetchone()]
    assert not any(secret in value or random_part in value for value in stored)
    audit_values = [str(v) for e in AuditEntry.objects.values() for v in e.values()]
    assert not any(random_part in value for value in audit_values)


@pytest.mark.parametrize(("days", "expected"), [pytest.param(7, 7, id="seven"), pytest.param(None, 90, id="default")])
def test_token_create_expires_after_the_given_days(settings, days, expected):
    # given the default lifetime of 90 days
    settings.CARNET_API_TOKEN_DAYS = 90
    user = UserFactory()
    # when a token is issued
    before = timezone.now()
    issued = token_create(actor=user, user=user, name="x", days=days)
    after = timezone.now()
    # then it expires that many days after it was issued
    token = ApiToken.objects.get(pk=issued.token.pk)
    assert before + timedelta(days=expected) <= token.expires_at <= after + timedelta(days=expected)
    assert (token.revoked_at, token.last_used_at) == (None, None)
    assert token.is_usable


def test_token_create_is_audited_once_by_the_actor():
    # given a user
    user = UserFactory(username="tokenuser")
    # when they issue themselves a token
    issued = token_create(actor=user, user=user, name="my script")
    # then one token.create entry names them, the token and its purpose
    assert [(e.actor_id, e.actor_username, e.object_type, e.object_id, e.purpose) for e in _entries("token.create")] == [
        (user.pk, "tokenuser", "accounts.apitoken", str(issued.token.pk), "my script")
    ]


def test_token_create_from_the_command_line_names_the_cli_as_actor():
    # given no signed-in actor (the `carnet token` command)
    user = UserFactory()
    # when a token is issued
    token_create(actor=None, user=user, name="cli")
    # then the entry is attributed to the command line
    assert [(e.actor_id, e.actor_username) for e in _entries("token.create")] == [(None, "carnet-cli")]


def test_two_tokens_never_share_a_secret_prefix_or_digest():
    # given a user; when two tokens are issued
    user = UserFactory()
    one, two = token_create(actor=user, user=user, name="a"), token_create(actor=user, user=user, name="b")
    # then everything that identifies them differs
    assert one.secret != two.secret
    assert one.token.prefix != two.token.prefix
    assert one.token.digest != two.token.digest


# --- token_for_secret ------------------------------------------------------------


def test_token_for_secret_finds_the_issued_token():
    # given an issued token
    user = UserFactory()
    issued = token_create(actor=user, user=user, name="x")
    # when it is looked up by its secret
    found = token_for_secret(issued.secret)
    # then it is that token, with its user
    assert found is not None
    assert (found.pk, found.user_id) == (issued.token.pk, user.pk)


def _revoked(token: ApiToken) -> None:
    token_revoke(actor=token.user, token=token)


def _expired(token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))


def _user_deactivated(token: ApiToken) -> None:
    type(token.user).objects.filter(pk=token.user_id).update(is_active=False)


@pytest.mark.parametrize(
    "spoil",
    [pytest.param(_revoked, id="revoked"), pytest.param(_expired, id="expired"), pytest.param(_user_deactivated, id="inactive-user")],
)
def test_token_for_secret_rejects_unusable_tokens(spoil):
    # given an issued token that is then made unusable
    user = UserFactory()
    issued = token_create(actor=user, user=user, name="x")
    assert token_for_secret(issued.secret) is not None
    spoil(issued.token)
    # when it is looked up; then it is not found
    assert token_for_secret(issued.secret) is None


@pytest.mark.parametrize(
    "secret",
    [
        pytest.param("", id="empty"),
        pytest.param("garbage", id="garbage"),
        pytest.param("carnet_", id="prefix-only"),
        pytest.param("carnet_00000000_not-a-real-token", id="unknown"),
        pytest.param("carnet_" + "x" * 300, id="too-long"),
    ],
)
def test_token_for_secret_rejects_garbage(secret):
    # given one real token
    user = UserFactory()
    token_create(actor=user, user=user, name="x")
    # when a made-up secret is looked up; then nothing is found
    assert token_for_secret(secret) is None


def test_token_for_secret_rejects_a_secret_without_the_carnet_prefix_even_if_its_digest_is_stored():
    # given a token row whose digest is of a secret without the carnet_ prefix
    token = ApiTokenFactory(secret="other_deadbeef_some-secret")
    assert token.digest == hashlib.sha256(b"other_deadbeef_some-secret").hexdigest()
    # when that secret is presented; then it is refused before any lookup
    assert token_for_secret("other_deadbeef_some-secret") is None


def test_token_for_secret_rejects_a_secret_with_one_character_changed():
    # given an issued token
    user = UserFactory()
    issued = token_create(actor=user, user=user, name="x")
    # when the secret is presented with its last character changed
    tampered = issued.secret[:-1] + ("A" if issued.secret[-1] != "A" else "B")
    # then it is not found
    assert token_for_secret(tampered) is None


# --- token_revoke and token_touch ----------------------------------------------------


def test_token_revoke_is_audited_once_and_idempotent():
    # given an issued token
    user = UserFactory()
    token = token_create(actor=user, user=user, name="x").token
    # when it is revoked twice
    token_revoke(actor=user, token=token)
    first_revoked_at = ApiToken.objects.get(pk=token.pk).revoked_at
    token_revoke(actor=user, token=ApiToken.objects.get(pk=token.pk))
    # then it stays revoked from the first time and only one entry was written
    assert first_revoked_at is not None
    assert ApiToken.objects.get(pk=token.pk).revoked_at == first_revoked_at
    assert [(e.actor_id, e.object_id) for e in _entries("token.revoke")] == [(user.pk, str(token.pk))]
    assert list(verify()) == [AuditEntry.objects.count()]


def test_token_touch_notes_use_at_most_once_a_minute():
    # given an issued, never used token
    user = UserFactory()
    token = token_create(actor=user, user=user, name="x").token
    # when it is used twice in quick succession
    token_touch(token=token)
    token.refresh_from_db()
    first_use = token.last_used_at
    token_touch(token=token)
    token.refresh_from_db()
    # then its use is noted and audited once
    assert first_use is not None
    assert token.last_used_at == first_use
    assert [(e.actor_id, e.object_id) for e in _entries("token.use")] == [(user.pk, str(token.pk))]
    # and when it is used again more than a minute later, that is noted too
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now() - timedelta(minutes=2))
    token.refresh_from_db()
    token_touch(token=token)
    assert len(_entries("token.use")) == 2


def test_a_user_lists_and_gets_only_their_own_tokens():
    # given two users with a token each
    alice, bob = UserFactory(), UserFactory()
    mine = token_create(actor=alice, user=alice, name="mine").token
    theirs = token_create(actor=bob, user=bob, name="theirs").token
    # when alice lists and fetches tokens
    # then she sees hers only, and bob's is "not found" for her
    assert list(token_list_for(actor=alice)) == [mine]
    assert token_get_for(actor=alice, token_id=mine.pk) == mine
    from django.http import Http404

    with pytest.raises(Http404):
        token_get_for(actor=alice, token_id=theirs.pk)


# --- memberships ------------------------------------------------------------------


def test_membership_grant_is_audited_and_idempotent(sweden):
    # given a user and an actor
    actor, user = UserFactory(username="granter"), UserFactory()
    # when the same role is granted twice
    first = membership_grant(actor=actor, user=user, role=Role.CASEWORKER, country=sweden, purpose="new caseworker")
    second = membership_grant(actor=actor, user=user, role=Role.CASEWORKER, country=sweden, purpose="again")
    # then there is one membership and one entry, with the first purpose
    assert first.pk == second.pk
    assert Membership.objects.filter(user=user).count() == 1
    assert [(e.actor_username, e.object_type, e.object_id, e.purpose) for e in _entries("membership.grant")] == [
        ("granter", "accounts.membership", str(first.pk), "new caseworker")
    ]


def test_membership_grant_takes_effect_at_once_for_the_same_user_object(sweden):
    # given a user whose (empty) grants were already computed this request
    user = UserFactory()
    assert grants_of(user) == frozenset()
    # when a role is granted
    membership_grant(actor=None, user=user, role=Role.NCP, country=sweden)
    # then the same object sees it without a reload
    assert has_role(user, Role.NCP, country="SE")


def test_membership_end_removes_the_grant_and_is_audited_once(sweden):
    # given a caseworker
    user = UserFactory()
    membership = membership_grant(actor=None, user=user, role=Role.CASEWORKER, country=sweden)
    # when the membership is ended twice
    membership_end(actor=None, membership=membership, purpose="left the service")
    membership_end(actor=None, membership=Membership.objects.get(pk=membership.pk))
    # then the role is gone and one end was recorded
    assert not has_role(_fresh(user), Role.CASEWORKER)
    assert [(e.object_id, e.purpose) for e in _entries("membership.end")] == [(str(membership.pk), "left the service")]


def test_granting_an_ended_membership_again_restores_it(sweden):
    # given a caseworker whose membership was ended
    user = UserFactory()
    membership = membership_grant(actor=None, user=user, role=Role.CASEWORKER, country=sweden)
    membership_end(actor=None, membership=membership)
    # when the same role is granted again
    membership_grant(actor=None, user=user, role=Role.CASEWORKER, country=sweden, purpose="came back")
    # then they hold it again, and the new grant is recorded
    assert has_role(_fresh(user), Role.CASEWORKER, country="SE")
    assert [e.purpose for e in _entries("membership.grant")] == ["", "came back"]


# --- grants_of / has_role / countries_for -------------------------------------------


def _validity(now):
    return {
        "open": (now - timedelta(days=1), None),
        "until-tomorrow": (now - timedelta(days=1), now + timedelta(days=1)),
        "ended": (now - timedelta(days=2), now - timedelta(days=1)),
        "not-yet": (now + timedelta(days=1), None),
    }


@pytest.mark.parametrize(
    ("window", "active"),
    [
        pytest.param("open", True, id="open-ended"),
        pytest.param("until-tomorrow", True, id="until-tomorrow"),
        pytest.param("ended", False, id="ended-yesterday"),
        pytest.param("not-yet", False, id="starts-tomorrow"),
    ],
)
def test_a_membership_counts_only_within_its_validity_window(sweden, window, active):
    # given a caseworker membership with the given validity
    valid_from, valid_until = _validity(timezone.now())[window]
    membership = MembershipFactory(role=Role.CASEWORKER, country=sweden, valid_from=valid_from, valid_until=valid_until)
    user = _fresh(membership.user)
    # when their grants are computed
    # then the role counts only inside the window, everywhere it is asked about
    expected = frozenset({Grant(Role.CASEWORKER, "SE", None)}) if active else frozenset()
    assert grants_of(user) == expected
    assert has_role(user, Role.CASEWORKER) is active
    assert has_role(user, Role.CASEWORKER, country="SE") is active
    assert countries_for(user, Role.CASEWORKER) == ({"SE"} if active else set())
    assert needs_second_factor(user) is active


def test_validity_boundaries_are_inclusive_at_the_start_and_exclusive_at_the_end(sweden):
    # given a membership valid from t0 until t1
    t0 = timezone.now() - timedelta(days=10)
    t1 = t0 + timedelta(days=5)
    membership = MembershipFactory(role=Role.MEMBER, country=sweden, valid_from=t0, valid_until=t1)
    active_at = lambda at: list(Membership.objects.active(at=at).filter(pk=membership.pk))  # noqa: E731
    # when it is asked about just before, at and after each boundary
    # then it is active from t0 inclusive to t1 exclusive
    assert active_at(t0 - timedelta(microseconds=1)) == []
    assert active_at(t0) == [membership]
    assert active_at(t1 - timedelta(microseconds=1)) == [membership]
    assert active_at(t1) == []


def test_has_role_and_countries_for_follow_country_and_role(sweden, lithuania):
    # given a caseworker in SE and LT, an NCP in SE and a regional researcher
    user = UserFactory()
    MembershipFactory(user=user, role=Role.CASEWORKER, country=sweden)
    MembershipFactory(user=user, role=Role.CASEWORKER, country=lithuania)
    MembershipFactory(user=user, role=Role.NCP, country=sweden)
    MembershipFactory(user=user, role=Role.RESEARCHER, country=None)
    user = _fresh(user)
    # when roles are asked about; then each answer follows the grants exactly
    assert has_role(user, Role.NCP, country="SE")
    assert not has_role(user, Role.NCP, country="LT")
    assert has_role(user, Role.NCP, Role.SUPERVISOR, country="SE")
    assert not has_role(user, Role.SUPERVISOR)
    assert has_role(user, Role.RESEARCHER)
    assert not has_role(user, Role.RESEARCHER, country="SE")  # a regional grant covers no single country
    assert countries_for(user, Role.CASEWORKER) == {"SE", "LT"}
    assert countries_for(user, Role.NCP) == {"SE"}
    assert countries_for(user, Role.CASEWORKER, Role.NCP) == {"SE", "LT"}
    assert countries_for(user, Role.RESEARCHER) == set()


def test_an_inactive_or_anonymous_user_has_no_grants(sweden):
    # given an NCP whose account is deactivated
    membership = MembershipFactory(role=Role.NCP, country=sweden)
    user = _fresh(membership.user)
    user.is_active = False
    # when grants are computed; then there are none, as for nobody and for the anonymous user
    from django.contrib.auth.models import AnonymousUser

    assert grants_of(user) == frozenset()
    assert grants_of(None) == frozenset()
    assert grants_of(AnonymousUser()) == frozenset()
    assert not has_role(AnonymousUser(), *Role)


def test_grants_are_cached_per_user_object_until_forgotten(sweden):
    # given a user whose grants were computed
    user = UserFactory()
    assert grants_of(user) == frozenset()
    # when a membership is added behind the service's back
    MembershipFactory(user=user, role=Role.MEMBER, country=sweden)
    # then the cached answer stands until it is forgotten
    assert grants_of(user) == frozenset()
    forget_grants(user)
    assert grants_of(user) == frozenset({Grant(Role.MEMBER, "SE", None)})


# --- password length ----------------------------------------------------------------


def _with_totp(user):
    TOTP.activate(user, generate_totp_secret())
    return user


def _with_recovery_codes_only(user):
    RecoveryCodes.activate(user)
    return user


@pytest.mark.parametrize(
    ("second_factor", "length", "ok"),
    [
        pytest.param(None, 14, False, id="no-factor-14"),
        pytest.param(None, 15, True, id="no-factor-15"),
        pytest.param(_with_recovery_codes_only, 14, False, id="recovery-codes-are-no-factor-14"),
        pytest.param(_with_totp, 7, False, id="totp-7"),
        pytest.param(_with_totp, 8, True, id="totp-8"),
    ],
)
def test_password_length_depends_on_a_second_factor(second_factor, length, ok):
    # given a user with or without a second factor
    user = UserFactory()
    if second_factor is not None:
        second_factor(user)
    validator = LengthBySecondFactorValidator()
    password = "k" * length
    # when a password of the given length is validated
    # then it passes or fails with the minimum that applies to them
    minimum = 8 if second_factor is _with_totp else 15
    if ok:
        validator.validate(password, user)
    else:
        with pytest.raises(ValidationError) as caught:
            validator.validate(password, user)
        assert caught.value.error_list[0].code == "password_too_short"
        assert caught.value.error_list[0].params == {"min_length": minimum}
        assert caught.value.messages == [f"This password is too short. It must contain at least {minimum} characters."]


@pytest.mark.parametrize("user", [pytest.param(None, id="no-user"), pytest.param("unsaved", id="unsaved-user")])
def test_password_length_without_a_saved_user_is_15(user):
    # given no user, or one not saved yet (sign-up)
    from carnet.accounts.models import User

    candidate = User(username="new") if user == "unsaved" else None
    validator = LengthBySecondFactorValidator()
    # when passwords of 14 and 15 characters are validated; then 15 is the minimum
    with pytest.raises(ValidationError):
        validator.validate("q" * 14, candidate)
    validator.validate("q" * 15, candidate)


def test_the_length_rule_is_installed_as_a_password_validator():
    # given a user without a second factor and one with TOTP
    plain, secured = UserFactory(username="plainuser"), _with_totp(UserFactory(username="secureduser"))
    # when Django's configured validators check a 12-character password that nothing else objects to
    password = "Vq7#mZp2!rLx"
    # then it is too short for the first and fine for the second
    with pytest.raises(ValidationError) as caught:
        validate_password(password, plain)
    assert [e.code for e in caught.value.error_list] == ["password_too_short"]
    validate_password(password, secured)
    assert Authenticator.objects.filter(user=secured, type=Authenticator.Type.TOTP).count() == 1


def test_the_help_text_states_both_minimums():
    assert LengthBySecondFactorValidator().get_help_text() == (
        "Your password must contain at least 15 characters, or 8 once you use a second factor."
    )
