"""Reads after the reading: the star chart's data, distance travelled, action plans, risk alerts, the export's rows.

The caller has already got the case through ``carnet.cases.selectors.case_get_for`` (which
checked visibility and audited the view); the functions here check the assessment policy
again (fail closed) and read in a fixed number of queries, whatever the number of readings.

Which answer a chart shows: when child and worker both answered a domain and disagree, the
chart shows the child's view (the table beside it shows both). "I don't want to say" is a
gap, never a zero: it has no point on the chart and does not count towards distance travelled.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from carnet.assessments import charts
from carnet.assessments.models import (
    ActionPlanItem,
    Answer,
    Domain,
    Level,
    Reading,
    ReadingStatus,
    Respondent,
    RiskAlert,
)
from carnet.assessments.policies import AssessmentAction, AssessmentPolicy
from carnet.cases.models import Case
from carnet.cases.models.codes import TeamRole
from carnet.cases.policies import CasePolicy
from carnet.core.crypto import CryptoError, decrypt_field

logger = logging.getLogger(__name__)

# The chart shows the child's own view first; a worker's answer only when the child gave none.
CHART_PREFERENCE: tuple[str, ...] = (Respondent.CHILD, Respondent.TOGETHER, Respondent.WORKER)
RESPONDENT_ORDER = {value: n for n, value in enumerate(CHART_PREFERENCE)}
REVIEWS_DUE_WITHIN = 14  # days: action-plan reviews the dashboard lists


# --- Decrypting -------------------------------------------------------------------------------------


def read_text(obj: Any, column: str, case: Case) -> str | None:
    """A free text of the child's (encrypted with the child's key); ``None`` when absent or erased with the key.

    A value that does not decrypt (tampered, wrong key) is shown as unreadable, never as its bytes.
    """
    if getattr(obj, column) is None:
        return None
    key = case.child.data_key
    if key is None:
        return None
    try:
        value = decrypt_field(obj, column, data_key=key)
    except CryptoError:
        logger.error("%s.%s of %s does not decrypt", obj._meta.label, column, obj.pk)
        return _("(this text cannot be read)")
    return value.decode() if isinstance(value, bytes) else value


# --- The chart --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerView:
    """One respondent's answer to one domain, in the page's language."""

    respondent: str
    respondent_label: str
    score: int | None
    statement: str
    colour: str
    declined: bool
    wished_score: int | None
    wished_statement: str


@dataclass
class ReadingView:
    reading: Reading
    taken_on: date
    version_number: int
    instrument: str
    mode: str
    mode_label: str
    position: int = 0  # 0 = the latest, 1 = the one before, ...
    legend: SafeString = field(default_factory=lambda: mark_safe(""))  # noqa: S308  (empty)

    @property
    def latest(self) -> bool:
        return self.position == 0


@dataclass
class Cell:
    """A domain in one reading: every respondent's answer, and the one the chart shows."""

    reading: ReadingView
    answers: list[AnswerView]
    score: int | None  # what the chart shows; None: no answer, or "I don't want to say"
    declined: bool  # the answer the chart shows was "I don't want to say"
    disagree: bool  # child and worker gave different answers

    @property
    def show_who(self) -> bool:
        """Say who answered unless child and worker answered together."""
        return len(self.answers) > 1 or any(a.respondent != Respondent.TOGETHER for a in self.answers)


@dataclass
class DomainView:
    key: str
    name: str
    scores: list[int | None]  # the chart's score in every reading, oldest first
    all_cells: list[Cell]  # every reading, oldest first
    shown: int  # how many of the latest readings are on the chart and in the table
    first_score: int | None = None
    first_on: date | None = None
    latest_score: int | None = None
    latest_on: date | None = None
    change: int | None = None  # first-to-latest change; None with fewer than two answers
    sparkline: SafeString = field(default_factory=lambda: mark_safe(""))  # noqa: S308  (empty)

    @property
    def cells(self) -> list[Cell]:
        """The readings on the chart and in the table, oldest first."""
        return self.all_cells[len(self.all_cells) - self.shown :] if self.shown else []

    @property
    def change_text(self) -> str:
        """The change as a signed number: "+2", "−1", "0"."""
        if self.change is None:
            return ""
        return f"+{self.change}" if self.change > 0 else f"\u2212{-self.change}" if self.change < 0 else "0"

    @property
    def distance(self) -> str:
        """Distance travelled in words, e.g. "+2 since 3 March 2025"."""
        if self.first_on is None:
            return _("No answer yet")
        when = date_format(self.first_on, "DATE_FORMAT")
        if self.change is None:
            return _("One answer so far, on %(date)s") % {"date": date_format(self.latest_on or self.first_on, "DATE_FORMAT")}
        if self.change == 0:
            return _("No change since %(date)s") % {"date": when}
        return _("%(change)s since %(date)s") % {"change": self.change_text, "date": when}


@dataclass
class ChartView:
    case: Case
    readings: list[ReadingView]  # every complete reading, oldest first
    shown: list[ReadingView]  # the ones on the chart and in the table, oldest first
    domains: list[DomainView]
    max_score: int
    svg: SafeString
    open_alerts: int = 0

    @property
    def latest(self) -> ReadingView | None:
        return self.readings[-1] if self.readings else None

    @property
    def legend(self) -> list[ReadingView]:
        return list(reversed(self.shown))

    @property
    def hidden_count(self) -> int:
        return len(self.readings) - len(self.shown)


def _require_view(actor: Any, case: Case) -> None:
    if not AssessmentPolicy.can(actor, AssessmentAction.VIEW_READINGS, case):
        raise PermissionDenied


def _text(obj: Any, name: str, fallback: str = "") -> str:
    return str(obj.safe_translation_getter(name, any_language=True) or fallback)


def _complete_readings(case: Case) -> list[Reading]:
    answers = Answer.objects.select_related("level", "wished_level", "domain").prefetch_related(
        "level__translations", "wished_level__translations"
    )
    return list(
        Reading.objects.filter(case=case, status=ReadingStatus.COMPLETE)
        .select_related("version__instrument")
        .prefetch_related(Prefetch("answers", queryset=answers), "version__instrument__translations")
        .order_by("taken_on", "completed_at", "started_at")
    )


def _axes(readings: list[Reading]) -> list[tuple[str, str]]:
    """(key, name) of every domain: the latest reading's version in its order, then keys only older versions had."""
    version_ids = [r.version_id for r in reversed(readings)]
    domains = list(Domain.objects.filter(version_id__in=set(version_ids)).prefetch_related("translations").order_by("position"))
    axes: dict[str, str] = {}
    for version_id in dict.fromkeys(version_ids):  # newest version first
        for domain in domains:
            if domain.version_id == version_id and domain.key not in axes:
                axes[domain.key] = _text(domain, "name", domain.key)
    return list(axes.items())


def _answer_view(answer: Answer, labels: dict[str, str]) -> AnswerView:
    level: Level | None = answer.level
    wished: Level | None = answer.wished_level
    return AnswerView(
        respondent=answer.respondent,
        respondent_label=labels.get(answer.respondent, answer.respondent),
        score=None if answer.declined or level is None else level.score,
        statement="" if level is None else _text(level, "statement"),
        colour="" if level is None else level.colour,
        declined=answer.declined,
        wished_score=None if wished is None else wished.score,
        wished_statement="" if wished is None else _text(wished, "statement"),
    )


def _cell(reading: ReadingView, answers: list[AnswerView]) -> Cell:
    answers = sorted(answers, key=lambda a: RESPONDENT_ORDER.get(a.respondent, 99))
    shown = answers[0] if answers else None
    by_respondent = {a.respondent: a for a in answers}
    child, worker = by_respondent.get(Respondent.CHILD), by_respondent.get(Respondent.WORKER)
    disagree = child is not None and worker is not None and (child.score, child.declined) != (worker.score, worker.declined)
    return Cell(
        reading=reading,
        answers=answers,
        score=None if shown is None else shown.score,
        declined=shown is not None and shown.declined,
        disagree=disagree,
    )


def _distance(domain: DomainView, readings: list[ReadingView]) -> None:
    answered = [(score, r.taken_on) for score, r in zip(domain.scores, readings, strict=True) if score is not None]
    if not answered:
        return
    (domain.first_score, domain.first_on), (domain.latest_score, domain.latest_on) = answered[0], answered[-1]
    if len(answered) > 1:
        domain.change = answered[-1][0] - answered[0][0]


def _sparkline_title(domain: DomainView, readings: list[ReadingView]) -> str:
    said = [
        _("%(date)s: %(score)s") % {"date": date_format(r.taken_on, "SHORT_DATE_FORMAT"), "score": score}
        if score is not None
        else _("%(date)s: not said") % {"date": date_format(r.taken_on, "SHORT_DATE_FORMAT")}
        for score, r in zip(domain.scores, readings, strict=True)
    ]
    return _("%(domain)s over time: %(scores)s") % {"domain": domain.name, "scores": "; ".join(said)}


def chart_of(*, actor: Any, case: Case, shown: int = charts.MAX_SERIES, id_prefix: str = "star-chart") -> ChartView:
    """The star chart of a case's complete readings: the last ``shown`` on the chart, distance travelled over all."""
    _require_view(actor, case)
    readings = _complete_readings(case)
    modes = dict(Reading._meta.get_field("mode").choices or [])
    respondents = {str(k): str(v) for k, v in Respondent.choices}
    views = [
        ReadingView(
            reading=r,
            taken_on=r.taken_on,
            version_number=r.version.number,
            instrument=str(r.version.instrument),
            mode=r.mode,
            mode_label=str(modes.get(r.mode, r.mode)),
        )
        for r in readings
    ]
    on_chart = views[-shown:] if shown else []
    for n, view in enumerate(reversed(on_chart)):
        view.position = n
        view.legend = mark_safe(charts.legend_swatch_svg(n))  # noqa: S308  (markup we drew, labels escaped)
    axes = _axes(readings) if readings else []
    answers_by: dict[tuple[Any, str], list[AnswerView]] = {}
    for reading in readings:
        for answer in reading.answers.all():
            answers_by.setdefault((reading.pk, answer.domain.key), []).append(_answer_view(answer, respondents))
    max_score = max((a.score or 0 for group in answers_by.values() for a in group), default=0)
    max_score = max(max_score, 3)
    domains = []
    for key, name in axes:
        cells_all = [_cell(view, answers_by.get((view.reading.pk, key), [])) for view in views]
        domain = DomainView(key=key, name=name, scores=[c.score for c in cells_all], all_cells=cells_all, shown=len(on_chart))
        _distance(domain, views)
        domain.sparkline = mark_safe(  # noqa: S308  (markup we drew, the title escaped)
            charts.sparkline_svg(domain.scores, title=_sparkline_title(domain, views), max_score=max_score)
        )
        domains.append(domain)
    series = [
        charts.Series(label=date_format(v.taken_on, "DATE_FORMAT"), scores=tuple(d.scores[i] for d in domains)) for i, v in enumerate(views)
    ]
    series = series[-len(on_chart) :] if on_chart else []
    svg = charts.radar_svg(
        [name for _key, name in axes],
        series,
        title=_("Star chart of %(pseudonym)s's readings") % {"pseudonym": case.child.pseudonym},
        description=_chart_description(views, on_chart, len(axes)),
        max_score=max_score,
        id_prefix=id_prefix,
    )
    return ChartView(
        case=case,
        readings=views,
        shown=on_chart,
        domains=domains,
        max_score=max_score,
        svg=mark_safe(svg),  # noqa: S308  (markup we drew, every text escaped)
        open_alerts=RiskAlert.objects.filter(case=case, handled_at__isnull=True).count(),
    )


def _chart_description(readings: list[ReadingView], on_chart: list[ReadingView], axes: int) -> str:
    if not on_chart:
        return _("No reading has been completed yet.")
    latest = date_format(on_chart[-1].taken_on, "DATE_FORMAT")
    text = ngettext(
        "%(count)s reading across %(axes)s parts of life. The reading of %(date)s is drawn with a bold solid line.",
        "%(count)s readings across %(axes)s parts of life. The latest, of %(date)s, is drawn with a bold solid line;"
        " earlier ones with thinner dashed lines.",
        len(on_chart),
    ) % {"count": len(on_chart), "axes": axes, "date": latest}
    text += " " + _(
        "The further from the centre, the better (1 to 3). A part not answered is left out. The table beside the chart gives every answer."
    )
    return text


def chart_context(actor: Any, case: Case) -> dict[str, Any]:
    """What ``assessments/chart/section.html`` needs on the case's readings page: ``{"chart": ChartView}``."""
    return {"chart": chart_of(actor=actor, case=case, id_prefix="star-chart-section")}


# --- Action plans -----------------------------------------------------------------------------------


@dataclass
class PlanItemView:
    item: ActionPlanItem
    wants_to_change: str | None
    next_steps: str | None
    today: date

    @property
    def done(self) -> bool:
        return self.item.done_on is not None

    @property
    def overdue_days(self) -> int:
        """Days since the review date passed (0 if not overdue or done)."""
        if self.done or self.item.review_on is None or self.item.review_on >= self.today:
            return 0
        return (self.today - self.item.review_on).days

    @property
    def overdue(self) -> bool:
        return self.overdue_days > 0

    @property
    def review_in_words(self) -> str:
        """When the review is due, said in words (not in colour)."""
        review = self.item.review_on
        if review is None or self.done:
            return ""
        when = date_format(review, "DATE_FORMAT")
        if self.overdue:
            return ngettext(
                "Review overdue: it was due on %(date)s, %(days)s day ago.",
                "Review overdue: it was due on %(date)s, %(days)s days ago.",
                self.overdue_days,
            ) % {"date": when, "days": self.overdue_days}
        if review == self.today:
            return _("Review due today (%(date)s).") % {"date": when}
        return _("Review due on %(date)s.") % {"date": when}


@dataclass
class PlanDomain:
    key: str
    name: str
    items: list[PlanItemView]

    @property
    def overdue(self) -> int:
        return sum(1 for i in self.items if i.overdue)


def domain_names(keys: Iterable[str] | None = None) -> dict[str, str]:
    """Domain key -> name in the page's language, from the newest version that has the key."""
    domains = Domain.objects.prefetch_related("translations").order_by("version__number", "position")
    if keys is not None:
        domains = domains.filter(key__in=set(keys))
    return {d.key: _text(d, "name", d.key) for d in domains}


def plan_domain_choices(case: Case) -> list[tuple[str, str]]:
    """The domains an action-plan item may be about: those of the case's readings, else of the published instruments."""
    from carnet.assessments.models import VersionStatus

    version_ids = set(Reading.objects.filter(case=case, status=ReadingStatus.COMPLETE).values_list("version_id", flat=True))
    domains = Domain.objects.prefetch_related("translations").order_by("-version__number", "position")
    if version_ids:
        domains = domains.filter(version_id__in=version_ids)
    else:
        domains = domains.filter(version__status=VersionStatus.PUBLISHED)
    choices: dict[str, str] = {}
    for domain in domains:
        choices.setdefault(domain.key, _text(domain, "name", domain.key))
    return list(choices.items())


def plan_of(*, actor: Any, case: Case, today: date | None = None) -> list[PlanDomain]:
    """The action plan, per domain (in the instrument's order), each item decrypted; open items first."""
    _require_view(actor, case)
    today = today or timezone.localdate()
    items = list(ActionPlanItem.objects.filter(case=case).order_by("done_on", "review_on", "-created_at", "-pk"))
    items.sort(key=lambda i: i.done_on is not None)  # stable: open items first, then done ones
    order = plan_domain_choices(case)
    names = dict(order)
    missing = {i.domain_key for i in items} - names.keys()
    if missing:
        names.update(domain_names(missing))
    keys = [k for k, _name in order] + sorted(missing)
    by_key: dict[str, list[PlanItemView]] = {}
    for item in items:
        by_key.setdefault(item.domain_key, []).append(
            PlanItemView(
                item=item,
                wants_to_change=read_text(item, "wants_to_change_enc", case),
                next_steps=read_text(item, "next_steps_enc", case),
                today=today,
            )
        )
    return [PlanDomain(key=k, name=names.get(k, k), items=by_key[k]) for k in keys if k in by_key]


def plan_item_get(case: Case, item_id: int) -> ActionPlanItem:
    """An item of this case's plan, or 404 (an item of another case is not found through this one)."""
    found = ActionPlanItem.objects.filter(pk=item_id, case=case).first()
    if found is None:
        raise Http404
    return found


# --- Risk alerts and the dashboard ------------------------------------------------------------------


def open_alerts_for(actor: Any) -> QuerySet[RiskAlert]:
    """Risk alerts not yet handled on the cases the actor owns (team role "owner"), newest first."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return RiskAlert.objects.none()
    visible = CasePolicy.visible(actor, Case.objects.filter(anonymised_at__isnull=True))
    return (
        RiskAlert.objects.filter(
            handled_at__isnull=True,
            reading__status=ReadingStatus.COMPLETE,
            case__team__user=actor,
            case__team__role=TeamRole.OWNER,
            case__in=visible,
        )
        .select_related("case__child", "domain", "level", "reading")
        .prefetch_related("domain__translations", "level__translations")
        .order_by("-raised_at", "-pk")
    )


def open_alert_count(actor: Any) -> int:
    return open_alerts_for(actor).count()


def alert_get_for(*, actor: Any, alert_id: int) -> RiskAlert:
    """A risk alert on a case the actor may see, else 404."""
    visible = CasePolicy.visible(actor, Case.objects.all())
    found = RiskAlert.objects.select_related("case__child__data_key", "domain", "level").filter(pk=alert_id, case__in=visible).first()
    if found is None:
        raise Http404
    return found


@dataclass
class AlertView:
    alert: RiskAlert
    domain: str
    statement: str
    safety_note: str | None = None


def alert_view(alert: RiskAlert, *, with_note: bool = False) -> AlertView:
    return AlertView(
        alert=alert,
        domain=_text(alert.domain, "name", alert.domain.key),
        statement=_text(alert.level, "statement"),
        safety_note=read_text(alert, "safety_note_enc", alert.case) if with_note else None,
    )


def case_alerts(*, actor: Any, case: Case) -> list[AlertView]:
    """Every risk alert of a case, open ones first, with the safety notes written so far."""
    _require_view(actor, case)
    alerts = (
        RiskAlert.objects.filter(case=case)
        .select_related("domain", "level", "handled_by", "reading")
        .prefetch_related("domain__translations", "level__translations")
        .order_by("-raised_at", "-pk")
    )
    views = []
    for alert in alerts:
        alert.case = case  # the case (with its child's key) is already loaded
        views.append(alert_view(alert, with_note=True))
    views.sort(key=lambda v: v.alert.handled_at is not None)
    return views


@dataclass
class DueReview:
    item: ActionPlanItem
    case: Case
    domain: str
    overdue_days: int

    @property
    def in_words(self) -> str:
        when = date_format(self.item.review_on, "DATE_FORMAT") if self.item.review_on else ""
        if self.overdue_days > 0:
            return ngettext(
                "Overdue: it was due on %(date)s, %(days)s day ago.",
                "Overdue: it was due on %(date)s, %(days)s days ago.",
                self.overdue_days,
            ) % {"date": when, "days": self.overdue_days}
        return _("Due on %(date)s.") % {"date": when}


def reviews_due_for(*, actor: Any, within: int = REVIEWS_DUE_WITHIN, today: date | None = None) -> list[DueReview]:
    """Open action-plan items whose review falls within ``within`` days (or is overdue), on the actor's own cases."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return []
    today = today or timezone.localdate()
    visible = CasePolicy.visible(actor, Case.objects.filter(anonymised_at__isnull=True))
    items = list(
        ActionPlanItem.objects.filter(
            done_on__isnull=True,
            review_on__isnull=False,
            review_on__lte=today + timedelta(days=within),
            case__team__user=actor,
            case__in=visible,
        )
        .select_related("case__child")
        .order_by("review_on", "pk")
        .distinct()
    )
    names = domain_names({i.domain_key for i in items})
    return [
        DueReview(
            item=i,
            case=i.case,
            domain=names.get(i.domain_key, i.domain_key),
            overdue_days=max((today - i.review_on).days, 0) if i.review_on else 0,
        )
        for i in items
    ]


# --- The export's rows ------------------------------------------------------------------------------


def readings_rows(*, actor: Any, case: Case) -> list[dict[str, Any]]:
    """One row per answer (reading x domain x respondent), oldest reading first, domains in the instrument's order."""
    _require_view(actor, case)
    readings = _complete_readings(case)
    modes = dict(Reading._meta.get_field("mode").choices or [])
    respondents = {str(k): str(v) for k, v in Respondent.choices}
    names = dict(_axes(readings)) if readings else {}
    rows: list[dict[str, Any]] = []
    for reading in readings:
        answers = sorted(reading.answers.all(), key=lambda a: (a.domain.position, RESPONDENT_ORDER.get(a.respondent, 99)))
        for answer in answers:
            view = _answer_view(answer, respondents)
            rows.append(
                {
                    "case_number": case.number,
                    "pseudonym": case.child.pseudonym,
                    "taken_on": reading.taken_on.isoformat(),
                    "instrument": str(reading.version.instrument),
                    "version": reading.version.number,
                    "mode": str(modes.get(reading.mode, reading.mode)),
                    "domain_key": answer.domain.key,
                    "domain": names.get(answer.domain.key) or _text(answer.domain, "name", answer.domain.key),
                    "respondent": view.respondent_label,
                    "score": view.score,
                    "statement": view.statement,
                    "declined": view.declined,
                    "wished_score": view.wished_score,
                }
            )
    return rows
