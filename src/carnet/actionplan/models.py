"""The Plan of Action: actions, who is accountable for each, and where each stands.

This is the part of the Plan of Action that meetings feed: an *area for action* recorded
at a meeting becomes (or links to) an :class:`Action`, and the meeting page shows the
action's status. Every change of status is an :class:`ActionUpdate` with a note and,
where there is one, the evidence (a link or a library resource), so the history of an
action is its accountability record.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from parler.models import TranslatableModel, TranslatedFields


class ActionStatus(models.TextChoices):
    PROPOSED = "proposed", pgettext_lazy("action status", "Proposed")
    PLANNED = "planned", pgettext_lazy("action status", "Planned")
    IN_PROGRESS = "in_progress", pgettext_lazy("action status", "In progress")
    DONE = "done", pgettext_lazy("action status", "Done")
    DROPPED = "dropped", pgettext_lazy("action status", "Dropped")


class Action(TranslatableModel):
    code = models.CharField(_("code"), max_length=20, unique=True)  # "PoA-2026-001"
    priority = models.ForeignKey(
        "core.Priority", on_delete=models.PROTECT, null=True, blank=True, related_name="actions", verbose_name=_("priority")
    )
    status = models.CharField(_("status"), max_length=12, choices=ActionStatus.choices, default=ActionStatus.PROPOSED)
    # Who is accountable: organisations (states' authorities, donors, international organisations, NGOs) and countries.
    responsible = models.ManyToManyField("directory.Organisation", blank=True, related_name="actions", verbose_name=_("accountable"))
    countries = models.ManyToManyField("core.Country", blank=True, related_name="actions", verbose_name=_("countries"))
    due = models.DateField(_("due"), null=True, blank=True)
    translations = TranslatedFields(
        title=models.CharField(_("title"), max_length=300),
        description=models.TextField(_("description"), blank=True),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = pgettext_lazy("plan of action", "action")
        verbose_name_plural = _("actions")

    def __str__(self) -> str:
        return str(self.code)


class ActionUpdate(models.Model):
    """One entry of an action's history: a status (possibly unchanged), what happened, and the evidence."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(_("status"), max_length=12, choices=ActionStatus.choices)
    note = models.TextField(_("what happened"), blank=True)
    evidence_url = models.URLField(_("evidence (link)"), blank=True)
    evidence = models.ForeignKey(
        "library.Resource", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("evidence (library)")
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["action", "-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.action.code}: {self.status}"
