"""Writes to the directory: organisations, people, their network roles, and the import of people from a CSV file.

Contact sharing (visibilities, consents, contact requests) is written in services_contacts.py.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf.locale import LANG_INFO
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.phonenumber import PhoneNumber, to_python

from carnet.audit.services import record
from carnet.cases.services_exports import spreadsheet_safe
from carnet.core.crypto import normalise_name
from carnet.core.models import Country, Priority
from carnet.directory.models import NetworkRole, NetworkRoleKind, Organisation, Person, Topic, Visibility
from carnet.directory.policies import DirectoryAction, DirectoryPolicy


@transaction.atomic
def organisation_ensure(*, actor: Any, slug: str, kind: str, names: dict[str, str], country: Country | None = None) -> Organisation:
    """The organisation with ``slug``, created with its names per language if it does not exist yet."""
    existing: Organisation | None = Organisation.objects.filter(slug=slug).first()
    if existing is not None:
        return existing
    organisation = Organisation(slug=slug, kind=kind, country=country)
    for language, name in names.items():
        organisation.set_current_language(language)
        organisation.name = name
    organisation.full_clean()
    organisation.save()
    record(actor=actor, action="organisation.create", obj=organisation)
    return organisation


# People ---------------------------------------------------------------------------------------------------------------
#
# The visibility fields are not written here: a visibility wider than "restricted" needs the person's consent, and
# only the contact-sharing service (``visibility_set`` in services_contacts.py) checks that. A new person starts with
# every contact field restricted.

# What a caller may pass in ``data``; anything else is refused rather than silently ignored.
PERSON_DATA_FIELDS = frozenset({"full_name", "position", "organisation", "country", "languages", "email", "phone", "address", "user"})
PERSON_DATA_RELATIONS = frozenset({"topics", "priorities"})
_RELATED = frozenset({"organisation", "country", "user"})
DUPLICATE = _("This person is already in the directory.")
BAD_PHONE = _("Enter the phone number in international format, with the country code: for example +372 5555 0101.")
BAD_LANGUAGE = _("“%(code)s” is not a language code: use two-letter ISO 639-1 codes such as en, ru or lt.")


def _denied() -> PermissionDenied:
    return PermissionDenied(_("You may not change the directory."))


def same_name(a: str, b: str) -> bool:
    """Two names are the same person's when they differ only in case, spacing or diacritics ("Žaneta" is "ZANETA")."""
    return normalise_name(a) == normalise_name(b)


def language_codes_clean(codes: Iterable[str]) -> list[str]:
    """The codes, lower-cased, without repeats, each a two-letter code Django knows the name of."""
    cleaned: list[str] = []
    for raw in codes:
        code = str(raw).strip().lower()
        if not code:
            continue
        if len(code) != 2 or code not in LANG_INFO:
            raise ValidationError({"languages": BAD_LANGUAGE % {"code": str(raw)[:20]}}, code="language")
        if code not in cleaned:
            cleaned.append(code)
    return cleaned


def phone_clean(value: Any) -> PhoneNumber | str:
    """A valid phone number, or "" for none; anything else is refused with a message saying how to write it."""
    if value in (None, ""):
        return ""
    number = to_python(value)
    if not isinstance(number, PhoneNumber) or not number.is_valid():
        raise ValidationError({"phone": BAD_PHONE}, code="phone")
    return number


def duplicate_of(*, full_name: str, country: Country | None, email: str, exclude: Any = None) -> Person | None:
    """The person already in the directory with this e-mail, or with this name in this country."""
    others = Person.objects.exclude(pk=exclude) if exclude is not None else Person.objects.all()
    if email:
        found = others.filter(email__iexact=email).first()
        if found is not None:
            return found
    if country is not None and full_name:
        for person in others.filter(country=country).only("pk", "full_name"):
            if same_name(person.full_name, full_name):
                return person
    return None


def _check_data(data: Mapping[str, Any]) -> None:
    unknown = set(data) - PERSON_DATA_FIELDS - PERSON_DATA_RELATIONS
    if unknown:
        # A programming error (e.g. a form passing a visibility): never store it quietly.
        raise ValueError(f"person data has fields that are not written here: {sorted(unknown)}")


def _apply(person: Person, data: Mapping[str, Any]) -> list[str]:
    """Set the fields from ``data`` and check them all (the model's checks, then duplicates); returns what changed.

    Every field's problem is reported at once; a duplicate is reported only for otherwise valid data.
    """
    changed = []
    errors: dict[str, list[Any]] = {}
    for name in sorted(PERSON_DATA_FIELDS & set(data)):
        value = data[name]
        try:
            if name == "languages":
                value = language_codes_clean(value or [])
            elif name == "phone":
                value = phone_clean(value)
            elif name == "full_name":
                value = " ".join(str(value or "").split())
            elif name in {"position", "email", "address"}:
                value = str(value or "").strip()
        except ValidationError as error:
            for key, messages in error.message_dict.items():
                errors.setdefault(key, []).extend(messages)
            continue
        if name in _RELATED:  # compare ids: an unsaved person has no related object to read
            if getattr(person, f"{name}_id") != (value.pk if value is not None else None):
                setattr(person, name, value)
                changed.append(name)
        elif getattr(person, name) != value:
            setattr(person, name, value)
            changed.append(name)
    try:
        person.full_clean(exclude=list(errors), validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        for key, messages in error.message_dict.items():
            errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    duplicate = duplicate_of(full_name=person.full_name, country=person.country, email=person.email, exclude=person.pk)
    if duplicate is not None:
        by_email = bool(person.email) and duplicate.email.lower() == person.email.lower()
        raise ValidationError({"email" if by_email else "full_name": ValidationError(DUPLICATE, code="duplicate")})
    return changed


@transaction.atomic
def person_create(*, actor: Any, data: Mapping[str, Any]) -> Person:
    """Add a person to the directory (the secretariat). Every contact field starts restricted."""
    if not DirectoryPolicy.can(actor, DirectoryAction.CREATE_PERSON):
        raise _denied()
    _check_data(data)
    person = Person(
        email_visibility=Visibility.RESTRICTED, phone_visibility=Visibility.RESTRICTED, address_visibility=Visibility.RESTRICTED
    )
    _apply(person, data)
    person.save(force_insert=True)
    _set_relations(person, data)
    record(actor=actor, action="directory.person.create", obj=person)
    return person


@transaction.atomic
def person_update(*, actor: Any, person: Person, data: Mapping[str, Any]) -> Person:
    """Change a person's details (the person themself, or the secretariat); never their visibilities."""
    if not DirectoryPolicy.can(actor, DirectoryAction.EDIT_PERSON, person):
        raise _denied()
    if "user" in data and not DirectoryPolicy.can(actor, DirectoryAction.CREATE_PERSON):
        raise _denied()  # which account is this person: the secretariat's to say, not the person's own
    _check_data(data)
    person = Person.objects.select_for_update().get(pk=person.pk)
    changed = _apply(person, data)
    if changed:
        person.save(update_fields=[*changed, "updated_at"])
    changed += _set_relations(person, data)
    if changed:
        # The names of the fields, never their values: the audit log is read more widely than the contacts.
        record(actor=actor, action="directory.person.update", obj=person, purpose=", ".join(sorted(changed)))
    return person


def _set_relations(person: Person, data: Mapping[str, Any]) -> list[str]:
    changed = []
    for name in PERSON_DATA_RELATIONS & set(data):
        manager = getattr(person, name)
        wanted = {item.pk for item in data[name]}
        if set(manager.values_list("pk", flat=True)) != wanted:
            manager.set(wanted)
            changed.append(name)
    return changed


@transaction.atomic
def network_role_grant(*, actor: Any, person: Person, kind: str, country: Country | None, since: date | None = None) -> NetworkRole:
    """Record that ``person`` holds a network role (for a country, or the region); the secretariat keeps these."""
    if not DirectoryPolicy.can(actor, DirectoryAction.CREATE_PERSON):
        raise _denied()
    if kind not in NetworkRoleKind.values:
        raise ValidationError({"kind": _("Choose a network role from the list.")}, code="role")
    existing = NetworkRole.objects.filter(person=person, kind=kind, country=country, until__isnull=True).first()
    if existing is not None:
        return existing
    role = NetworkRole(person=person, kind=kind, country=country, since=since)
    role.full_clean()
    role.save()
    record(actor=actor, action="directory.role.grant", obj=person, purpose=f"{kind} {country.code if country else 'region'}")
    return role


@transaction.atomic
def network_role_end(*, actor: Any, role: NetworkRole, until: date | None = None) -> NetworkRole:
    """End a network role (from today unless told otherwise); the row stays, as the network's history."""
    if not DirectoryPolicy.can(actor, DirectoryAction.CREATE_PERSON):
        raise _denied()
    until = until or timezone.localdate()
    if role.since and until < role.since:
        raise ValidationError({"until": _("A role cannot end before it began.")}, code="until")
    role.until = until
    role.save(update_fields=["until"])
    record(actor=actor, action="directory.role.end", obj=role.person, purpose=role.kind)
    return role


# Import ---------------------------------------------------------------------------------------------------------------
#
# A CSV file is read and every row checked before anything is stored. "Import" stores nothing unless every row is
# valid; "import the valid rows" stores those and leaves the rejects (with their messages) for the user to download.
# The report names a row by its number and its own name only: a contact value is never repeated back.

IMPORT_COLUMNS = ("full_name", "position", "organisation", "country", "email", "phone", "address", "languages", "topics", "roles")
IMPORT_REQUIRED = ("full_name", "country")
IMPORT_MAX_BYTES = 2 * 1024 * 1024
IMPORT_MAX_ROWS = 5000


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    message: str


@dataclass
class ImportRow:
    number: int  # as a spreadsheet numbers it: the header is row 1
    cells: dict[str, str]
    data: dict[str, Any] = field(default_factory=dict)
    roles: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.cells.get("full_name", "")

    @property
    def valid(self) -> bool:
        return not self.errors


@dataclass
class ImportReport:
    rows: list[ImportRow] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)

    @property
    def valid_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if row.valid]

    @property
    def rejected_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if not row.valid]

    @property
    def errors(self) -> list[RowError]:
        return [error for row in self.rows for error in row.errors]

    @property
    def all_valid(self) -> bool:
        return not self.file_errors and bool(self.rows) and all(row.valid for row in self.rows)


@dataclass(frozen=True)
class ImportResult:
    report: ImportReport
    created: list[Person]


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]


def _decode(content: bytes) -> str:
    return content.decode("utf-8-sig")


def _delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    return ";" if header.count(";") > header.count(",") else ","


def import_read(content: bytes) -> ImportReport:
    """Read and check a CSV file of people; stores nothing. Errors of the file itself end the reading."""
    report = ImportReport()
    if len(content) > IMPORT_MAX_BYTES:
        report.file_errors.append(str(_("The file is larger than 2 MB: split it into smaller files.")))
        return report
    try:
        text = _decode(content)
    except UnicodeDecodeError:
        report.file_errors.append(str(_("The file is not UTF-8 text: save it from the spreadsheet as “CSV UTF-8”.")))
        return report
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        header = [cell.strip().lower() for cell in next(reader, [])]
        unknown = [name for name in header if name and name not in IMPORT_COLUMNS]
        missing = [name for name in IMPORT_REQUIRED if name not in header]
        if unknown:
            report.file_errors.append(
                str(_("Unknown columns: %(names)s. The columns are: %(columns)s."))
                % {"names": ", ".join(unknown[:10]), "columns": ", ".join(IMPORT_COLUMNS)}
            )
        if missing:
            report.file_errors.append(str(_("Columns missing: %(names)s.")) % {"names": ", ".join(missing)})
        if report.file_errors:
            return report
        raw_rows: list[ImportRow] = []
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(raw_rows) >= IMPORT_MAX_ROWS:
                report.file_errors.append(str(_("The file has more than %(count)d rows: split it.")) % {"count": IMPORT_MAX_ROWS})
                return report
            values = {name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(header) if name}
            raw_rows.append(ImportRow(number=number, cells={name: values.get(name, "") for name in IMPORT_COLUMNS}))
    except csv.Error:
        report.file_errors.append(str(_("The file is not a readable CSV file.")))
        return report
    if not raw_rows:
        report.file_errors.append(str(_("The file has no rows of people.")))
        return report
    _check_rows(raw_rows)
    report.rows = raw_rows
    return report


def _check_rows(rows: list[ImportRow]) -> None:
    organisations = {o.slug: o for o in Organisation.objects.all()}
    countries = {c.code: c for c in Country.objects.all()}
    topics = {t.slug: t for t in Topic.objects.all()}
    seen_emails: dict[str, int] = {}
    seen_names: dict[tuple[str, str], int] = {}
    for row in rows:
        cells = row.cells

        def error(name: str, message: Any, row: ImportRow = row) -> None:
            row.errors.append(RowError(row=row.number, field=name, message=str(message)))

        data: dict[str, Any] = {
            "full_name": cells["full_name"],
            "position": cells["position"],
            "email": cells["email"],
            "phone": cells["phone"],
            "address": cells["address"],
            "languages": _split(cells["languages"]),
        }
        code = cells["country"].upper()
        if code not in countries:
            error("country", _("Use a member's two-letter code (for example EE, LT or SE)."))
        else:
            data["country"] = countries[code]
        slug = cells["organisation"]
        if slug and slug not in organisations:
            error("organisation", _("There is no organisation “%(slug)s” in the directory.") % {"slug": slug[:60]})
        else:
            data["organisation"] = organisations.get(slug)
        unknown_topics = [t for t in _split(cells["topics"]) if t not in topics]
        if unknown_topics:
            error("topics", _("Unknown topics: %(slugs)s.") % {"slugs": ", ".join(s[:40] for s in unknown_topics[:5])})
        data["topics"] = [topics[t] for t in _split(cells["topics"]) if t in topics]
        kinds = _split(cells["roles"])
        bad_kinds = [k for k in kinds if k not in NetworkRoleKind.values]
        if bad_kinds:
            error(
                "roles",
                _("Unknown roles: %(kinds)s. The roles are: %(all)s.")
                % {"kinds": ", ".join(k[:30] for k in bad_kinds[:5]), "all": ", ".join(NetworkRoleKind.values)},
            )
        row.roles = [k for k in kinds if k in NetworkRoleKind.values]
        # The model's own checks and duplicates against the directory, on an unsaved person.
        probe = Person()
        try:
            _apply(probe, {k: v for k, v in data.items() if k in PERSON_DATA_FIELDS})
        except ValidationError as problem:
            for name, messages in problem.message_dict.items():
                if name == "country" and "country" not in data:
                    continue  # already said, in this file's own words
                for message in messages:
                    error(name, message)
        # Duplicates within the file: the first row stands, the later one is the duplicate.
        email = cells["email"].strip().lower()
        if email:
            if email in seen_emails:
                error("email", _("The same e-mail is on row %(row)d of this file.") % {"row": seen_emails[email]})
            else:
                seen_emails[email] = row.number
        name_key = (normalise_name(cells["full_name"]), code)
        if cells["full_name"]:
            if name_key in seen_names:
                error("full_name", _("The same person is on row %(row)d of this file.") % {"row": seen_names[name_key]})
            else:
                seen_names[name_key] = row.number
        row.data = data


@transaction.atomic
def people_import(*, actor: Any, content: bytes, valid_only: bool = False) -> ImportResult:
    """Import people from a CSV file: all rows or none, or (``valid_only``) the valid rows; audited with the counts."""
    if not DirectoryPolicy.can(actor, DirectoryAction.IMPORT):
        raise _denied()
    report = import_read(content)
    if report.file_errors or not (report.all_valid or (valid_only and report.valid_rows)):
        return ImportResult(report=report, created=[])
    created = []
    for row in report.valid_rows:
        fields = {k: v for k, v in row.data.items() if k in PERSON_DATA_FIELDS | PERSON_DATA_RELATIONS}
        person = person_create(actor=actor, data=fields)
        for kind in row.roles:
            network_role_grant(actor=actor, person=person, kind=kind, country=person.country)
        created.append(person)
    record(
        actor=actor,
        action="directory.import",
        object_type="directory.person",
        purpose=f"{len(created)} imported, {len(report.rejected_rows)} rejected",
    )
    return ImportResult(report=report, created=created)


def rejects_csv(report: ImportReport) -> str:
    """The rejected rows as they were uploaded, each with its messages, for correcting and uploading again."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*IMPORT_COLUMNS, "errors"])
    for row in report.rejected_rows:
        messages = "; ".join(f"{error.field}: {error.message}" for error in row.errors)
        writer.writerow([spreadsheet_safe(row.cells[name]) for name in IMPORT_COLUMNS] + [spreadsheet_safe(messages)])
    return out.getvalue()


@transaction.atomic
def topic_ensure(*, actor: Any, slug: str, names: dict[str, str], priority: Priority | None = None) -> Topic:
    """The topic with ``slug``, created with its names per language (and its topic group) if it does not exist yet."""
    existing: Topic | None = Topic.objects.filter(slug=slug).first()
    if existing is not None:
        return existing
    topic = Topic(slug=slug, priority=priority)
    for language, name in names.items():
        topic.set_current_language(language)
        topic.name = name
    topic.full_clean()
    topic.save()
    record(actor=actor, action="directory.topic.create", obj=topic)
    return topic
