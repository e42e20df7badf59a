from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from carnet.audit.forms import AuditSearchForm
from carnet.audit.policies import AuditAction, AuditPolicy
from carnet.audit.selectors import AuditQuery, audit_search_for
from carnet.core.access import allowed


@allowed(AuditPolicy, AuditAction.VIEW_LOG)
@require_safe
def log(request: HttpRequest) -> HttpResponse:
    form = AuditSearchForm(request.GET or None)
    page = None
    if form.is_bound and not form.is_valid():
        entries = None
    else:
        query = AuditQuery(**form.cleaned_data) if form.is_bound else AuditQuery()
        entries = audit_search_for(actor=request.user, query=query)
        page = Paginator(entries, 50).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "audit/log.html", {"form": form, "page": page, "params": params.urlencode()})
