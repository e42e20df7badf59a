"""Expert meetings, conferences, trainings and the other meetings of the network; the calendar; outcomes.

An :class:`Event` is translatable (title, description, venue, city: django-parler). Its time
is kept the way people state it: a timed event has aware ``start``/``end`` instants and the
IANA ``timezone`` it happens in (shown and exported in that zone, VTIMEZONE included); an
all-day or multi-day event has ``all_day`` and local dates only (``start_date`` to
``end_date`` inclusive; exported as ``VALUE=DATE`` with an exclusive DTEND). ``start_date``
and ``end_date`` are filled for every event so that calendars filter by date in SQL.

iCalendar identity: ``uid`` never changes; ``sequence`` grows on every change of time,
place or status (RFC 5545 3.8.7.4), and a cancelled event stays in every feed with
``STATUS:CANCELLED`` — the services keep both rules (``carnet.events.services``).

:class:`Outcome` items are what a meeting produced, typed as the seed's methods name them
(area of concern, gap, area for action, expert input to the WGCC, commitment); an area for
action links to an action of the Plan of Action (``carnet.actionplan``).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from parler.models import TranslatableModel, TranslatedFields


class EventKind(models.TextChoices):
    EXPERT_MEETING = "expert_meeting", _("Expert meeting")
    CONFERENCE = "conference", _("Conference")
    TRAINING = "training", _("Training session")
    NCP_MEETING = "ncp_meeting", _("Meeting of national contact points")
    ROUNDTABLE = "roundtable", _("Roundtable")
    TASK_FORCE = "task_force", _("Joint task-force meeting")


class EventStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("event status", "Draft")  # only its editors see it; in no feed
    TENTATIVE = "tentative", pgettext_lazy("event status", "Planned")  # announced, date or place may change
    CONFIRMED = "confirmed", pgettext_lazy("event status", "Confirmed")
    CANCELLED = "cancelled", pgettext_lazy("event status", "Cancelled")


class EventVisibility(models.TextChoices):
    PUBLIC = "public", _("Everyone, on the public site")
    MEMBERS = "members", _("Network members (signed in)")
    INVITED = "invited", _("Invited participants only")


class EventSeries(TranslatableModel):
    """Meetings that recur under one name ("Meeting of National Contact Points")."""

    slug = models.SlugField(_("slug"), unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    translations = TranslatedFields(name=models.CharField(_("name"), max_length=200))

    class Meta:
        ordering = ["slug"]
        verbose_name = _("series")
        verbose_name_plural = _("series")

    def __str__(self) -> str:
        return str(self.safe_translation_getter("name", any_language=True) or self.slug)


class Event(TranslatableModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    slug = models.SlugField(_("slug"), unique=True, max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    series = models.ForeignKey(
        EventSeries, on_delete=models.PROTECT, null=True, blank=True, related_name="events", verbose_name=_("series")
    )
    number_in_series = models.PositiveSmallIntegerField(_("number in the series"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=EventStatus.choices, default=EventStatus.DRAFT)
    visibility = models.CharField(_("who may see it"), max_length=10, choices=EventVisibility.choices, default=EventVisibility.PUBLIC)
    translations = TranslatedFields(
        title=models.CharField(_("title"), max_length=300),
        description=models.TextField(_("description"), blank=True),
        venue=models.CharField(_("venue"), max_length=300, blank=True),
        city=models.CharField(_("city"), max_length=100, blank=True),
    )
    country = models.ForeignKey(
        "core.Country", on_delete=models.PROTECT, null=True, blank=True, related_name="events", verbose_name=_("country")
    )
    online = models.BooleanField(_("online"), default=False)
    all_day = models.BooleanField(_("all day"), default=False)
    timezone = models.CharField(_("time zone"), max_length=64, default="Europe/Stockholm")
    start = models.DateTimeField(_("starts"), null=True, blank=True)  # timed events only (aware)
    end = models.DateTimeField(_("ends"), null=True, blank=True)
    start_date = models.DateField(_("first day"), db_index=True)  # local dates, every event
    end_date = models.DateField(_("last day"))
    organisers = models.ManyToManyField(
        "directory.Organisation", through="EventOrganiser", blank=True, related_name="events", verbose_name=_("organisers")
    )
    working_languages = models.JSONField(_("working languages"), default=list, blank=True)
    priorities = models.ManyToManyField("core.Priority", blank=True, related_name="events", verbose_name=_("priorities"))
    # Registration
    registration_opens = models.DateTimeField(_("registration opens"), null=True, blank=True)
    registration_closes = models.DateTimeField(_("registration closes"), null=True, blank=True)
    capacity = models.PositiveIntegerField(_("places"), null=True, blank=True)
    requires_approval = models.BooleanField(_("the organisers approve each registration"), default=True)
    cancellation_reason = models.CharField(_("why it was cancelled"), max_length=1000, blank=True)
    # iCalendar identity
    uid = models.CharField(max_length=120, unique=True)
    sequence = models.PositiveIntegerField(default=0)
    # Closing: what the meeting was
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    attendance_count = models.PositiveIntegerField(_("participants who attended"), null=True, blank=True)
    participating_countries = models.ManyToManyField(
        "core.Country", blank=True, related_name="+", verbose_name=_("participating countries")
    )
    participating_organisations = models.ManyToManyField(
        "directory.Organisation", blank=True, related_name="+", verbose_name=_("participating organisations")
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start_date", "start", "slug"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        constraints = [
            models.CheckConstraint(condition=models.Q(end_date__gte=models.F("start_date")), name="event_ends_after_start_date"),
            models.CheckConstraint(
                condition=models.Q(all_day=True) | models.Q(start__isnull=False, end__isnull=False, end__gt=models.F("start")),
                name="event_timed_has_start_before_end",
            ),
        ]

    def __str__(self) -> str:
        return str(self.safe_translation_getter("title", any_language=True) or self.slug)


class OrganiserRole(models.TextChoices):
    ORGANISER = "organiser", _("Organiser")
    CO_ORGANISER = "co_organiser", _("Co-organiser")


class EventOrganiser(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="organiser_links")
    organisation = models.ForeignKey("directory.Organisation", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=15, choices=OrganiserRole.choices, default=OrganiserRole.ORGANISER)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "organisation"], name="event_organiser_once")]

    def __str__(self) -> str:
        return f"{self.event_id}:{self.organisation_id}:{self.role}"


class RegistrationStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("registration status", "Awaiting approval")
    APPROVED = "approved", pgettext_lazy("registration status", "Approved")
    DECLINED = "declined", pgettext_lazy("registration status", "Declined")
    CANCELLED = "cancelled", pgettext_lazy("registration status", "Cancelled")


# The registrations that hold a place (counted against capacity).
HOLDS_PLACE = (RegistrationStatus.PENDING, RegistrationStatus.APPROVED)


class Registration(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="registrations")
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("organisation")
    )
    country = models.ForeignKey(
        "core.Country", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("country")
    )
    status = models.CharField(_("status"), max_length=10, choices=RegistrationStatus.choices, default=RegistrationStatus.PENDING)
    note = models.CharField(_("note to the organisers"), max_length=500, blank=True)
    attended = models.BooleanField(_("attended"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["event", "created_at"]
        constraints = [models.UniqueConstraint(fields=["event", "user"], name="registration_once_per_event")]

    def __str__(self) -> str:
        return f"{self.event_id}:{self.user_id}:{self.status}"


class DocumentKind(models.TextChoices):
    AGENDA = "agenda", _("Agenda")
    PRESENTATION = "presentation", _("Presentation")
    MINUTES = "minutes", _("Minutes")
    REPORT = "report", _("Report")
    OTHER = "other", _("Other document")


class EventDocument(models.Model):
    """A meeting document: always a library resource (an upload is filed in the library first)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="documents")
    resource = models.ForeignKey("library.Resource", on_delete=models.PROTECT, related_name="event_documents")
    kind = models.CharField(_("kind"), max_length=15, choices=DocumentKind.choices)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["event", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["event", "resource"], name="event_document_once")]

    def __str__(self) -> str:
        return f"{self.event_id}:{self.kind}"


class OutcomeKind(models.TextChoices):
    CONCERN = "concern", _("Area of concern")
    GAP = "gap", _("Gap identified")
    ACTION_AREA = "action_area", _("Area for action")
    EXPERT_INPUT = "expert_input", _("Expert input to the WGCC")
    COMMITMENT = "commitment", _("Commitment")


class Outcome(TranslatableModel):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="outcomes")
    kind = models.CharField(_("kind"), max_length=15, choices=OutcomeKind.choices)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    translations = TranslatedFields(text=models.TextField(_("text")))
    priority = models.ForeignKey(
        "core.Priority", on_delete=models.PROTECT, null=True, blank=True, related_name="outcomes", verbose_name=_("priority")
    )
    countries = models.ManyToManyField("core.Country", blank=True, related_name="outcomes", verbose_name=_("countries concerned"))
    # A commitment's maker: an organisation, or a state (country), or both.
    committed_by = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("committed by")
    )
    committed_country = models.ForeignKey(
        "core.Country", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("committed by (state)")
    )
    action = models.ForeignKey(
        "actionplan.Action",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outcomes",
        verbose_name=pgettext_lazy("plan of action", "action"),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["event", "position", "created_at"]
        verbose_name = _("outcome")
        verbose_name_plural = _("outcomes")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.safe_translation_getter('text', any_language=True) or ''}"[:80]


class FeedToken(models.Model):
    """The secret of one person's private calendar feed (the events they are registered for). Reset makes a new one."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"feed:{self.user_id}"
