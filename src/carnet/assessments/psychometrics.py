"""How well an instrument version measures: internal consistency and child-worker agreement.

- **Cronbach's alpha** over the domains of a version: the domains are the items, each
  complete reading with the child's own answer (child alone, or child and worker
  together) in *every* domain is one observation. "I don't want to say" is missing, and a
  reading with anything missing is left out whole (listwise deletion), so every variance
  is taken over the same readings.
- **Weighted kappa** (quadratic weights) for child-worker agreement: every domain of a
  complete reading where the child and the worker each gave their own level is one pair.
  An answer given together is one view, not two, and is not a pair.

Both come with their ``n`` and a warning when it is too small to read anything into
(fewer than 30 readings, fewer than 30 pairs). The estimates are computed from sums that
the database adds up (never by loading every answer), and the formulas are pure functions
tested against values worked out by hand.

Readings of the same child are not independent observations: the estimates describe the
instrument as used, not a validation study.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from django.db import connection

from carnet.assessments.models import Domain, InstrumentVersion, Level, ReadingStatus, Respondent

ALPHA_MINIMUM = 30  # readings
KAPPA_MINIMUM = 30  # pairs
CHILD_VIEWS = (Respondent.CHILD, Respondent.TOGETHER)


@dataclass(frozen=True)
class Estimate:
    """A statistic with the number of observations behind it; ``value`` is None when it cannot be computed."""

    value: float | None
    n: int
    minimum: int

    @property
    def too_few(self) -> bool:
        return self.n < self.minimum


# --- pure functions -------------------------------------------------------------------------------


def _sum_of_squares(total: Fraction | int, squares: Fraction | int, n: int) -> Fraction:
    """Sum of squared deviations from the mean, exactly: sum(x^2) - (sum x)^2 / n."""
    return Fraction(squares) - Fraction(total) ** 2 / n


def alpha_from_sums(*, n: int, item_sums: Sequence[int], item_squares: Sequence[int], total_sum: int, total_squares: int) -> float | None:
    """Cronbach's alpha from the sums the database returns: k/(k-1) * (1 - sum of item variances / variance of the totals).

    ``n`` observations (all complete), ``k = len(item_sums)`` items. None when it is undefined:
    fewer than two items or two observations, or totals that do not vary.
    """
    k = len(item_sums)
    if k < 2 or n < 2 or len(item_squares) != k:
        return None
    total_spread = _sum_of_squares(total_sum, total_squares, n)
    if total_spread == 0:
        return None
    item_spread = sum((_sum_of_squares(s, q, n) for s, q in zip(item_sums, item_squares, strict=True)), Fraction(0))
    return float(Fraction(k, k - 1) * (1 - item_spread / total_spread))


def cronbach_alpha(observations: Sequence[Sequence[float | int | None]], *, minimum: int = ALPHA_MINIMUM) -> Estimate:
    """Cronbach's alpha over rows of item scores; a row with a missing item (None) is left out whole."""
    complete = [row for row in observations if all(value is not None for value in row)]
    n = len(complete)
    if not complete:
        return Estimate(None, 0, minimum)
    k = len(complete[0])
    columns = [[Fraction(row[i]) for row in complete] for i in range(k)]  # type: ignore[arg-type]  # None was filtered out above
    totals = [sum(values, Fraction(0)) for values in zip(*columns, strict=True)]
    value = _alpha_exact(columns, totals)
    return Estimate(value, n, minimum)


def _alpha_exact(columns: list[list[Fraction]], totals: list[Fraction]) -> float | None:
    k, n = len(columns), len(totals)
    if k < 2 or n < 2:
        return None
    total_spread = _sum_of_squares(sum(totals, Fraction(0)), sum((t * t for t in totals), Fraction(0)), n)
    if total_spread == 0:
        return None
    item_spread = sum(
        (_sum_of_squares(sum(values, Fraction(0)), sum((v * v for v in values), Fraction(0)), n) for values in columns), Fraction(0)
    )
    return float(Fraction(k, k - 1) * (1 - item_spread / total_spread))


def weighted_kappa(table: Mapping[tuple[int, int], int], categories: Sequence[int], *, minimum: int = KAPPA_MINIMUM) -> Estimate:
    """Cohen's weighted kappa with quadratic weights: 1 - sum(w * observed) / sum(w * expected by chance).

    ``table[(a, b)]`` counts the pairs where the first rater chose ``a`` and the second ``b``;
    ``categories`` are the possible scores (the weights are squared distances between them,
    scaled by the widest one). None when it is undefined (no pairs, or one category only).
    """
    n = sum(table.values())
    if n == 0 or len(categories) < 2:
        return Estimate(None, n, minimum)
    span = Fraction(max(categories) - min(categories)) ** 2
    first = {c: sum(count for (a, _b), count in table.items() if a == c) for c in categories}
    second = {c: sum(count for (_a, b), count in table.items() if b == c) for c in categories}

    def weight(a: int, b: int) -> Fraction:
        return Fraction((a - b) ** 2) / span

    observed = sum((weight(a, b) * count for (a, b), count in table.items()), Fraction(0))
    expected = sum((weight(a, b) * Fraction(first[a] * second[b], n) for a in categories for b in categories), Fraction(0))
    if expected == 0:
        return Estimate(None, n, minimum)
    return Estimate(float(1 - observed / expected), n, minimum)


# --- from the database ----------------------------------------------------------------------------


@dataclass(frozen=True)
class VersionPsychometrics:
    version: InstrumentVersion
    alpha: Estimate
    kappa: Estimate
    domains: int


def tables() -> dict[str, str]:
    """The tables the statistics read, by their models' names (the SQL below never spells a table out)."""
    from carnet.assessments.models import Answer, Reading
    from carnet.cases.models import Case
    from carnet.core.models import Country

    return {
        "answer": Answer._meta.db_table,
        "reading": Reading._meta.db_table,
        "level": Level._meta.db_table,
        "case": Case._meta.db_table,
        "country": Country._meta.db_table,
    }


def country_filter(countries: Sequence[str], column: str = "co.code") -> tuple[str, list[str]]:
    marks = ", ".join(["%s"] * len(countries))
    return f"{column} IN ({marks})", list(countries)


def alpha_for(version: InstrumentVersion, countries: Sequence[str]) -> Estimate:
    """Cronbach's alpha of ``version`` over the complete readings of cases in ``countries`` (the child's own answers)."""
    k = Domain.objects.filter(version=version).count()
    if not countries or k < 2:
        return Estimate(None, 0, ALPHA_MINIMUM)
    where, params = country_filter(countries)
    t = tables()
    child, together = CHILD_VIEWS
    # Every name below is a fixed table or column; the values travel as parameters.
    sql = f"""
        WITH scored AS (
            SELECT a.reading_id AS reading_id, a.domain_id AS domain_id,
                   COALESCE(MAX(CASE WHEN a.respondent = %s THEN l.score END),
                            MAX(CASE WHEN a.respondent = %s THEN l.score END)) AS score
            FROM {t["answer"]} a
            JOIN {t["reading"]} r ON r.id = a.reading_id
            JOIN {t["case"]} c ON c.id = r.case_id
            JOIN {t["country"]} co ON co.id = c.country_id
            LEFT JOIN {t["level"]} l ON l.id = a.level_id
            WHERE r.version_id = %s AND r.status = %s AND a.respondent IN (%s, %s) AND {where}
            GROUP BY a.reading_id, a.domain_id
        ),
        whole AS (
            SELECT reading_id, SUM(score) AS total FROM scored GROUP BY reading_id HAVING COUNT(score) = %s
        )
        SELECT 0 AS domain_id, COUNT(*), SUM(total), SUM(total * total) FROM whole
        UNION ALL
        SELECT s.domain_id, COUNT(*), SUM(s.score), SUM(s.score * s.score)
        FROM scored s JOIN whole w ON w.reading_id = s.reading_id
        GROUP BY s.domain_id
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [child, together, version.pk, ReadingStatus.COMPLETE, child, together, *params, k])
        rows = cursor.fetchall()
    totals = next((row for row in rows if row[0] == 0), None)
    items = sorted(row for row in rows if row[0] != 0)
    n = int(totals[1]) if totals else 0
    if n == 0 or len(items) != k:
        return Estimate(None, n, ALPHA_MINIMUM)
    value = alpha_from_sums(
        n=n,
        item_sums=[int(row[2]) for row in items],
        item_squares=[int(row[3]) for row in items],
        total_sum=int(totals[2]),  # type: ignore[index]  # totals is set when n > 0
        total_squares=int(totals[3]),  # type: ignore[index]  # idem
    )
    return Estimate(value, n, ALPHA_MINIMUM)


def kappa_for(version: InstrumentVersion, countries: Sequence[str]) -> Estimate:
    """Child-worker agreement on ``version``: every domain of a complete reading that both answered with a level."""
    categories = sorted(set(Level.objects.filter(domain__version=version).values_list("score", flat=True)))
    if not countries:
        return Estimate(None, 0, KAPPA_MINIMUM)
    where, params = country_filter(countries)
    t = tables()
    sql = f"""
        SELECT lc.score, lw.score, COUNT(*)
        FROM {t["answer"]} ac
        JOIN {t["answer"]} aw ON aw.reading_id = ac.reading_id AND aw.domain_id = ac.domain_id AND aw.respondent = %s
        JOIN {t["level"]} lc ON lc.id = ac.level_id
        JOIN {t["level"]} lw ON lw.id = aw.level_id
        JOIN {t["reading"]} r ON r.id = ac.reading_id
        JOIN {t["case"]} c ON c.id = r.case_id
        JOIN {t["country"]} co ON co.id = c.country_id
        WHERE ac.respondent = %s AND r.version_id = %s AND r.status = %s AND {where}
        GROUP BY lc.score, lw.score
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [Respondent.WORKER, Respondent.CHILD, version.pk, ReadingStatus.COMPLETE, *params])
        table = {(int(a), int(b)): int(count) for a, b, count in cursor.fetchall()}
    return weighted_kappa(table, categories)


def version_psychometrics(version: InstrumentVersion, countries: Sequence[str]) -> VersionPsychometrics:
    """Alpha and kappa of one instrument version over the readings of cases in ``countries`` (already permission-checked)."""
    return VersionPsychometrics(
        version=version,
        alpha=alpha_for(version, countries),
        kappa=kappa_for(version, countries),
        domains=Domain.objects.filter(version=version).count(),
    )
