"""The referral policy as a table: every action for every demo account on a sent return referral from SE to LT."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from carnet.cases.models.codes import TeamRole
from carnet.cases.services import team_add
from carnet.referrals.models import Referral
from carnet.referrals.policies import ReferralAction, ReferralPolicy, side_of
from carnet.referrals.services import referral_accept, referral_assign, referral_request_approval
from tests.referrals.factories import draft_referral, returnable_case, sent_referral

pytestmark = pytest.mark.django_db

A = ReferralAction
DEMO = [
    "secretariat", "ncp-se", "ncp-lt", "caseworker-se", "caseworker-lt", "supervisor-se",
    "coordinator-lt", "researcher", "expert-ee", "member-fi", "sysadmin",
]  # fmt: skip
SENDING_SIDE = {"ncp-se", "caseworker-se", "supervisor-se"}

# Who may do what with a referral that ncp-se has sent to Lithuania and nobody has answered yet.
# DRAFT and MATCH are asked about its Swedish case; DASHBOARD about nothing.
ON_A_SENT_REFERRAL: dict[ReferralAction, set[str]] = {
    A.VIEW: SENDING_SIDE | {"ncp-lt"},
    A.DRAFT: SENDING_SIDE,  # another referral of the same case: whoever may edit the case
    A.SEND: set(),  # it has been sent
    A.WITHDRAW: {"ncp-se"},
    A.ANSWER: {"ncp-lt"},
    A.WORK: {"ncp-lt"},
    A.PROVIDE: SENDING_SIDE,
    A.MESSAGE: SENDING_SIDE | {"ncp-lt"},
    A.MATCH: {"ncp-se"},
    A.DASHBOARD: {"secretariat", "ncp-se", "ncp-lt", "coordinator-lt"},
}
CASE_ACTIONS = {A.DRAFT, A.MATCH}


def test_the_table_covers_every_action():
    assert set(ON_A_SENT_REFERRAL) == set(ReferralAction)


@pytest.fixture
def sent(demo_users) -> Referral:
    return sent_referral(demo_users, returnable_case(demo_users))


def _object(action: ReferralAction, referral: Referral) -> object:
    if action in CASE_ACTIONS:
        return referral.source_case
    if action == A.DASHBOARD:
        return None
    return referral


@pytest.mark.parametrize("username", DEMO)
def test_who_may_do_what_with_a_sent_referral(demo_users, sent, username):
    # one row of the table per account (one referral set up per row): every action, exactly
    user = demo_users[username]
    row = {str(action): ReferralPolicy.can(user, action, _object(action, sent)) for action in ReferralAction}
    assert row == {str(action): username in allowed for action, allowed in ON_A_SENT_REFERRAL.items()}


# On a draft written by caseworker-se: only the sending side sees it, only the sending NCP sends it,
# its author or the sending NCP withdraws it, and nobody answers or writes on its thread yet.
ON_A_CASEWORKERS_DRAFT: dict[ReferralAction, set[str]] = {
    A.VIEW: SENDING_SIDE,
    A.SEND: {"ncp-se"},
    A.WITHDRAW: {"ncp-se", "caseworker-se"},
    A.ANSWER: set(),
    A.WORK: set(),
    A.PROVIDE: SENDING_SIDE,
    A.MESSAGE: set(),
}


@pytest.mark.parametrize("username", DEMO)
def test_who_may_do_what_with_a_caseworkers_draft(demo_users, username):
    referral = referral_request_approval(
        actor=demo_users["caseworker-se"], referral=draft_referral(demo_users, returnable_case(demo_users), by="caseworker-se")
    )
    user = demo_users[username]
    row = {str(action): ReferralPolicy.can(user, action, referral) for action in ON_A_CASEWORKERS_DRAFT}
    assert row == {str(action): username in allowed for action, allowed in ON_A_CASEWORKERS_DRAFT.items()}


@pytest.mark.parametrize("username", DEMO)
def test_an_assigned_caseworker_works_on_it_but_does_not_answer_for_the_ncp(demo_users, sent, username):
    referral = referral_assign(actor=demo_users["ncp-lt"], referral=sent, username="caseworker-lt")
    user = demo_users[username]
    assert ReferralPolicy.can(user, A.VIEW, referral) is (username in SENDING_SIDE | {"ncp-lt", "caseworker-lt"})
    assert ReferralPolicy.can(user, A.WORK, referral) is (username in {"ncp-lt", "caseworker-lt"})
    assert ReferralPolicy.can(user, A.ANSWER, referral) is (username == "ncp-lt")
    assert ReferralPolicy.can(user, A.MESSAGE, referral) is (username in SENDING_SIDE | {"ncp-lt", "caseworker-lt"})


@pytest.mark.parametrize(
    ("username", "side"),
    [
        pytest.param("ncp-se", "sender", id="ncp-se"),
        pytest.param("caseworker-se", "sender", id="caseworker-se"),
        pytest.param("supervisor-se", "sender", id="supervisor-se"),
        pytest.param("ncp-lt", "receiver", id="ncp-lt"),
        pytest.param("caseworker-lt", "receiver", id="caseworker-lt-in-the-lithuanian-team"),
        pytest.param("coordinator-lt", None, id="coordinator-lt"),
        pytest.param("secretariat", None, id="secretariat"),
        pytest.param("sysadmin", None, id="sysadmin"),
    ],
)
def test_side_of_after_acceptance(demo_users, sent, username, side):
    # given the referral accepted into a Lithuanian case with caseworker-lt in its team (not assigned the referral)
    accepted = referral_accept(actor=demo_users["ncp-lt"], referral=sent)
    assert accepted.receiving_case is not None
    team_add(actor=demo_users["ncp-lt"], case=accepted.receiving_case, user=demo_users["caseworker-lt"], role=TeamRole.CASEWORKER)
    # then each person is on the side their case access puts them
    assert side_of(demo_users[username], accepted) == side


# --- Fail closed ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["delete", "VIEW", "", "approve", "view "])
def test_an_unknown_action_is_denied(demo_users, sent, action):
    assert {name: ReferralPolicy.can(demo_users[name], action, sent) for name in ("ncp-se", "ncp-lt", "sysadmin")} == {
        "ncp-se": False, "ncp-lt": False, "sysadmin": False,
    }  # fmt: skip


@pytest.mark.parametrize("actor", [AnonymousUser(), None], ids=["anonymous", "none"])
def test_nobody_signed_in_may_do_anything(sent, actor):
    row = {str(action): ReferralPolicy.can(actor, action, _object(action, sent)) for action in ReferralAction}
    assert row == dict.fromkeys(map(str, ReferralAction), False)


def test_nobody_signed_in_sees_any_referral(sent):
    assert list(ReferralPolicy.visible(AnonymousUser(), Referral.objects.all())) == []
    assert list(ReferralPolicy.visible(None, Referral.objects.all())) == []
    assert side_of(AnonymousUser(), sent) is None


def test_an_inactive_account_is_denied_everything(demo_users, sent):
    user = demo_users["ncp-lt"]
    user.is_active = False
    assert all(ReferralPolicy.can(user, action, _object(action, sent)) is False for action in ReferralAction)
    assert list(ReferralPolicy.visible(user, Referral.objects.all())) == []


def test_a_rule_given_the_wrong_kind_of_object_denies(demo_users, sent):
    referral_actions = [A.VIEW, A.SEND, A.WITHDRAW, A.ANSWER, A.WORK, A.PROVIDE, A.MESSAGE]
    assert [ReferralPolicy.can(demo_users["ncp-se"], action, sent.source_case) for action in referral_actions] == [False] * 7
    assert [ReferralPolicy.can(demo_users["ncp-lt"], action, None) for action in referral_actions] == [False] * 7
    assert [ReferralPolicy.can(demo_users["ncp-se"], action, sent) for action in CASE_ACTIONS] == [False] * 2
