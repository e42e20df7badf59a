"""The case file's "done when" journey, in a real browser, in English and Russian.

caseworker-se opens a case for a synthetic child, records identification, a care plan and a
best-interests assessment with a return decision; supervisor-se approves it (in Russian);
caseworker-lt, ncp-lt, secretariat and sysadmin cannot see any of it, in either language.
Sign-in with two factors has its own journey (test_sign_in.py): here the browser is handed a
session made for the user, as if they had just signed in.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from carnet.accounts.models import User
from carnet.cases.identity import read_identity
from carnet.cases.models import Case, Determination
from carnet.cases.models.codes import DecisionStatus


def _signed_in_page(browser: Any, live_server: Any, user: User, locale: str = "en-GB") -> Any:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    context = browser.new_context(base_url=live_server.url, locale=locale, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
    return context.new_page()


def _day(days_ago: int) -> str:
    return (timezone.localdate() - timedelta(days=days_ago)).isoformat()


def _form(page: Any, action_suffix: str) -> Any:
    return page.locator(f"form[action$='{action_suffix}']")


def test_a_case_from_opening_to_an_approved_return_decision(browser: Any, live_server: Any, demo_users: dict[str, User]) -> None:
    worker = _signed_in_page(browser, live_server, demo_users["caseworker-se"])

    # caseworker-se opens a case for a synthetic child
    worker.goto("/en/cases/")
    worker.get_by_role("link", name="Open a case").click()
    form = worker.locator("main form")
    form.locator("[name=opened_on]").fill(_day(10))
    form.locator("[name=given_names]").fill("Aurelia")
    form.locator("[name=family_name]").fill("Testdottir")
    form.locator("[name=sex]").select_option("female")
    form.locator("[name=date_of_birth]").fill("2011-03-04")
    form.locator("[name=risk_level]").select_option("high")
    form.get_by_role("button", name="Open the case").click()
    expect(worker.locator("h1")).to_contain_text("SE-")
    case = Case.objects.get()
    assert worker.url == f"{live_server.url}/en/cases/{case.pk}/"
    expect(worker.locator("main")).to_contain_text("Aurelia Testdottir")
    assert read_identity(case.child).family_name == "Testdottir"

    # identification: a status decision and exploitation in criminality
    worker.get_by_role("navigation", name="Sections of the case").get_by_role("link", name="Identification").click()
    status = _form(worker, "/identification/status/")
    status.locator("[name=status]").select_option("possible")
    status.locator("[name=deciding_organisation]").fill("Synthetic police unit")
    status.locator("[name=decided_on]").fill(_day(9))
    status.get_by_role("button", name="Record the decision").click()
    expect(worker.locator("main")).to_contain_text("Possible victim of trafficking")
    exploitation = _form(worker, "/identification/exploitations/")
    exploitation.locator("[name=kind]").select_option("criminality")
    exploitation.locator("[name=criminality_subtype]").select_option("theft")
    exploitation.locator("[name=non_punishment_considered]").check()
    exploitation.get_by_role("button", name="Add").click()
    expect(worker.get_by_role("heading", name="This child is a victim, not an offender")).to_be_visible()

    # care plan: an objective under "protection"
    worker.get_by_role("navigation", name="Sections of the case").get_by_role("link", name="Care plan").click()
    objective = _form(worker, "/care/objectives/")
    objective.locator("[name=pillar]").select_option("protection")
    objective.locator("[name=text]").fill("Safe accommodation with an appointed guardian")
    objective.get_by_role("button", name="Add the objective").click()
    expect(worker.locator("main")).to_contain_text("Safe accommodation with an appointed guardian")

    # best interests: an assessment in the child's own words, then a return decision submitted for approval
    worker.get_by_role("navigation", name="Sections of the case").get_by_role("link", name="Best interests").click()
    assessment = _form(worker, "/best-interests/assessments/")
    assessment.locator("[name=assessed_on]").fill(_day(5))
    assessment.locator("[name=child_views]").fill("I want to live with my grandmother again.")
    assessment.get_by_role("button", name="Record the assessment").click()
    determination = _form(worker, "/best-interests/determinations/")
    determination.locator("[name=panel]").fill("Synthetic panel: caseworker, guardian, psychologist")
    determination.locator("[name=options_weighed][value=return]").check()
    determination.locator("[name=options_weighed][value=local_integration]").check()
    determination.locator("[name=decision]").select_option("return")
    determination.locator("[name=reasons]").fill("The grandmother's home was assessed as safe.")
    determination.locator("[name=decided_on]").fill(_day(4))
    determination.get_by_role("button", name="Save the determination as a draft").click()
    worker.get_by_role("button", name="Submit for approval").click()
    expect(worker.locator("main")).to_contain_text("Awaiting approval")
    assert Determination.objects.get().status == DecisionStatus.SUBMITTED

    # supervisor-se approves it, in Russian
    supervisor = _signed_in_page(browser, live_server, demo_users["supervisor-se"], locale="ru-RU")
    supervisor.goto(f"/ru/cases/{case.pk}/best-interests/")
    expect(supervisor.locator("html")).to_have_attribute("lang", "ru")
    supervisor.locator("form[action$='/approve/'] button[type=submit]").click()
    expect(supervisor.locator("html")).to_have_attribute("lang", "ru")
    determination_row = Determination.objects.get()
    assert determination_row.status == DecisionStatus.APPROVED
    assert determination_row.decided_by == demo_users["supervisor-se"]

    # nobody else sees any of it, in either language: the same 404 as for a case that does not exist
    for username in ("caseworker-lt", "ncp-lt", "secretariat", "sysadmin"):
        outsider = _signed_in_page(browser, live_server, demo_users[username])
        for lang in ("en", "ru"):
            for section in ("", "identification/", "care/", "best-interests/", "records/"):
                response = outsider.goto(f"/{lang}/cases/{case.pk}/{section}")
                assert response is not None
                assert response.status == 404, (username, lang, section)
            outsider.goto(f"/{lang}/cases/")
            expect(outsider.locator("main")).not_to_contain_text(case.number)
        outsider.context.close()


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_caseload_is_keyboard_usable(lang: str, browser: Any, live_server: Any, demo_users: dict[str, User]) -> None:
    from tests.cases.factories import open_case

    case = open_case(demo_users["caseworker-se"])
    page = _signed_in_page(browser, live_server, demo_users["caseworker-se"])
    page.goto(f"/{lang}/cases/")
    link = page.get_by_role("link", name=case.number)
    link.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/{lang}/cases/{case.pk}/")
    expect(page.locator("html")).to_have_attribute("lang", lang)
