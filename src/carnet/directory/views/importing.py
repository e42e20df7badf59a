"""The secretariat's import of people from a CSV file, with a per-row report before anything is stored.

"Check" only reports. "Import" stores every row or, when any row is wrong, nothing. "Import the
valid rows" stores those and keeps the rejected rows (as uploaded, with their messages) in the
user's session until they are downloaded once from this page: after the import, the file itself
could not tell them apart any more (the stored rows would now be duplicates).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import content_disposition_header
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from carnet.core.access import allowed
from carnet.directory.forms import ImportForm
from carnet.directory.policies import DirectoryAction, DirectoryPolicy
from carnet.directory.services import IMPORT_COLUMNS, import_read, people_import, rejects_csv

REJECTS_KEY = "directory_import_rejects"


def _rejects_download(request: HttpRequest) -> HttpResponse:
    content = request.session.pop(REJECTS_KEY, None)
    if not content:
        raise Http404
    response = HttpResponse("\ufeff" + content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename="rejected-rows.csv") or "attachment"
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@allowed(DirectoryPolicy, DirectoryAction.IMPORT)
@require_http_methods(["GET", "HEAD", "POST"])
def import_people(request: HttpRequest) -> HttpResponse:
    """GET: the form (``?rejects=1``: the rejected rows of the last partial import). POST: check or import a file."""
    if request.method != "POST":
        if request.GET.get("rejects"):
            return _rejects_download(request)
        return render(request, "directory/import.html", {"form": ImportForm(), "columns": IMPORT_COLUMNS})
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "directory/import.html", {"form": form, "columns": IMPORT_COLUMNS}, status=400)
    content: bytes = form.cleaned_data["file"]
    action = form.cleaned_data["action"]
    context = {"form": ImportForm(), "columns": IMPORT_COLUMNS, "action": action}
    if action == ImportForm.CHECK:
        report = import_read(content)
        return render(request, "directory/import.html", {**context, "report": report}, status=200 if report.all_valid else 400)
    result = people_import(actor=request.user, content=content, valid_only=action == ImportForm.IMPORT_VALID)
    report = result.report
    if not result.created:
        return render(request, "directory/import.html", {**context, "report": report, "nothing_stored": True}, status=400)
    count = len(result.created)
    messages.success(
        request,
        ngettext("%(count)d person was added to the directory.", "%(count)d people were added to the directory.", count) % {"count": count},
    )
    if not report.rejected_rows:
        request.session.pop(REJECTS_KEY, None)
        return redirect("directory:people")
    request.session[REJECTS_KEY] = rejects_csv(report)
    return render(request, "directory/import.html", {**context, "report": report, "created": result.created, "rejects_ready": True})


urlpatterns = [path("people/import/", import_people, name="import")]
