"""Forms for taking a reading: starting one, one domain per screen, the whole sheet from paper, the child's code.

The statements come from the instrument's data in the reading's language (``instrument_content``),
so the forms are built per version: a level of another domain is not a choice and is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from django import forms
from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carnet.assessments.models import Domain, InstrumentVersion, Level, ReadingMode, Respondent, VersionStatus
from carnet.assessments.services_link import CODE_LENGTH, AnswerInput
from carnet.cases.forms import DATE

DECLINED = "declined"


@dataclass(frozen=True)
class LevelText:
    id: int
    score: int
    colour: str
    risk_flag: bool
    statement: str


@dataclass(frozen=True)
class DomainText:
    id: int
    key: str
    position: int
    name: str
    levels: list[LevelText] = field(default_factory=list)

    def level(self, level_id: int | None) -> LevelText | None:
        return next((level for level in self.levels if level.id == level_id), None)


def instrument_content(version: InstrumentVersion, language: str) -> list[DomainText]:
    """The version's domains in order, each with its statements (best first), in ``language`` (English where missing)."""
    levels = Level.objects.order_by("position").prefetch_related("translations")
    domains = Domain.objects.filter(version=version).order_by("position").prefetch_related("translations", Prefetch("levels", levels))
    return [
        DomainText(
            id=domain.pk,
            key=domain.key,
            position=domain.position,
            name=str(domain.safe_translation_getter("name", language_code=language, any_language=True) or domain.key),
            levels=[
                LevelText(
                    id=level.pk,
                    score=level.score,
                    colour=level.colour,
                    risk_flag=level.risk_flag,
                    statement=str(level.safe_translation_getter("statement", language_code=language, any_language=True) or ""),
                )
                for level in domain.levels.all()
            ],
        )
        for domain in domains
    ]


def language_choices() -> list[tuple[str, str]]:
    return [(code, str(name)) for code, name in settings.LANGUAGES]


class VersionChoice(forms.ModelChoiceField):  # type: ignore[type-arg]  # django-stubs: ModelChoiceField is generic only there
    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


class StartReadingForm(forms.Form):
    version = VersionChoice(label=_("Instrument"), queryset=InstrumentVersion.objects.none(), empty_label=None)
    mode = forms.ChoiceField(
        label=_("How is it taken?"),
        choices=ReadingMode.choices,
        initial=ReadingMode.WITH_WORKER,
        widget=forms.RadioSelect,
    )
    language = forms.ChoiceField(label=_("Language of the statements"), choices=language_choices)
    taken_on = forms.DateField(label=_("Date of the reading"), required=False, widget=DATE, help_text=_("Empty: today."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        published = InstrumentVersion.objects.filter(status=VersionStatus.PUBLISHED).select_related("instrument")
        cast(forms.ModelChoiceField, self.fields["version"]).queryset = published  # type: ignore[type-arg]  # see VersionChoice
        cast(forms.ChoiceField, self.fields["mode"]).choices = [
            (ReadingMode.WITH_WORKER, _("With me, now")),
            (ReadingMode.CHILD_ALONE, _("The child alone: hand over a link or code")),
            (ReadingMode.PAPER, _("Enter a reading from a paper sheet")),
        ]
        if not self.is_bound:
            self.fields["taken_on"].initial = timezone.localdate()
            self.fields["version"].initial = published.order_by("instrument_id", "-number").values_list("pk", flat=True).first()


class AnswerForm(forms.Form):
    """One domain: the statement most like the child now (or "I don't want to say"), optionally where they want to be next."""

    answer = forms.ChoiceField(label=_("Which sentence is most like you now?"), required=False, widget=forms.RadioSelect)
    wished = forms.ChoiceField(label=_("Where I want to be next time (optional)"), required=False, widget=forms.RadioSelect)

    def __init__(self, *args: Any, domain: DomainText, with_respondent: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.domain = domain
        levels = [(str(level.id), level.statement) for level in domain.levels]
        cast(forms.ChoiceField, self.fields["answer"]).choices = [*levels, (DECLINED, _("I don't want to say"))]
        cast(forms.ChoiceField, self.fields["wished"]).choices = [("", _("I'm not sure")), *levels]
        if with_respondent:
            self.fields["respondent"] = forms.ChoiceField(
                label=_("Who is answering?"), choices=Respondent.choices, initial=Respondent.TOGETHER, widget=forms.RadioSelect
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("wished") and not data.get("answer"):
            self.add_error("answer", _("Choose the sentence most like you now first, or “I don't want to say”."))
        return data

    def chosen(self) -> AnswerInput | None:
        """The answer to store, or None when nothing was chosen (moving on without answering is allowed)."""
        data = self.cleaned_data
        if not data.get("answer"):
            return None
        declined = data["answer"] == DECLINED
        return AnswerInput(
            domain_id=self.domain.id,
            respondent=data.get("respondent") or Respondent.CHILD,
            level_id=None if declined else int(data["answer"]),
            declined=declined,
            wished_level_id=int(data["wished"]) if data.get("wished") else None,
        )

    def _value(self, name: str) -> str:
        value = self[name].value()
        return "" if value is None else str(value)

    def options(self) -> list[dict[str, Any]]:
        """The statements as cards for the template: colour, score, whether chosen."""
        current = self._value("answer")
        cards = [
            {"value": str(level.id), "level": level, "checked": current == str(level.id), "id": f"answer-{level.id}"}
            for level in self.domain.levels
        ]
        cards.append({"value": DECLINED, "level": None, "checked": current == DECLINED, "id": "answer-declined"})
        return cards

    def wished_options(self) -> list[dict[str, Any]]:
        current = self._value("wished")
        choices: list[dict[str, Any]] = [{"value": "", "level": None, "checked": current == "", "id": "wished-none"}]
        choices += [
            {"value": str(level.id), "level": level, "checked": current == str(level.id), "id": f"wished-{level.id}"}
            for level in self.domain.levels
        ]
        return choices

    def respondent_options(self) -> list[dict[str, Any]]:
        current = self._value("respondent") if "respondent" in self.fields else ""
        return [{"value": value, "label": label, "checked": current == value} for value, label in Respondent.choices]


def _today() -> date:
    return timezone.localdate()


class PaperEntryForm(forms.Form):
    """A whole paper sheet on one screen: every domain's tick, who filled it in, the date on the sheet."""

    language = forms.ChoiceField(label=_("Language of the sheet"), choices=language_choices)
    taken_on = forms.DateField(label=_("Date on the sheet"), widget=DATE)
    respondent = forms.ChoiceField(
        label=_("Who filled in the sheet?"), choices=Respondent.choices, initial=Respondent.CHILD, widget=forms.RadioSelect
    )

    def __init__(self, *args: Any, domains: list[DomainText], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.domains = domains
        if not self.is_bound:
            self.fields["taken_on"].initial = _today()
        for domain in domains:
            levels = [(str(level.id), level.statement) for level in domain.levels]
            self.fields[f"answer_{domain.id}"] = forms.ChoiceField(
                label=domain.name,
                choices=[*levels, (DECLINED, _("I don't want to say"))],
                widget=forms.RadioSelect,
                error_messages={"required": _("Tick what the sheet says, or “I don't want to say”.")},
            )
            self.fields[f"wished_{domain.id}"] = forms.ChoiceField(
                label=_("Next time"), choices=[("", _("Not ticked")), *levels], required=False
            )

    def rows(self) -> list[dict[str, Any]]:
        """Each domain with its bound fields, for a compact table-like layout."""
        return [
            {
                "domain": domain,
                "answer": self[f"answer_{domain.id}"],
                "wished": self[f"wished_{domain.id}"],
                "options": self._options(domain),
            }
            for domain in self.domains
        ]

    def _options(self, domain: DomainText) -> list[dict[str, Any]]:
        value = self[f"answer_{domain.id}"].value()
        current = "" if value is None else str(value)
        cards = [
            {"value": str(level.id), "level": level, "checked": current == str(level.id), "id": f"paper-{domain.id}-{level.id}"}
            for level in domain.levels
        ]
        cards.append({"value": DECLINED, "level": None, "checked": current == DECLINED, "id": f"paper-{domain.id}-declined"})
        return cards

    def answers(self) -> list[AnswerInput]:
        data = self.cleaned_data
        chosen = []
        for domain in self.domains:
            answer = data[f"answer_{domain.id}"]
            wished = data.get(f"wished_{domain.id}")
            declined = answer == DECLINED
            chosen.append(
                AnswerInput(
                    domain_id=domain.id,
                    respondent=data["respondent"],
                    level_id=None if declined else int(answer),
                    declined=declined,
                    wished_level_id=int(wished) if wished else None,
                )
            )
        return chosen


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Your code"),
        max_length=20,
        min_length=CODE_LENGTH,
        help_text=_("Eight letters and numbers, for example ABCD-2345."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false", "class": "code-input"}),
    )
