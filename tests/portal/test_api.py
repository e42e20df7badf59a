"""The portal's public API: a country's page and the news, for anyone, with contacts through directory.visibility."""

from __future__ import annotations

import io
from datetime import date

import pytest

from carnet.core.models import Country
from carnet.directory.models import ContactConsent, NetworkRole, NetworkRoleKind, Person, Visibility
from carnet.portal import demo
from carnet.portal.models import CountryPage, NewsItem, Revision, Status
from carnet.portal.selectors import content_label

pytestmark = pytest.mark.django_db

NOT_FOUND = {"detail": "Not found.", "code": "not_found"}


@pytest.fixture
def portal(demo_users):
    demo.load(out=io.StringIO())
    return demo_users


def test_a_country_page_in_russian(client, portal):
    response = client.get("/api/v1/portal/countries/lt?lang=ru")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "code", "name", "is_state", "ncp_status", "ncp_status_label", "text", "summary", "legislation", "services",
        "key_facts", "contacts", "url",
    }  # fmt: skip
    assert body["code"] == "LT"
    assert body["name"] == "Литва"
    assert body["ncp_status"] == "operational"
    assert body["text"] == {"language": "ru", "fallback": False, "outdated": False}
    assert body["summary"].startswith("Литва: демонстрационная страница страны.")
    assert body["url"] == "/ru/countries/lt/"
    assert body["key_facts"][0] == {
        "label": "Зарегистрированные несопровождаемые дети (условная демо-цифра)",
        "value": "60",
        "source": "Demo data (illustrative, not official)",
        "year": 2024,
    }
    assert len(body["key_facts"]) == 3
    assert body["contacts"] == []


def test_the_language_defaults_to_the_request_and_is_checked(client, portal):
    assert client.get("/api/v1/portal/countries/LT").json()["name"] == "Lithuania"
    response = client.get("/api/v1/portal/countries/lt?lang=xx")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


@pytest.mark.parametrize("code", ["xx", "lithuania", "EUX"])
def test_an_unknown_country_is_a_json_404(client, portal, code):
    response = client.get(f"/api/v1/portal/countries/{code}")
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_contacts_in_the_api_are_what_the_viewer_may_see(client, client_as, portal):
    # given Lithuania's NCP with a consented public e-mail and a restricted phone
    person = Person.objects.create(
        full_name="Nina Demo-Contact",
        country=Country.objects.get(code="LT"),
        email="ncp.demo@example.org",
        email_visibility=Visibility.PUBLIC,
        phone="+37060000001",
    )
    NetworkRole.objects.create(person=person, kind=NetworkRoleKind.NCP, country=person.country)
    ContactConsent.objects.create(
        person=person, fields=["email"], audience="public", given_on=date(2020, 1, 1), recorded_by=portal["secretariat"]
    )
    anonymous = client.get("/api/v1/portal/countries/lt").json()["contacts"]
    assert anonymous == [
        {
            "role": "ncp",
            "name": "Nina Demo-Contact",
            "position": "",
            "organisation": "",
            "email": "ncp.demo@example.org",
            "phone": None,
            "address": None,
        }
    ]
    assert client_as("member-fi").get("/api/v1/portal/countries/lt").json()["contacts"][0]["phone"] is None
    assert client_as("ncp-se").get("/api/v1/portal/countries/lt").json()["contacts"][0]["phone"] == "+370 600 00001"


def test_drafts_and_scripts_never_reach_the_api(client, portal):
    page = CountryPage.objects.get(country__code="LT")
    label = content_label(page)
    Revision.objects.create(
        content=label, object_id=str(page.pk), language="en", number=90, status=Status.DRAFT, author=portal["secretariat"],
        data={"summary": "DRAFT-SECRET", "legislation": "", "services": ""},
    )  # fmt: skip
    assert "DRAFT-SECRET" not in client.get("/api/v1/portal/countries/lt?lang=en").content.decode()
    Revision.objects.create(
        content=label, object_id=str(page.pk), language="en", number=91, status=Status.PUBLISHED, author=portal["secretariat"],
        data={"summary": "s", "legislation": "<script>alert(1)</script><p onclick=x>t</p>", "services": ""},
    )  # fmt: skip
    body = client.get("/api/v1/portal/countries/lt?lang=en").json()
    assert body["legislation"] == "<p>t</p>"


def test_the_news_list(client, portal):
    response = client.get("/api/v1/news?lang=ru&limit=2")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4
    assert [item["slug"] for item in body["items"]] == ["demo-annual-meeting", "demo-training-lithuania"]
    first = body["items"][0]
    assert set(first) == {"slug", "title", "summary", "published_at", "language", "fallback", "outdated", "country", "priority", "url"}
    assert first["title"] == "Ежегодное заседание рабочей группы (демо)"
    assert first["language"] == "ru"
    assert first["url"] == "/ru/news/demo-annual-meeting/"
    assert body["items"][1]["country"] == "LT"
    assert body["items"][1]["priority"] == "unaccompanied-and-trafficked-children"
    assert [i["slug"] for i in client.get("/api/v1/news?limit=2&offset=2").json()["items"]] == ["demo-new-guidelines", "demo-english-only"]


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "offset=-1", "limit=x"])
def test_bad_paging_is_a_4xx(client, portal, query):
    assert client.get(f"/api/v1/news?{query}").status_code in (400, 422)


def test_one_news_item_falls_back_to_english(client, portal):
    response = client.get("/api/v1/news/demo-english-only?lang=ru")
    assert response.status_code == 200
    body = response.json()
    assert body["language"] == "en"
    assert body["fallback"] is True
    assert body["body"] == "<p><strong>Demo news.</strong> This seminar is invented.</p>"


def test_unpublished_or_unknown_news_is_a_json_404(client, portal):
    NewsItem.objects.create(slug="draft-news", created_by=portal["secretariat"])
    for slug in ("draft-news", "no-such-news"):
        response = client.get(f"/api/v1/news/{slug}")
        assert response.status_code == 404
        assert response.json() == NOT_FOUND
    assert "draft-news" not in client.get("/api/v1/news").content.decode()
