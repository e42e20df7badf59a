"""The directory's "done when" journey for contact sharing, in a real browser.

With the demo directory loaded: member-fi searches the directory for "Expert", opens expert-ee's
profile and sees no contacts ("hidden"); asks for them with a reason; expert-ee opens their contact
requests and approves; member-fi reloads the profile and now sees the e-mail and phone, and the vCard
download and the API give the same values as the page. ncp-lt (signed in with password and
authenticator code) sees expert-ee's contacts directly, without any request.
"""

from __future__ import annotations

import io
from typing import Any

import vobject
from playwright.sync_api import expect

from carnet.accounts.models import User
from carnet.audit.models import AuditEntry
from carnet.directory import demo
from carnet.directory.models import ContactRequest, Person
from tests.e2e.browsing import session_page, sign_in

REASON = "I am preparing a training on identification in Helsinki and would like to invite Eva as a trainer."


def _contacts(page: Any) -> Any:
    return page.locator("section[aria-labelledby=contacts-heading]")


def _vcard_values(page: Any, person: Person) -> dict[str, str | None]:
    response = page.request.get(f"/en/directory/people/{person.pk}/vcard/")
    assert response.status == 200
    card = vobject.readOne(response.text())
    return {
        "email": card.email.value if hasattr(card, "email") else None,
        "phone": card.tel.value if hasattr(card, "tel") else None,
    }


def _api_values(page: Any, person: Person) -> dict[str, str | None]:
    response = page.request.get(f"/api/v1/directory/people/{person.pk}")
    assert response.status == 200
    body = response.json()
    return {"email": body["email"], "phone": body["phone"]}


def test_member_fi_asks_expert_ee_approves_and_ncp_lt_sees_directly(browser: Any, live_server: Any, demo_users: dict[str, User]) -> None:
    # given the demo directory: expert-ee is a trained expert in Estonia, every contact restricted
    demo.load(out=io.StringIO())
    expert = Person.objects.get(user=demo_users["expert-ee"])
    assert (expert.email_visibility, expert.phone_visibility, expert.address_visibility) == ("restricted",) * 3
    email, phone = expert.email, str(expert.phone)

    # member-fi searches the directory for "Expert" and opens expert-ee's profile
    member = session_page(browser, live_server, demo_users["member-fi"])
    member.goto("/en/directory/people/")
    member.get_by_label("Name, position or organisation").fill("Expert")
    member.get_by_role("button", name="Search").click()
    row = member.locator("table.people tbody tr", has_text=expert.full_name)
    expect(row).to_have_count(1)
    row.get_by_role("link", name=expert.full_name, exact=True).click()
    expect(member).to_have_url(f"{live_server.url}/en/directory/people/{expert.pk}/")

    # and sees no contacts: each is "hidden"
    contacts = _contacts(member)
    expect(contacts).to_contain_text("E-mail: hidden")
    expect(contacts).to_contain_text("Phone: hidden")
    expect(member.locator("body")).not_to_contain_text(email)
    assert _vcard_values(member, expert) == {"email": None, "phone": None}
    assert _api_values(member, expert) == {"email": None, "phone": None}

    # member-fi asks, with a reason; the form names what is hidden, never its value
    contacts.get_by_role("link", name=f"Ask for {expert.full_name}’s contact details").click()
    expect(member).to_have_url(f"{live_server.url}/en/directory/people/{expert.pk}/contact-request/")
    expect(member.locator("ul.hidden-fields")).to_contain_text("E-mail")
    expect(member.locator("main")).not_to_contain_text(email)
    member.get_by_label("Why do you need these contact details?").fill(REASON)
    member.get_by_role("button", name="Send the request").click()
    expect(member).to_have_url(f"{live_server.url}/en/directory/contact-requests/")
    expect(member.locator(".messages")).to_contain_text("Your request was sent.")
    expect(member.locator("table.asked tbody tr", has_text=expert.full_name)).to_contain_text("Waiting for an answer")

    # expert-ee opens their contact requests and approves
    person = session_page(browser, live_server, demo_users["expert-ee"])
    person.goto("/en/directory/contact-requests/")
    asked = person.locator("table.to-decide tbody tr", has_text="Mikko Member (FI)")
    expect(asked).to_contain_text(REASON)
    asked.get_by_role("button", name="Approve").click()
    expect(person.locator(".messages")).to_contain_text(
        f"Approved: Mikko Member (FI) can see the contact details of {expert.full_name} for 90 days."
    )
    grant = ContactRequest.objects.get(person=expert)
    assert grant.status == ContactRequest.Status.APPROVED
    assert list(AuditEntry.objects.filter(action="directory.contact_grant").values_list("actor_username", "object_id")) == [
        ("expert-ee", str(grant.pk))
    ]

    # member-fi reloads the profile and now sees the e-mail and the phone
    member.goto(f"/en/directory/people/{expert.pk}/")
    contacts = _contacts(member)
    expect(contacts.get_by_role("link", name=email, exact=True)).to_be_visible()
    expect(contacts.get_by_role("link", name=phone, exact=True)).to_be_visible()
    expect(contacts).not_to_contain_text("hidden")
    # and the vCard and the API give the same values as the page
    assert _vcard_values(member, expert) == {"email": email, "phone": phone}
    assert _api_values(member, expert) == {"email": email, "phone": phone}
    member.goto("/en/directory/contact-requests/")
    expect(member.locator("table.asked tbody tr", has_text=expert.full_name)).to_contain_text("Approved")

    # ncp-lt signs in, opens expert-ee's profile and sees the contacts directly, without any request
    ncp = sign_in(browser, live_server, demo_users["ncp-lt"])
    ncp.goto(f"/en/directory/people/{expert.pk}/")
    contacts = _contacts(ncp)
    expect(contacts.get_by_role("link", name=email, exact=True)).to_be_visible()
    expect(contacts.get_by_role("link", name=phone, exact=True)).to_be_visible()
    expect(contacts.get_by_role("link", name=f"Ask for {expert.full_name}’s contact details")).to_have_count(0)
    assert _vcard_values(ncp, expert) == {"email": email, "phone": phone}
    assert _api_values(ncp, expert) == {"email": email, "phone": phone}
    assert not ContactRequest.objects.filter(requester=demo_users["ncp-lt"]).exists()

    for page in (member, person, ncp):
        page.context.close()
