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

POSSIBLE_VICTIM = {"en": "Possible victim of trafficking", "ru": "Возможная жертва торговли людьми"}
NOT_AN_OFFENDER = {"en": "This child is a victim, not an offender", "ru": "Этот ребёнок — жертва, а не правонарушитель"}
AWAITING_APPROVAL = {"en": "Awaiting approval", "ru": "Ожидает утверждения"}


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


def _section(page: Any, path: str) -> None:
    """Follow the case's section navigation (the link, not a typed address)."""
    page.locator(f"nav.case-sections a[href$='/{path}']").click()


def _submit(form: Any) -> None:
    form.locator("button[type=submit]").click()


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_case_from_opening_to_an_approved_return_decision(lang: str, browser: Any, live_server: Any, demo_users: dict[str, User]) -> None:
    worker = _signed_in_page(browser, live_server, demo_users["caseworker-se"], locale="ru-RU" if lang == "ru" else "en-GB")

    # caseworker-se opens a case for a synthetic child
    worker.goto(f"/{lang}/cases/")
    expect(worker.locator("html")).to_have_attribute("lang", lang)
    worker.locator(f"main a[href='/{lang}/cases/new/']").click()
    form = worker.locator("main form")
    form.locator("[name=opened_on]").fill(_day(10))
    form.locator("[name=given_names]").fill("Aurelia")
    form.locator("[name=family_name]").fill("Testdottir")
    form.locator("[name=sex]").select_option("female")
    form.locator("[name=date_of_birth]").fill("2011-03-04")
    form.locator("[name=risk_level]").select_option("high")
    _submit(form)
    expect(worker.locator("h1")).to_contain_text("SE-")
    case = Case.objects.get()
    assert worker.url == f"{live_server.url}/{lang}/cases/{case.pk}/"
    expect(worker.locator("main")).to_contain_text("Aurelia Testdottir")
    assert read_identity(case.child).family_name == "Testdottir"

    # identification: a status decision and exploitation in criminality, with the non-punishment reminder
    _section(worker, "identification/")
    status = _form(worker, "/identification/status/")
    status.locator("[name=status]").select_option("possible")
    status.locator("[name=deciding_organisation]").fill("Synthetic police unit")
    status.locator("[name=decided_on]").fill(_day(9))
    _submit(status)
    expect(worker.locator("main")).to_contain_text(POSSIBLE_VICTIM[lang])
    exploitation = _form(worker, "/identification/exploitations/")
    exploitation.locator("[name=kind]").select_option("criminality")
    exploitation.locator("[name=criminality_subtype]").select_option("theft")
    exploitation.locator("[name=non_punishment_considered]").check()
    _submit(exploitation)
    expect(worker.locator("#non-punishment-heading")).to_have_text(NOT_AN_OFFENDER[lang])

    # care plan: an objective under "protection"
    _section(worker, "care/")
    objective = _form(worker, "/care/objectives/")
    objective.locator("[name=pillar]").select_option("protection")
    objective.locator("[name=text]").fill("Safe accommodation with an appointed guardian")
    _submit(objective)
    expect(worker.locator("main")).to_contain_text("Safe accommodation with an appointed guardian")

    # best interests: an assessment in the child's own words, then a return decision submitted for approval
    _section(worker, "best-interests/")
    assessment = _form(worker, "/best-interests/assessments/")
    assessment.locator("[name=assessed_on]").fill(_day(5))
    assessment.locator("[name=child_views]").fill("I want to live with my grandmother again.")
    _submit(assessment)
    determination = _form(worker, "/best-interests/determinations/")
    determination.locator("[name=panel]").fill("Synthetic panel: caseworker, guardian, psychologist")
    determination.locator("[name=options_weighed][value=return]").check()
    determination.locator("[name=options_weighed][value=local_integration]").check()
    determination.locator("[name=decision]").select_option("return")
    determination.locator("[name=reasons]").fill("The grandmother's home was assessed as safe.")
    determination.locator("[name=decided_on]").fill(_day(4))
    _submit(determination)
    _submit(worker.locator("form[action$='/submit/']"))
    expect(worker.locator("main")).to_contain_text(AWAITING_APPROVAL[lang])
    assert Determination.objects.get().status == DecisionStatus.SUBMITTED
    # a caseworker sees no approve button
    expect(worker.locator("form[action$='/approve/']")).to_have_count(0)

    # supervisor-se approves it
    supervisor = _signed_in_page(browser, live_server, demo_users["supervisor-se"], locale="ru-RU" if lang == "ru" else "en-GB")
    supervisor.goto(f"/{lang}/cases/{case.pk}/best-interests/")
    expect(supervisor.locator("html")).to_have_attribute("lang", lang)
    _submit(supervisor.locator("form[action$='/approve/']"))
    expect(supervisor.locator("html")).to_have_attribute("lang", lang)
    determination_row = Determination.objects.get()
    assert determination_row.status == DecisionStatus.APPROVED
    assert determination_row.decided_by == demo_users["supervisor-se"]

    # nobody else sees any of it, in either language: the same 404 as for a case that does not exist
    for username in ("caseworker-lt", "ncp-lt", "secretariat", "sysadmin"):
        outsider = _signed_in_page(browser, live_server, demo_users[username])
        for other_lang in ("en", "ru"):
            for section in ("", "identification/", "care/", "best-interests/", "records/"):
                response = outsider.goto(f"/{other_lang}/cases/{case.pk}/{section}")
                assert response is not None
                assert response.status == 404, (username, other_lang, section)
            outsider.goto(f"/{other_lang}/cases/")
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


@pytest.mark.parametrize("path", ["/ru/cases/", "/ru/cases/new/", "/ru/cases/{case}/", "/ru/cases/{case}/best-interests/"])
def test_case_pages_fit_a_phone_screen(path: str, browser: Any, live_server: Any, demo_users: dict[str, User]) -> None:
    from tests.cases.factories import open_case

    case = open_case(demo_users["caseworker-se"])
    client = Client()
    client.force_login(demo_users["caseworker-se"], backend="django.contrib.auth.backends.ModelBackend")
    context = browser.new_context(base_url=live_server.url, viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.goto(path.format(case=case.pk))
    # nothing makes the whole page scroll sideways; wide tables scroll inside their own region
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    context.close()
