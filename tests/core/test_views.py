"""Base pages: home, health, language prefixes, 404s."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import DatabaseError

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("path", "lang", "heading", "priority"),
    [
        ("/en/", "en", "Cooperation on children at risk in the Baltic Sea region", "Unaccompanied and trafficked children"),
        ("/ru/", "ru", "Сотрудничество в интересах детей группы риска в регионе Балтийского моря", "Дети, живущие на улице"),
    ],
    ids=["english", "russian"],
)
def test_home_shows_priorities_and_countries_in_the_page_language(client, path, lang, heading, priority):
    response = client.get(path)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<html lang="{lang}">' in html
    assert heading in html
    assert priority in html
    assert html.count('<li id="priority-') == 5
    assert html.count('<th scope="row">') == 12


def test_home_counts_operational_ncps_as_in_the_seed(client):
    # nine member states have an operational NCP: all but Russia and Germany
    html = client.get("/en/").content.decode()
    assert "National contact points are operational in 9 countries." in html
    assert "Национальные контактные пункты работают в 9 странах." in client.get("/ru/").content.decode()


def test_the_language_switch_links_to_the_same_page(client_as):
    html = client_as("secretariat").get("/en/audit/?actor=x").content.decode()
    assert 'href="/ru/audit/?actor=x" hreflang="ru"' in html
    assert 'href="/en/audit/?actor=x" hreflang="en"' in html


def test_every_page_has_a_skip_link_and_landmarks(client):
    html = client.get("/ru/").content.decode()
    assert '<a class="skip-link" href="#main">Перейти к основному содержанию</a>' in html
    for landmark in ("<header", "<nav", '<main id="main"', "<footer"):
        assert landmark in html


def test_the_root_redirects_to_a_language(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 302
    assert response["Location"] == "/ru/"


def test_an_unknown_language_prefix_gets_an_english_404_with_links_to_both_languages(client):
    response = client.get("/de/priorities/", HTTP_ACCEPT_LANGUAGE="ru")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in html
    assert 'href="/en/priorities/"' in html
    assert 'href="/ru/priorities/"' in html


def test_a_missing_russian_page_is_a_russian_404(client):
    response = client.get("/ru/nothing-here/")
    assert response.status_code == 404
    assert "Страница не найдена" in response.content.decode()


def test_healthz_reports_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_reports_503_when_the_database_does_not(client):
    with mock.patch("carnet.core.views.connection.cursor", side_effect=DatabaseError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


def test_pages_send_a_content_security_policy_without_inline_script(client):
    policy = client.get("/en/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
