"""The printable referral (PDF): its header, what was shared and the timeline, watermarked and audited as an export.

The printout reads the same delivered message as the referral page (``shared_subject_for``),
so paper carries exactly the disclosure profile, nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from carnet.audit.services import record
from carnet.referrals.message import ReferralMessage
from carnet.referrals.models import Referral, Side
from carnet.referrals.policies import side_of
from carnet.referrals.selectors import TimelineEntry, shared_subject_for, timeline_for


@dataclass(frozen=True)
class ReferralPrint:
    referral: Referral
    side: Side
    message: ReferralMessage | None
    timeline: list[TimelineEntry]
    watermark: str
    printed_by: str
    printed_at: datetime


def watermark_for(*, actor: Any, at: datetime) -> str:
    """The "who and when" printed at the top and bottom of every page."""
    return _("Confidential. Printed from carnet by %(user)s on %(time)s.") % {
        "user": actor.get_username(),
        "time": timezone.localtime(at).strftime("%Y-%m-%d %H:%M %Z"),
    }


@transaction.atomic
def referral_print_for(*, actor: Any, referral: Referral) -> ReferralPrint:
    """Gather a referral for printing by someone on either side; recorded as ``referral.export`` in the audit log."""
    side = side_of(actor, referral)
    if side is None:
        raise Http404
    now = timezone.now()
    message = shared_subject_for(actor=actor, referral=referral, purpose="print referral")
    printout = ReferralPrint(
        referral=referral,
        side=side,
        message=message,
        timeline=timeline_for(actor=actor, referral=referral),
        watermark=watermark_for(actor=actor, at=now),
        printed_by=actor.get_username(),
        printed_at=now,
    )
    record(actor=actor, action="referral.export", obj=referral, purpose=f"printable referral ({side})")
    return printout
