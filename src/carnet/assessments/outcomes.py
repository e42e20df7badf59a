"""Aggregate outcomes: how far children moved, per domain, by organisation, country and quarter; never by worker.

For every child with at least two complete readings of an instrument version in a country,
the *change* in a domain is the score of the latest reading minus the score of the first
(3 is "fine", 1 "at risk": a positive change is a move towards "fine"). Only the child's own
view counts (answered alone or together with the worker; the worker's own view is left
out), and a domain the child did not answer in either reading ("I don't want to say") is
left out for that child. The child is counted in the organisation of the case of the latest
reading and in the quarter of the latest reading.

Each country, instrument version and domain gives one table: organisations (rows) by
quarters (columns), with totals. Every cell counts children (never readings) and carries
their mean change; cells are protected by :mod:`carnet.core.disclosure` with the
threshold of this tool (10 children unless the installation asks for more). The domain
tables of a country share one pattern of hidden cells (their counts differ only by the
children who did not answer a domain, so a cell hidden in one must not show in another). The table is
always computed whole, for every organisation and every quarter of the country, whoever
asks and whatever range is shown: a narrower view only leaves columns out, so two views
cannot be subtracted from each other to uncover a hidden cell. Organisation totals are
therefore over all quarters.

Everything is computed by the database (SQLite and PostgreSQL): only the per-cell counts and
sums come back, never the readings. The first and latest answers of every child are kept at
write time (``DomainProgress``, :mod:`carnet.assessments.progress`), so the cells are one
GROUP BY over one row per child and domain rather than a ranking of every reading.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils.translation import gettext as _

from carnet.assessments.models import Domain, DomainProgress, InstrumentVersion, VersionStatus
from carnet.assessments.policies import AssessmentAction, AssessmentPolicy, aggregate_countries
from carnet.assessments.psychometrics import VersionPsychometrics, country_filter, tables, version_psychometrics
from carnet.audit.services import record
from carnet.core.disclosure import ProtectedTable, Suppression, configured_threshold, shared_pattern
from carnet.core.models import Country
from carnet.directory.models import Organisation

OUTCOMES_THRESHOLD = 10  # issue 4: cells below 10 children are suppressed
QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


def outcomes_threshold() -> int:
    """The threshold of this tool: 10 children, or more when ``CARNET_DISCLOSURE_THRESHOLD`` asks for more."""
    return configured_threshold(OUTCOMES_THRESHOLD)


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter as one number (year * 4 + quarter - 1), so that the database can group and order by it."""

    index: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        match = QUARTER.match(text.strip().upper())
        if not match:
            raise ValueError(text)
        return cls(int(match.group(1)) * 4 + int(match.group(2)) - 1)

    @property
    def year(self) -> int:
        return self.index // 4

    @property
    def number(self) -> int:
        return self.index % 4 + 1

    def __str__(self) -> str:
        return f"{self.year}-Q{self.number}"


@dataclass(frozen=True)
class OutcomeCell:
    """What may be shown of one cell: the number of children and their mean change, or why it is hidden."""

    children: int | None
    mean_change: float | None
    suppressed: Suppression | None = None


@dataclass
class DomainTable:
    key: str
    name: str
    organisations: list[str]  # row labels
    quarters: list[Quarter]  # the columns shown
    cells: list[list[OutcomeCell]]  # [organisation][shown quarter]
    organisation_totals: list[OutcomeCell]  # over all quarters
    quarter_totals: list[OutcomeCell]  # per shown quarter
    total: OutcomeCell
    hidden_quarters: int = 0  # columns of the whole table that the range leaves out

    @property
    def rows(self) -> list[tuple[str, list[OutcomeCell], OutcomeCell]]:
        """(organisation, its cells in the quarters shown, its total over all quarters), for templates."""
        return list(zip(self.organisations, self.cells, self.organisation_totals, strict=True))

    @property
    def any_suppressed(self) -> bool:
        cells = [c for row in self.cells for c in row] + self.organisation_totals + self.quarter_totals + [self.total]
        return any(c.suppressed for c in cells)


@dataclass
class CountryOutcomes:
    code: str
    name: str
    domains: list[DomainTable] = field(default_factory=list)


@dataclass
class Outcomes:
    version: InstrumentVersion
    threshold: int
    countries: list[CountryOutcomes]
    psychometrics: VersionPsychometrics
    quarter_from: Quarter | None = None
    quarter_to: Quarter | None = None


@dataclass(frozen=True)
class OutcomeFilters:
    version_id: int | None = None
    country: str = ""  # empty: every country of the actor's
    quarter_from: Quarter | None = None
    quarter_to: Quarter | None = None


# --- the query ------------------------------------------------------------------------------------


def _quarter_sql(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"(CAST(EXTRACT(YEAR FROM {column}) AS INTEGER) * 4 + (CAST(EXTRACT(MONTH FROM {column}) AS INTEGER) - 1) / 3)"
    return f"(CAST(strftime('%%Y', {column}) AS INTEGER) * 4 + (CAST(strftime('%%m', {column}) AS INTEGER) - 1) / 3)"


def change_cells(version_id: int, countries: Sequence[str]) -> list[tuple[str, int | None, int, int, int, int]]:
    """(country, organisation id, quarter index, domain id, children, sum of changes) for every non-empty cell.

    Domain id 0 is the population: every child with two readings, whatever they answered.

    One GROUP BY over the children's first and latest answers kept at write time
    (:mod:`carnet.assessments.progress`, one row per child, country and domain): a domain's
    cell counts the children with a score of their own in both readings, the population cell
    every child with two readings or more (each child has a row for every domain).
    """
    if not countries:
        return []
    t = tables()
    where, params = country_filter(countries)
    # Table names come from the models and the quarter expression from the code; every value is a parameter.
    sql = f"""
        SELECT country, organisation_id, quarter, domain_id, COUNT(*), COUNT(delta), SUM(delta)
        FROM (
            SELECT co.code AS country, p.organisation_id AS organisation_id, {_quarter_sql("p.latest_taken_on")} AS quarter,
                   p.domain_id AS domain_id, p.latest_score - p.first_score AS delta
            FROM {DomainProgress._meta.db_table} p
            JOIN {t["country"]} co ON co.id = p.country_id
            WHERE p.version_id = %s AND p.readings >= 2 AND {where}
        ) changes
        GROUP BY country, organisation_id, quarter, domain_id
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [version_id, *params])
        grouped = cursor.fetchall()
    rows: list[tuple[str, int | None, int, int, int, int]] = []
    population: dict[tuple[str, int | None, int], int] = {}
    for country, org, quarter, domain, children, changed, total in grouped:
        cell = (str(country), None if org is None else int(org), int(quarter))
        population[cell] = max(population.get(cell, 0), int(children))
        if changed:
            rows.append((*cell, int(domain), int(changed), int(total)))
    rows.extend((*cell, 0, children, 0) for cell, children in population.items())
    return rows


# --- from cells to protected tables ---------------------------------------------------------------

Cells = dict[tuple[int | None, int], tuple[int, int]]  # (organisation, quarter index) -> (children, sum of changes)


def _matrix(cells: Cells, organisations: list[tuple[int | None, str]], quarters: list[Quarter], index: int) -> list[list[int]]:
    return [[cells.get((org, q.index), (0, 0))[index] for q in quarters] for org, _label in organisations]


def _with_margins(matrix: list[list[int]]) -> dict[tuple[int, int], int]:
    rows = len(matrix)
    columns = len(matrix[0]) if rows else 0
    out = {(r, c): matrix[r][c] for r in range(rows) for c in range(columns)}
    for r in range(rows):
        out[(r, columns)] = sum(matrix[r])
    for c in range(columns):
        out[(rows, c)] = sum(line[c] for line in matrix)
    out[(rows, columns)] = sum(sum(line) for line in matrix)
    return out


def build_table(
    *,
    key: str,
    name: str,
    organisations: list[tuple[int | None, str]],
    quarters: list[Quarter],
    cells: Cells,
    pattern: ProtectedTable,
    shown_from: Quarter | None = None,
    shown_to: Quarter | None = None,
) -> DomainTable:
    """One domain's table under the country's shared pattern of hidden cells; then only the quarters in range are shown."""
    counts = _with_margins(_matrix(cells, organisations, quarters, 0))
    sums = _with_margins(_matrix(cells, organisations, quarters, 1))
    rows, columns = len(organisations), len(quarters)

    def cell(r: int, c: int) -> OutcomeCell:
        if pattern.is_hidden(r, c):
            # the mean goes with the count: never shown over too few children, nor where a small cell could be worked out
            small = 0 < counts.get((r, c), 0) < pattern.threshold
            return OutcomeCell(None, None, Suppression.SMALL if small else Suppression.COMPLEMENT)
        children = counts.get((r, c), 0)
        return OutcomeCell(children, sums.get((r, c), 0) / children if children else None)

    shown = [i for i, q in enumerate(quarters) if (shown_from is None or q >= shown_from) and (shown_to is None or q <= shown_to)]
    return DomainTable(
        key=key,
        name=name,
        organisations=[label for _org, label in organisations],
        quarters=[quarters[i] for i in shown],
        cells=[[cell(r, c) for c in shown] for r in range(rows)],
        organisation_totals=[cell(r, columns) for r in range(rows)],
        quarter_totals=[cell(rows, c) for c in shown],
        total=cell(rows, columns),
        hidden_quarters=columns - len(shown),
    )


def country_pattern(
    population: Cells, domains: Sequence[Cells], organisations: list[tuple[int | None, str]], quarters: list[Quarter], threshold: int
) -> ProtectedTable:
    """The cells hidden in *every* domain table of a country and version: small in any of them, or needed to protect those.

    One pattern for all the domains, so that a cell hidden in one domain is never shown in
    another (their counts differ only by the few children who did not answer a domain).
    """
    return shared_pattern(
        _matrix(population, organisations, quarters, 0),
        [_matrix(cells, organisations, quarters, 0) for cells in domains],
        threshold=threshold,
    )


def _organisation_names(ids: set[int]) -> dict[int, str]:
    return {org.pk: str(org) for org in Organisation.objects.filter(pk__in=ids).prefetch_related("translations")}


def _country_names(codes: Sequence[str]) -> dict[str, str]:
    return {c.code: str(c) for c in Country.objects.filter(code__in=codes).prefetch_related("translations")}


def outcome_tables(
    version: InstrumentVersion,
    countries: Sequence[str],
    *,
    threshold: int,
    shown_from: Quarter | None = None,
    shown_to: Quarter | None = None,
) -> list[CountryOutcomes]:
    """The protected tables of ``version`` for each of ``countries`` (already permission-checked)."""
    rows = change_cells(version.pk, countries)
    domains = list(Domain.objects.filter(version=version).prefetch_related("translations").order_by("position"))
    by_country: dict[str, dict[int, Cells]] = defaultdict(lambda: defaultdict(dict))
    for country, org, quarter, domain_id, n, total in rows:
        by_country[country][domain_id][(org, quarter)] = (n, total)
    names = _organisation_names({org for cells in by_country.values() for org, _q in cells[0] if org is not None})
    countries_named = _country_names(countries)
    result = []
    for code in sorted(countries):
        outcome = CountryOutcomes(code=code, name=countries_named.get(code, code))
        population = by_country.get(code, {}).get(0, {})
        if population:
            organisations = sorted(
                {(org, names.get(org, "") if org is not None else _("No organisation")) for org, _q in population},
                key=lambda item: (item[0] is None, item[1]),
            )
            quarters = [Quarter(q) for q in sorted({q for _org, q in population})]
            per_domain = [by_country[code].get(domain.pk, {}) for domain in domains]
            pattern = country_pattern(population, per_domain, organisations, quarters, threshold)
            for domain, cells in zip(domains, per_domain, strict=True):
                outcome.domains.append(
                    build_table(
                        key=domain.key,
                        name=str(domain),
                        organisations=organisations,
                        quarters=quarters,
                        cells=cells,
                        pattern=pattern,
                        shown_from=shown_from,
                        shown_to=shown_to,
                    )
                )
        result.append(outcome)
    return result


# --- for an actor ---------------------------------------------------------------------------------


def versions_with_outcomes() -> list[InstrumentVersion]:
    """The versions one may ask about: published or retired (a draft has no readings)."""
    return list(
        InstrumentVersion.objects.exclude(status=VersionStatus.DRAFT)
        .select_related("instrument")
        .prefetch_related("instrument__translations")
        .order_by("instrument__slug", "-number")
    )


def outcomes_for(*, actor: Any, filters: OutcomeFilters, threshold: int | None = None) -> Outcomes:
    """The outcomes ``actor`` may see: their own countries only (supervisors, NCPs, national coordinators). Audited."""
    allowed = aggregate_countries(actor)
    if not allowed or not AssessmentPolicy.can(actor, AssessmentAction.VIEW_AGGREGATES):
        raise PermissionDenied
    if filters.country and filters.country not in allowed:
        raise PermissionDenied
    versions = versions_with_outcomes()
    version = next((v for v in versions if v.pk == filters.version_id), None) if filters.version_id else (versions[0] if versions else None)
    if version is None:
        raise ValidationError({"version": _("Choose a published version of an instrument.")})
    if filters.quarter_from and filters.quarter_to and filters.quarter_from > filters.quarter_to:
        raise ValidationError({"quarter_to": _("The last quarter comes before the first one.")})
    countries = [filters.country] if filters.country else allowed
    limit = threshold if threshold is not None else outcomes_threshold()
    result = Outcomes(
        version=version,
        threshold=limit,
        countries=outcome_tables(version, countries, threshold=limit, shown_from=filters.quarter_from, shown_to=filters.quarter_to),
        psychometrics=version_psychometrics(version, countries),
        quarter_from=filters.quarter_from,
        quarter_to=filters.quarter_to,
    )
    record(actor=actor, action="assessment.outcomes.view", purpose=f"{version} {','.join(countries)}")
    return result
