"""Who may read a person's contact details: the one place that decides, for every channel.

Pages, search results, vCard and CSV/XLSX exports, the API and any offline export get a
person's contacts only as a :class:`ContactCard` from :func:`cards_for` / :func:`card_for`.
A field is shown when one of these holds (checked in this order):

1. the viewer is the person;
2. its visibility is ``public`` (anyone) or ``members`` (anyone signed in with an active
   membership) **and** a current consent of the person covers that field for that
   audience — a visibility without consent counts as ``restricted`` (fail closed: a
   withdrawn or expired consent narrows at once, without touching the stored visibility);
3. the viewer is a national contact point, a national coordinator or a member of the
   task force's expert group (the seed's rule for trained experts' contacts, applied to
   every contact field in the directory);
4. the viewer holds an approved, unexpired contact request for the person.

Nobody else sees it: the secretariat and system administrators included, unless one of
the above applies to them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Q
from django.utils import timezone

from carnet.accounts.models import Role
from carnet.accounts.roles import grants_of
from carnet.directory.models import VISIBILITY_ORDER, ContactConsent, ContactRequest, Person, Visibility

CONTACT_FIELDS = Person.CONTACT_FIELDS
# The seed: "contact details of trained experts are shared with the National Contact Points, the
# National Coordinators and the TFOC Expert Group".
RESTRICTED_AUDIENCE = frozenset({Role.NCP, Role.COORDINATOR, Role.EXPERT_GROUP})


class Why:
    SELF = "self"
    PUBLIC = "public"
    MEMBERS = "members"
    ROLE = "role"
    REQUEST = "request"


@dataclass(frozen=True)
class ContactCard:
    """A person as one viewer may see them: a contact field is its value, or ``None`` when hidden or empty."""

    person: Person
    email: str | None
    phone: str | None
    address: str | None
    hidden: tuple[str, ...] = ()  # fields that hold a value the viewer may not see
    why: dict[str, str] = field(default_factory=dict)  # field -> Why, for the fields shown

    @property
    def can_request(self) -> bool:
        """Something is hidden, so the viewer could ask the person for it."""
        return bool(self.hidden)

    def values(self) -> dict[str, str | None]:
        return {"email": self.email, "phone": self.phone, "address": self.address}


def _authenticated(viewer: Any) -> bool:
    return viewer is not None and getattr(viewer, "is_authenticated", False) and viewer.is_active


def is_member(viewer: Any) -> bool:
    return bool(grants_of(viewer))


def in_restricted_audience(viewer: Any) -> bool:
    return any(g.role in RESTRICTED_AUDIENCE for g in grants_of(viewer))


def current_consents_q(today: date | None = None) -> Q:
    today = today or timezone.localdate()
    return Q(withdrawn_at__isnull=True, given_on__lte=today) & (Q(valid_until__isnull=True) | Q(valid_until__gte=today))


def consented(person_ids: Iterable[Any], today: date | None = None) -> dict[Any, dict[str, str]]:
    """For each person, the widest audience each contact field has a current consent for."""
    widest: dict[Any, dict[str, str]] = {}
    for person_id, fields, audience in ContactConsent.objects.filter(current_consents_q(today), person_id__in=list(person_ids)).values_list(
        "person_id", "fields", "audience"
    ):
        for name in fields or []:
            now = widest.setdefault(person_id, {}).get(name)
            if now is None or VISIBILITY_ORDER[Visibility(audience)] > VISIBILITY_ORDER[Visibility(now)]:
                widest[person_id][name] = audience
    return widest


def effective_visibility(stored: str, consent: str | None) -> str:
    """The stored visibility, narrowed to what the consent covers (no consent: restricted)."""
    if stored == Visibility.RESTRICTED:
        return stored
    if consent is None:
        return Visibility.RESTRICTED
    return stored if VISIBILITY_ORDER[Visibility(stored)] <= VISIBILITY_ORDER[Visibility(consent)] else consent


def granted_people(viewer: Any) -> set[Any]:
    """The people whose contacts the viewer may see by an approved, unexpired contact request."""
    if not _authenticated(viewer):
        return set()
    return set(
        ContactRequest.objects.filter(requester=viewer, status=ContactRequest.Status.APPROVED, expires_at__gt=timezone.now()).values_list(
            "person_id", flat=True
        )
    )


def cards_for(viewer: Any, people: Iterable[Person], *, channel: str = "") -> list[ContactCard]:
    """The contact cards of ``people`` for ``viewer``, in the same order: three queries whatever the number.

    With ``channel`` (where the cards are shown: "profile", "search", "vCard", "API"...), showing
    restricted contacts by role or by a granted request is audited (:func:`record_disclosure`).
    """
    people = list(people)
    authenticated = _authenticated(viewer)
    member = authenticated and is_member(viewer)
    privileged = authenticated and in_restricted_audience(viewer)
    granted = granted_people(viewer) if authenticated else set()
    consents = consented(p.pk for p in people)
    cards = []
    for person in people:
        shown: dict[str, str | None] = {}
        hidden: list[str] = []
        why: dict[str, str] = {}
        for name in CONTACT_FIELDS:
            value = getattr(person, name)
            text = str(value) if value else ""
            if not text:
                shown[name] = None
                continue
            reason = _reason(
                viewer_is_person=authenticated and person.user_id is not None and person.user_id == viewer.pk,
                visibility=effective_visibility(getattr(person, f"{name}_visibility"), consents.get(person.pk, {}).get(name)),
                member=member,
                privileged=privileged,
                granted=person.pk in granted,
            )
            if reason is None:
                shown[name] = None
                hidden.append(name)
            else:
                shown[name] = text
                why[name] = reason
        cards.append(ContactCard(person=person, hidden=tuple(hidden), why=why, **shown))
    if channel:
        record_disclosure(viewer, cards, channel=channel)
    return cards


RESTRICTED_REASONS = frozenset({Why.ROLE, Why.REQUEST})


def record_disclosure(viewer: Any, cards: list[ContactCard], *, channel: str) -> None:
    """One audit entry when contacts nobody else may see were shown: by the viewer's role or a granted request.

    One entry per showing, whatever the number of people on it (a page of 25 is one entry naming
    how many), so that a list costs the same number of queries however long it is.
    """
    shown = [card for card in cards if RESTRICTED_REASONS & set(card.why.values())]
    if not shown:
        return
    from carnet.audit.services import record

    if len(shown) == 1:
        card = shown[0]
        fields = ", ".join(name for name, reason in card.why.items() if reason in RESTRICTED_REASONS)
        reasons = "/".join(sorted({card.why[name] for name in card.why if card.why[name] in RESTRICTED_REASONS}))
        record(actor=viewer, action="directory.contacts.read", obj=card.person, purpose=f"{channel}: {fields} ({reasons})")
    else:
        record(
            actor=viewer,
            action="directory.contacts.read",
            object_type="directory.person",
            purpose=f"{channel}: restricted contacts of {len(shown)} people",
        )


def _reason(*, viewer_is_person: bool, visibility: str, member: bool, privileged: bool, granted: bool) -> str | None:
    if viewer_is_person:
        return Why.SELF
    if visibility == Visibility.PUBLIC:
        return Why.PUBLIC
    if visibility == Visibility.MEMBERS and member:
        return Why.MEMBERS
    if privileged:
        return Why.ROLE
    if granted:
        return Why.REQUEST
    return None


def card_for(viewer: Any, person: Person, *, channel: str = "") -> ContactCard:
    return cards_for(viewer, [person], channel=channel)[0]
