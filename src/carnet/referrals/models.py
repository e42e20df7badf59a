"""A referral of a child's case from one country's national contact point to another's.

The **message** (see :mod:`carnet.referrals.message`) is what crosses the border: the
receiving side reads the delivered message, never the sender's case. Everything that
could identify the child (the message, reasons, notes, attachments, visit reports) is
encrypted under the referral's own data key; deleting that key shreds the referral.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from carnet.referrals.profiles import LegalBasis, Outcome, Purpose, Urgency


class Status(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("referral status", "Draft")
    SENT = "sent", pgettext_lazy("referral status", "Sent")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("referral status", "Acknowledged")
    INFO_REQUESTED = "info_requested", pgettext_lazy("referral status", "Information requested")
    ACCEPTED = "accepted", pgettext_lazy("referral status", "Accepted")
    DECLINED = "declined", pgettext_lazy("referral status", "Declined")
    IN_PROGRESS = "in_progress", pgettext_lazy("referral status", "In progress")
    COMPLETED = "completed", pgettext_lazy("referral status", "Completed")
    WITHDRAWN = "withdrawn", pgettext_lazy("referral status", "Withdrawn")


# A referral in one of these waits for the receiving NCP's answer: past its deadline it is overdue.
AWAITING_ANSWER = frozenset({Status.SENT, Status.ACKNOWLEDGED, Status.INFO_REQUESTED})
CLOSED = frozenset({Status.DECLINED, Status.COMPLETED, Status.WITHDRAWN})


class Side(models.TextChoices):
    SENDER = "sender", _("Sending country")
    RECEIVER = "receiver", _("Receiving country")
    SYSTEM = "system", _("carnet")


class Referral(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # The pseudonymous cross-border reference: the only name both countries use for this child's referral.
    reference = models.CharField(_("cross-border reference"), max_length=20, unique=True)
    source_case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="referrals_sent", verbose_name=_("case"))
    from_country = models.ForeignKey("core.Country", on_delete=models.PROTECT, related_name="+", verbose_name=_("from"))
    to_country = models.ForeignKey("core.Country", on_delete=models.PROTECT, related_name="+", verbose_name=_("to"))
    purpose = models.CharField(_("purpose"), max_length=30, choices=Purpose.choices)
    urgency = models.CharField(_("urgency"), max_length=20, choices=Urgency.choices, default=Urgency.ROUTINE)
    respond_by = models.DateField(_("answer by"))
    legal_basis = models.CharField(_("legal basis"), max_length=20, choices=LegalBasis.choices)
    legal_basis_decided_by = models.CharField(_("decided by"), max_length=200)
    legal_basis_decided_on = models.DateField(_("decided on"))
    profile = models.CharField(_("what is shared"), max_length=30)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    data_key = models.ForeignKey("core.DataKey", on_delete=models.SET_NULL, null=True, related_name="+")
    note_enc = models.BinaryField(null=True, editable=False)  # the covering note from the sender
    # The referral message as delivered to the receiving side (JSON, see message.py): what they may read.
    message_enc = models.BinaryField(null=True, editable=False)
    message_format = models.CharField(max_length=40, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    approval_requested_at = models.DateTimeField(_("approval asked"), null=True, blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    decided_at = models.DateTimeField(_("accepted or declined"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("assigned to")
    )
    receiving_case = models.OneToOneField(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="referral_received", verbose_name=_("receiving case")
    )
    outcome = models.CharField(_("outcome"), max_length=30, choices=Outcome.choices, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        db_table = "referrals_referral"
        ordering = ["-created_at"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        indexes = [
            models.Index(fields=["to_country", "status"], name="referral_to_status_idx"),
            models.Index(fields=["from_country", "status"], name="referral_from_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~models.Q(from_country=models.F("to_country")), name="referral_crosses_a_border"),
        ]

    def __str__(self) -> str:
        return self.reference


class ReferralEvent(models.Model):
    """One step of the timeline both sides see: who (by side), when, what, and the reason where one is needed."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Draft created")
        APPROVAL_REQUESTED = "approval_requested", _("Approval asked of the NCP")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        ASSIGNED = "assigned", _("Assigned")
        INFO_REQUESTED = "info_requested", _("Information requested")
        INFO_PROVIDED = "info_provided", _("Information provided")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        STARTED = "started", _("Work started")
        COMPLETED = "completed", _("Completed")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        ESCALATED = "escalated", _("Escalated: deadline passed")
        FOLLOW_UP = "follow_up", _("Follow-up visit reported")
        MATCH_CHECKED = "match_checked", _("Possible match checked")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)  # the referral's status after the step
    side = models.CharField(max_length=10, choices=Side.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    actor_username = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField()
    note_enc = models.BinaryField(null=True, editable=False)  # a reason, a question, an outcome: may identify the child

    class Meta:
        db_table = "referrals_event"
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.referral_id} {self.kind}"


class ReferralNote(models.Model):
    """A message on the referral's thread, between the two sides."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="notes")
    side = models.CharField(max_length=10, choices=Side.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body_enc = models.BinaryField(null=True, editable=False)
    created_at = models.DateTimeField()

    class Meta:
        db_table = "referrals_note"
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return str(self.pk)


class ReferralAttachment(models.Model):
    """A file on a thread message: its kind must be one the referral's profile allows."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    note = models.ForeignKey(ReferralNote, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("kind of document"), max_length=30)
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    content_enc = models.BinaryField(null=True, editable=False)

    class Meta:
        db_table = "referrals_attachment"
        ordering = ["filename"]

    def __str__(self) -> str:
        return self.filename


class FollowUpReport(models.Model):
    """The receiving NCP's report of a follow-up visit after a return, sent back to the sending country."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="follow_ups")
    planned_on = models.DateField(_("planned"), null=True, blank=True)
    visited_on = models.DateField(_("visited"))
    result_enc = models.BinaryField(null=True, editable=False)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "referrals_followup"
        ordering = ["visited_on"]

    def __str__(self) -> str:
        return str(self.pk)


class ReferralIndex(models.Model):
    """Keyed hashes of the names and document numbers the *delivered message* carries: the receiving side's search.

    Built from the message, so a name the profile did not share cannot be searched for.
    """

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="index_entries")
    kind = models.CharField(max_length=10)  # "name" or "document"
    digest = models.CharField(max_length=64, db_index=True)

    class Meta:
        db_table = "referrals_index"
        constraints = [models.UniqueConstraint(fields=["referral", "kind", "digest"], name="referralindex_unique")]

    def __str__(self) -> str:
        return str(self.pk)


class TransportMessage(models.Model):
    """The outbox and inbox of referral messages: one row per message and direction; receipt is idempotent."""

    class Direction(models.TextChoices):
        OUT = "out", _("Sent")
        IN = "in", _("Received")

    id = models.BigAutoField(primary_key=True)
    message_id = models.UUIDField()
    direction = models.CharField(max_length=3, choices=Direction.choices)
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="transport_messages")
    kind = models.CharField(max_length=20)
    format = models.CharField(max_length=40)
    digest = models.CharField(max_length=64)  # SHA-256 of the canonical JSON: the same message is the same digest
    transport = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "referrals_transportmessage"
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["message_id", "direction"], name="transportmessage_once")]

    def __str__(self) -> str:
        return f"{self.direction} {self.message_id}"
