from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from carnet.accounts.forms import TokenCreateForm
from carnet.accounts.models import User
from carnet.accounts.roles import grants_of, needs_second_factor
from carnet.accounts.selectors import token_get_for, token_list_for
from carnet.accounts.services import token_create, token_revoke
from carnet.core.access import signed_in


@signed_in
@require_http_methods(["GET", "HEAD", "POST"])
def security(request: HttpRequest) -> HttpResponse:
    """The user's own security page: roles, second factors, personal API tokens."""
    form = TokenCreateForm(request.POST or None)
    issued = None
    if request.method == "POST" and form.is_valid():
        user = cast(User, request.user)  # @signed_in guarantees a real user
        issued = token_create(actor=user, user=user, name=form.cleaned_data["name"], days=form.cleaned_data["days"])
        form = TokenCreateForm()
    from allauth.mfa.models import Authenticator

    return render(
        request,
        "accounts/security.html",
        {
            "form": form,
            "issued": issued,
            "tokens": token_list_for(actor=request.user),
            "grants": sorted(grants_of(request.user), key=lambda g: (g.role, g.country or "")),
            "needs_second_factor": needs_second_factor(request.user),
            "authenticators": Authenticator.objects.filter(user=request.user).values_list("type", flat=True),
        },
    )


@signed_in
@require_POST
def token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    token = token_get_for(actor=request.user, token_id=token_id)
    token_revoke(actor=request.user, token=token)
    messages.success(request, _("The token %(name)s was revoked.") % {"name": token.name})
    return redirect("accounts:security")
