"""Importing people from CSV: a per-row report first; all rows or none, or the valid rows and the rejects to download."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from carnet.accounts.models import User
from carnet.audit.models import AuditEntry
from carnet.directory.models import NetworkRole, Person
from carnet.directory.services import IMPORT_MAX_BYTES, import_read, people_import
from tests.directory.test_people import directory

pytestmark = pytest.mark.django_db

__all__ = ["directory"]

HEADER = "full_name,position,organisation,country,email,phone,address,languages,topics,roles"
GOOD = [
    "Ada Importova,Analyst,demo-ministry-lv,LV,ada.importova@example.invalid,+371 2555 0150,"
    '"Street 1, Rīga","lv,en",child-trafficking,trained_expert',
    "Bo Importsson,Adviser,demo-ncp-se,se,bo.importsson@example.invalid,,,sv,,wgcc_member",
]
BAD_PHONE = "Cy Badphone,,,EE,cy.badphone@example.invalid,+000 5551234,,et,,"
SECRET_PHONE = "+000 5551234"


def _file(*lines: str, bom: bool = False, delimiter: str = ",") -> bytes:
    rows = list(csv.reader(io.StringIO("\n".join([HEADER, *lines]))))
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(rows)
    return (("\ufeff" if bom else "") + out.getvalue()).encode("utf-8")


def _post(client: Client, content: bytes, action: str) -> object:
    upload = SimpleUploadedFile("people.csv", content, content_type="text/csv")
    return client.post("/en/directory/people/import/", {"file": upload, "action": action})


def test_a_clean_file_is_imported_with_roles_and_topics(directory: dict[str, Person], demo_users: dict[str, User]) -> None:
    before = Person.objects.count()
    result = people_import(actor=demo_users["secretariat"], content=_file(*GOOD, bom=True, delimiter=";"))
    assert [p.full_name for p in result.created] == ["Ada Importova", "Bo Importsson"]
    assert Person.objects.count() == before + 2
    ada = Person.objects.get(full_name="Ada Importova")
    assert (ada.country.code, ada.organisation.slug, ada.languages, ada.address) == (
        "LV",
        "demo-ministry-lv",
        ["lv", "en"],
        "Street 1, Rīga",
    )
    assert [t.slug for t in ada.topics.all()] == ["child-trafficking"]
    assert list(NetworkRole.objects.filter(person=ada).values_list("kind", "country__code")) == [("trained_expert", "LV")]
    assert AuditEntry.objects.filter(action="directory.import", purpose="2 imported, 0 rejected").count() == 1


def test_one_bad_row_and_nothing_is_imported(directory: dict[str, Person], demo_users: dict[str, User]) -> None:
    before = Person.objects.count()
    result = people_import(actor=demo_users["secretariat"], content=_file(*GOOD, BAD_PHONE))
    assert result.created == []
    assert Person.objects.count() == before
    assert [(e.row, e.field) for e in result.report.errors] == [(4, "phone")]
    assert not AuditEntry.objects.filter(action="directory.import").exists()


@pytest.mark.parametrize(
    ("line", "field", "message"),
    [
        ("Eva Expert,,,EE,,,,,,", "full_name", "This person is already in the directory."),
        ("Someone Else,,,EE,EVA.EXPERT@demo.carnet.invalid,,,,,", "email", "This person is already in the directory."),
        ("No Country,,,XX,,,,,,", "country", "Use a member's two-letter code (for example EE, LT or SE)."),
        ("Bad Mail,,,EE,not-mail,,,,,", "email", "Enter a valid email address."),
        ("Bad Org,,nowhere,EE,,,,,,", "organisation", "There is no organisation “nowhere” in the directory."),
        ("Bad Role,,,EE,,,,,,king", "roles", None),
        ("Bad Topic,,,EE,,,,,astrology,", "topics", "Unknown topics: astrology."),
        ("Bad Language,,,EE,,,,estonian,,", "languages", None),
        (",,,EE,,,,,,", "full_name", "This field cannot be blank."),
    ],
    ids=["duplicate-name", "duplicate-email", "country", "email", "organisation", "role", "topic", "language", "no-name"],
)
def test_row_errors(directory: dict[str, Person], line: str, field: str, message: str | None) -> None:
    report = import_read(_file(line))
    (error,) = report.errors
    assert (error.row, error.field) == (2, field)
    if message:
        assert error.message == message


def test_duplicates_within_the_file(directory: dict[str, Person]) -> None:
    report = import_read(_file(GOOD[0], GOOD[0].replace("Ada Importova", "Ada Other"), GOOD[0].replace("ada.importova", "ada2")))
    assert [(e.row, e.field, e.message) for e in report.errors] == [
        (3, "email", "The same e-mail is on row 2 of this file."),
        (4, "full_name", "The same person is on row 2 of this file."),
    ]


def test_file_errors(directory: dict[str, Person]) -> None:
    assert import_read(b"name,land\nx,y\n").file_errors == [
        "Unknown columns: name, land. The columns are: full_name, position, organisation, country, email, phone, address, "
        "languages, topics, roles.",
        "Columns missing: full_name, country.",
    ]
    assert import_read("full_name,country\nÅsa,SE\n".encode("utf-16")).file_errors == [
        "The file is not UTF-8 text: save it from the spreadsheet as “CSV UTF-8”."
    ]
    assert import_read(b"full_name,country\n").file_errors == ["The file has no rows of people."]
    assert import_read(b"x" * (IMPORT_MAX_BYTES + 1)).file_errors == ["The file is larger than 2 MB: split it into smaller files."]


def test_only_the_secretariat_imports(directory: dict[str, Person], demo_users: dict[str, User]) -> None:
    with pytest.raises(PermissionDenied):
        people_import(actor=demo_users["ncp-lt"], content=_file(*GOOD))
    assert not Person.objects.filter(full_name="Ada Importova").exists()


# The page -----------------------------------------------------------------------------------------------------------------


def test_check_reports_without_storing_or_echoing_contacts(directory: dict[str, Person], client_as: Callable[[str], Client]) -> None:
    before = Person.objects.count()
    response = _post(client_as("secretariat"), _file(*GOOD, BAD_PHONE), "check")
    assert response.status_code == 400  # type: ignore[attr-defined]
    page = response.content.decode()  # type: ignore[attr-defined]
    assert "3 rows read: 2 valid, 1 with errors." in page
    assert "Cy Badphone" in page
    assert "Enter the phone number in international format" in page
    # the report names the row, not its contacts
    assert SECRET_PHONE not in page
    assert "cy.badphone@example.invalid" not in page
    assert "ada.importova" not in page
    assert Person.objects.count() == before


def test_import_all_refuses_a_file_with_an_error(directory: dict[str, Person], client_as: Callable[[str], Client]) -> None:
    before = Person.objects.count()
    response = _post(client_as("secretariat"), _file(*GOOD, BAD_PHONE), "import")
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert "Nothing was imported" in response.content.decode()  # type: ignore[attr-defined]
    assert Person.objects.count() == before


def test_import_all_of_a_clean_file(directory: dict[str, Person], client_as: Callable[[str], Client]) -> None:
    response = _post(client_as("secretariat"), _file(*GOOD), "import")
    assert response.status_code == 302  # type: ignore[attr-defined]
    assert Person.objects.filter(full_name__in=["Ada Importova", "Bo Importsson"]).count() == 2


def test_import_the_valid_rows_and_download_the_rejects_once(directory: dict[str, Person], client_as: Callable[[str], Client]) -> None:
    client = client_as("secretariat")
    duplicate = GOOD[1].replace("bo.importsson", "bo.other")  # the same person again, later in the file
    response = _post(client, _file(GOOD[0], BAD_PHONE, GOOD[1], duplicate), "import_valid")
    assert response.status_code == 200  # type: ignore[attr-defined]
    page = response.content.decode()  # type: ignore[attr-defined]
    assert "2 people were added to the directory." in page
    assert "Download the rejected rows" in page
    assert Person.objects.filter(full_name__in=["Ada Importova", "Bo Importsson"]).count() == 2
    assert not Person.objects.filter(full_name="Cy Badphone").exists()
    # the rejects, as uploaded, with their errors; cells safe for a spreadsheet
    download = client.get("/en/directory/people/import/?rejects=1")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(download.content.decode("utf-8").lstrip("\ufeff"))))
    assert [(r["full_name"], r["phone"]) for r in rows] == [("Cy Badphone", "'+000 5551234"), ("Bo Importsson", "")]
    assert rows[0]["errors"].startswith("phone: Enter the phone number in international format")
    assert rows[1]["errors"] == "full_name: The same person is on row 4 of this file."
    # offered once
    assert client.get("/en/directory/people/import/?rejects=1").status_code == 404


def test_a_file_that_is_not_csv(directory: dict[str, Person], client_as: Callable[[str], Client]) -> None:
    response = _post(client_as("secretariat"), b"\x89PNG\r\n\x1a\n\x00\x00", "check")
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert "The file is not UTF-8 text" in response.content.decode()  # type: ignore[attr-defined]


@pytest.mark.parametrize("username", ["ncp-lt", "member-fi"])
def test_others_may_not_post_a_file(directory: dict[str, Person], client_as: Callable[[str], Client], username: str) -> None:
    before = Person.objects.count()
    assert _post(client_as(username), _file(*GOOD), "import").status_code == 403  # type: ignore[attr-defined]
    assert Person.objects.count() == before
