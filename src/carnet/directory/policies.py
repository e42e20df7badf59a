"""Who may do what in the directory.

Reading the directory (people, organisations, roles, topics) is for signed-in network
members; the public sees organisations and what the portal publishes. Which *contact
fields* a reader sees is not decided here but in :mod:`carnet.directory.visibility`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar

from carnet.accounts.models import Role
from carnet.accounts.roles import grants_of
from carnet.core.policies import Policy, Rule
from carnet.directory.models import ContactRequest, Person

# Exports of the directory as tables (CSV/XLSX) are for the people who run the network.
TABLE_EXPORTERS = (Role.SECRETARIAT, Role.NCP, Role.COORDINATOR)


class DirectoryAction(StrEnum):
    BROWSE = "browse"  # search people, open profiles, vCards
    EDIT_PERSON = "edit_person"  # obj: Person (the person themself, or the secretariat)
    CREATE_PERSON = "create_person"
    IMPORT = "import"
    EXPORT_TABLE = "export_table"
    MANAGE_CONSENT = "manage_consent"  # obj: Person (the person themself, or the secretariat recording it for them)
    REQUEST_CONTACT = "request_contact"  # obj: Person
    DECIDE_REQUEST = "decide_request"  # obj: ContactRequest (the person asked, or the NCP of their country)


def _authenticated(actor: Any) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False) and actor.is_active


def _member(actor: Any, obj: Any = None) -> bool:
    return _authenticated(actor) and bool(grants_of(actor))


def _secretariat(actor: Any, obj: Any = None) -> bool:
    return any(g.role == Role.SECRETARIAT for g in grants_of(actor))


def _is_person(actor: Any, person: Person) -> bool:
    return _authenticated(actor) and person.user_id is not None and person.user_id == actor.pk


def _edit_person(actor: Any, person: Person) -> bool:
    return _is_person(actor, person) or _secretariat(actor)


def _export_table(actor: Any, obj: Any = None) -> bool:
    return any(g.role in TABLE_EXPORTERS for g in grants_of(actor))


def _request_contact(actor: Any, person: Person) -> bool:
    return _member(actor) and not _is_person(actor, person)


def _decide_request(actor: Any, request: ContactRequest) -> bool:
    person = request.person
    if _is_person(actor, person):
        return True
    return any(g.role == Role.NCP and g.country == person.country.code for g in grants_of(actor))


class DirectoryPolicy(Policy):
    rules: ClassVar[dict[str, Rule]] = {
        DirectoryAction.BROWSE: _member,
        DirectoryAction.EDIT_PERSON: _edit_person,
        DirectoryAction.CREATE_PERSON: _secretariat,
        DirectoryAction.IMPORT: _secretariat,
        DirectoryAction.EXPORT_TABLE: _export_table,
        DirectoryAction.MANAGE_CONSENT: _edit_person,
        DirectoryAction.REQUEST_CONTACT: _request_contact,
        DirectoryAction.DECIDE_REQUEST: _decide_request,
    }
