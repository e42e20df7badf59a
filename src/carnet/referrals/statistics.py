"""The regional dashboard of referrals: counts and times by country pair and purpose, never case data.

Who: the secretariat, national coordinators and national contact points
(``ReferralAction.DASHBOARD``). They see the whole region's numbers, whichever country they
work in: that is the point of the dashboard. They see nothing else here: no reference, no
case number, no child. Nothing protected is read, so opening the dashboard is not audited.

What, over the referrals **sent** in the period (a draft is not a referral yet; the period
is on the day a referral was sent, both ends included):

* how many, by country pair (rows, "SE → LT") and purpose (columns), with totals;
* per country pair, the **median time** from sending to acknowledgement and from sending to
  acceptance, over the referrals that got that far;
* per country pair, how many are **overdue now** (past their deadline and still waiting for
  the receiving country's answer) and how many were **escalated**.

Disclosure control (:mod:`carnet.core.disclosure`, threshold 5 unless the installation
asks for more): a count below the threshold is hidden ("small"), and further counts are
hidden ("complement") so that a small one cannot be worked out by subtracting from a
total. A median resting on fewer referrals than the threshold is not shown, and the number
of referrals a median rests on is never shown (it would be a count outside the table).
Zero is shown: an empty cell says nothing about anybody.

The counts are GROUP BYs in the database; only the medians read one duration per referral
(with its country pair and nothing else). The period is counted in **whole calendar months**
(a date stands for its month): two freely chosen periods a few days apart could otherwise be
compared to narrow a hidden cell down to the referrals of those few days.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import median
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, DurationField, ExpressionWrapper, F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from carnet.core.disclosure import ARCHITECTURE_THRESHOLD, ProtectedTable, ShownCell, Suppression, configured_threshold, protect
from carnet.core.models import Country
from carnet.referrals.models import Referral
from carnet.referrals.policies import ReferralAction, ReferralPolicy
from carnet.referrals.profiles import Purpose
from carnet.referrals.selectors import overdue_q

PAIR = ("from_country__code", "to_country__code")
HOURS_UNTIL_DAYS = 48  # a median of this many hours or more reads in days


def dashboard_threshold() -> int:
    """5 referrals, or more when ``CARNET_DISCLOSURE_THRESHOLD`` asks for more."""
    return configured_threshold(ARCHITECTURE_THRESHOLD)


@dataclass(frozen=True)
class Pair:
    """A sending and a receiving country (ISO codes), with their names in the page's language."""

    sender: str
    receiver: str
    sender_name: str = ""
    receiver_name: str = ""

    def __str__(self) -> str:
        return f"{self.sender} → {self.receiver}"

    @property
    def names(self) -> str:
        return f"{self.sender_name or self.sender} → {self.receiver_name or self.receiver}"


@dataclass(frozen=True)
class MedianTime:
    """A median duration as it may be shown: ``hours``, or None and why (``suppressed``), or None and nothing to measure."""

    hours: float | None
    suppressed: Suppression | None = None

    @property
    def in_days(self) -> bool:
        return self.hours is not None and self.hours >= HOURS_UNTIL_DAYS

    @property
    def amount(self) -> float | None:
        """The value in the unit it reads in (hours below two days, days from then on), to one decimal."""
        if self.hours is None:
            return None
        return round(self.hours / 24 if self.in_days else self.hours, 1)


@dataclass(frozen=True)
class CountColumn:
    """One count per country pair with its total, protected as a one-column table."""

    cells: list[ShownCell]
    total: ShownCell


@dataclass(frozen=True)
class PurposeTotal:
    key: str
    label: str
    cell: ShownCell


@dataclass(frozen=True)
class PairRow:
    """Everything the dashboard shows about one country pair (for the page and the API)."""

    pair: Pair
    sent: list[ShownCell]  # one per purpose, in the order of ``ReferralStatistics.purposes``
    sent_total: ShownCell
    acknowledge: MedianTime
    accept: MedianTime
    overdue: ShownCell
    escalated: ShownCell


@dataclass(frozen=True)
class ReferralStatistics:
    threshold: int
    today: date
    since: date | None
    until: date | None
    purposes: list[tuple[str, str]]  # (key, label), the columns
    pairs: list[Pair]  # the rows: every pair with a referral sent in the period
    sent: ProtectedTable | None  # None when nothing was sent in the period
    acknowledge: list[MedianTime]
    accept: list[MedianTime]
    acknowledge_all: MedianTime  # over every pair
    accept_all: MedianTime
    overdue: CountColumn
    escalated: CountColumn

    def _sent_cell(self, row: int, column: int) -> ShownCell:
        return self.sent.shown(row, column) if self.sent is not None else ShownCell(0)

    @property
    def rows(self) -> list[PairRow]:
        width = len(self.purposes)
        return [
            PairRow(
                pair=pair,
                sent=[self._sent_cell(r, c) for c in range(width)],
                sent_total=self._sent_cell(r, width),
                acknowledge=self.acknowledge[r],
                accept=self.accept[r],
                overdue=self.overdue.cells[r],
                escalated=self.escalated.cells[r],
            )
            for r, pair in enumerate(self.pairs)
        ]

    @property
    def purpose_totals(self) -> list[PurposeTotal]:
        """Referrals sent per purpose, all pairs (the totals row of the table: the bar chart)."""
        totals_row = len(self.pairs)
        return [PurposeTotal(key, label, self._sent_cell(totals_row, c)) for c, (key, label) in enumerate(self.purposes)]

    @property
    def total(self) -> ShownCell:
        return self._sent_cell(len(self.pairs), len(self.purposes))

    @property
    def any_suppressed(self) -> bool:
        cells = [self.total, self.overdue.total, self.escalated.total]
        for row in self.rows:
            cells += [*row.sent, row.sent_total, row.overdue, row.escalated]
        medians = [*self.acknowledge, *self.accept, self.acknowledge_all, self.accept_all]
        return any(c.hidden for c in cells) or any(m.suppressed for m in medians)


def _sent(since: date | None, until: date | None) -> QuerySet[Referral]:
    referrals = Referral.objects.filter(sent_at__isnull=False)
    if since is not None:
        referrals = referrals.filter(sent_at__date__gte=since)
    if until is not None:
        referrals = referrals.filter(sent_at__date__lte=until)
    return referrals.order_by()


def _per_pair(referrals: QuerySet[Referral], *extra: str) -> list[dict[str, Any]]:
    """One row per country pair (and ``extra`` columns) with its count ``n``: a GROUP BY in the database."""
    return list(referrals.values(*PAIR, *extra).annotate(n=Count("pk")).order_by(*PAIR, *extra))


def _column(counts: dict[tuple[str, str], int], keys: list[tuple[str, str]], threshold: int) -> CountColumn:
    if not keys:
        return CountColumn(cells=[], total=ShownCell(0))
    table = protect([[counts.get(key, 0)] for key in keys], threshold=threshold, rows=keys, columns=["n"])
    return CountColumn(cells=[table.shown(r, 0) for r in range(len(keys))], total=table.shown(len(keys), 0))


def _median(durations: list[timedelta], threshold: int) -> MedianTime:
    if not durations:
        return MedianTime(None)
    if len(durations) < threshold:
        return MedianTime(None, Suppression.SMALL)
    return MedianTime(round(median(max(d.total_seconds(), 0.0) / 3600 for d in durations), 2))


def _durations(referrals: QuerySet[Referral], stamp: str) -> dict[tuple[str, str], list[timedelta]]:
    """From sending to ``stamp`` (acknowledged_at, accepted_at), per pair, for the referrals that got there."""
    took = ExpressionWrapper(F(stamp) - F("sent_at"), output_field=DurationField())
    found: dict[tuple[str, str], list[timedelta]] = defaultdict(list)
    rows = referrals.filter(**{f"{stamp}__isnull": False}).annotate(took=took).values_list(*PAIR, "took")
    for sender, receiver, duration in rows:
        found[(sender, receiver)].append(duration)
    return found


def _month_end(day: date) -> date:
    following = day.replace(day=28) + timedelta(days=4)  # always in the next month
    return following - timedelta(days=following.day)


def referral_statistics(
    *, actor: Any, since: date | None = None, until: date | None = None, today: date | None = None
) -> ReferralStatistics:
    """The dashboard's numbers for the period, protected; PermissionDenied for anyone without the dashboard."""
    if not ReferralPolicy.can(actor, ReferralAction.DASHBOARD):
        raise PermissionDenied
    if since is not None and until is not None and since > until:
        raise ValidationError({"until": _("The end of the period comes before its start.")})
    since = since.replace(day=1) if since is not None else None
    until = _month_end(until) if until is not None else None
    today = today or timezone.localdate()
    threshold = dashboard_threshold()
    referrals = _sent(since, until)
    purposes = [(str(value), str(label)) for value, label in Purpose.choices]
    column_of = {key: c for c, (key, _label) in enumerate(purposes)}

    cells: dict[tuple[str, str], list[int]] = {}
    for row in _per_pair(referrals, "purpose"):
        key = (row["from_country__code"], row["to_country__code"])
        cells.setdefault(key, [0] * len(purposes))[column_of[row["purpose"]]] += row["n"]
    keys = sorted(cells)
    countries = Country.objects.filter(code__in={code for key in keys for code in key}).prefetch_related("translations")
    names = {c.code: str(c) for c in countries}
    pairs = [Pair(sender, receiver, names.get(sender, sender), names.get(receiver, receiver)) for sender, receiver in keys]
    sent = protect([cells[key] for key in keys], threshold=threshold, rows=keys, columns=[k for k, _l in purposes]) if keys else None

    overdue = {(r["from_country__code"], r["to_country__code"]): r["n"] for r in _per_pair(referrals.filter(overdue_q(today)))}
    escalated = {(r["from_country__code"], r["to_country__code"]): r["n"] for r in _per_pair(referrals.filter(escalated_at__isnull=False))}

    acknowledged = _durations(referrals, "acknowledged_at")
    accepted = _durations(referrals, "accepted_at")
    return ReferralStatistics(
        threshold=threshold,
        today=today,
        since=since,
        until=until,
        purposes=purposes,
        pairs=pairs,
        sent=sent,
        acknowledge=[_median(acknowledged.get(key, []), threshold) for key in keys],
        accept=[_median(accepted.get(key, []), threshold) for key in keys],
        acknowledge_all=_median([d for durations in acknowledged.values() for d in durations], threshold),
        accept_all=_median([d for durations in accepted.values() for d in durations], threshold),
        overdue=_column(overdue, keys, threshold),
        escalated=_column(escalated, keys, threshold),
    )
