"""Showing contacts that only a role or a granted request allows is audited, once per showing."""

from __future__ import annotations

import io

import pytest

from carnet.audit.models import AuditEntry
from carnet.directory import demo
from carnet.directory.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def expert(demo_users) -> Person:
    demo.load(out=io.StringIO())
    return Person.objects.get(user__username="expert-ee")


def _reads() -> list[tuple[str, str, str]]:
    return list(AuditEntry.objects.filter(action="directory.contacts.read").values_list("actor_username", "object_id", "purpose"))


def test_an_ncp_opening_an_experts_profile_is_audited_with_the_fields_and_why(expert, client_as) -> None:
    # when ncp-lt opens expert-ee's profile, whose contacts are all restricted
    assert client_as("ncp-lt").get(f"/en/directory/people/{expert.pk}/").status_code == 200
    # then one entry says who saw which of that person's contacts, on which channel, and by what right
    assert _reads() == [("ncp-lt", str(expert.pk), "profile: email, phone, address (role)")]


def test_a_member_who_sees_nothing_restricted_leaves_no_entry(expert, client_as) -> None:
    # when member-fi opens the profile (every contact hidden) and the API
    assert client_as("member-fi").get(f"/en/directory/people/{expert.pk}/").status_code == 200
    assert client_as("member-fi").get(f"/api/v1/directory/people/{expert.pk}").status_code == 200
    # then nothing was disclosed, so nothing is logged
    assert _reads() == []


def test_a_page_of_people_is_one_entry_however_many_are_on_it(expert, client_as) -> None:
    # when ncp-lt lists the directory, with several people whose restricted contacts the role shows
    assert client_as("ncp-lt").get("/en/directory/people/").status_code == 200
    # then a single entry counts them
    [(actor, object_id, purpose)] = _reads()
    assert (actor, object_id) == ("ncp-lt", "")
    assert purpose.startswith("directory page: restricted contacts of ")
