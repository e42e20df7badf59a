"""A NUL character is refused at the door (carnet.core.middleware): 400, never a 500 on PostgreSQL."""

from __future__ import annotations

import json

import pytest

from carnet.accounts.models import ApiToken

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/en/library/?q=a%00b", id="page-query"),
        pytest.param("/en/events/a%00b/", id="page-path"),
        pytest.param("/en/directory/?q=%00", id="signed-in-page"),
    ],
)
def test_a_page_asked_with_a_nul_is_a_400_page(client_as, path):
    response = client_as("member-fi").get(path)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "<html" in response.content.decode()


def test_an_api_call_with_a_nul_is_a_400_json(client_as):
    response = client_as("anonymous").get("/api/v1/library/search", {"q": "a\x00b"})
    assert response.status_code == 400
    assert json.loads(response.content) == {"detail": "Bad request.", "code": "bad_request"}


def test_a_json_body_with_an_escaped_nul_is_refused_and_changes_nothing(client_as):
    before = ApiToken.objects.count()
    response = client_as("secretariat").post("/api/v1/tokens", data=json.dumps({"name": "x\u0000y"}), content_type="application/json")
    assert response.status_code == 400
    assert ApiToken.objects.count() == before


def test_ordinary_requests_pass(client_as):
    assert client_as("anonymous").get("/en/library/", {"q": "дети"}).status_code == 200
