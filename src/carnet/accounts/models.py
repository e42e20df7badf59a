"""Users, their memberships (person x organisation x country x role) and API tokens."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """A role in the network. "Public" is nobody signed in and has no row."""

    MEMBER = "member", _("Network member")
    EXPERT = "expert", _("Trained expert")
    CASEWORKER = "caseworker", _("Caseworker")
    SUPERVISOR = "supervisor", _("Supervisor")
    NCP = "ncp", _("National contact point")
    COORDINATOR = "coordinator", _("National coordinator")
    RESEARCHER = "researcher", _("Researcher")
    SECRETARIAT = "secretariat", _("CBSS secretariat")
    SYSADMIN = "sysadmin", _("System administrator")
    EXPERT_GROUP = "expert_group", _("Task-force expert group")


# Roles that can see protected data must sign in with a second factor.
SECOND_FACTOR_ROLES = frozenset(
    {Role.CASEWORKER, Role.SUPERVISOR, Role.NCP, Role.COORDINATOR, Role.RESEARCHER, Role.SECRETARIAT, Role.SYSADMIN}
)


class User(AbstractUser):
    """A person who signs in. What they may do comes from their memberships, never from flags."""

    preferred_language = models.CharField(_("preferred language"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")


class MembershipQuerySet(models.QuerySet["Membership"]):
    def active(self, at: object = None) -> MembershipQuerySet:
        now = at or timezone.now()
        return self.filter(Q(valid_from__lte=now), Q(valid_until__isnull=True) | Q(valid_until__gt=now))


class Membership(models.Model):
    """A person's role in the network, for a country (or the whole region) and an organisation."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    country = models.ForeignKey(
        "core.Country",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("country"),
        help_text=_("Empty for a regional role, such as the secretariat."),
    )
    organisation = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    valid_from = models.DateTimeField(_("valid from"), default=timezone.now)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            # One row per user, role, country and organisation; written out per null case because
            # SQLite has no NULLS NOT DISTINCT.
            models.UniqueConstraint(fields=["user", "role", "country", "organisation"], name="membership_unique"),
            models.UniqueConstraint(
                fields=["user", "role"], condition=Q(country__isnull=True, organisation__isnull=True), name="membership_unique_regional"
            ),
            models.UniqueConstraint(
                fields=["user", "role", "country"],
                condition=Q(organisation__isnull=True, country__isnull=False),
                name="membership_unique_country",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "organisation"],
                condition=Q(country__isnull=True, organisation__isnull=False),
                name="membership_unique_org",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gt=models.F("valid_from")), name="membership_valid_range"
            ),
        ]

    def __str__(self) -> str:
        where = self.country.code if self.country_id and self.country else _("region")
        return f"{self.user} · {self.get_role_display()} · {where}"


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 of the secret is stored; it acts with its user's permissions."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user"))
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, unique=True)
    digest = models.CharField(_("digest"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
