"""The cases API: caseload, opening, ETag / If-Match, errors as JSON."""

from __future__ import annotations

import json

import pytest

from carnet.cases.identity import read_identity
from carnet.cases.models import Case
from tests.cases.factories import open_case

pytestmark = pytest.mark.django_db


def _put_identity(client, case, etag, name):
    headers = {"HTTP_IF_MATCH": etag} if etag else {}
    body = json.dumps({"sex": "female", "identity": {"given_names": name}})
    return client.put(f"/api/v1/cases/{case.pk}/identity", data=body, content_type="application/json", **headers)


def test_read_gives_an_etag_and_a_matching_if_match_saves(client_as, demo_users):
    case = open_case(demo_users["caseworker-se"])
    client = client_as("caseworker-se")
    read = client.get(f"/api/v1/cases/{case.pk}")
    assert read.status_code == 200
    assert read.json()["identity"]["family_name"] == "Syntheticova"
    etag = read["ETag"]
    saved = _put_identity(client, case, etag, "Newname")
    assert saved.status_code == 200
    assert saved["ETag"] != etag
    # the old ETag is now stale
    stale = _put_identity(client, case, etag, "Othername")
    assert stale.status_code == 412
    assert stale.json()["code"] == "stale_version"
    case.child.refresh_from_db()
    assert read_identity(case.child).given_names == "Newname"


def test_an_edit_without_if_match_is_refused(client_as, demo_users):
    case = open_case(demo_users["caseworker-se"])
    response = _put_identity(client_as("caseworker-se"), case, None, "X")
    assert response.status_code == 428
    assert response.json()["code"] == "precondition_required"


def test_opening_through_the_api_validates_dates(client_as):
    body = {"country": "SE", "opened_on": "2026-01-10", "identity": {"given_names": "A", "date_of_birth": "2027-01-01"}}
    response = client_as("caseworker-se").post("/api/v1/cases", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 422
    assert "date_of_birth" in response.json()["detail"]
    assert Case.objects.count() == 0


def test_unknown_codes_are_422_with_the_field(client_as, demo_users):
    case = open_case(demo_users["caseworker-se"])
    response = client_as("caseworker-se").post(
        f"/api/v1/cases/{case.pk}/risk", data=json.dumps({"level": "apocalyptic", "reason": "x"}), content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "level"


def test_the_caseload_api_is_filtered_by_visibility(client_as, demo_users):
    swedish, lithuanian = open_case(demo_users["caseworker-se"]), open_case(demo_users["caseworker-lt"])
    numbers = [item["number"] for item in client_as("ncp-se").get("/api/v1/cases").json()["items"]]
    assert numbers == [swedish.number]
    assert lithuanian.number not in numbers
    assert client_as("secretariat").get("/api/v1/cases").json()["count"] == 0
