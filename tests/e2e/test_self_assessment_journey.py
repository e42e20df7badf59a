"""The self-assessment tool's "done when" journey, in a real browser.

caseworker-se starts a reading with a synthetic child and hands over a link; the "child"
completes it on a phone-sized screen in Russian (choosing the risk level for running away);
the worker sees the star chart with two readings and writes an action plan; the risk flag is
on the owner's dashboard; the printable sheet renders in both languages.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from carnet.accounts.models import User
from carnet.assessments.models import ActionPlanItem, Reading, ReadingMode, ReadingStatus, RiskAlert
from tests.assessments.factories import life_domains, take_reading
from tests.cases.factories import open_case

RUNNING_AWAY_RU = "Побеги"


def _signed_in(browser: Any, live_server: Any, user: User) -> Any:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    context = browser.new_context(base_url=live_server.url, locale="en-GB", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
    return context.new_page()


def test_a_child_answers_on_a_phone_in_russian_and_the_worker_follows_up(
    browser: Any, live_server: Any, demo_users: dict[str, User]
) -> None:
    worker_user = demo_users["caseworker-se"]
    case = open_case(worker_user, opened_on=timezone.localdate() - timedelta(days=60))
    take_reading(worker_user, case, taken_on=timezone.localdate() - timedelta(days=30))  # an earlier reading
    worker = _signed_in(browser, live_server, worker_user)

    # the worker starts a reading for the child to answer alone, in Russian, and gets a link
    worker.goto(f"/en/assessments/cases/{case.pk}/")
    start = worker.locator(f"form[action='/en/assessments/cases/{case.pk}/readings/']")
    start.locator("[name=version]").select_option(str(life_domains().pk))
    start.locator(f"input[name=mode][value={ReadingMode.CHILD_ALONE}]").check()
    start.locator("[name=language]").select_option("ru")
    start.locator("button[type=submit]").click()
    link = worker.locator("#child-link").inner_text().strip()
    assert link.startswith(f"{live_server.url}/ru/assessments/r/")

    # the child, on a small phone, with no account, answers every part
    phone = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, locale="ru-RU")
    child = phone.new_page()
    child.goto(link)
    expect(child.locator("html")).to_have_attribute("lang", "ru")
    expect(child.locator("body")).not_to_contain_text(case.number)
    child.locator("a.button.take-big").click()
    for _step in range(9):
        heading = child.locator("#domain-heading").inner_text().strip()
        colour = "red" if heading == RUNNING_AWAY_RU else "green"
        child.locator(f"label.take-{colour} input[name=answer]").check()
        child.locator("button[name=go][value=next]").click()
    assert child.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    child.locator("button.take-primary").click()
    reading = Reading.objects.get(mode=ReadingMode.CHILD_ALONE)
    assert reading.status == ReadingStatus.COMPLETE
    assert set(reading.answers.values_list("respondent", flat=True)) == {"child"}
    # the link is spent
    response = child.goto(link)
    assert response is not None
    assert response.status == 404
    phone.close()

    # the worker sees the star chart with both readings, and writes an action plan
    worker.goto(f"/en/assessments/cases/{case.pk}/chart/")
    expect(worker.locator("svg.star-chart[role=img]")).to_be_visible()
    expect(worker.locator("svg.star-chart g.reading")).to_have_count(2)
    expect(worker.locator("table.chart-table thead th[scope=col]")).to_have_count(3 + 2)
    plan = worker.locator(f"form[action='/en/assessments/cases/{case.pk}/plan/']")
    if plan.count() == 0:
        plan = worker.locator("form[action$='/plan/']").first
    plan.locator("[name=domain_key]").select_option("running-away")
    plan.locator("[name=wants_to_change]").fill("I want to stay at the shelter at night.")
    plan.locator("[name=who_helps]").fill("Caseworker and key worker")
    plan.locator("button[type=submit]").click()
    expect(worker.locator("main")).to_contain_text("Caseworker and key worker")
    assert ActionPlanItem.objects.filter(case=case, domain_key="running-away").count() == 1

    # the risk flag is on the case owner's dashboard
    assert RiskAlert.objects.filter(case=case, domain__key="running-away").count() == 1
    worker.goto("/en/assessments/dashboard/")
    expect(worker.locator("main")).to_contain_text(case.number)
    expect(worker.locator("main")).to_contain_text("Running away")

    # the printable sheet renders in both languages
    version = life_domains()
    for lang, statement in (("en", "I run away for long periods of time"), ("ru", "Я надолго убегаю")):
        pdf = worker.request.get(f"/{lang}/assessments/paper/{version.pk}/")
        assert pdf.status == 200
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.body().startswith(b"%PDF-")
        worker.goto(f"/{lang}/assessments/paper/{version.pk}/?format=html")
        expect(worker.locator("html")).to_have_attribute("lang", lang)
        expect(worker.locator("body")).to_contain_text(statement)
