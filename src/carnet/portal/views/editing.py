"""The portal's editing pages under /<interface language>/portal/edit/ (docs/decisions/0008).

The language in the path after the object is the *content* language being edited (any of
``settings.LANGUAGES``), independent of the interface language prefix. Every page is gated
by ``PortalPolicy`` (EDIT: anybody who may edit something); the object's own decision is
taken in the view (403 for another country's page). A refused POST re-renders the form with
the reason and 400 (invalid input) or 409 (a step the text's status does not allow); nothing
is changed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from carnet.accounts.models import User
from carnet.core.access import allowed
from carnet.core.forms import run_service
from carnet.core.models import Country, Priority
from carnet.portal import services
from carnet.portal.forms import ContentForm, KeyFactForm, NewsCreateForm, RestoreForm
from carnet.portal.models import CountryPage, NewsItem, PriorityPage, Status
from carnet.portal.policies import PortalAction, PortalPolicy
from carnet.portal.selectors import SOURCE_LANGUAGE

# The <content> part of the history address, and how to find the object from its <object_id>.
KINDS = ("countries", "priorities", "news")
EDIT_URL = {"countries": "portal:edit_country", "priorities": "portal:edit_priority", "news": "portal:edit_news"}


def _country_page(code: str) -> CountryPage:
    """The country's page; an unsaved one when nothing has been written yet (saving the first text makes it)."""
    country = get_object_or_404(Country.objects.prefetch_related("translations"), code=code.upper(), is_state=True)
    return CountryPage.objects.filter(country=country).first() or CountryPage(country=country)


def _priority_page(slug: str) -> PriorityPage:
    priority = get_object_or_404(Priority.objects.prefetch_related("translations"), slug=slug)
    return PriorityPage.objects.filter(priority=priority).first() or PriorityPage(priority=priority)


def _news_item(slug: str) -> NewsItem:
    return get_object_or_404(NewsItem, slug=slug)


def _content(kind: str, ident: str) -> models.Model:
    finders: dict[str, Callable[[str], models.Model]] = {"countries": _country_page, "priorities": _priority_page, "news": _news_item}
    if kind not in finders:
        raise Http404
    return finders[kind](ident)


def _identity(obj: models.Model) -> tuple[str, str]:
    """The (<content>, <object_id>) of an object's editing addresses."""
    if isinstance(obj, CountryPage):
        return "countries", str(obj.country.code)
    if isinstance(obj, PriorityPage):
        return "priorities", str(obj.priority.slug)
    if isinstance(obj, NewsItem):
        return "news", str(obj.slug)
    raise TypeError(type(obj).__name__)


def _content_language(language: str) -> str:
    if language not in services.languages():
        raise Http404
    return language


def _may(request: HttpRequest, action: PortalAction, obj: Any) -> None:
    if not PortalPolicy.can(request.user, action, obj):
        raise PermissionDenied


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _refusal(form: Any, act: Callable[[], Any]) -> int | None:
    return run_service(form, act)


def _edit_url(obj: models.Model, language: str) -> str:
    kind, ident = _identity(obj)
    return reverse(EDIT_URL[kind], args=[ident, language])


def _status_rows(obj: models.Model) -> list[dict[str, Any]]:
    """Each language's status, with the address of its editing page."""
    kind, ident = _identity(obj)
    return [{"status": s, "url": reverse(EDIT_URL[kind], args=[ident, s.language])} for s in services.translation_status(obj)]


# --- the list -------------------------------------------------------------------------------


@allowed(PortalPolicy, PortalAction.EDIT)
@require_http_methods(["GET", "HEAD"])
def edit_index(request: HttpRequest) -> HttpResponse:
    """The content the user may edit, with each language's status (an NCP or coordinator sees their own country)."""
    user = request.user
    countries = PortalPolicy.visible(user, Country.objects.filter(is_state=True)).prefetch_related("translations")
    pages = {page.country_id: page for page in CountryPage.objects.filter(country__in=countries)}
    country_rows = [
        {"name": str(country), "code": country.code, "statuses": _status_rows(pages.get(country.pk) or CountryPage(country=country))}
        for country in countries
    ]
    priority_rows: list[dict[str, Any]] = []
    if PortalPolicy.can(user, PortalAction.EDIT, PriorityPage()):
        priority_pages = {page.priority_id: page for page in PriorityPage.objects.all()}
        for priority in Priority.objects.prefetch_related("translations"):
            page = priority_pages.get(priority.pk) or PriorityPage(priority=priority)
            priority_rows.append({"name": str(priority), "slug": priority.slug, "statuses": _status_rows(page)})
    news_rows: list[dict[str, Any]] = []
    if PortalPolicy.can(user, PortalAction.EDIT, NewsItem()):
        for item in NewsItem.objects.prefetch_related("translations").order_by("-published_at", "-pk")[:100]:
            news_rows.append({"name": str(item), "slug": item.slug, "published_at": item.published_at, "statuses": _status_rows(item)})
    context = {
        "country_rows": country_rows,
        "priority_rows": priority_rows,
        "news_rows": news_rows,
        "can_edit_priorities": PortalPolicy.can(user, PortalAction.EDIT, PriorityPage()),
        "can_create_news": PortalPolicy.can(user, PortalAction.CREATE_NEWS),
    }
    return render(request, "portal/edit/index.html", context)


# --- one language of one object -------------------------------------------------------------


def _edit_context(request: HttpRequest, obj: models.Model, language: str, form: ContentForm) -> dict[str, Any]:
    kind, ident = _identity(obj)
    status = services.language_status(obj, language)
    latest = services.latest_revision(obj, language)
    entry = services.last_send_back(obj, language)
    sent_back = None
    # The reason is shown with the text that went back, not with a newer one.
    if entry is not None and status.status == Status.DRAFT and (latest is None or entry.at >= latest.created_at):
        sent_back = {"by": entry.actor_username, "reason": entry.purpose[len(language) + 2 :]}
    source = None
    if language != SOURCE_LANGUAGE:
        english = services.latest_revision(obj, SOURCE_LANGUAGE)
        if english is not None:
            source = {
                "number": english.number,
                "fields": [(services.field_label(obj, f.name), english.data.get(f.name, "")) for f in services.fields_of(obj)],
            }
    return {
        "obj": obj,
        "kind": kind,
        "ident": ident,
        "language": language,
        "language_name": services.language_name(language),
        "form": form,
        "status": status,
        "statuses": _status_rows(obj),
        "diff": services.source_diff(obj, language) if status.outdated else [],
        "source": source,
        "sent_back": sent_back,
        "can_submit": status.status != Status.IN_REVIEW,
        "can_publish": PortalPolicy.can(request.user, PortalAction.PUBLISH, obj),
        "can_review": PortalPolicy.can(request.user, PortalAction.REVIEW, obj) and status.status == Status.IN_REVIEW,
        "history_url": reverse("portal:history", args=[kind, ident, language]),
        "facts_url": reverse("portal:keyfacts", args=[ident]) if kind == "countries" else "",
    }


def _edit(request: HttpRequest, obj: models.Model, language: str) -> HttpResponse:
    _may(request, PortalAction.EDIT, obj)
    template = "portal/edit/content.html"
    if request.method != "POST":
        initial: dict[str, Any] = dict(services.current_text(obj, language))
        initial["source_revision"] = services.latest_source_number(obj) if language != SOURCE_LANGUAGE else None
        form = ContentForm(initial=initial, obj=obj, language=language)
        return render(request, template, _edit_context(request, obj, language, form))
    form = ContentForm(request.POST, obj=obj, language=language)
    if not form.is_valid():
        return render(request, template, _edit_context(request, obj, language, form), status=400)
    user, data = _user(request), form.cleaned_data
    action, text = data["action"], form.text()
    made_from = data["source_revision"]
    before = services.language_status(obj, language)
    if before.outdated and not data["up_to_date"]:
        made_from = before.source_revision  # edited, but not yet brought up to date with the newer English
    done: list[str] = []

    def save_if_changed() -> None:
        if action == "save" or services.text_differs(obj, language, text):
            revision = services.content_save(
                actor=user, obj=obj, language=language, data=text, note=data["note"], source_revision=made_from
            )
            done.append(_("Saved as revision %(number)s.") % {"number": revision.number})

    def act() -> None:
        if action == "send_back":
            services.content_send_back(actor=user, obj=obj, language=language, reason=data["reason"])
            done.append(_("Sent back to its authors as a draft."))
            return
        if action == "publish":
            _may(request, PortalAction.PUBLISH, obj)
        save_if_changed()
        if action == "submit":
            services.content_submit(actor=user, obj=obj, language=language)
            done.append(_("Submitted for review. The secretariat publishes it or sends it back."))
        elif action == "publish":
            services.content_publish(actor=user, obj=obj, language=language)
            done.append(_("Published: this is what the public now reads."))

    status = _refusal(form, act)
    if status is not None:
        return render(request, template, _edit_context(request, obj, language, form), status=status)
    messages.success(request, " ".join(done))
    return redirect(_edit_url(obj, language))


@allowed(PortalPolicy, PortalAction.EDIT)
@require_http_methods(["GET", "HEAD", "POST"])
def edit_country(request: HttpRequest, code: str, language: str) -> HttpResponse:
    """One language of a country's page: summary, legislation, services."""
    return _edit(request, _country_page(code), _content_language(language))


@allowed(PortalPolicy, PortalAction.EDIT)
@require_http_methods(["GET", "HEAD", "POST"])
def edit_priority(request: HttpRequest, slug: str, language: str) -> HttpResponse:
    return _edit(request, _priority_page(slug), _content_language(language))


@allowed(PortalPolicy, PortalAction.EDIT)
@require_http_methods(["GET", "HEAD", "POST"])
def edit_news(request: HttpRequest, slug: str, language: str) -> HttpResponse:
    return _edit(request, _news_item(slug), _content_language(language))


@allowed(PortalPolicy, PortalAction.CREATE_NEWS)
@require_http_methods(["GET", "HEAD", "POST"])
def news_create(request: HttpRequest) -> HttpResponse:
    """A new news item: its address and its English text, saved as a draft."""
    template = "portal/edit/news_create.html"
    if request.method != "POST":
        return render(request, template, {"form": NewsCreateForm()})
    form = NewsCreateForm(request.POST)
    if not form.is_valid():
        return render(request, template, {"form": form}, status=400)
    data = form.cleaned_data
    created: list[NewsItem] = []
    status = _refusal(
        form,
        lambda: created.append(
            services.news_create(
                actor=_user(request),
                slug=data["slug"],
                language=SOURCE_LANGUAGE,
                data=form.text(),
                country=data["country"],
                priority=data["priority"],
                note=data["note"],
            )
        ),
    )
    if status is not None:
        return render(request, template, {"form": form}, status=status)
    messages.success(request, _("The news item is saved as a draft."))
    return redirect("portal:edit_news", created[0].slug, SOURCE_LANGUAGE)


# --- key facts ------------------------------------------------------------------------------


def _facts(page: CountryPage) -> list[dict[str, Any]]:
    if page.pk is None:
        return []
    rows = []
    for fact in page.facts.prefetch_related("translations"):
        labels = {t.language_code: t.label for t in fact.translations.all()}
        rows.append({"fact": fact, "labels": [(code, services.language_name(code), labels.get(code, "")) for code in services.languages()]})
    return rows


@allowed(PortalPolicy, PortalAction.EDIT)
@require_http_methods(["GET", "HEAD", "POST"])
def keyfacts(request: HttpRequest, code: str) -> HttpResponse:
    """A country's key facts: add one (number, what it counts in each language, source, year) or delete one."""
    page = _country_page(code)
    _may(request, PortalAction.EDIT, page)
    template = "portal/edit/keyfacts.html"
    form = KeyFactForm()
    status = 200
    if request.method == "POST":
        if request.POST.get("action") == "delete":
            fact_id = request.POST.get("fact", "")
            if page.pk is None or not fact_id.isdigit():
                raise Http404
            fact = get_object_or_404(page.facts.all(), pk=int(fact_id))
            services.keyfact_delete(actor=_user(request), fact=fact)
            messages.success(request, _("The key fact was deleted."))
            return redirect("portal:keyfacts", code)
        else:
            form = KeyFactForm(request.POST)
            status = 400
            if form.is_valid():
                data = form.cleaned_data
                refused = _refusal(
                    form,
                    lambda: services.keyfact_save(
                        actor=_user(request), page=page, value=data["value"], source=data["source"], year=data["year"], labels=form.labels()
                    ),
                )
                if refused is None:
                    messages.success(request, _("The key fact was added."))
                    return redirect("portal:keyfacts", code)
                status = refused
    context = {
        "page": page,
        "country": page.country,
        "facts": _facts(page),
        "form": form,
        "label_fields": [form[f"label_{c}"] for c in services.languages()],
        "edit_url": reverse("portal:edit_country", args=[code, SOURCE_LANGUAGE]),
    }
    return render(request, template, context, status=status)


# --- history --------------------------------------------------------------------------------


@allowed(PortalPolicy, PortalAction.EDIT)
@require_http_methods(["GET", "HEAD", "POST"])
def history(request: HttpRequest, content: str, object_id: str, language: str) -> HttpResponse:
    """Every revision of one language, newest first, each with what changed since the one before; restore an old one."""
    obj = _content(content, object_id)
    language = _content_language(language)
    _may(request, PortalAction.EDIT, obj)
    form = RestoreForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            number = form.cleaned_data["restore"]
            refused = _refusal(form, lambda: services.revision_restore(actor=_user(request), obj=obj, language=language, number=number))
            if refused is None:
                messages.success(request, _("Revision %(number)s was saved again as a new draft.") % {"number": number})
                return redirect(_edit_url(obj, language))
            status = refused
    revisions = services.revisions_for(obj, language)
    rows = []
    for index, revision in enumerate(revisions):
        before = revisions[index + 1] if index + 1 < len(revisions) else None
        rows.append(
            {"revision": revision, "before": before, "diff": services.diff_texts(obj, before.data if before else {}, revision.data)}
        )
    context = {
        "obj": obj,
        "kind": content,
        "ident": object_id,
        "language": language,
        "language_name": services.language_name(language),
        "rows": rows,
        "form": form,
        "edit_url": _edit_url(obj, language),
        "statuses": _status_rows(obj),
    }
    return render(request, "portal/edit/history.html", context, status=status)


urlpatterns: list[URLPattern] = [
    path("portal/edit/", edit_index, name="edit_index"),
    path("portal/edit/news/new/", news_create, name="news_create"),
    path("portal/edit/countries/<str:code>/facts/", keyfacts, name="keyfacts"),
    path("portal/edit/countries/<str:code>/<str:language>/", edit_country, name="edit_country"),
    path("portal/edit/priorities/<slug:slug>/<str:language>/", edit_priority, name="edit_priority"),
    path("portal/edit/news/<slug:slug>/<str:language>/", edit_news, name="edit_news"),
    path("portal/edit/<str:content>/<str:object_id>/<str:language>/history/", history, name="history"),
]
