"""E-mails about referrals, sent after the transaction commits. They name the reference, never the child.

Each person gets the message in their preferred language (English when they have none).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise

from carnet.accounts.models import Membership, Role, User
from carnet.referrals.models import Referral


def base_url() -> str:
    """Where carnet is reached, for links in e-mails (``CARNET_BASE_URL``)."""
    return str(getattr(settings, "CARNET_BASE_URL", "http://localhost:8000"))


def people(country_codes: Iterable[str], *roles: Role) -> list[User]:
    """Active users holding one of ``roles`` in one of the countries."""
    ids = Membership.objects.active().filter(role__in=roles, country__code__in=list(country_codes)).values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True).exclude(email="").order_by("username"))


def _send(referral_id: object, recipients: list[User], subject: Promise, body: Promise, params: dict[str, str], link_to: str) -> None:
    for user in recipients:
        language = user.preferred_language or settings.LANGUAGE_CODE
        with translation.override(language):
            path = reverse(link_to, args=[referral_id]) if link_to == "referrals:detail" else reverse(link_to)
            link = base_url().rstrip("/") + path
            send_mail(
                str(subject) % params,
                str(body) % {**params, "link": link},
                None,
                [user.email],
                fail_silently=True,
            )


def notify_on_commit(
    referral: Referral, recipients: list[User], subject: Promise, body: Promise, *, link_to: str = "referrals:detail"
) -> None:
    """Queue an e-mail for after the commit (nothing is sent for a change that rolls back).

    ``subject`` and ``body`` are lazy translations with %(reference)s, %(from)s, %(to)s (and %(link)s in the body).
    ``link_to`` is the page the link opens: the referral for people on its sides, the dashboard for national
    coordinators (who may not open the referral).
    """
    params = {"reference": referral.reference, "from": referral.from_country.code, "to": referral.to_country.code}
    referral_id = referral.pk
    transaction.on_commit(lambda: _send(referral_id, recipients, subject, body, params, link_to))
