"""Exports of the directory: vCards (one, many) and the table (CSV, XLSX), each with only the contacts the exporter may see."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import openpyxl
import pytest
import vobject
from django.test import Client

from carnet.accounts.models import User
from carnet.audit.models import AuditEntry
from carnet.directory.models import Person
from carnet.directory.services import person_update
from tests.directory.test_people import directory

pytestmark = pytest.mark.django_db

__all__ = ["directory"]


def _csv(response: object) -> list[dict[str, str]]:
    text = response.content.decode("utf-8")  # type: ignore[attr-defined]
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def test_an_ncp_exports_experts_contacts(directory: dict[str, Person], client_as: Callable[[str], Client]) -> None:
    response = client_as("ncp-lt").get("/en/directory/people/export/?format=csv&role=trained_expert&country=EE")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    rows = _csv(response)
    assert [(r["Name"], r["E-mail"], r["Phone"], r["Address"]) for r in rows] == [
        # a phone number starts with "+", which a spreadsheet would evaluate: the cell says it is text
        ("Eva Expert", "eva.expert@demo.carnet.invalid", "'+372 5555 0101", "Näidise 1, 10111 Tallinn, Estonia")
    ]
    assert rows[0]["Network roles"] == "Trained expert (EE)"
    entry = AuditEntry.objects.filter(action="directory.export").latest("seq")
    assert (entry.actor_username, entry.purpose) == ("ncp-lt", "1 people, csv")


def test_the_secretariats_export_has_no_restricted_contacts(directory: dict[str, Person], client_as: Callable[[str], Client]) -> None:
    # the secretariat is not in the restricted audience: only consented (public) e-mails of NCPs appear
    rows = _csv(client_as("secretariat").get("/en/directory/people/export/?format=csv"))
    by_name = {r["Name"]: r for r in rows}
    assert (by_name["Eva Expert"]["E-mail"], by_name["Eva Expert"]["Phone"], by_name["Eva Expert"]["Address"]) == ("", "", "")
    assert by_name["Freja Testesen"]["E-mail"] == "ncp.dk@demo.carnet.invalid"
    assert by_name["Freja Testesen"]["Phone"] == ""
    # but the secretariat's own person row shows its own contacts (self)
    assert by_name["Sam Secretariat"]["E-mail"] == "sam.secretariat@demo.carnet.invalid"
    assert len(rows) == Person.objects.count()


def test_xlsx_export_and_bad_format(directory: dict[str, Person], client_as: Callable[[str], Client]) -> None:
    client = client_as("coordinator-lt")
    response = client.get("/en/directory/people/export/?format=xlsx&country=LT")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == "Name"
    assert {row[0] for row in values[1:]} == {"Nikolai Contact-Point", "Kristina Coordinator", "Tomas Pavyzdys"}
    assert client.get("/en/directory/people/export/?format=pdf").status_code == 400


@pytest.mark.parametrize("username", ["member-fi", "expert-ee", "caseworker-se", "researcher", "sysadmin"])
def test_the_table_is_refused_to_others_and_nothing_is_audited(
    directory: dict[str, Person], client_as: Callable[[str], Client], username: str
) -> None:
    assert client_as(username).get("/en/directory/people/export/?format=csv").status_code == 403
    assert not AuditEntry.objects.filter(action="directory.export").exists()


def test_cells_are_safe_for_spreadsheets(
    directory: dict[str, Person], demo_users: dict[str, User], client_as: Callable[[str], Client]
) -> None:
    person_update(actor=demo_users["secretariat"], person=directory["Mikko Member"], data={"position": '=HYPERLINK("http://x")'})
    rows = _csv(client_as("secretariat").get("/en/directory/people/export/?format=csv&country=FI&role=wgcc_member"))
    assert rows[0]["Position"] == '\'=HYPERLINK("http://x")'


def _cards(response: object) -> list[vobject.base.Component]:
    return list(vobject.readComponents(response.content.decode("utf-8")))  # type: ignore[attr-defined]


def test_one_vcard(directory: dict[str, Person], client_as: Callable[[str], Client]) -> None:
    eva = directory["Eva Expert"]
    response = client_as("ncp-lt").get(f"/en/directory/people/{eva.pk}/vcard/")
    assert response["Content-Type"] == "text/vcard; charset=utf-8"
    (card,) = _cards(response)
    assert card.fn.value == "Eva Expert"
    assert card.email.value == "eva.expert@demo.carnet.invalid"
    assert card.tel.value == "+372 5555 0101"
    assert card.adr.value.street == "Näidise 1, 10111 Tallinn, Estonia"
    assert card.org.value == ["Demo children’s rights NGO, Estonia"]
    assert AuditEntry.objects.filter(action="directory.vcard", object_id=str(eva.pk), actor_username="ncp-lt").exists()
    # member-fi's card of the same person has no contact line at all
    (card,) = _cards(client_as("member-fi").get(f"/en/directory/people/{eva.pk}/vcard/"))
    assert {"email", "tel", "adr"} & set(card.contents) == set()


def test_many_vcards_follow_the_filters(directory: dict[str, Person], client_as: Callable[[str], Client]) -> None:
    response = client_as("member-fi").get("/en/directory/people/vcards/?role=ncp")
    cards = _cards(response)
    assert len(cards) == 9
    emails = {c.fn.value: c.email.value for c in cards if "email" in c.contents}
    # NCPs' e-mails are public by consent; their phones are restricted
    assert emails["Kadri Näidis"] == "ncp.ee@demo.carnet.invalid"
    assert not any("tel" in c.contents for c in cards)
    entry = AuditEntry.objects.filter(action="directory.vcards").latest("seq")
    assert entry.purpose == "9 people"
