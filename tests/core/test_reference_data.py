"""The seed's reference data arrives by migration: members, NCP status, priorities, network bodies."""

from __future__ import annotations

import pytest

from carnet.core.models import Country, NcpStatus, Priority
from carnet.directory.models import Organisation

pytestmark = pytest.mark.django_db


def test_the_eleven_member_states_and_the_european_commission():
    codes = set(Country.objects.values_list("code", flat=True))
    assert codes == {"DK", "EE", "FI", "DE", "IS", "LV", "LT", "NO", "PL", "RU", "SE", "EU"}
    assert Country.objects.filter(is_state=True).count() == 11


def test_ncps_are_operational_everywhere_but_russia_and_germany():
    not_operational = set(Country.objects.filter(ncp_status=NcpStatus.NOT_OPERATIONAL).values_list("code", flat=True))
    assert not_operational == {"RU", "DE"}
    assert Country.objects.get(code="EU").ncp_status == NcpStatus.NOT_APPLICABLE


@pytest.mark.parametrize(
    ("code", "en", "ru"), [("LT", "Lithuania", "Литва"), ("SE", "Sweden", "Швеция"), ("EU", "European Commission", "Европейская комиссия")]
)
def test_country_names_in_english_and_russian(code, en, ru):
    country = Country.objects.get(code=code)
    assert country.safe_translation_getter("name", language_code="en") == en
    assert country.safe_translation_getter("name", language_code="ru") == ru


def test_the_five_wgcc_priorities_in_order():
    titles = [p.safe_translation_getter("title", language_code="en") for p in Priority.objects.order_by("number")]
    assert titles == [
        "Sexual exploitation in all its forms",
        "Unaccompanied and trafficked children",
        "Children living in the street",
        "The rights of children in institutions",
        "Young offenders and self-destructive behaviour in children",
    ]
    assert all(p.has_translation("ru") for p in Priority.objects.all())


def test_the_network_bodies_named_in_the_seed():
    slugs = set(Organisation.objects.values_list("slug", flat=True))
    assert {"cbss-secretariat", "cbss-childrens-unit", "wgcc", "tfthb", "tfoc", "tfoc-expert-group-thb"} <= slugs
    assert Organisation.objects.get(slug="tfoc-expert-group-thb").parent.slug == "tfoc"
