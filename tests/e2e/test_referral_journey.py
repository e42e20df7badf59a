"""The referrals "done when" journey, in a real browser.

ncp-se refers a synthetic Swedish case to Lithuania for return preparation (profile "return",
with its legal basis) and sends it; ncp-lt finds it in the inbox, sees the profile's fields and
nothing else, acknowledges it and asks for information; caseworker-se answers; ncp-lt accepts and
Lithuania's own case exists; caseworker-se follows the timeline; the page renders in Russian.
Both NCPs sign in with their password and authenticator code; caseworker-se's browser is handed
a session made for them (sign-in has its own journey in test_sign_in.py).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from playwright.sync_api import expect

from carnet.accounts.models import User
from carnet.audit.models import AuditEntry
from carnet.cases.models import Case
from carnet.referrals.models import Referral, Status
from tests.e2e.browsing import session_page, sign_in
from tests.referrals.factories import returnable_case

CONTACTS = "+370 600 00000 (test)"  # the child's contacts: in the Swedish case, never in any referral


def _step(page: Any, suffix: str) -> Any:
    return page.locator(f"form[action$='/{suffix}/']")


def test_a_return_referral_from_sweden_to_lithuania(browser: Any, live_server: Any, demo_users: dict[str, User]) -> None:
    # given a Swedish case of caseworker-se with an approved return to Lithuania and its return plan
    case = returnable_case(demo_users)

    # ncp-se signs in, opens the case and follows its Referrals section
    se = sign_in(browser, live_server, demo_users["ncp-se"])
    se.goto(f"/en/cases/{case.pk}/")
    se.locator(f"nav.case-sections a[href='/en/referrals/case/{case.pk}/']").click()
    expect(se.locator("#referrals-heading")).to_have_text("Referrals")
    se.get_by_role("link", name="Refer the child to another country").click()
    expect(se).to_have_url(f"{live_server.url}/en/referrals/case/{case.pk}/new/")

    # and refers the child to Lithuania for return preparation, with the legal basis and the "return" profile
    form = se.locator("form.referral-form")
    form.locator("[name=to_country]").select_option("LT")
    form.locator("[name=purpose]").select_option("return_preparation")
    form.locator("[name=urgency]").select_option("urgent")
    form.get_by_label("Consent of the child and the guardian").check()
    form.locator("[name=legal_basis_decided_by]").fill("The child and the appointed guardian")
    form.locator("[name=legal_basis_decided_on]").fill((timezone.localdate() - timedelta(days=2)).isoformat())
    form.locator("#id_profile_return").check()
    form.locator("[name=note]").fill("Please prepare the return; the grandmother expects the child.")
    form.get_by_role("button", name="Save as draft").click()
    referral = Referral.objects.get()
    expect(se).to_have_url(f"{live_server.url}/en/referrals/{referral.pk}/")
    expect(se.locator(".messages")).to_contain_text(f"Draft referral {referral.reference} saved.")

    # then sends it
    _step(se, "send").get_by_role("button", name="Send").click()
    expect(se.locator(".messages")).to_contain_text(f"Referral {referral.reference} was sent to the national contact point of Lithuania.")
    expect(se.locator(".referral-route .referral-status")).to_have_text("Sent")
    assert Referral.objects.get().status == Status.SENT

    # ncp-lt signs in and finds it in the inbox, from Sweden, without the Swedish case number
    lt = sign_in(browser, live_server, demo_users["ncp-lt"])
    lt.get_by_role("navigation", name="Main").get_by_role("link", name="Referrals").click()
    expect(lt).to_have_url(f"{live_server.url}/en/referrals/")
    row = lt.locator("table.referrals tbody tr", has_text=referral.reference)
    expect(row).to_contain_text("Sweden")
    expect(row).to_contain_text("Return preparation")
    expect(lt.locator("main")).not_to_contain_text(case.number)
    row.get_by_role("link", name=referral.reference).click()

    # and sees the profile's fields: the child's name, the determination and the return plan; never the contacts
    shared = lt.locator("section[aria-labelledby=shared-heading]")
    expect(shared).to_contain_text("Testa Syntheticova")
    expect(shared).to_contain_text("Return to the country of origin")
    expect(shared).to_contain_text("Demo child protection service")
    expect(lt.locator("body")).not_to_contain_text(CONTACTS)
    expect(lt.locator("body")).not_to_contain_text(case.number)

    # ncp-lt acknowledges it and asks for information
    _step(lt, "acknowledge").get_by_role("button", name="Acknowledge").click()
    expect(lt.locator(".referral-route .referral-status")).to_have_text("Acknowledged")
    question = _step(lt, "request-information")
    question.locator("[name=question]").fill("Which school did the child attend before leaving Lithuania?")
    question.get_by_role("button", name="Send the question").click()
    expect(lt.locator(".referral-route .referral-status")).to_have_text("Information requested")

    # caseworker-se reads the question and provides the information
    worker = session_page(browser, live_server, demo_users["caseworker-se"])
    worker.goto(f"/en/referrals/{referral.pk}/")
    expect(worker.locator("table.timeline")).to_contain_text("Which school did the child attend before leaving Lithuania?")
    answer = _step(worker, "provide-information")
    answer.locator("[name=answer]").fill("School no. 5 in Vilnius, grade 7 (synthetic).")
    answer.get_by_role("button", name="Send the information").click()
    expect(worker.locator(".messages")).to_contain_text("The information was sent to Lithuania.")

    # ncp-lt reads the answer and accepts, assigning caseworker-lt: Lithuania's own case is opened
    lt.reload()
    expect(lt.locator("table.timeline")).to_contain_text("School no. 5 in Vilnius, grade 7 (synthetic).")
    accept = _step(lt, "accept")
    accept.locator("[name=assign_to]").select_option("caseworker-lt")
    accept.get_by_role("button", name="Accept the referral").click()
    expect(lt.locator(".referral-route .referral-status")).to_have_text("Accepted")
    accepted = Referral.objects.select_related("receiving_case__country").get()
    lithuanian = accepted.receiving_case
    assert lithuanian is not None
    assert lithuanian.country.code == "LT"
    assert Case.objects.filter(country__code="LT").count() == 1
    link = lt.locator("a.receiving-case")
    expect(link).to_have_text(lithuanian.number)
    link.click()
    expect(lt).to_have_url(f"{live_server.url}/en/cases/{lithuanian.pk}/")
    expect(lt.locator("main")).to_contain_text("Testa Syntheticova")

    # caseworker-se follows the timeline: every step, both sides, and never the Lithuanian case number
    worker.goto(f"/en/referrals/{referral.pk}/")
    steps = worker.locator("table.timeline tbody th[scope=row]")
    expect(steps).to_have_text(
        ["Draft created", "Sent", "Delivered", "Acknowledged", "Information requested", "Information provided", "Accepted"]
    )
    expect(worker.locator("body")).not_to_contain_text(lithuanian.number)

    # and the referral page renders in Russian
    lt.goto(f"/ru/referrals/{referral.pk}/")
    expect(lt.locator("html")).to_have_attribute("lang", "ru")
    expect(lt.locator("h1")).to_contain_text(referral.reference)
    expect(lt.locator(".referral-route .referral-status")).to_have_text("Принято")

    # the secretariat sees the regional dashboard: the pair and its count (one referral: "<5"), no case data
    secretariat = session_page(browser, live_server, demo_users["secretariat"])
    secretariat.goto("/en/referrals/dashboard/")
    expect(secretariat.locator("main")).to_contain_text("SE → LT")
    expect(secretariat.locator("main")).to_contain_text("<5")
    for secret in (referral.reference, case.number, lithuanian.number, "Testa", "Syntheticova", case.child.pseudonym):
        expect(secretariat.locator("body")).not_to_contain_text(secret)
    response = secretariat.goto(f"/en/referrals/{referral.pk}/")
    assert response is not None
    assert response.status == 404  # the same answer as for no referral at all

    # and every step is in the audit log, by whom it was taken
    steps_audited = list(
        AuditEntry.objects.filter(object_type="referrals.referral", object_id=str(referral.pk))
        .exclude(action__in=["referral.view", "referral.subject.read", "referral.thread.read"])
        .order_by("seq")
        .values_list("action", "actor_username")
    )
    assert steps_audited == [
        ("referral.draft", "ncp-se"),
        ("referral.send", "ncp-se"),
        ("referral.acknowledge", "ncp-lt"),
        ("referral.request_information", "ncp-lt"),
        ("referral.provide_information", "caseworker-se"),
        ("referral.accept", "ncp-lt"),
    ]
    assert AuditEntry.objects.filter(action="case.referral", object_id__in=[str(case.pk), str(lithuanian.pk)]).count() == 2
    for page in (se, lt, worker, secretariat):
        page.context.close()
