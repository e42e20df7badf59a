"""Every model has a factory that builds a valid row (the harness later apps rely on)."""

from __future__ import annotations

import pytest

from carnet.core.crypto import decrypt, encrypt
from tests.accounts.factories import ApiTokenFactory, MembershipFactory, UserFactory
from tests.audit.factories import audit_entry
from tests.core.factories import CountryFactory, PriorityFactory, data_key
from tests.directory.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "factory",
    [UserFactory, MembershipFactory, ApiTokenFactory, CountryFactory, PriorityFactory, OrganisationFactory],
    ids=lambda f: f.__name__,
)
def test_factory_builds_a_valid_saved_row(factory):
    obj = factory()
    obj.full_clean()
    assert obj.pk is not None


def test_audit_entries_come_from_the_service():
    first, second = audit_entry(), audit_entry()
    assert second.prev_hash == first.hash


def test_data_keys_encrypt_for_a_row():
    key = data_key()
    stored = encrypt("Testname", data_key=key, table="t", field="f", row_id="1")
    assert decrypt(stored, data_key=key, table="t", field="f", row_id="1") == "Testname"
