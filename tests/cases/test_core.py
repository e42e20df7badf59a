"""The case file's core: who sees a case, opening it encrypted, searching by blind index, versions, flags, break-glass, retention."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.utils import timezone

from carnet.accounts.models import Role
from carnet.audit.models import AuditEntry
from carnet.cases.errors import InvalidCaseData, StaleVersion
from carnet.cases.identity import read_identity
from carnet.cases.models import BreakGlass, Case, ChildIndex, Flag
from carnet.cases.models.codes import AgeBand, CaseStatus, FlagKind
from carnet.cases.policies import CaseAction, CasePolicy
from carnet.cases.selectors import CaseFilters, case_get_for, case_list_for
from carnet.cases.services import (
    NewCase,
    break_glass_open,
    case_anonymise,
    case_close,
    case_open,
    case_update_identity,
    flag_raise,
    flag_remove,
    retention_due,
)
from carnet.core.crypto import DecryptionError
from carnet.core.models import Country, DataKey
from tests.accounts.factories import MembershipFactory
from tests.cases.factories import open_case, synthetic_identity
from tests.directory.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

SEES = {"caseworker-se", "supervisor-se", "ncp-se"}
EVERYONE = [
    "caseworker-se", "caseworker-lt", "supervisor-se", "ncp-se", "ncp-lt", "coordinator-lt",
    "researcher", "expert-ee", "member-fi", "secretariat", "sysadmin",
]  # fmt: skip


@pytest.fixture
def case(demo_users):
    return open_case(demo_users["caseworker-se"])


@pytest.mark.parametrize("username", EVERYONE)
def test_a_case_is_visible_to_its_team_its_supervisors_and_its_countrys_ncp_only(username, case, demo_users):
    user = demo_users[username]
    visible = CasePolicy.visible(user, Case.objects.all()).filter(pk=case.pk).exists()
    assert visible is (username in SEES)
    if username not in SEES:
        with pytest.raises(Http404):
            case_get_for(actor=user, case_ref=case.pk)


def test_opening_a_case_encrypts_the_identity_and_audits(case, demo_users):
    child = case.child
    assert case.number == f"SE-{case.opened_on.year}-00001"
    assert child.data_key_id is not None
    assert b"Syntheticova" not in bytes(child.family_name_enc)
    assert read_identity(child).family_name == "Syntheticova"
    assert child.age_band in {AgeBand.UNDER_12, AgeBand.AGE_12_14, AgeBand.AGE_15_17}
    actions = list(AuditEntry.objects.filter(object_id__in=[str(case.pk), str(child.pk)]).values_list("action", flat=True))
    assert sorted(actions) == ["case.open", "child.identity.write"]


def test_case_numbers_count_up_per_country_and_year(demo_users):
    first, second = open_case(demo_users["caseworker-se"]), open_case(demo_users["caseworker-se"])
    lithuanian = open_case(demo_users["caseworker-lt"])
    year = first.opened_on.year
    assert [first.number, second.number, lithuanian.number] == [f"SE-{year}-00001", f"SE-{year}-00002", f"LT-{year}-00001"]


def test_nobody_opens_a_case_in_another_country(demo_users):
    new = NewCase(country=Country.objects.get(code="LT"), identity=synthetic_identity(), opened_on=timezone.localdate())
    for username in ("caseworker-se", "secretariat", "sysadmin", "member-fi"):
        with pytest.raises(PermissionDenied):
            case_open(actor=demo_users[username], new=new)
    assert Case.objects.count() == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"identity": synthetic_identity(date_of_birth=date(2030, 1, 1))}, "date_of_birth"),
        ({"identified_on": date(2000, 1, 1)}, "identified_on"),
        ({"identity": synthetic_identity(citizenships=["Lithuania"])}, "citizenships"),
    ],
    ids=["born-after-opening", "identified-before-birth", "unknown-citizenship-code"],
)
def test_impossible_facts_are_refused_and_nothing_is_written(overrides, field, demo_users):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        open_case(demo_users["caseworker-se"], **overrides)
    assert field in refused.value.message_dict
    assert Case.objects.count() == 0
    assert DataKey.objects.count() == 0


@pytest.mark.parametrize("typed", ["Testa Syntheticova", "syntheticova testa", "TESSA", "  Testa   SYNTHETICOVA "])
def test_a_name_is_found_through_the_blind_index(typed, case, demo_users):
    found = list(case_list_for(actor=demo_users["caseworker-se"], filters=CaseFilters(name=typed)))
    assert found == [case]
    assert AuditEntry.objects.filter(action="case.search", actor_username="caseworker-se").exists()


def test_a_name_search_is_exact_and_never_crosses_visibility(case, demo_users):
    assert list(case_list_for(actor=demo_users["caseworker-se"], filters=CaseFilters(name="Testa Synthetic"))) == []
    assert list(case_list_for(actor=demo_users["caseworker-lt"], filters=CaseFilters(name="Testa Syntheticova"))) == []


def test_diacritics_do_not_hide_a_child(demo_users):
    case = open_case(demo_users["caseworker-se"], identity=synthetic_identity(given_names="Žaneta", family_name="Šimkutė", aliases=[]))
    assert list(case_list_for(actor=demo_users["ncp-se"], filters=CaseFilters(name="Zaneta Simkute"))) == [case]


def test_the_blind_index_holds_no_clear_text(case):
    digests = list(ChildIndex.objects.filter(child=case.child).values_list("digest", flat=True))
    assert digests
    assert all(len(d) == 64 and "synthetic" not in d.lower() for d in digests)


def test_a_stale_identity_edit_is_refused_and_changes_nothing(case, demo_users):
    seen_version = case.version
    case_update_identity(
        actor=demo_users["supervisor-se"],
        case=case,
        identity=synthetic_identity(given_names="First"),
        sex="female",
        expected_version=seen_version,
    )
    with pytest.raises(StaleVersion) as stale:
        case_update_identity(
            actor=demo_users["caseworker-se"],
            case=case,
            identity=synthetic_identity(given_names="Second"),
            sex="male",
            expected_version=seen_version,
        )
    assert stale.value.changed_by == "supervisor-se"
    case.child.refresh_from_db()
    assert read_identity(case.child).given_names == "First"
    assert case.child.sex == "female"


def test_a_protective_flag_needs_a_second_person_to_remove(case, demo_users):
    flag = flag_raise(actor=demo_users["caseworker-se"], case=case, kind=FlagKind.RISK_OF_GOING_MISSING, reason="ran away twice")
    flag_remove(actor=demo_users["caseworker-se"], case=case, flag=flag, reason="stable placement")
    flag.refresh_from_db()
    assert flag.removed_at is None
    assert flag.removal_requested_by == demo_users["caseworker-se"]
    with pytest.raises(InvalidCaseData):
        flag_remove(actor=demo_users["caseworker-se"], case=case, flag=flag, reason="again")
    flag_remove(actor=demo_users["supervisor-se"], case=case, flag=flag, reason="agreed")
    flag.refresh_from_db()
    assert flag.removed_by == demo_users["supervisor-se"]
    assert flag.removal_reason == "stable placement"


def test_an_ordinary_flag_is_removed_at_once(case, demo_users):
    flag = flag_raise(actor=demo_users["caseworker-se"], case=case, kind=FlagKind.OTHER, reason="interpreter needed")
    flag_remove(actor=demo_users["caseworker-se"], case=case, flag=flag, reason="no longer")
    flag.refresh_from_db()
    assert flag.removed_at is not None


def test_someone_outside_cannot_raise_a_flag(case, demo_users):
    with pytest.raises(PermissionDenied):
        flag_raise(actor=demo_users["caseworker-lt"], case=case, kind=FlagKind.OTHER, reason="x")
    assert Flag.objects.count() == 0


@pytest.fixture
def other_supervisor_se():
    organisation = OrganisationFactory(slug="another-se-service")
    membership = MembershipFactory(role=Role.SUPERVISOR, country=Country.objects.get(code="SE"), organisation=organisation)
    return membership.user


def test_break_glass_gives_a_supervisor_of_the_country_four_hours_of_reading(case, other_supervisor_se, demo_users):
    assert not CasePolicy.can(other_supervisor_se, CaseAction.VIEW, case)
    grant = break_glass_open(actor=other_supervisor_se, case=case, reason="child missing tonight, police asking")
    assert CasePolicy.can(other_supervisor_se, CaseAction.VIEW, case)
    assert not CasePolicy.can(other_supervisor_se, CaseAction.EDIT, case)
    assert AuditEntry.objects.filter(action="case.break_glass", object_id=str(case.pk), purpose__startswith="child missing").exists()
    BreakGlass.objects.filter(pk=grant.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert not CasePolicy.can(other_supervisor_se, CaseAction.VIEW, case)


@pytest.mark.parametrize("username", ["caseworker-lt", "ncp-lt", "secretariat", "sysadmin", "caseworker-se"])
def test_break_glass_is_not_for_other_countries_other_roles_or_the_entitled(username, case, demo_users):
    with pytest.raises(PermissionDenied):
        break_glass_open(actor=demo_users[username], case=case, reason="I would like to see it please")
    assert BreakGlass.objects.count() == 0


def test_break_glass_needs_a_written_reason(case, other_supervisor_se):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        break_glass_open(actor=other_supervisor_se, case=case, reason="urgent")
    assert BreakGlass.objects.count() == 0


def test_closing_starts_the_retention_clock_and_anonymising_shreds_the_identity(case, demo_users):
    closed = case_close(actor=demo_users["caseworker-se"], case=case, reason="returned home safely")
    assert closed.status == CaseStatus.CLOSED
    assert closed.retain_until == timezone.localdate() + timedelta(days=365 * 5)
    assert retention_due() == []
    assert retention_due(today=closed.retain_until + timedelta(days=1)) == [case]
    key_id = case.child.data_key_id
    stored = bytes(case.child.family_name_enc)
    case_anonymise(case=case)
    case.refresh_from_db()
    case.child.refresh_from_db()
    assert case.anonymised_at is not None
    assert not DataKey.objects.filter(pk=key_id).exists()
    assert case.child.family_name_enc is None
    assert not ChildIndex.objects.filter(child=case.child).exists()
    assert read_identity(case.child).full_name == ""
    # the old ciphertext, wherever a copy survives, can no longer be read
    from carnet.core.crypto import decrypt

    with pytest.raises(DecryptionError):
        decrypt(stored, table="cases_child", field="family_name_enc", row_id=str(case.child.pk))
    assert AuditEntry.objects.filter(action="case.anonymise", object_id=str(case.pk)).count() == 1
    assert not CasePolicy.can(demo_users["caseworker-se"], CaseAction.EDIT, case)


def _all_stored_bytes() -> bytes:
    """Every value of every table, as bytes: what someone with a copy of the database could read."""
    chunks: list[bytes] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608  (table names from introspection)
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, (bytes, memoryview)):
                        chunks.append(bytes(value))
                    elif value is not None:
                        chunks.append(str(value).encode("utf-8"))
    return b"\n".join(chunks)


@pytest.mark.django_db(transaction=True)
def test_the_database_holds_no_childs_name_or_birth_date_in_clear(live_database, demo_users, tmp_path):
    # committed for real (transaction=True), so that the copy below is of what the file holds
    open_case(
        demo_users["caseworker-se"],
        identity=synthetic_identity(
            given_names="Quillonia", family_name="Brandtwistle", aliases=["Quilly"], date_of_birth=date(2010, 7, 19)
        ),
    )
    dump = _all_stored_bytes()
    for secret in (b"Quillonia", b"Brandtwistle", b"Quilly", b"2010-07-19", "Quillonia".lower().encode()):
        assert secret not in dump
    if connection.vendor == "sqlite":
        # The literal check: the database file itself, searched as bytes.
        path = tmp_path / "copy.sqlite3"
        with connection.cursor() as cursor:
            cursor.execute("VACUUM INTO %s", [str(path)])
        raw = path.read_bytes()
        assert b"Brandtwistle" not in raw
        assert b"2010-07-19" not in raw
        assert b"SE-" in raw  # the copy is real: the case number is there in clear, by design


def test_an_override_of_consent_waits_for_a_second_persons_approval(case, demo_users):
    from carnet.cases.services import legal_basis_override_approve, legal_basis_record

    entry = legal_basis_record(
        actor=demo_users["caseworker-se"], case=case, basis="legal_mandate", given_by="court order", scope="all",
        recorded_on=timezone.localdate(), override_reason="the guardian refuses, the child is at risk",
    )  # fmt: skip
    assert entry.override_approved_by is None
    with pytest.raises(PermissionDenied):  # a caseworker is not a supervisor
        legal_basis_override_approve(actor=demo_users["caseworker-se"], case=case, entry=entry)
    with pytest.raises(PermissionDenied):  # the NCP sees the case but does not approve
        legal_basis_override_approve(actor=demo_users["ncp-se"], case=case, entry=entry)
    entry.refresh_from_db()
    assert entry.override_approved_by is None
    legal_basis_override_approve(actor=demo_users["supervisor-se"], case=case, entry=entry)
    entry.refresh_from_db()
    assert entry.override_approved_by == demo_users["supervisor-se"]
    assert AuditEntry.objects.filter(action="case.legal_basis.override_approve", actor_username="supervisor-se").count() == 1


def test_the_recorder_of_an_override_cannot_approve_it(case, demo_users):
    from carnet.cases.services import legal_basis_override_approve, legal_basis_record

    entry = legal_basis_record(
        actor=demo_users["supervisor-se"], case=case, basis="vital_interest", given_by="", scope="", recorded_on=timezone.localdate(),
        override_reason="urgent protection",
    )  # fmt: skip
    with pytest.raises(InvalidCaseData):
        legal_basis_override_approve(actor=demo_users["supervisor-se"], case=case, entry=entry)
    entry.refresh_from_db()
    assert entry.override_approved_by is None


@pytest.mark.parametrize("typed", ["XK 1234567", "xk-1234567", "XK1234567"])
def test_a_document_number_is_found_through_the_blind_index(typed, case, demo_users):
    from carnet.cases.services import identity_document_add

    identity_document_add(actor=demo_users["caseworker-se"], case=case, kind="passport", number="XK 1234567", issuing_country="LT")
    assert list(case_list_for(actor=demo_users["ncp-se"], filters=CaseFilters(name=typed))) == [case]
    document = case.child.documents_of_identity.get()
    assert b"1234567" not in bytes(document.number_enc)
