"""Events for tests, made through the services (so the UID, sequence and audit rules hold as in real use).

``event(...)`` creates a published, public, timed event in Stockholm next month by default;
pass any of ``event_create``'s arguments to change it. ``author`` defaults to a secretariat user.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone

from carnet.accounts.models import Role, User
from carnet.events import services
from carnet.events.models import Event, EventKind, EventStatus, EventVisibility, Registration
from tests.accounts.factories import MembershipFactory, UserFactory

_numbers = itertools.count(1)


def secretariat_user() -> User:
    """A secretariat user (the demo account when it is loaded, else a fresh one)."""
    user = User.objects.filter(username__in=["secretariat", "events-secretariat"]).order_by("username").last()
    if user is None:
        user = UserFactory(username="events-secretariat")
        MembershipFactory(user=user, role=Role.SECRETARIAT)
    return user


def event(
    *,
    author: User | None = None,
    title: str | None = None,
    title_ru: str | None = None,
    slug: str | None = None,
    days_ahead: int = 30,
    status: str = EventStatus.CONFIRMED,
    visibility: str = EventVisibility.PUBLIC,
    kind: str = EventKind.EXPERT_MEETING,
    **kwargs: Any,
) -> Event:
    """An event made by ``event_create`` (a draft first, then announced, as the pages do it)."""
    number = next(_numbers)
    author = author or secretariat_user()
    title = title or f"Expert meeting {number}"
    translations: dict[str, dict[str, str]] = kwargs.pop("translations", None) or {
        "en": {"title": title, "description": "What the meeting is about.", "venue": "City hall", "city": "Stockholm"},
    }
    if title_ru:
        translations["ru"] = {"title": title_ru}
    if not kwargs.get("all_day") and "start" not in kwargs:
        day = timezone.localdate() + dt.timedelta(days=days_ahead)
        kwargs["start"] = dt.datetime.combine(day, dt.time(10, 0))
        kwargs["end"] = dt.datetime.combine(day, dt.time(16, 0))
    if kwargs.get("all_day") and "start_date" not in kwargs:
        kwargs["start_date"] = timezone.localdate() + dt.timedelta(days=days_ahead)
    created = services.event_create(
        actor=author,
        kind=kind,
        slug=slug or f"event-{number}",
        translations=translations,
        visibility=visibility,
        status=EventStatus.DRAFT if status in (EventStatus.CANCELLED,) else status,
        **kwargs,
    )
    if status == EventStatus.CANCELLED:
        services.event_publish(actor=author, event=created)
        services.event_cancel(actor=author, event=created, reason="Test cancellation")
        created.refresh_from_db()
    return created


def register(event: Event, user: User, *, approve: bool | None = None) -> Registration:
    """``user`` registers; with ``approve`` set, the secretariat decides at once."""
    registration = services.registration_create(actor=user, event=event)
    if approve is not None and registration.status == "pending":
        registration = services.registration_decide(actor=secretariat_user(), registration=registration, approve=approve)
    return registration


def member(username: str | None = None, *, role: Role = Role.MEMBER, country: Any = None) -> User:
    """A network member with one active membership."""
    user = UserFactory(username=username) if username else UserFactory()
    MembershipFactory(user=user, role=role, country=country)
    return user
