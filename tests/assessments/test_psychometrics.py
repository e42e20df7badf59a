"""Psychometrics: Cronbach's alpha and weighted kappa, against values worked out by hand, and from the database."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from carnet.assessments.models import Reading, Respondent
from carnet.assessments.psychometrics import (
    ALPHA_MINIMUM,
    KAPPA_MINIMUM,
    Estimate,
    alpha_for,
    alpha_from_sums,
    cronbach_alpha,
    kappa_for,
    version_psychometrics,
    weighted_kappa,
)
from carnet.assessments.services import answer_record, reading_complete, reading_start
from carnet.cases.models import Case
from tests.assessments.factories import life_domains
from tests.cases.factories import open_case

DECLINED = 0  # in the helpers below: "I don't want to say"


def answered_reading(
    worker: Any,
    case: Case,
    child: dict[str, int],
    *,
    by_worker: dict[str, int] | None = None,
    child_respondent: str = Respondent.TOGETHER,
    taken_on: date | None = None,
) -> Reading:
    """A complete reading through the services.

    ``child`` maps domain keys to 1..3 or DECLINED (the child's view); ``by_worker`` adds the worker's own view.
    """
    version = life_domains()
    reading = reading_start(actor=worker, case=case, version=version, mode="with_worker", language="en", taken_on=taken_on)
    for domain in version.domains.prefetch_related("levels"):
        levels = {level.score: level for level in domain.levels.all()}
        for respondent, scores in ((child_respondent, child), (Respondent.WORKER, by_worker or {})):
            if domain.key not in scores:
                continue
            score = scores[domain.key]
            answer_record(
                reading=reading,
                domain=domain,
                respondent=respondent,
                level=None if score == DECLINED else levels[score],
                declined=score == DECLINED,
                actor=worker,
            )
    return reading_complete(reading=reading, actor=worker)


KEYS = ["education", "money", "cared-for", "secure-base", "health", "peers", "self-control", "running-away", "wanting-to-change"]


def _all(*scores: int) -> dict[str, int]:
    assert len(scores) == len(KEYS)
    return dict(zip(KEYS, scores, strict=True))


# --- Cronbach's alpha, by hand --------------------------------------------------------------------
# Four people, three items:        totals
#   1 2 2                            5
#   2 2 3                            7
#   3 3 3                            9
#   2 3 2                            7
# item variances (n-1): 2/3, 1/3, 1/3 -> 4/3; variance of the totals: 8/3
# alpha = 3/2 * (1 - (4/3)/(8/3)) = 3/2 * 1/2 = 0.75
HAND_ALPHA = [[1, 2, 2], [2, 2, 3], [3, 3, 3], [2, 3, 2]]


def test_alpha_matches_the_hand_computed_value() -> None:
    assert cronbach_alpha(HAND_ALPHA) == Estimate(0.75, 4, ALPHA_MINIMUM)


def test_a_row_with_a_declined_item_is_left_out_whole() -> None:
    # given the hand example plus a person who declined one item
    estimate = cronbach_alpha([*HAND_ALPHA, [3, None, 1]])
    # then alpha and n are those of the four complete rows
    assert (estimate.value, estimate.n) == (0.75, 4)


def test_alpha_is_one_when_the_items_agree_perfectly_and_undefined_when_nothing_varies() -> None:
    assert cronbach_alpha([[1, 1, 1], [2, 2, 2], [3, 3, 3]]).value == 1.0
    assert cronbach_alpha([[2, 2, 2], [2, 2, 2]]).value is None
    assert cronbach_alpha([]) == Estimate(None, 0, ALPHA_MINIMUM)
    assert cronbach_alpha([[1], [2]]).value is None  # one item: no consistency to speak of


def test_alpha_from_the_database_sums_equals_alpha_from_the_rows() -> None:
    columns = list(zip(*HAND_ALPHA, strict=True))
    totals = [sum(row) for row in HAND_ALPHA]
    value = alpha_from_sums(
        n=4,
        item_sums=[sum(c) for c in columns],
        item_squares=[sum(v * v for v in c) for c in columns],
        total_sum=sum(totals),
        total_squares=sum(t * t for t in totals),
    )
    assert value == 0.75


def test_alpha_warns_below_thirty_readings() -> None:
    assert Estimate(0.8, 29, ALPHA_MINIMUM).too_few is True
    assert Estimate(0.8, 30, ALPHA_MINIMUM).too_few is False


# --- weighted kappa, by hand ----------------------------------------------------------------------
# child (rows) x worker (columns), scores 1..3, 50 pairs:
#   10  5  0 | 15
#    3 12  5 | 20
#    0  2 13 | 15
#   13 19 18
# quadratic disagreement weights (i-j)^2 (the scaling by 4 cancels):
# observed: 5*1 + 3*1 + 5*1 + 2*1 = 15
# expected: (15*(19*1 + 18*4) + 20*(13*1 + 18*1) + 15*(13*4 + 19*1)) / 50 = (1365 + 620 + 1065) / 50 = 61
# kappa = 1 - 15/61 = 46/61
HAND_KAPPA = {(1, 1): 10, (1, 2): 5, (2, 1): 3, (2, 2): 12, (2, 3): 5, (3, 2): 2, (3, 3): 13}


def test_weighted_kappa_matches_the_hand_computed_value() -> None:
    estimate = weighted_kappa(HAND_KAPPA, [1, 2, 3])
    assert estimate.value == pytest.approx(46 / 61, abs=1e-12)
    assert (estimate.n, estimate.too_few) == (50, False)


def test_weighted_kappa_is_one_for_full_agreement_and_zero_for_chance() -> None:
    assert weighted_kappa({(1, 1): 4, (2, 2): 3, (3, 3): 5}, [1, 2, 3]).value == 1.0
    # the product of the margins: exactly what chance would give
    chance = {(a, b): ra * cb for a, ra in ((1, 1), (2, 2), (3, 1)) for b, cb in ((1, 2), (2, 1), (3, 1))}
    assert weighted_kappa(chance, [1, 2, 3]).value == pytest.approx(0.0, abs=1e-12)
    assert weighted_kappa({}, [1, 2, 3]) == Estimate(None, 0, KAPPA_MINIMUM)
    assert weighted_kappa({(2, 2): 5}, [1, 2, 3]).value is None  # nobody varies: agreement by chance is total


def test_weighted_kappa_warns_below_thirty_pairs() -> None:
    assert weighted_kappa({(1, 1): 20, (2, 2): 9}, [1, 2, 3]).too_few is True


# --- from the database ----------------------------------------------------------------------------

ROWS = [
    _all(1, 2, 2, 1, 2, 2, 3, 1, 2),
    _all(2, 2, 3, 2, 2, 3, 3, 2, 2),
    _all(3, 3, 3, 3, 3, 3, 2, 3, 3),
    _all(2, 3, 2, 2, 3, 2, 1, 2, 1),
]


@pytest.mark.django_db
def test_alpha_from_the_database_is_alpha_of_the_complete_readings_in_the_countries_asked(demo_users) -> None:
    # given four Swedish readings with the child's answers, one with a declined domain, one by the worker alone,
    # and a Lithuanian reading
    worker = demo_users["caseworker-se"]
    case = open_case(worker)
    for row in ROWS:
        answered_reading(worker, case, row)
    answered_reading(worker, case, {**ROWS[0], "money": DECLINED})
    answered_reading(worker, case, {}, by_worker=ROWS[1])
    answered_reading(demo_users["caseworker-lt"], open_case(demo_users["caseworker-lt"]), ROWS[2])
    # when alpha is computed for Sweden
    estimate = alpha_for(life_domains(), ["SE"])
    # then it is alpha of the four complete child readings, listwise
    expected = cronbach_alpha([[row[key] for key in KEYS] for row in ROWS])
    assert estimate == expected
    assert estimate.n == 4
    assert estimate.too_few is True
    # and nothing is computed for a country without readings, or for no country
    assert alpha_for(life_domains(), ["FI"]) == Estimate(None, 0, ALPHA_MINIMUM)
    assert alpha_for(life_domains(), []) == Estimate(None, 0, ALPHA_MINIMUM)


@pytest.mark.django_db
def test_kappa_from_the_database_pairs_the_child_alone_with_the_worker(demo_users) -> None:
    # given a reading where the child and the worker each answered every domain
    worker = demo_users["caseworker-se"]
    case = open_case(worker)
    child_view = _all(1, 2, 3, 1, 2, 3, 1, 2, 3)
    worker_view = _all(1, 2, 3, 2, 2, 3, 1, 1, 3)
    answered_reading(worker, case, child_view, by_worker=worker_view, child_respondent=Respondent.CHILD)
    # and a reading answered together (one view, not a pair) and one where the child declined a domain
    answered_reading(worker, case, child_view)
    answered_reading(worker, case, {**child_view, "money": DECLINED}, by_worker=worker_view, child_respondent=Respondent.CHILD)
    # when agreement is computed
    estimate = kappa_for(life_domains(), ["SE"])
    # then the pairs are the nine of the first reading and the eight answered ones of the third
    table: dict[tuple[int, int], int] = {}
    for key in KEYS:
        table[(child_view[key], worker_view[key])] = table.get((child_view[key], worker_view[key]), 0) + 1
    for key in KEYS:
        if key != "money":
            table[(child_view[key], worker_view[key])] += 1
    assert estimate == weighted_kappa(table, [1, 2, 3])
    assert estimate.n == 17
    assert estimate.too_few is True
    assert kappa_for(life_domains(), ["LT"]).n == 0


@pytest.mark.django_db
def test_version_psychometrics_bundles_both(demo_users) -> None:
    worker = demo_users["caseworker-se"]
    answered_reading(worker, open_case(worker), ROWS[0], by_worker=ROWS[1], child_respondent=Respondent.CHILD)
    result = version_psychometrics(life_domains(), ["SE"])
    assert (result.domains, result.alpha.n, result.kappa.n) == (9, 1, 9)
    assert result.alpha.value is None  # one reading: no variance
