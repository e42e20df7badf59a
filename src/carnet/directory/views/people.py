"""The directory's pages for members: people (search, profile, vCards, adding and editing), organisations and topic groups.

Contacts on every page come only from :func:`carnet.directory.visibility.cards_for`; a field the
reader may not see says "hidden" and, when the reader could ask, links to a contact request.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from carnet.audit.services import record
from carnet.core.access import allowed
from carnet.directory.forms import PersonForm, SearchForm, language_name
from carnet.directory.models import Person
from carnet.directory.policies import DirectoryAction, DirectoryPolicy
from carnet.directory.selectors import (
    PeopleFilters,
    organisation_get_for,
    organisation_list_for,
    people_search_for,
    person_get_for,
    topic_group_get,
    topic_groups,
)
from carnet.directory.services import person_create, person_update
from carnet.directory.vcard import vcard_for, vcards_for
from carnet.directory.visibility import ContactCard, card_for, cards_for

PER_PAGE = 25
VCARDS_MAX = 2000  # one file for a whole country's network, not for scraping everyone ever listed

BROWSE = allowed(DirectoryPolicy, DirectoryAction.BROWSE)


@dataclass(frozen=True)
class Entry:
    """A person as a row of a page: the person's facts, the reader's card of their contacts, and where to ask."""

    person: Person
    card: ContactCard
    request_url: str | None
    languages: list[tuple[str, str]]


def contact_request_url(request: HttpRequest, card: ContactCard) -> str | None:
    """The page to ask for the hidden contacts, when something is hidden and the reader may ask."""
    if not card.can_request or not DirectoryPolicy.can(request.user, DirectoryAction.REQUEST_CONTACT, card.person):
        return None
    try:
        return reverse("directory:contact_request_new", args=[card.person.pk])
    except NoReverseMatch:  # the contact requests' pages are a separate part of the directory
        return None


def languages_of(person: Person) -> list[tuple[str, str]]:
    return [(code, language_name(code)) for code in person.languages or []]


def entries(request: HttpRequest, people: Any) -> list[Entry]:
    return [
        Entry(person=card.person, card=card, request_url=contact_request_url(request, card), languages=languages_of(card.person))
        for card in cards_for(request.user, people, channel="directory page")
    ]


def _vcard_response(content: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/vcard; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename) or "attachment"
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@BROWSE
@require_safe
def people(request: HttpRequest) -> HttpResponse:
    """Search the network's people by name, position or organisation, and filter them."""
    form = SearchForm(request.GET or None)
    filters = form.filters()
    page = Paginator(people_search_for(actor=request.user, filters=filters), PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "entries": entries(request, page.object_list),
        "query": query.urlencode(),
        "can_export": DirectoryPolicy.can(request.user, DirectoryAction.EXPORT_TABLE),
        "can_import": DirectoryPolicy.can(request.user, DirectoryAction.IMPORT),
        "can_create": DirectoryPolicy.can(request.user, DirectoryAction.CREATE_PERSON),
    }
    return render(request, "directory/people.html", context)


@BROWSE
@require_safe
def person(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    """One person's profile: roles, topics, languages, and the contacts this reader may see."""
    found = person_get_for(actor=request.user, person_id=person_id)
    card = card_for(request.user, found, channel="profile")
    entry = Entry(person=found, card=card, request_url=contact_request_url(request, card), languages=languages_of(found))
    can_edit = DirectoryPolicy.can(request.user, DirectoryAction.EDIT_PERSON, found)
    return render(request, "directory/person.html", {"entry": entry, "person": found, "can_edit": can_edit})


@BROWSE
@require_safe
def vcard(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    """One person as a vCard, with only the contacts this reader may see; audited."""
    found = person_get_for(actor=request.user, person_id=person_id)
    content = vcard_for(card_for(request.user, found, channel="vCard"))
    record(actor=request.user, action="directory.vcard", obj=found)
    return _vcard_response(content, f"{slugify(found.full_name) or 'person'}.vcf")


@BROWSE
@require_safe
def vcards(request: HttpRequest) -> HttpResponse:
    """The people of a search (same filters as the list) as one .vcf file; audited with the count."""
    filters = SearchForm(request.GET or None).filters()
    found = list(people_search_for(actor=request.user, filters=filters)[:VCARDS_MAX])
    content = vcards_for(cards_for(request.user, found, channel="vCards"))
    record(actor=request.user, action="directory.vcards", object_type="directory.person", purpose=f"{len(found)} people")
    return _vcard_response(content, "carnet-directory.vcf")


@BROWSE
@require_safe
def organisations(request: HttpRequest) -> HttpResponse:
    """The organisations of the network, by country, with their type and how many people are listed."""
    return render(request, "directory/organisations.html", {"organisations": organisation_list_for(actor=request.user)})


@BROWSE
@require_safe
def organisation(request: HttpRequest, slug: str) -> HttpResponse:
    found = organisation_get_for(actor=request.user, slug=slug)
    members = list(people_search_for(actor=request.user, filters=PeopleFilters(organisation=found.slug))[:500])
    return render(request, "directory/organisation.html", {"organisation": found, "entries": entries(request, members)})


@BROWSE
@require_safe
def groups(request: HttpRequest) -> HttpResponse:
    """The topic groups: the WGCC's five priorities, their topics and who works on them."""
    return render(request, "directory/topic_groups.html", {"groups": topic_groups()})


@BROWSE
@require_safe
def group(request: HttpRequest, slug: str) -> HttpResponse:
    """One topic group: who works on what (by topic), and the member list."""
    found = topic_group_get(slug=slug)
    return render(request, "directory/topic_group.html", {"group": found, "entries": entries(request, found.people)})


def _person_form_page(request: HttpRequest, form: PersonForm, person: Person | None = None, status: int = 200) -> HttpResponse:
    is_self = person is not None and person.user_id is not None and person.user_id == request.user.pk
    return render(request, "directory/person_form.html", {"form": form, "person": person, "is_self": is_self}, status=status)


@allowed(DirectoryPolicy, DirectoryAction.CREATE_PERSON)
@require_http_methods(["GET", "HEAD", "POST"])
def person_new(request: HttpRequest) -> HttpResponse:
    """Add a person to the directory (the secretariat); every contact detail starts restricted."""
    if request.method != "POST":
        return _person_form_page(request, PersonForm())
    form = PersonForm(request.POST)
    if form.is_valid():
        try:
            created = person_create(actor=request.user, data=form.service_data())
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("%(name)s was added to the directory.") % {"name": created.full_name})
            return redirect("directory:person", created.pk)
    return _person_form_page(request, form, status=400)


@BROWSE
@require_http_methods(["GET", "HEAD", "POST"])
def person_edit(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    """Change a person's entry (the person themself, or the secretariat); never who sees their contacts.

    A contact detail the editor may not see is not shown here either: left empty, it keeps its stored value.
    """
    found = person_get_for(actor=request.user, person_id=person_id)
    if not DirectoryPolicy.can(request.user, DirectoryAction.EDIT_PERSON, found):
        raise PermissionDenied
    if request.method != "POST":
        card = card_for(request.user, found, channel="edit page")
        return _person_form_page(request, PersonForm(initial=PersonForm.initial_for(found, card.values()), hidden=card.hidden), found)
    form = PersonForm(request.POST, hidden=card_for(request.user, found).hidden)
    if form.is_valid():
        try:
            updated = person_update(actor=request.user, person=found, data=form.service_data())
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("The directory entry of %(name)s was saved.") % {"name": updated.full_name})
            return redirect("directory:person", found.pk)
    return _person_form_page(request, form, found, status=400)


urlpatterns = [
    path("people/", people, name="people"),
    path("people/vcards/", vcards, name="vcards"),
    path("people/new/", person_new, name="person_new"),
    path("people/<uuid:person_id>/", person, name="person"),
    path("people/<uuid:person_id>/edit/", person_edit, name="person_edit"),
    path("people/<uuid:person_id>/vcard/", vcard, name="vcard"),
    path("organisations/", organisations, name="organisations"),
    path("organisations/<slug:slug>/", organisation, name="organisation"),
    path("groups/", groups, name="topic_groups"),
    path("groups/<slug:slug>/", group, name="topic_group"),
]
