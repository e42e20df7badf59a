"""API: the regional dashboard's numbers (counts and times only), small counts protected (null, and why).

The same numbers as the page (:mod:`carnet.referrals.statistics`): for the secretariat,
national coordinators and NCPs; anyone else gets 403. No `from __future__ import annotations` here (ninja).
"""

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import ValidationError as RequestInvalid

from carnet.core.disclosure import ShownCell, Suppression
from carnet.referrals.statistics import MedianTime, referral_statistics

router = Router()


class StatisticsFilterIn(Schema):
    since: date | None = Field(None, description="First day of the period (the day a referral was sent), e.g. 2026-01-01.")
    until: date | None = Field(None, description="Last day of the period, included.")


class CountOut(Schema):
    count: int | None = Field(description="Number of referrals; null when hidden.")
    suppressed: Suppression | None = Field(
        description="small: fewer referrals than the threshold; complement: hidden so that a small count cannot be worked out."
    )


class MedianOut(Schema):
    hours: float | None = Field(description="Median in hours; null when hidden or when no referral got that far.")
    suppressed: Suppression | None = Field(description="small: it would rest on fewer referrals than the threshold.")


class PurposeOut(Schema):
    key: str
    label: str
    sent: CountOut = Field(description="Referrals sent for this purpose, all country pairs.")


class PairOut(Schema):
    pair: str = Field(description='For example "SE → LT".')
    from_country: str
    to_country: str
    sent: dict[str, CountOut] = Field(description="Referrals sent, by purpose key.")
    sent_total: CountOut
    median_to_acknowledge: MedianOut
    median_to_accept: MedianOut
    overdue: CountOut = Field(description="Past the deadline and still waiting for an answer today.")
    escalated: CountOut


class TotalsOut(Schema):
    sent: CountOut
    median_to_acknowledge: MedianOut
    median_to_accept: MedianOut
    overdue: CountOut
    escalated: CountOut


class StatisticsOut(Schema):
    threshold: int = Field(description="Counts below this are hidden; medians resting on fewer referrals are hidden.")
    since: date | None
    until: date | None
    today: date
    purposes: list[PurposeOut]
    pairs: list[PairOut]
    totals: TotalsOut


def _count(cell: ShownCell) -> dict[str, Any]:
    return {"count": cell.count, "suppressed": cell.suppressed}


def _median(median: MedianTime) -> dict[str, Any]:
    return {"hours": median.hours, "suppressed": median.suppressed}


@router.get("/referrals/statistics", response=StatisticsOut, summary="Regional dashboard: referrals by country pair and purpose")
def statistics(request: HttpRequest, filters: Query[StatisticsFilterIn]) -> dict[str, Any]:
    try:
        result = referral_statistics(actor=request.user, since=filters.since, until=filters.until)
    except ValidationError as error:
        raise RequestInvalid(
            [{"loc": ("query", field), "msg": " ".join(messages), "type": "value_error"} for field, messages in error.message_dict.items()]
        ) from error
    keys = [key for key, _label in result.purposes]
    return {
        "threshold": result.threshold,
        "since": result.since,
        "until": result.until,
        "today": result.today,
        "purposes": [{"key": t.key, "label": t.label, "sent": _count(t.cell)} for t in result.purpose_totals],
        "pairs": [
            {
                "pair": str(row.pair),
                "from_country": row.pair.sender,
                "to_country": row.pair.receiver,
                "sent": {key: _count(cell) for key, cell in zip(keys, row.sent, strict=True)},
                "sent_total": _count(row.sent_total),
                "median_to_acknowledge": _median(row.acknowledge),
                "median_to_accept": _median(row.accept),
                "overdue": _count(row.overdue),
                "escalated": _count(row.escalated),
            }
            for row in result.rows
        ],
        "totals": {
            "sent": _count(result.total),
            "median_to_acknowledge": _median(result.acknowledge_all),
            "median_to_accept": _median(result.accept_all),
            "overdue": _count(result.overdue.total),
            "escalated": _count(result.escalated.total),
        },
    }
