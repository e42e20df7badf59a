"""The events API: what each caller may see, registering and withdrawing, refusals as JSON."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from carnet.accounts.models import User
from carnet.accounts.services import token_create
from carnet.core.models import Country, Priority
from carnet.events import services
from carnet.events.models import EventKind, EventStatus, EventVisibility, Registration, RegistrationStatus
from carnet.events.services_outcomes import outcome_add, outcome_make_action
from tests.events.factories import event, register, secretariat_user
from tests.fixtures import ROLES

pytestmark = pytest.mark.django_db


def slugs(response: object) -> list[str]:
    return [item["slug"] for item in response.json()["items"]]  # type: ignore[attr-defined]


def post_registration(client: Client, slug: str, body: dict[str, object] | None = None) -> object:
    return client.post(f"/api/v1/events/{slug}/registrations", data=json.dumps(body or {}), content_type="application/json")


def test_list_shows_each_caller_what_they_may_see(client_as: Callable[[str], Client], demo_users: dict[str, User]) -> None:
    public = event(days_ahead=10)
    members = event(days_ahead=11, visibility=EventVisibility.MEMBERS)
    invited = event(days_ahead=12, visibility=EventVisibility.INVITED)
    services.registration_invite(actor=secretariat_user(), event=invited, user=demo_users["member-fi"])
    draft = event(days_ahead=13, status=EventStatus.DRAFT)
    for role in ROLES:
        response = client_as(role).get("/api/v1/events")
        assert response.status_code == 200, role
        expected = [public.slug]
        if role != "anonymous":
            expected.append(members.slug)
        if role in ("member-fi", "secretariat"):
            expected.append(invited.slug)
        if role == "secretariat":
            expected.append(draft.slug)
        assert slugs(response) == expected, role
        assert response.json()["count"] == len(expected), role


def test_a_bearer_token_sees_what_its_owner_sees(demo_users: dict[str, User]) -> None:
    members = event(visibility=EventVisibility.MEMBERS)
    secret = token_create(actor=None, user=demo_users["member-fi"], name="calendar").secret
    with_token = Client().get("/api/v1/events", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert slugs(with_token) == [members.slug]
    # a wrong token reads as anonymous: the public calendar only
    assert slugs(Client().get("/api/v1/events", HTTP_AUTHORIZATION="Bearer wrong")) == []


def test_list_filters() -> None:
    lithuania = Country.objects.get(code="LT")
    priority = Priority.objects.get(number=2)
    conference = event(kind=EventKind.CONFERENCE, days_ahead=20, country=lithuania, priorities=[priority])
    meeting = event(kind=EventKind.EXPERT_MEETING, days_ahead=40)
    client = Client()
    assert slugs(client.get("/api/v1/events?kind=conference")) == [conference.slug]
    assert slugs(client.get("/api/v1/events?country=lt")) == [conference.slug]
    assert slugs(client.get(f"/api/v1/events?priority={priority.slug}")) == [conference.slug]
    day = timezone.localdate() + dt.timedelta(days=30)
    assert slugs(client.get(f"/api/v1/events?from={day.isoformat()}")) == [meeting.slug]
    assert slugs(client.get(f"/api/v1/events?to={day.isoformat()}")) == [conference.slug]
    # bad input: JSON 4xx, not 500
    bad_date = client.get("/api/v1/events?from=yesterday")
    assert bad_date.status_code == 422
    assert bad_date.json()["code"] == "invalid"
    assert client.get("/api/v1/events?limit=1000").status_code == 400
    assert client.get("/api/v1/events?lang=xx").status_code == 400


def test_detail_has_outcomes_with_the_status_of_their_action() -> None:
    author = secretariat_user()
    meeting = event(title="4th meeting of National Contact Points", title_ru="4-е совещание НКП", days_ahead=-10)
    outcome = outcome_add(
        actor=author, event=meeting, kind="action_area", texts={"en": "Need to identify children", "ru": "Необходимо выявлять детей"}
    )
    outcome_add(actor=author, event=meeting, kind="concern", texts={"en": "A concern"})
    action = outcome_make_action(actor=author, outcome=outcome)
    response = Client().get(f"/api/v1/events/{meeting.slug}?lang=ru")
    assert response.status_code == 200
    body = response.json()
    assert body["title"] == "4-е совещание НКП"
    assert body["uid"] == meeting.uid
    assert body["url"] == f"http://localhost:8000/ru/events/{meeting.slug}/"
    assert body["ics_url"] == f"http://localhost:8000/ru/events/{meeting.slug}.ics"
    assert [(o["kind"], o["text"]) for o in body["outcomes"]] == [("action_area", "Необходимо выявлять детей"), ("concern", "A concern")]
    linked = body["outcomes"][0]["action"]
    assert (linked["code"], linked["title"], linked["status"]) == (action.code, "Необходимо выявлять детей", "proposed")
    assert body["outcomes"][1]["action"] is None
    assert body["cancellation_reason"] == ""


def test_detail_of_a_cancelled_event_says_why() -> None:
    meeting = event()
    services.event_cancel(actor=secretariat_user(), event=meeting, reason="No quorum")
    body = Client().get(f"/api/v1/events/{meeting.slug}").json()
    assert (body["status"], body["cancellation_reason"]) == ("cancelled", "No quorum")


def test_detail_per_account_is_404_when_invisible(client_as: Callable[[str], Client], demo_users: dict[str, User]) -> None:
    members = event(visibility=EventVisibility.MEMBERS)
    invited = event(visibility=EventVisibility.INVITED)
    services.registration_invite(actor=secretariat_user(), event=invited, user=demo_users["member-fi"])
    draft = event(status=EventStatus.DRAFT)
    for role in ROLES:
        client = client_as(role)
        response = client.get(f"/api/v1/events/{members.slug}")
        assert response.status_code == (404 if role == "anonymous" else 200), role
        response = client.get(f"/api/v1/events/{invited.slug}")
        assert response.status_code == (200 if role in ("member-fi", "secretariat") else 404), role
        response = client.get(f"/api/v1/events/{draft.slug}")
        assert response.status_code == (200 if role == "secretariat" else 404), role
        if response.status_code == 404:
            # the same answer as for an event that does not exist
            assert response.json() == client.get("/api/v1/events/no-such-event").json() == {"detail": "Not found.", "code": "not_found"}


def test_register_and_withdraw(client_as: Callable[[str], Client], demo_users: dict[str, User]) -> None:
    meeting = event(capacity=5)
    client = client_as("member-fi")
    # when member-fi registers
    response = post_registration(client, meeting.slug, {"note": "Vegetarian lunch, please."})
    # then a pending registration exists
    assert response.status_code == 201
    assert response.json()["status"] == "pending"
    registration = Registration.objects.get(event=meeting, user=demo_users["member-fi"])
    assert registration.note == "Vegetarian lunch, please."
    assert client.get(f"/api/v1/events/{meeting.slug}").json()["my_registration"]["status"] == "pending"
    # a second registration is a conflict, and changes nothing
    again = post_registration(client, meeting.slug)
    assert again.status_code == 409
    assert again.json()["code"] == "registered"
    assert Registration.objects.filter(event=meeting).count() == 1
    # when they withdraw, it is cancelled; a second withdrawal finds nothing
    assert client.delete(f"/api/v1/events/{meeting.slug}/registrations/me").status_code == 204
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CANCELLED
    assert client.delete(f"/api/v1/events/{meeting.slug}/registrations/me").status_code == 404


def test_registration_refusals_are_json_and_change_nothing(
    client_as: Callable[[str], Client], demo_users: dict[str, User], django_capture_on_commit_callbacks: Any
) -> None:
    full = event(capacity=1, requires_approval=False)
    register(full, demo_users["expert-ee"])
    closed = event(registration_closes=timezone.now() - dt.timedelta(hours=1))
    hidden = event(visibility=EventVisibility.INVITED)
    cancelled = event(status=EventStatus.CANCELLED)
    client = client_as("member-fi")
    mail.outbox.clear()
    cases = [
        (full.slug, {}, 409, "full"),
        (closed.slug, {}, 409, "registration_closed"),
        (cancelled.slug, {}, 409, "cancelled"),
        (hidden.slug, {}, 404, "not_found"),
        ("no-such-event", {}, 404, "not_found"),
        (full.slug, {"country": "XX"}, 422, "invalid"),
        (full.slug, {"organisation": "no-such-organisation"}, 422, "invalid"),
        (closed.slug, {"note": "x" * 501}, 422, "invalid"),
        (closed.slug, {"note": 5}, 422, "invalid"),
    ]
    for slug, body, status, code in cases:
        with django_capture_on_commit_callbacks(execute=True) as queued:
            response = post_registration(client, slug, body)
        assert (response.status_code, response.json()["code"]) == (status, code), (slug, body)
        assert response.json()["detail"]
        assert queued == []  # nothing queued to be sent
    assert Registration.objects.filter(user=demo_users["member-fi"]).count() == 0
    assert mail.outbox == []
    # anonymous callers must sign in
    assert post_registration(client_as("anonymous"), full.slug).status_code == 401
    assert client_as("anonymous").delete(f"/api/v1/events/{full.slug}/registrations/me").status_code == 401


def test_registration_per_account(client_as: Callable[[str], Client], demo_users: dict[str, User]) -> None:
    # every signed-in account may register for a public event; an invited event is 404 for those not invited
    public = event(capacity=50, requires_approval=False)
    invited = event(visibility=EventVisibility.INVITED)
    services.registration_invite(actor=secretariat_user(), event=invited, user=demo_users["ncp-lt"])
    for role in ROLES:
        client = client_as(role)
        response = post_registration(client, public.slug)
        assert response.status_code == (401 if role == "anonymous" else 201), role
        response = post_registration(client, invited.slug)
        expected = 401 if role == "anonymous" else 409 if role == "ncp-lt" else 201 if role == "secretariat" else 404
        assert response.status_code == expected, role
        response = client.delete(f"/api/v1/events/{invited.slug}/registrations/me")
        expected = 401 if role == "anonymous" else 204 if role in ("ncp-lt", "secretariat") else 404
        assert response.status_code == expected, role
    assert Registration.objects.filter(event=public, status=RegistrationStatus.APPROVED).count() == len(ROLES) - 1
