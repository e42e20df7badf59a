"""The people list as a table (CSV or XLSX), for those who run the network: secretariat, NCPs, national coordinators.

The contact columns come from the exporting user's contact cards, as on the page: an NCP's
export holds experts' contacts, the secretariat's does not (it is not in the restricted
audience). Every cell is made safe for spreadsheets, and the export is audited with its size.
"""

from __future__ import annotations

from typing import Any

import tablib  # type: ignore[import-untyped]  # tablib ships no types
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from carnet.audit.services import record
from carnet.cases.services_exports import spreadsheet_safe
from carnet.core.access import allowed
from carnet.directory.forms import SearchForm
from carnet.directory.policies import DirectoryAction, DirectoryPolicy
from carnet.directory.selectors import people_search_for
from carnet.directory.visibility import ContactCard, cards_for

EXPORT_MAX = 5000
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def people_table(cards: list[ContactCard]) -> tablib.Dataset:
    """One row per person; contact cells are the card's (empty when hidden or empty)."""
    table = tablib.Dataset(
        headers=[
            _("Name"),
            _("Position"),
            _("Organisation"),
            _("Country"),
            _("Network roles"),
            _("Topics"),
            _("Languages"),
            _("E-mail"),
            _("Phone"),
            _("Address"),
        ]
    )
    for card in cards:
        person = card.person
        roles = "; ".join(
            f"{role.get_kind_display()} ({role.country.code})" if role.country else str(role.get_kind_display())
            for role in getattr(person, "active_roles", [])
        )
        row: list[Any] = [
            person.full_name,
            person.position,
            str(person.organisation) if person.organisation else "",
            person.country.code,
            roles,
            "; ".join(str(topic) for topic in person.topics.all()),
            ", ".join(person.languages or []),
            card.email or "",
            card.phone or "",
            card.address or "",
        ]
        table.append([spreadsheet_safe(cell) for cell in row])
    return table


@allowed(DirectoryPolicy, DirectoryAction.EXPORT_TABLE)
@require_safe
def export(request: HttpRequest) -> HttpResponse:
    """``?format=csv|xlsx`` and the people list's filters."""
    kind = request.GET.get("format", "csv")
    if kind not in FORMATS:
        return HttpResponse(_("Choose the format csv or xlsx."), status=400, content_type="text/plain; charset=utf-8")
    filters = SearchForm(request.GET or None).filters()
    people = list(people_search_for(actor=request.user, filters=filters)[:EXPORT_MAX])
    table = people_table(cards_for(request.user, people))
    record(actor=request.user, action="directory.export", object_type="directory.person", purpose=f"{len(people)} people, {kind}")
    if kind == "csv":
        # A byte-order mark so that spreadsheets read the UTF-8 (Cyrillic, diacritics) correctly.
        body: str | bytes = "\ufeff" + table.export("csv")
    else:
        body = table.export("xlsx")
    response = HttpResponse(body, content_type=FORMATS[kind])
    filename = f"carnet-directory-{timezone.localdate().isoformat()}.{kind}"
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename) or "attachment"
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


urlpatterns = [path("people/export/", export, name="export")]
