"""vCard 3.0 (RFC 2426) for people of the directory, from their contact cards only.

A card holds the name, position, organisation and network roles, and exactly the contact
fields the :class:`~carnet.directory.visibility.ContactCard` shows to the viewer: a hidden
field is absent, not empty. vCard 3.0 because it is what address books of every age import.
"""

from __future__ import annotations

from collections.abc import Iterable

import vobject

from carnet.directory.visibility import ContactCard


def _name_parts(full_name: str) -> tuple[str, str]:
    """(family, given): the last word is taken as the family name, as address books expect N to be split."""
    words = full_name.split()
    if len(words) < 2:
        return full_name, ""
    return words[-1], " ".join(words[:-1])


def vcard_for(card: ContactCard) -> str:
    person = card.person
    vcard = vobject.vCard()
    vcard.add("uid").value = f"urn:uuid:{person.pk}"
    vcard.add("fn").value = person.full_name
    family, given = _name_parts(person.full_name)
    vcard.add("n").value = vobject.vcard.Name(family=family, given=given)
    if person.organisation is not None:
        vcard.add("org").value = [str(person.organisation)]
    if person.position:
        vcard.add("title").value = person.position
    roles = [str(role.get_kind_display()) for role in getattr(person, "active_roles", [])]
    if roles:
        vcard.add("categories").value = roles
    if card.email:
        email = vcard.add("email")
        email.value = card.email
        email.type_param = "INTERNET"
    if card.phone:
        phone = vcard.add("tel")
        phone.value = card.phone
        phone.type_param = "WORK"
    if card.address:
        vcard.add("adr").value = vobject.vcard.Address(street=card.address)
    return str(vcard.serialize())


def vcards_for(cards: Iterable[ContactCard]) -> str:
    return "".join(vcard_for(card) for card in cards)
