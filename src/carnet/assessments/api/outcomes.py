"""API: aggregate outcomes, with small cells protected (null, and why). No `from __future__ import annotations` here (ninja)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from carnet.assessments.outcomes import DomainTable, OutcomeCell, OutcomeFilters, Outcomes, Quarter, outcomes_for
from carnet.assessments.psychometrics import Estimate
from carnet.cases.errors import InvalidCaseData
from carnet.core.disclosure import Suppression

router = Router()

QUARTER_PATTERN = r"^\d{4}-[Qq][1-4]$"


class OutcomeFilterIn(Schema):
    version: int | None = Field(None, description="Id of a published or retired instrument version; default: the first listed.")
    country: str = Field("", max_length=2, description="One of your countries (ISO code); default: all of them.")
    quarter_from: str = Field("", pattern=r"^$|" + QUARTER_PATTERN[1:], description="First quarter shown, e.g. 2026-Q1.")
    quarter_to: str = Field("", pattern=r"^$|" + QUARTER_PATTERN[1:], description="Last quarter shown, e.g. 2026-Q4.")


class OutcomeCellOut(Schema):
    children: int | None = Field(description="Number of children; null when hidden.")
    mean_change: float | None = Field(description="Mean of latest minus first score; null when hidden or when there are no children.")
    suppressed: Suppression | None = Field(
        description="small: fewer children than the threshold; complement: hidden so that a small cell cannot be worked out."
    )


class OutcomeRowOut(Schema):
    organisation: str
    cells: list[OutcomeCellOut]
    total: OutcomeCellOut = Field(description="Over all quarters, whatever range is shown.")


class OutcomeDomainOut(Schema):
    key: str
    name: str
    quarters: list[str]
    rows: list[OutcomeRowOut]
    totals: list[OutcomeCellOut] = Field(description="All organisations, per quarter shown.")
    total: OutcomeCellOut


class OutcomeCountryOut(Schema):
    country: str
    name: str
    domains: list[OutcomeDomainOut]


class OutcomeVersionOut(Schema):
    id: int
    slug: str
    number: int


class EstimateOut(Schema):
    value: float | None = Field(description="Null when it cannot be computed, or when it rests on fewer observations than the threshold.")
    n: int
    minimum: int = Field(description="Below this many observations the estimate means little.")
    too_few: bool


class PsychometricsOut(Schema):
    alpha: EstimateOut
    kappa: EstimateOut


class OutcomesOut(Schema):
    version: OutcomeVersionOut
    threshold: int
    countries: list[OutcomeCountryOut]
    psychometrics: PsychometricsOut


def _cell(cell: OutcomeCell) -> dict[str, Any]:
    return {"children": cell.children, "mean_change": cell.mean_change, "suppressed": cell.suppressed}


def _domain(table: DomainTable) -> dict[str, Any]:
    return {
        "key": table.key,
        "name": table.name,
        "quarters": [str(q) for q in table.quarters],
        "rows": [{"organisation": org, "cells": [_cell(c) for c in cells], "total": _cell(total)} for org, cells, total in table.rows],
        "totals": [_cell(c) for c in table.quarter_totals],
        "total": _cell(table.total),
    }


def _estimate(estimate: Estimate, threshold: int) -> dict[str, Any]:
    return {
        "value": estimate.value if estimate.n >= threshold else None,
        "n": estimate.n,
        "minimum": estimate.minimum,
        "too_few": estimate.too_few,
    }


def _out(result: Outcomes) -> dict[str, Any]:
    return {
        "version": {"id": result.version.pk, "slug": result.version.instrument.slug, "number": result.version.number},
        "threshold": result.threshold,
        "countries": [{"country": c.code, "name": c.name, "domains": [_domain(t) for t in c.domains]} for c in result.countries],
        "psychometrics": {
            "alpha": _estimate(result.psychometrics.alpha, result.threshold),
            "kappa": _estimate(result.psychometrics.kappa, result.threshold),
        },
    }


@router.get("/outcomes", response=OutcomesOut, summary="Aggregate outcomes (first-to-latest change), small cells protected")
def outcomes(request: HttpRequest, filters: Query[OutcomeFilterIn]) -> dict[str, Any]:
    selected = OutcomeFilters(
        version_id=filters.version,
        country=filters.country.upper(),
        quarter_from=Quarter.parse(filters.quarter_from) if filters.quarter_from else None,
        quarter_to=Quarter.parse(filters.quarter_to) if filters.quarter_to else None,
    )
    try:
        return _out(outcomes_for(actor=request.user, filters=selected))
    except ValidationError as error:
        raise InvalidCaseData("; ".join(f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items())) from error
