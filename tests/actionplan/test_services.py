"""The Plan of Action's writes: creating actions (codes, titles, who may) and recording where each stands."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from carnet.accounts.models import User
from carnet.actionplan.models import Action, ActionStatus, ActionUpdate
from carnet.actionplan.services import action_create, action_update_status
from carnet.audit.models import AuditEntry
from carnet.core.errors import Conflict
from carnet.core.models import Country, Priority
from carnet.directory.models import Organisation
from carnet.library.models import Resource

pytestmark = pytest.mark.django_db

Users = dict[str, User]


@pytest.fixture(autouse=True)
def _no_cached_translations() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def state() -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], int]:
    """Everything stored about the Plan of Action, and how many audit entries."""
    actions = list(Action.objects.order_by("code").values_list("code", "status", "due", "priority_id"))
    updates = list(ActionUpdate.objects.order_by("pk").values_list("action__code", "status", "note", "evidence_url", "evidence_id"))
    return actions, updates, AuditEntry.objects.exclude(action__startswith="auth.").count()


def make(users: Users, **kwargs: Any) -> Action:
    kwargs.setdefault("titles", {"en": "Map the services for children leaving institutions"})
    return action_create(actor=users["secretariat"], **kwargs)


def resource(users: Users, *, visibility: str, restricted_to: str = "") -> Resource:
    return Resource.objects.create(
        slug=f"evidence-{visibility}", kind="report", visibility=visibility, restricted_to=restricted_to, created_by=users["secretariat"]
    )


# --- creating ---------------------------------------------------------------------------------------------------------


def test_the_secretariat_creates_actions_with_the_next_free_code_of_the_year(demo_users: Users) -> None:
    # given an action with an earlier number of this year and one of another year
    year = timezone.localdate().year
    make(demo_users, code=f"PoA-{year}-007")
    make(demo_users, code="PoA-1999-042")
    # when two more are created without a code
    first = make(demo_users, titles={"en": "Train the police", "ru": "Обучить полицию"}, descriptions={"en": "In every country."})
    second = make(demo_users)
    # then they take the next numbers of this year, in order
    assert (first.code, second.code) == (f"PoA-{year}-008", f"PoA-{year}-009")
    first = Action.objects.get(pk=first.pk)
    assert first.safe_translation_getter("title", language_code="ru") == "Обучить полицию"
    assert first.safe_translation_getter("title", language_code="en") == "Train the police"
    assert first.safe_translation_getter("description", language_code="en") == "In every country."
    # and each starts its history with its first status, audited
    assert list(first.updates.values_list("status", "author__username")) == [("proposed", "secretariat")]
    assert AuditEntry.objects.filter(action="action.create", object_id=str(first.pk)).count() == 1


def test_a_new_action_copies_priority_accountable_countries_and_due(demo_users: Users) -> None:
    priority = Priority.objects.get(number=1)
    organisation = Organisation.objects.get(slug="demo-ncp-se")
    due = timezone.localdate().replace(month=12, day=31)
    action = make(
        demo_users,
        priority=priority,
        responsible=[organisation],
        countries=Country.objects.filter(code__in=["SE", "LT"]),
        due=due,
        status=ActionStatus.PLANNED,
    )
    action = Action.objects.get(pk=action.pk)
    assert (action.priority, action.due, action.status) == (priority, due, "planned")
    assert list(action.responsible.all()) == [organisation]
    assert sorted(action.countries.values_list("code", flat=True)) == ["LT", "SE"]


@pytest.mark.parametrize("username", ["ncp-se", "coordinator-lt", "member-fi", "sysadmin"])
def test_only_the_secretariat_creates_actions(demo_users: Users, username: str) -> None:
    before = state()
    with pytest.raises(PermissionDenied):
        action_create(actor=demo_users[username], titles={"en": "Anything"})
    assert state() == before


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"titles": {}}, "titles"),
        ({"titles": {"en": "   "}}, "titles"),
        ({"titles": {"xx": "Klingon"}}, "titles"),
        ({"titles": {"en": "x" * 301}}, "titles"),
        ({"titles": {"en": "Fine"}, "status": "finished"}, "status"),
        ({"titles": {"en": "Fine"}, "code": "PoA 2026 / 1"}, "code"),
    ],
    ids=["no-title", "blank-title", "unknown-language", "title-too-long", "unknown-status", "bad-code"],
)
def test_bad_input_is_refused_with_a_message_and_nothing_is_stored(demo_users: Users, kwargs: dict[str, Any], field: str) -> None:
    before = state()
    with pytest.raises(ValidationError) as refused:
        action_create(actor=demo_users["secretariat"], **kwargs)
    assert list(refused.value.message_dict) == [field]
    assert state() == before


def test_a_code_that_is_taken_is_a_conflict_and_changes_nothing(demo_users: Users) -> None:
    make(demo_users, code="PoA-2026-001")
    before = state()
    with pytest.raises(Conflict) as refused:
        make(demo_users, code="PoA-2026-001", titles={"en": "Another"})
    assert refused.value.message == "There is already an action with the code PoA-2026-001."
    assert state() == before


# --- status updates ---------------------------------------------------------------------------------------------------


def test_a_status_update_changes_the_status_and_adds_to_the_history(demo_users: Users) -> None:
    action = make(demo_users)
    evidence = resource(demo_users, visibility="public")
    update = action_update_status(
        actor=demo_users["secretariat"],
        action=action,
        status=ActionStatus.IN_PROGRESS,
        note="The mapping started in three countries.",
        evidence_url="https://example.org/mapping",
        evidence=evidence,
    )
    assert Action.objects.get(pk=action.pk).status == "in_progress"
    assert action.status == "in_progress"
    assert list(action.updates.order_by("pk").values_list("status", "note", "evidence_url", "evidence_id")) == [
        ("proposed", "", "", None),
        ("in_progress", "The mapping started in three countries.", "https://example.org/mapping", evidence.pk),
    ]
    assert update.author == demo_users["secretariat"]
    assert AuditEntry.objects.filter(action="action.update", object_id=str(action.pk)).count() == 1


def test_a_national_contact_point_reports_on_actions_of_their_country_only(demo_users: Users) -> None:
    swedish = make(demo_users, countries=Country.objects.filter(code="SE"))
    lithuanian = make(demo_users, countries=Country.objects.filter(code="LT"))
    action_update_status(actor=demo_users["ncp-se"], action=swedish, status="planned", note="Agreed with the ministry.")
    assert Action.objects.get(pk=swedish.pk).status == "planned"
    before = state()
    with pytest.raises(PermissionDenied):
        action_update_status(actor=demo_users["ncp-se"], action=lithuanian, status="done", note="Not ours.")
    assert state() == before


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"status": "proposed"}, {"note": ["Change the status, say what happened, or give the evidence."]}),
        ({"status": "nonsense", "note": "x"}, {"status": ["Choose one of the statuses of the Plan of Action."]}),
        (
            {"status": "done", "evidence_url": "javascript:alert(1)"},
            {"evidence_url": ["Give the evidence as a web address starting with https:// or http://."]},
        ),
    ],
    ids=["nothing-said", "unknown-status", "script-url"],
)
def test_a_bad_status_update_changes_nothing(demo_users: Users, kwargs: dict[str, Any], expected: dict[str, list[str]]) -> None:
    action = make(demo_users)
    before = state()
    with pytest.raises(ValidationError) as refused:
        action_update_status(actor=demo_users["secretariat"], action=action, **kwargs)
    assert refused.value.message_dict == expected
    assert state() == before


def test_evidence_must_be_a_resource_the_author_may_see(demo_users: Users) -> None:
    # given an action of Lithuania and a library resource only researchers may see
    action = make(demo_users, countries=Country.objects.filter(code="LT"))
    hidden = resource(demo_users, visibility="restricted", restricted_to="researcher")
    before = state()
    # when Lithuania's NCP gives it as evidence, then it is refused as if it did not exist
    with pytest.raises(ValidationError) as refused:
        action_update_status(actor=demo_users["ncp-lt"], action=action, status="done", evidence=hidden)
    assert refused.value.message_dict == {"evidence": ["Choose a library resource that you can see."]}
    assert state() == before
