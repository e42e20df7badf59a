"""A resource's public page, its file downloads, and the editing pages under /<interface language>/library/.

The public page shows the reader's language first (the interface language, or ``?language=``),
falling back to English with a note; the other published languages are listed with their
files. A resource one may not see answers 404 everywhere, like a missing one.

The editing pages are gated by ``LibraryPolicy`` (CREATE for the list and new resources,
EDIT for a resource's pages; a resource one may not edit is 404). The language after the
resource in an editing address is the *content* language being edited, independent of the
interface language prefix. A refused POST re-renders the page with the reason and 400
(invalid input), 403 (not allowed) or 409 (a step the version's status does not allow);
nothing is changed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import translation
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from carnet.accounts.models import User
from carnet.core.access import allowed, public
from carnet.core.forms import run_service
from carnet.library import selectors, services
from carnet.library.forms import ResourceForm, StepForm, VersionForm
from carnet.library.models import Resource, ResourceRevision, ResourceVersion, Status, Visibility
from carnet.library.policies import LibraryAction, LibraryPolicy
from carnet.library.uploads import max_bytes

logger = logging.getLogger(__name__)
SOURCE_LANGUAGE = selectors.SOURCE_LANGUAGE


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _content_language(language: str) -> str:
    if language not in selectors.languages():
        raise Http404
    return language


def _refusal(form: Any, act: Callable[[], Any]) -> int | None:
    return run_service(form, act, catch_denied=True)


# --- the public page -----------------------------------------------------------------------------


def _instrument_sheets(resource: Resource) -> list[Any]:
    """The published versions of the resource's self-assessment instrument (each has printable sheets)."""
    if resource.instrument_id is None:
        return []
    from carnet.assessments.models import InstrumentVersion, VersionStatus

    return list(InstrumentVersion.objects.filter(instrument_id=resource.instrument_id, status=VersionStatus.PUBLISHED).order_by("-number"))


@public
@require_safe
def resource_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """One resource: the reader's language first (else English, with a note), its metadata and files, the other languages."""
    resource = selectors.resource_get_for(actor=request.user, slug=slug)
    published = selectors.published_versions(resource)
    reader = translation.get_language() or settings.LANGUAGE_CODE
    wanted = request.GET.get("language") or reader
    wanted = wanted if wanted in published else reader
    if wanted in published:
        shown_language = wanted
    elif SOURCE_LANGUAGE in published:
        shown_language = SOURCE_LANGUAGE
    else:
        shown_language = next(iter(published), "")
    shown = published.get(shown_language)
    outdated = shown is not None and selectors.version_outdated(shown.version)
    may_edit = LibraryPolicy.can(request.user, LibraryAction.EDIT, resource)
    others = [
        {
            "language": code,
            "name": selectors.language_name(code),
            "revision": revision,
            "url": f"{reverse('library:resource', args=[resource.slug])}?language={code}",
            "download": reverse("library:download", args=[resource.slug, code]) if revision.file else "",
        }
        for code, revision in published.items()
        if code != shown_language
    ]
    context = {
        "resource": resource,
        "shown": shown,
        "shown_language": shown_language,
        "shown_language_name": selectors.language_name(shown_language),
        "body_html": mark_safe(selectors.body_html(shown)) if shown is not None else "",  # noqa: S308  # cleaned by nh3 (carnet.library.text)
        "fell_back": shown is not None and shown_language != wanted,
        "wanted_language_name": selectors.language_name(wanted),
        "outdated": outdated,
        "download": reverse("library:download", args=[resource.slug, shown_language]) if shown is not None and shown.file else "",
        "others": others,
        "sheets": _instrument_sheets(resource),
        "may_edit": may_edit,
        "edit_url": reverse("library:edit", args=[resource.slug]) if may_edit else "",
    }
    response = render(request, "library/resource/detail.html", context)
    if resource.visibility != Visibility.PUBLIC or shown is None:
        response["Cache-Control"] = "private, no-store"
    return response


@public
@require_safe
def download(request: HttpRequest, slug: str, language: str) -> HttpResponse:
    """The published file of one language, as an attachment, after its checksum is confirmed."""
    revision: ResourceRevision = selectors.published_revision_get_for(actor=request.user, slug=slug, language=language)
    if not revision.file:
        raise Http404
    try:
        content = selectors.stored_file(revision)
    except (OSError, selectors.FileDamaged):
        logger.error(
            "library: the stored file of %s [%s] revision %s cannot be read or does not match its checksum", slug, language, revision.number
        )
        raise Http404 from None
    response = HttpResponse(content, content_type=revision.file_type or "application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=revision.file_name) or "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Length"] = str(len(content))
    if revision.version.resource.visibility != Visibility.PUBLIC:
        response["Cache-Control"] = "private, no-store"
    return response


# --- editing -------------------------------------------------------------------------------------


def _version_rows(versions: Any) -> list[dict[str, Any]]:
    return [
        {
            "version": version,
            "name": selectors.language_name(version.language),
            "url": reverse("library:edit_version", args=[version.resource.slug, version.language]),
        }
        for version in versions
    ]


@allowed(LibraryPolicy, LibraryAction.CREATE)
@require_safe
def edit_list(request: HttpRequest) -> HttpResponse:
    """What the editor works on: their drafts, the review queue (secretariat), and every resource they may edit."""
    user = request.user
    resources = [
        {"resource": resource, "states": selectors.edit_state(resource), "url": reverse("library:edit", args=[resource.slug])}
        for resource in selectors.editable_resources(user)[:200]
    ]
    context = {
        "drafts": _version_rows(selectors.my_drafts(user)[:100]),
        "queue": _version_rows(selectors.review_queue(user)[:100]),
        "may_review": LibraryPolicy.can(user, LibraryAction.REVIEW),
        "resources": resources,
    }
    response = render(request, "library/edit/list.html", context)
    response["Cache-Control"] = "private, no-store"
    return response


@allowed(LibraryPolicy, LibraryAction.CREATE)
@require_http_methods(["GET", "HEAD", "POST"])
def resource_new(request: HttpRequest) -> HttpResponse:
    """A new resource: its address and facts; its English text is written next."""
    template = "library/edit/resource.html"
    if request.method != "POST":
        return render(request, template, {"form": ResourceForm(), "creating": True})
    form = ResourceForm(request.POST)
    if not form.is_valid():
        return render(request, template, {"form": form, "creating": True}, status=400)
    created: list[Resource] = []
    status = _refusal(
        form, lambda: created.append(services.resource_create(actor=_user(request), slug=form.cleaned_data["slug"], **form.facts()))
    )
    if status is not None:
        return render(request, template, {"form": form, "creating": True}, status=status)
    messages.success(request, _("The resource is created. Write its English text now."))
    return redirect("library:edit_version", created[0].slug, SOURCE_LANGUAGE)


def _editable(request: HttpRequest, slug: str) -> Resource:
    return selectors.editable_resource_get_for(actor=request.user, slug=slug)


@allowed(LibraryPolicy, LibraryAction.EDIT)
@require_http_methods(["GET", "HEAD", "POST"])
def resource_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """A resource's facts, and where each of its languages stands."""
    resource = _editable(request, slug)
    template = "library/edit/resource.html"
    initial = {
        "kind": resource.kind,
        "audience": resource.audience,
        "publisher": resource.publisher,
        "year": resource.year,
        "licence": resource.licence,
        "visibility": resource.visibility,
        "restricted_to": resource.restricted_to,
        "priorities": list(resource.priorities.all()),
        "countries": list(resource.countries.all()),
        "instrument": resource.instrument,
    }
    form = ResourceForm(request.POST if request.method == "POST" else None, initial=initial, creating=False)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            refused = _refusal(form, lambda: services.resource_update(actor=_user(request), resource=resource, **form.facts()))
            if refused is None:
                messages.success(request, _("The resource's details are saved."))
                return redirect("library:edit", resource.slug)
            status = refused
    context = {"form": form, "creating": False, "resource": resource, "states": _state_rows(resource)}
    response = render(request, template, context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


def _state_rows(resource: Resource) -> list[dict[str, Any]]:
    return [
        {"state": state, "url": reverse("library:edit_version", args=[resource.slug, state.language])}
        for state in selectors.edit_state(resource)
    ]


def _version_context(
    request: HttpRequest, resource: Resource, language: str, form: VersionForm, step_form: StepForm | None = None
) -> dict[str, Any]:
    version = selectors.version_for(resource, language)
    latest = selectors.latest_revision(version)
    states = selectors.edit_state(resource)
    state = next(s for s in states if s.language == language)
    sent_back = None
    if version is not None and version.status == Status.DRAFT:
        entry = selectors.last_send_back(version)
        if entry is not None and (latest is None or entry.at >= latest.created_at):
            sent_back = {"by": entry.actor_username, "reason": entry.purpose.split(": ", 1)[-1]}
    source = None
    if language != SOURCE_LANGUAGE:
        source = selectors.latest_revision(selectors.version_for(resource, SOURCE_LANGUAGE))
    revisions = selectors.revisions_for(version)
    status = version.status if version is not None and version.revision else ""
    user = request.user
    return {
        "resource": resource,
        "language": language,
        "language_name": selectors.language_name(language),
        "version": version,
        "latest": latest,
        "state": state,
        "states": _state_rows(resource),
        "form": form,
        "step_form": step_form or StepForm(),
        "sent_back": sent_back,
        "source": source,
        "diff": selectors.source_diff(version) if version is not None and state.outdated else [],
        "english_published": selectors.english_published_revision(resource),
        "history": revisions,
        "may_submit": status == Status.DRAFT,
        "may_publish": status in {Status.DRAFT, Status.IN_REVIEW} and LibraryPolicy.can(user, LibraryAction.PUBLISH, resource),
        "may_send_back": status == Status.IN_REVIEW and LibraryPolicy.can(user, LibraryAction.REVIEW, resource),
        "may_withdraw": version is not None
        and version.published_revision is not None
        and LibraryPolicy.can(user, LibraryAction.PUBLISH, resource),
        "public_url": reverse("library:resource", args=[resource.slug]),
    }


def _render_version(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    response = render(request, "library/edit/version.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


@allowed(LibraryPolicy, LibraryAction.EDIT)
@require_http_methods(["GET", "HEAD", "POST"])
def version_edit(request: HttpRequest, slug: str, language: str) -> HttpResponse:
    """One language of a resource: title, summary, body, file; for an outdated translation, what changed in English."""
    resource = _editable(request, slug)
    language = _content_language(language)
    english_latest = selectors.latest_revision(selectors.version_for(resource, SOURCE_LANGUAGE))
    if request.method != "POST":
        latest = selectors.latest_revision(selectors.version_for(resource, language))
        initial: dict[str, Any] = {"keep_file": True}
        if latest is not None:
            initial.update(title=latest.title, summary=latest.summary, body=latest.body)
        if language != SOURCE_LANGUAGE and english_latest is not None:
            initial["source_revision"] = english_latest.number
        form = VersionForm(initial=initial, language=language, max_bytes=max_bytes())
        return _render_version(request, _version_context(request, resource, language, form))
    form = VersionForm(request.POST, request.FILES, language=language, max_bytes=max_bytes())
    if not form.is_valid():
        return _render_version(request, _version_context(request, resource, language, form), status=400)
    data = form.cleaned_data
    version = selectors.version_for(resource, language)
    made_from = data["source_revision"] if language != SOURCE_LANGUAGE else None
    if version is not None and selectors.version_outdated(version) and not data["up_to_date"]:
        made_from = version.source_revision  # corrected, but not yet brought up to date with the newer English
    saved: list[ResourceRevision] = []
    status = _refusal(
        form,
        lambda: saved.append(
            services.version_save(
                actor=_user(request),
                resource=resource,
                language=language,
                title=data["title"],
                summary=data["summary"],
                body=data["body"],
                upload=data["upload"],
                keep_file=data["keep_file"],
                note=data["note"],
                source_revision=made_from,
            )
        ),
    )
    if status is not None:
        return _render_version(request, _version_context(request, resource, language, form), status=status)
    messages.success(request, _("Saved as revision %(number)s (a draft).") % {"number": saved[0].number})
    return redirect("library:edit_version", resource.slug, language)


@allowed(LibraryPolicy, LibraryAction.EDIT)
@require_POST
def version_step(request: HttpRequest, slug: str, language: str) -> HttpResponse:
    """Submit, send back, publish or withdraw one language (the services decide who may)."""
    resource = _editable(request, slug)
    language = _content_language(language)
    step_form = StepForm(request.POST)
    version = selectors.version_for(resource, language)
    form = VersionForm(initial={}, language=language, max_bytes=max_bytes())
    latest = selectors.latest_revision(version)
    if latest is not None:
        form.initial.update(title=latest.title, summary=latest.summary, body=latest.body, keep_file=True)
    if not step_form.is_valid():
        return _render_version(request, _version_context(request, resource, language, form, step_form), status=400)
    if version is None:
        step_form.add_error(None, _("Nothing has been saved in this language yet."))
        return _render_version(request, _version_context(request, resource, language, form, step_form), status=409)
    user, step = _user(request), step_form.cleaned_data["step"]
    reason = step_form.cleaned_data["reason"]
    actions: dict[str, tuple[Callable[[], ResourceVersion], str]] = {
        "submit": (
            lambda: services.version_submit(actor=user, version=version),
            _("Submitted for review. The secretariat publishes it or sends it back."),
        ),
        "send_back": (
            lambda: services.version_send_back(actor=user, version=version, reason=reason),
            _("Sent back to its author as a draft."),
        ),
        "publish": (lambda: services.version_publish(actor=user, version=version), _("Published: this is what readers now see.")),
        "withdraw": (
            lambda: services.version_withdraw(actor=user, version=version, reason=reason),
            _("Withdrawn: readers no longer see this language."),
        ),
    }
    act, done = actions[step]
    status = _refusal(step_form, act)
    if status is not None:
        return _render_version(request, _version_context(request, resource, language, form, step_form), status=status)
    messages.success(request, done)
    return redirect("library:edit_version", resource.slug, language)


urlpatterns: list[URLPattern] = [
    path("resources/<slug:slug>/", resource_detail, name="resource"),
    path("resources/<slug:slug>/<str:language>/file/", download, name="download"),
    path("edit/", edit_list, name="edit_list"),
    path("edit/new/", resource_new, name="new"),
    path("edit/<slug:slug>/", resource_edit, name="edit"),
    path("edit/<slug:slug>/<str:language>/", version_edit, name="edit_version"),
    path("edit/<slug:slug>/<str:language>/step/", version_step, name="version_step"),
]
