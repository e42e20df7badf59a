from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class TokenCreateForm(forms.Form):
    name = forms.CharField(label=_("What the token is for"), max_length=100, help_text=_("For example: monthly statistics script."))
    days = forms.IntegerField(
        label=_("Valid for (days)"), min_value=1, max_value=365, initial=settings.CARNET_API_TOKEN_DAYS if settings.configured else 90
    )
