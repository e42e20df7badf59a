"""The network's directory: organisations, people, their network roles and topics, and who may see their contacts.

Contact fields are read only through :mod:`carnet.directory.visibility`, the one place that
decides, for pages, search, exports, the API and offline exports alike.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from parler.models import TranslatableModel, TranslatedFields
from phonenumber_field.modelfields import PhoneNumberField


class OrganisationType(models.TextChoices):
    STATE_AUTHORITY = "state_authority", _("State authority")
    NGO = "ngo", _("Non-governmental organisation")
    INTERNATIONAL = "international", _("International organisation")
    DONOR = "donor", _("Donor")
    SECRETARIAT = "secretariat", _("Secretariat")
    RESEARCH = "research", _("Research institute")
    NETWORK_BODY = "network_body", _("Working group or task force")


class Organisation(TranslatableModel):
    slug = models.SlugField(_("slug"), unique=True)
    kind = models.CharField(_("type"), max_length=20, choices=OrganisationType.choices)
    country = models.ForeignKey(
        "core.Country",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisations",
        verbose_name=_("country"),
        help_text=_("Empty for a regional body."),
    )
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("part of"))
    translations = TranslatedFields(
        name=models.CharField(_("name"), max_length=200),
        acronym=models.CharField(_("acronym"), max_length=20, blank=True),
    )

    class Meta:
        ordering = ["slug"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return str(self.safe_translation_getter("name", any_language=True) or self.slug)


class Visibility(models.TextChoices):
    """Who may read a contact field. Anything wider than "restricted" needs the person's consent (ContactConsent)."""

    PUBLIC = "public", _("Everyone, on the public site")
    MEMBERS = "members", _("Signed-in network members")
    RESTRICTED = "restricted", _("National contact points, national coordinators and the task-force expert group")


VISIBILITY_ORDER = {Visibility.RESTRICTED: 0, Visibility.MEMBERS: 1, Visibility.PUBLIC: 2}


class NetworkRoleKind(models.TextChoices):
    NCP = "ncp", _("National contact point")
    NCP_DEPUTY = "ncp_deputy", _("Deputy national contact point")
    NATIONAL_COORDINATOR = "national_coordinator", _("National coordinator")
    WGCC_MEMBER = "wgcc_member", _("Member of the WGCC")
    TFTHB_MEMBER = "tfthb_member", _("Member of the Task Force against Trafficking in Human Beings")
    TFOC_EXPERT_GROUP = "tfoc_expert_group", _("Member of the TFOC expert group on human trafficking")
    TRAINED_EXPERT = "trained_expert", _("Trained expert")


class Topic(TranslatableModel):
    """A topic of expertise; a topic may belong to one of the WGCC's priorities (its topic group)."""

    slug = models.SlugField(_("slug"), unique=True)
    priority = models.ForeignKey(
        "core.Priority", on_delete=models.PROTECT, null=True, blank=True, related_name="topics", verbose_name=_("priority")
    )
    translations = TranslatedFields(name=models.CharField(_("name"), max_length=150))

    class Meta:
        ordering = ["slug"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self) -> str:
        return str(self.safe_translation_getter("name", any_language=True) or self.slug)


class Person(models.Model):
    """Somebody in the network. Contact fields each carry a visibility; read them only through directory.visibility."""

    CONTACT_FIELDS = ("email", "phone", "address")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="person", verbose_name=_("account")
    )
    full_name = models.CharField(_("name"), max_length=200)
    position = models.CharField(_("position"), max_length=200, blank=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="people", verbose_name=_("organisation")
    )
    country = models.ForeignKey("core.Country", on_delete=models.PROTECT, related_name="people", verbose_name=_("country"))
    languages = models.JSONField(_("languages spoken"), default=list, blank=True)  # ISO 639-1 codes
    topics = models.ManyToManyField(Topic, blank=True, related_name="people", verbose_name=_("topics of expertise"))
    priorities = models.ManyToManyField("core.Priority", blank=True, related_name="people", verbose_name=_("works on"))
    email = models.EmailField(_("e-mail"), blank=True)
    email_visibility = models.CharField(_("who sees the e-mail"), max_length=10, choices=Visibility.choices, default=Visibility.RESTRICTED)
    phone = PhoneNumberField(_("phone"), blank=True)
    phone_visibility = models.CharField(_("who sees the phone"), max_length=10, choices=Visibility.choices, default=Visibility.RESTRICTED)
    address = models.CharField(_("postal address"), max_length=300, blank=True)
    address_visibility = models.CharField(
        _("who sees the address"), max_length=10, choices=Visibility.choices, default=Visibility.RESTRICTED
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "directory_person"
        ordering = ["full_name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.UniqueConstraint(fields=["email"], condition=~models.Q(email=""), name="person_email_unique"),
        ]

    def __str__(self) -> str:
        return self.full_name


class NetworkRole(models.Model):
    """A person's role in the network, for a country (or the region), with its validity."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="roles")
    kind = models.CharField(_("role"), max_length=30, choices=NetworkRoleKind.choices)
    country = models.ForeignKey(
        "core.Country", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("country")
    )
    since = models.DateField(_("since"), null=True, blank=True)
    until = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        db_table = "directory_networkrole"
        ordering = ["kind"]
        verbose_name = _("network role")
        verbose_name_plural = _("network roles")

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind}"


class ContactConsent(models.Model):
    """A person's consent to show contact fields more widely than "restricted": what, to whom, when, until, withdrawn."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    fields = models.JSONField(_("contact fields"))  # a subset of Person.CONTACT_FIELDS
    audience = models.CharField(
        _("shown to"),
        max_length=10,
        choices=[(Visibility.MEMBERS, Visibility.MEMBERS.label), (Visibility.PUBLIC, Visibility.PUBLIC.label)],
    )
    given_on = models.DateField(_("given on"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "directory_contactconsent"
        ordering = ["-given_on", "-recorded_at"]
        verbose_name = _("consent to share contacts")
        verbose_name_plural = _("consents to share contacts")

    def __str__(self) -> str:
        return f"{self.person_id} {self.audience}"


class ContactRequest(models.Model):
    """A member asks to see a person's contacts; the person (or their country's NCP) decides; an approval expires."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for an answer")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="contact_requests")
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contact_requests")
    reason = models.CharField(_("why you ask"), max_length=1000)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(_("reason"), max_length=500, blank=True)
    expires_at = models.DateTimeField(_("access until"), null=True, blank=True)

    class Meta:
        db_table = "directory_contactrequest"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "requester"], condition=models.Q(status="pending"), name="contactrequest_one_pending"
            ),
        ]

    def __str__(self) -> str:
        return str(self.pk)
