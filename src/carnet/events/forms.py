"""Forms of the calendar pages.

The event form has one set of title, description, venue and city fields per language in
``settings.LANGUAGES`` (a third language appears without code). Times are typed as local
times of the event's own time zone: the form hands naive datetimes to the services, which
read them in the chosen zone. The business rules (end after start, a zone that exists,
registration window, capacity) are the services': a refusal comes back as a message on
the field it concerns (:func:`add_service_errors`), so the pages and the API say the same.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carnet.core.models import Country, Priority
from carnet.directory.models import Organisation
from carnet.events.models import DocumentKind, Event, EventKind, EventSeries, EventStatus, EventVisibility, OrganiserRole
from carnet.events.selectors import PAST, UPCOMING
from carnet.events.services import TRANSLATED_FIELDS, time_zone_names

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

# Working languages offered in the form: the site's languages and the region's (the field also takes others through the API).
REGIONAL_LANGUAGES = ["en", "ru", "da", "de", "et", "fi", "is", "lt", "lv", "nb", "pl", "sv"]


def _blank(text: Any) -> list[tuple[str, Any]]:
    return [("", text)]


class LocalDateTimeField(forms.DateTimeField):
    """A date and time as typed, without a zone: the event's own zone gives it its meaning."""

    def to_python(self, value: Any) -> dt.datetime | None:
        result = super().to_python(value)
        if result is not None and timezone.is_aware(result):
            return timezone.make_naive(result)
        return result

    def prepare_value(self, value: Any) -> Any:
        return value  # never shifted to the server's zone


def language_label(code: str) -> str:
    from django.utils.translation import get_language_info

    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return code


class FilterForm(forms.Form):
    """The calendar's filters (GET); an unknown value matches nothing rather than failing."""

    when = forms.ChoiceField(
        label=_("Show"), required=False, choices=[(UPCOMING, _("Upcoming events")), (PAST, _("Past events"))], initial=UPCOMING
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    country = forms.ChoiceField(label=_("Country"), required=False)
    priority = forms.ChoiceField(label=_("Priority"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = _blank(_("Any kind")) + list(EventKind.choices)  # type: ignore[attr-defined]  # a ChoiceField
        self.fields["country"].choices = _blank(_("Any country")) + [  # type: ignore[attr-defined]  # a ChoiceField
            (c.code, str(c)) for c in Country.objects.prefetch_related("translations").order_by("sort_order", "code")
        ]
        self.fields["priority"].choices = _blank(_("Any priority")) + [  # type: ignore[attr-defined]  # a ChoiceField
            (p.slug, str(p)) for p in Priority.objects.prefetch_related("translations").order_by("number")
        ]

    def values(self) -> dict[str, str]:
        if not self.is_valid():
            return {"kind": "", "country": "", "priority": "", "when": UPCOMING}
        data = self.cleaned_data
        return {name: str(data.get(name) or "") for name in ("kind", "country", "priority")} | {"when": data.get("when") or UPCOMING}


def _organisations() -> Any:
    return Organisation.objects.prefetch_related("translations").order_by("slug")


class EventForm(forms.Form):
    """Create or edit an event (status is set by publish / cancel, except planned <-> confirmed)."""

    kind = forms.ChoiceField(label=_("Kind"), choices=EventKind.choices)
    slug = forms.SlugField(
        label=_("Web address"), max_length=120, help_text=_("Letters, digits and hyphens: the end of the event's address.")
    )
    series = forms.ModelChoiceField(label=_("Series"), required=False, queryset=EventSeries.objects.none())
    number_in_series = forms.IntegerField(label=_("Number in the series"), required=False, min_value=1)
    status = forms.ChoiceField(label=_("Status"), choices=[])
    visibility = forms.ChoiceField(label=_("Who may see it"), choices=EventVisibility.choices, initial=EventVisibility.PUBLIC)
    country = forms.ModelChoiceField(label=_("Country"), required=False, queryset=Country.objects.none(), to_field_name="code")
    online = forms.BooleanField(label=_("Online"), required=False)
    all_day = forms.BooleanField(
        label=_("All day"), required=False, help_text=_("For an event over whole days: give the first and last day, no times.")
    )
    timezone = forms.ChoiceField(label=_("Time zone"), initial="Europe/Stockholm", choices=[])
    start = LocalDateTimeField(label=_("Starts"), required=False, widget=DATETIME, help_text=_("Local time in the event's time zone."))
    end = LocalDateTimeField(label=_("Ends"), required=False, widget=DATETIME, help_text=_("Local time in the event's time zone."))
    start_date = forms.DateField(label=_("First day"), required=False, widget=DATE)
    end_date = forms.DateField(label=_("Last day"), required=False, widget=DATE)
    organisers = forms.ModelMultipleChoiceField(
        label=_("Organisers"), required=False, queryset=Organisation.objects.none(), widget=forms.SelectMultiple(attrs={"size": 6})
    )
    co_organisers = forms.ModelMultipleChoiceField(
        label=_("Co-organisers"), required=False, queryset=Organisation.objects.none(), widget=forms.SelectMultiple(attrs={"size": 6})
    )
    working_languages = forms.MultipleChoiceField(
        label=_("Working languages"), required=False, choices=[], widget=forms.CheckboxSelectMultiple
    )
    priorities = forms.ModelMultipleChoiceField(
        label=_("Priorities"), required=False, queryset=Priority.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    registration_opens = LocalDateTimeField(label=_("Registration opens"), required=False, widget=DATETIME)
    registration_closes = LocalDateTimeField(label=_("Registration closes"), required=False, widget=DATETIME)
    capacity = forms.IntegerField(label=_("Places"), required=False, help_text=_("Leave empty for no limit."))
    requires_approval = forms.BooleanField(label=_("The organisers approve each registration"), required=False, initial=True)

    def __init__(self, *args: Any, event: Event | None = None, **kwargs: Any) -> None:
        self.event = event
        if event is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_from(event)
        super().__init__(*args, **kwargs)
        self.fields["series"].queryset = EventSeries.objects.prefetch_related("translations")  # type: ignore[attr-defined]  # a ModelChoiceField
        self.fields["country"].queryset = Country.objects.prefetch_related("translations").order_by("sort_order", "code")  # type: ignore[attr-defined]  # as above
        self.fields["organisers"].queryset = _organisations()  # type: ignore[attr-defined]  # as above
        self.fields["co_organisers"].queryset = _organisations()  # type: ignore[attr-defined]  # as above
        self.fields["priorities"].queryset = Priority.objects.prefetch_related("translations").order_by("number")  # type: ignore[attr-defined]  # as above
        self.fields["timezone"].choices = [(name, name) for name in time_zone_names()]  # type: ignore[attr-defined]  # a ChoiceField
        codes = list(dict.fromkeys([code for code, _name in settings.LANGUAGES] + REGIONAL_LANGUAGES))
        self.fields["working_languages"].choices = [(code, language_label(code)) for code in codes]  # type: ignore[attr-defined]  # as above
        if event is None or event.status == EventStatus.DRAFT:
            statuses = [EventStatus.DRAFT, EventStatus.TENTATIVE, EventStatus.CONFIRMED]
        elif event.status == EventStatus.CANCELLED:
            statuses = [EventStatus.CANCELLED, EventStatus.TENTATIVE, EventStatus.CONFIRMED]
        else:
            statuses = [EventStatus.TENTATIVE, EventStatus.CONFIRMED]
        self.fields["status"].choices = [(s.value, s.label) for s in statuses]  # type: ignore[attr-defined]  # a ChoiceField
        self.fields["status"].initial = EventStatus.DRAFT if event is None else event.status
        self.language_fields: list[tuple[str, str, list[str]]] = []
        for code, name in settings.LANGUAGES:
            names = []
            for field_name in TRANSLATED_FIELDS:
                key = f"{field_name}_{code}"
                label = {"title": _("Title"), "description": _("Description"), "venue": _("Venue"), "city": _("City")}[field_name]
                widget = forms.Textarea(attrs={"rows": 5}) if field_name == "description" else None
                max_length = {"title": 300, "venue": 300, "city": 100}.get(field_name)
                self.fields[key] = forms.CharField(label=label, required=False, widget=widget, max_length=max_length)
                names.append(key)
            self.language_fields.append((code, str(name), names))

    def translated_groups(self) -> list[tuple[str, str, list[forms.BoundField]]]:
        return [(code, name, [self[key] for key in keys]) for code, name, keys in self.language_fields]

    def service_kwargs(self) -> dict[str, Any]:
        """The arguments of ``event_create`` / ``event_update`` from the cleaned data."""
        data = self.cleaned_data
        zone_name = data.get("timezone") or "Europe/Stockholm"
        try:
            zone = ZoneInfo(zone_name)
        except (KeyError, ValueError):
            zone = ZoneInfo(settings.TIME_ZONE)

        def aware(value: dt.datetime | None) -> dt.datetime | None:
            return value.replace(tzinfo=zone) if value is not None else None

        translations = {
            code: {field_name: data.get(f"{field_name}_{code}") or "" for field_name in TRANSLATED_FIELDS}
            for code, _name, _keys in self.language_fields
        }
        organisers = [(org, OrganiserRole.ORGANISER.value) for org in data.get("organisers") or []]
        organisers += [(org, OrganiserRole.CO_ORGANISER.value) for org in data.get("co_organisers") or []]
        all_day = bool(data.get("all_day"))
        return {
            "kind": data["kind"],
            "slug": data["slug"],
            "translations": translations,
            "series": data.get("series"),
            "number_in_series": data.get("number_in_series"),
            "status": data["status"],
            "visibility": data["visibility"],
            "country": data.get("country"),
            "online": bool(data.get("online")),
            "all_day": all_day,
            "timezone": zone_name,
            "start": None if all_day else data.get("start"),
            "end": None if all_day else data.get("end"),
            "start_date": data.get("start_date") if all_day else None,
            "end_date": data.get("end_date") if all_day else None,
            "organisers": organisers,
            "working_languages": list(data.get("working_languages") or []),
            "priorities": list(data.get("priorities") or []),
            "registration_opens": aware(data.get("registration_opens")),
            "registration_closes": aware(data.get("registration_closes")),
            "capacity": data.get("capacity"),
            "requires_approval": bool(data.get("requires_approval")),
        }


def initial_from(event: Event) -> dict[str, Any]:
    """The form's initial values for an existing event: local times in its zone, one field per language."""
    zone = ZoneInfo(event.timezone)

    def local(value: dt.datetime | None) -> dt.datetime | None:
        return value.astimezone(zone).replace(tzinfo=None) if value is not None else None

    links = list(event.organiser_links.all())
    initial: dict[str, Any] = {
        "kind": event.kind,
        "slug": event.slug,
        "series": event.series_id,
        "number_in_series": event.number_in_series,
        "status": event.status,
        "visibility": event.visibility,
        "country": event.country.code if event.country else None,
        "online": event.online,
        "all_day": event.all_day,
        "timezone": event.timezone,
        "start": local(event.start),
        "end": local(event.end),
        "start_date": event.start_date,
        "end_date": event.end_date,
        "organisers": [link.organisation_id for link in links if link.role == OrganiserRole.ORGANISER],
        "co_organisers": [link.organisation_id for link in links if link.role == OrganiserRole.CO_ORGANISER],
        "working_languages": list(event.working_languages or []),
        "priorities": [p.pk for p in event.priorities.all()],
        "registration_opens": local(event.registration_opens),
        "registration_closes": local(event.registration_closes),
        "capacity": event.capacity,
        "requires_approval": event.requires_approval,
    }
    for row in event.translations.all():
        for field_name in TRANSLATED_FIELDS:
            initial[f"{field_name}_{row.language_code}"] = getattr(row, field_name)
    return initial


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's refusal on the fields it names (``title`` on the first language's title); the rest on the form."""
    messages = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
    first_language = settings.LANGUAGES[0][0]
    for name, texts in messages.items():
        target = name if name in form.fields else f"{name}_{first_language}" if f"{name}_{first_language}" in form.fields else None
        for text in texts:
            form.add_error(target, text)


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the event cancelled?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The registered participants receive this by e-mail."),
    )


class PublishForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Announce as"),
        choices=[(EventStatus.CONFIRMED.value, EventStatus.CONFIRMED.label), (EventStatus.TENTATIVE.value, EventStatus.TENTATIVE.label)],
    )


class RegistrationForm(forms.Form):
    """A member registers; organisation and country default to their directory entry."""

    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        required=False,
        queryset=Organisation.objects.none(),
        empty_label=_("As in my directory entry"),
    )
    country = forms.ModelChoiceField(
        label=_("Country"), required=False, queryset=Country.objects.none(), to_field_name="code", empty_label=_("As in my directory entry")
    )
    note = forms.CharField(label=_("Note to the organisers"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = _organisations()  # type: ignore[attr-defined]  # a ModelChoiceField
        self.fields["country"].queryset = Country.objects.prefetch_related("translations").order_by("sort_order", "code")  # type: ignore[attr-defined]  # as above


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("decline", _("Decline"))])
    reason = forms.CharField(label=_("Reason (sent to the participant)"), required=False, max_length=500)


class InviteForm(forms.Form):
    username = forms.CharField(label=_("Username of the person to invite"), max_length=150)


class DocumentAttachForm(forms.Form):
    resource = forms.CharField(label=_("Library resource (its web address)"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=DocumentKind.choices)


class DocumentUploadForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    kind = forms.ChoiceField(label=_("Kind"), choices=DocumentKind.choices)
    language = forms.ChoiceField(label=_("Language"), choices=[])
    file = forms.FileField(label=_("File"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [(code, str(name)) for code, name in settings.LANGUAGES]  # type: ignore[attr-defined]  # a ChoiceField
