"""Aggregate outcomes: first-to-latest change per domain, by organisation and quarter, with small cells protected."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings

from carnet.assessments.models import Domain, Respondent
from carnet.assessments.outcomes import (
    OutcomeCell,
    OutcomeFilters,
    Quarter,
    build_table,
    change_cells,
    country_pattern,
    outcome_tables,
    outcomes_for,
    outcomes_threshold,
)
from carnet.assessments.services import answer_record, reading_complete, reading_start
from carnet.audit.models import AuditEntry
from carnet.cases.models import Case
from carnet.core.disclosure import Suppression
from tests.assessments.factories import life_domains, take_reading
from tests.assessments.test_psychometrics import DECLINED, answered_reading
from tests.cases.factories import open_case

pytestmark = pytest.mark.django_db

JAN, APR, MAY, OCT = date(2025, 1, 15), date(2025, 4, 10), date(2025, 5, 20), date(2025, 10, 2)
Q1_2025, Q2_2025, Q4_2025 = Quarter.parse("2025-Q1"), Quarter.parse("2025-Q2"), Quarter.parse("2025-Q4")


def _case(user) -> Case:
    return open_case(user, opened_on=date(2025, 1, 1))


def _domain_id(key: str) -> int:
    return Domain.objects.get(version=life_domains(), key=key).pk


def _children_moving(worker, count: int, first: int, latest: int, *, latest_on: date = APR) -> None:
    """``count`` children, each with two readings: "running away" at ``first`` in January, at ``latest`` later."""
    for _ in range(count):
        case = _case(worker)
        take_reading(worker, case, {"running-away": first}, taken_on=JAN)
        take_reading(worker, case, {"running-away": latest}, taken_on=latest_on)


# --- quarters -------------------------------------------------------------------------------------


def test_quarters_read_and_print_as_year_and_number() -> None:
    assert (str(Quarter.parse("2026-q3")), Quarter.parse("2026-Q1") < Quarter.parse("2026-Q2")) == ("2026-Q3", True)
    with pytest.raises(ValueError, match="2026-Q5"):
        Quarter.parse("2026-Q5")


# --- the query ------------------------------------------------------------------------------------


def test_the_change_is_latest_minus_first_per_child_counted_once(demo_users) -> None:
    worker = demo_users["caseworker-se"]
    # given a child with three readings (running away: 1, then 2, then 3), one with two (3 then 1), one with a single reading
    climber = _case(worker)
    for score, day in ((1, JAN), (2, APR), (3, OCT)):
        take_reading(worker, climber, {"running-away": score}, taken_on=day)
    faller = _case(worker)
    take_reading(worker, faller, {"running-away": 3}, taken_on=JAN)
    take_reading(worker, faller, {"running-away": 1}, taken_on=MAY)
    take_reading(worker, _case(worker), {"running-away": 1}, taken_on=JAN)
    # and a Lithuanian child with two readings
    lt_worker = demo_users["caseworker-lt"]
    lt_case = _case(lt_worker)
    take_reading(lt_worker, lt_case, {"running-away": 2}, taken_on=JAN)
    take_reading(lt_worker, lt_case, {"running-away": 3}, taken_on=APR)
    # when the cells are computed for Sweden
    rows = change_cells(life_domains().pk, ["SE"])
    # then each child with two or more readings is one child in the quarter of their latest reading
    running = sorted(r for r in rows if r[3] == _domain_id("running-away"))
    org = climber.organisation_id
    assert running == [
        ("SE", org, Q2_2025.index, _domain_id("running-away"), 1, -2),
        ("SE", org, Q4_2025.index, _domain_id("running-away"), 1, 2),
    ]
    # and a domain that did not move has a change of 0 for both
    assert sorted(r[4:] for r in rows if r[3] == _domain_id("money")) == [(1, 0), (1, 0)]
    # and the population counts both children, whatever they answered
    assert sorted(r[4] for r in rows if r[3] == 0) == [1, 1]
    # and Lithuania is not in Sweden's cells, but has its own
    assert {r[0] for r in rows} == {"SE"}
    assert [r[4:] for r in change_cells(life_domains().pk, ["LT"]) if r[3] == _domain_id("running-away")] == [(1, 1)]
    assert change_cells(life_domains().pk, []) == []


def test_only_the_childs_own_view_counts_and_a_declined_domain_is_left_out(demo_users) -> None:
    worker = demo_users["caseworker-se"]
    case = _case(worker)
    keys = [d.key for d in life_domains().domains.all()]
    first = dict.fromkeys(keys, 2) | {"money": DECLINED}
    # given a first reading where the child declined "money", and a latest one answered by the child alone,
    # with the worker's own (different) view on every domain
    answered_reading(worker, case, first, taken_on=JAN)
    answered_reading(
        worker, case, dict.fromkeys(keys, 3), by_worker=dict.fromkeys(keys, 1), child_respondent=Respondent.CHILD, taken_on=APR
    )
    rows = {r[3]: r[4:] for r in change_cells(life_domains().pk, ["SE"])}
    # then the child counts once in the population (domain id 0) ...
    assert rows.pop(0) == (1, 0)
    # ... "money" has no change for this child, and every other domain moved +1 by the child's own answers
    assert _domain_id("money") not in rows
    assert set(rows.values()) == {(1, 1)}
    assert len(rows) == 8


def test_the_childs_answer_alone_comes_before_one_given_together(demo_users) -> None:
    worker = demo_users["caseworker-se"]
    case = _case(worker)
    take_reading(worker, case, {"running-away": 1}, taken_on=JAN)
    # given a latest reading where running away was answered together (2) and by the child alone (3)
    version = life_domains()
    reading = reading_start(actor=worker, case=case, version=version, mode="with_worker", language="en", taken_on=APR)
    for each in version.domains.prefetch_related("levels"):
        answer_record(reading=reading, domain=each, respondent=Respondent.TOGETHER, level=each.levels.get(score=2), actor=worker)
    domain = version.domains.get(key="running-away")
    answer_record(reading=reading, domain=domain, respondent=Respondent.CHILD, level=domain.levels.get(score=3), actor=worker)
    reading_complete(reading=reading, actor=worker)
    # then the change is the child's own: 3 - 1, once
    rows = [r[4:] for r in change_cells(version.pk, ["SE"]) if r[3] == domain.pk]
    assert rows == [(1, 2)]


# --- the protected table --------------------------------------------------------------------------


def _table(cells, organisations, quarters, threshold=10, **shown):
    pattern = country_pattern(cells, [cells], organisations, quarters, threshold)
    return build_table(key="k", name="K", organisations=organisations, quarters=quarters, cells=cells, pattern=pattern, **shown)


def test_a_small_cell_hides_its_mean_and_a_complement_hides_another() -> None:
    # given two organisations and two quarters; organisation A has 3 children in Q1
    cells = {(1, Q1_2025.index): (3, 6), (1, Q2_2025.index): (20, 10), (2, Q1_2025.index): (15, -15), (2, Q2_2025.index): (30, 30)}
    table = _table(cells, [(1, "A"), (2, "B")], [Q1_2025, Q2_2025])
    # then the 3 is hidden, with its mean; 20 hides it in its row, 15 in its column, 30 closes the square
    assert table.cells == [
        [OutcomeCell(None, None, Suppression.SMALL), OutcomeCell(None, None, Suppression.COMPLEMENT)],
        [OutcomeCell(None, None, Suppression.COMPLEMENT), OutcomeCell(None, None, Suppression.COMPLEMENT)],
    ]
    # and the totals, each of ten or more children, are shown with their means
    assert table.organisation_totals == [OutcomeCell(23, 16 / 23), OutcomeCell(45, 15 / 45)]
    assert table.quarter_totals == [OutcomeCell(18, -9 / 18), OutcomeCell(50, 40 / 50)]
    assert table.total == OutcomeCell(68, 31 / 68)
    assert table.any_suppressed is True


def test_a_cell_small_in_one_domain_is_hidden_in_every_domain() -> None:
    # given two organisations in two quarters with 12, 14 / 11, 20 children; in domain B, 4 children of A-Q1 did not answer
    organisations, quarters = [(1, "A"), (2, "B")], [Q1_2025, Q2_2025]
    population = {(1, Q1_2025.index): (12, 0), (1, Q2_2025.index): (14, 0), (2, Q1_2025.index): (11, 0), (2, Q2_2025.index): (20, 0)}
    domain_a = {key: (n, n) for key, (n, _s) in population.items()}
    domain_b = {**domain_a, (1, Q1_2025.index): (8, 8)}
    pattern = country_pattern(population, [domain_a, domain_b], organisations, quarters, 10)
    table_a = build_table(key="a", name="A", organisations=organisations, quarters=quarters, cells=domain_a, pattern=pattern)
    table_b = build_table(key="b", name="B", organisations=organisations, quarters=quarters, cells=domain_b, pattern=pattern)
    # then A-Q1 is "fewer than 10" in domain B, and hidden in domain A too, where it has 12: showing 12 there would
    # say that B's hidden cell is at most 12, and with its row total, pin it down
    assert table_b.cells[0][0] == OutcomeCell(None, None, Suppression.SMALL)
    assert table_a.cells[0][0] == OutcomeCell(None, None, Suppression.COMPLEMENT)
    hidden = [[c.suppressed is not None for c in row] for row in table_a.cells]
    assert hidden == [[c.suppressed is not None for c in row] for row in table_b.cells]
    assert table_a.total == OutcomeCell(57, 1.0)


def test_a_range_of_quarters_only_leaves_columns_out() -> None:
    # given a table over three quarters
    cells = {(1, q.index): (10 + i, i) for i, q in enumerate((Q1_2025, Q2_2025, Q4_2025))}
    quarters = [Q1_2025, Q2_2025, Q4_2025]
    whole = _table(cells, [(1, "A")], quarters)
    # when only Q2 is shown
    part = _table(cells, [(1, "A")], quarters, shown_from=Q2_2025, shown_to=Q2_2025)
    # then the Q2 column is the same, and the organisation's total is still over all quarters (nothing to subtract)
    assert (part.quarters, part.hidden_quarters) == ([Q2_2025], 2)
    assert part.cells == [[whole.cells[0][1]]]
    assert part.organisation_totals == whole.organisation_totals == [OutcomeCell(33, 3 / 33)]


def test_the_same_cells_are_hidden_whoever_asks_and_whatever_range(demo_users) -> None:
    worker = demo_users["caseworker-se"]
    _children_moving(worker, 2, 1, 3)
    _children_moving(worker, 3, 2, 2, latest_on=OCT)
    everything = outcome_tables(life_domains(), ["SE"], threshold=3)
    narrowed = outcome_tables(life_domains(), ["SE"], threshold=3, shown_from=Q4_2025)
    running = next(t for t in everything[0].domains if t.key == "running-away")
    narrow = next(t for t in narrowed[0].domains if t.key == "running-away")
    assert [str(q) for q in running.quarters] == ["2025-Q2", "2025-Q4"]
    assert running.cells == [[OutcomeCell(None, None, Suppression.SMALL), OutcomeCell(None, None, Suppression.COMPLEMENT)]]
    assert running.quarter_totals == [OutcomeCell(None, None, Suppression.SMALL), OutcomeCell(None, None, Suppression.COMPLEMENT)]
    assert running.total == OutcomeCell(5, 4 / 5)
    assert narrow.cells == [[running.cells[0][1]]]
    assert narrow.total == running.total


# --- who sees what --------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["caseworker-se", "caseworker-lt", "secretariat", "sysadmin", "researcher", "member-fi"])
def test_only_supervisors_ncps_and_coordinators_see_outcomes(demo_users, username: str) -> None:
    before = AuditEntry.objects.filter(action="assessment.outcomes.view").count()
    with pytest.raises(PermissionDenied):
        outcomes_for(actor=demo_users[username], filters=OutcomeFilters())
    assert AuditEntry.objects.filter(action="assessment.outcomes.view").count() == before


def test_an_ncp_sees_their_own_country_only(demo_users) -> None:
    ncp = demo_users["ncp-se"]
    result = outcomes_for(actor=ncp, filters=OutcomeFilters())
    assert [c.code for c in result.countries] == ["SE"]
    assert (result.version, result.threshold) == (life_domains(), 10)
    with pytest.raises(PermissionDenied):
        outcomes_for(actor=ncp, filters=OutcomeFilters(country="LT"))
    assert [c.code for c in outcomes_for(actor=demo_users["coordinator-lt"], filters=OutcomeFilters()).countries] == ["LT"]
    assert AuditEntry.objects.filter(action="assessment.outcomes.view", actor_username="ncp-se").count() == 1


def test_a_reversed_range_or_an_unknown_version_is_refused(demo_users) -> None:
    with pytest.raises(ValidationError, match="comes before"):
        outcomes_for(actor=demo_users["ncp-se"], filters=OutcomeFilters(quarter_from=Q2_2025, quarter_to=Q1_2025))
    with pytest.raises(ValidationError, match="published version"):
        outcomes_for(actor=demo_users["ncp-se"], filters=OutcomeFilters(version_id=987654))


def test_the_threshold_is_ten_unless_the_installation_asks_for_more() -> None:
    assert outcomes_threshold() == 10
    with override_settings(CARNET_DISCLOSURE_THRESHOLD=5):
        assert outcomes_threshold() == 10
    with override_settings(CARNET_DISCLOSURE_THRESHOLD=15):
        assert outcomes_threshold() == 15


# --- the page and the API -------------------------------------------------------------------------


def test_the_page_says_fewer_than_ten_and_explains_why(client_as, demo_users) -> None:
    # given three Swedish children who moved from 1 to 3
    _children_moving(demo_users["caseworker-se"], 3, 1, 3)
    # when Sweden's NCP opens the outcomes
    response = client_as("ncp-se").get("/en/assessments/outcomes/")
    page = response.content.decode()
    # then no number of children or mean change is shown, every cell reads "fewer than 10", and the page explains why
    assert response.status_code == 200
    assert "fewer than 10" in page
    assert "+2.00" not in page
    assert "3 children" not in page
    assert "Cells with fewer than 10 children are not shown" in page
    assert "2025-Q2" in page
    # and psychometrics say how many readings they rest on, with a warning, and are not shown below the threshold
    assert "Too few readings." in page
    assert "It would rest on 6 readings, fewer than 10." in page
    assert AuditEntry.objects.filter(action="assessment.outcomes.view", actor_username="ncp-se").count() == 1


def test_the_page_shows_cells_with_enough_children_and_hides_the_complement(client_as, demo_users, monkeypatch) -> None:
    # given a threshold of 3 (to keep the test small) and, for one organisation, latest readings in three quarters:
    # 5 children in Q1 (+2 each), 5 in Q2 (+1 each), 2 in Q4
    monkeypatch.setattr("carnet.assessments.outcomes.outcomes_threshold", lambda: 3)
    worker = demo_users["caseworker-se"]
    _children_moving(worker, 5, 1, 3, latest_on=date(2025, 2, 20))
    _children_moving(worker, 5, 2, 3)
    _children_moving(worker, 2, 1, 2, latest_on=OCT)
    # when the supervisor opens the outcomes
    page = client_as("supervisor-se").get("/en/assessments/outcomes/").content.decode()
    # then Q2 is shown (5 children, +1.00), Q4 is "fewer than 3", and Q1 is hidden so that Q4 cannot be worked out
    assert '<span class="change change-up">+1.00</span> <span class="children">5 children</span>' in page
    assert "fewer than 3" in page
    assert "(to protect a small cell)" in page
    assert "+2.00" not in page
    # and the total over all quarters is shown: 12 children, (10 + 5 + 2) / 12
    assert '<span class="change change-up">+1.42</span> <span class="children">12 children</span>' in page


def test_the_page_filters_by_quarter_and_refuses_a_reversed_range(client_as) -> None:
    client = client_as("ncp-se")
    assert client.get("/en/assessments/outcomes/", {"quarter_from": "2025-Q1", "quarter_to": "2025-Q4"}).status_code == 200
    bad = client.get("/en/assessments/outcomes/", {"quarter_from": "2025-Q4", "quarter_to": "2025-Q1"})
    assert bad.status_code == 400
    assert "The last quarter comes before the first one." in bad.content.decode()
    assert client.get("/en/assessments/outcomes/", {"quarter_from": "last year"}).status_code == 400


def test_a_country_outside_ones_own_is_not_offered(client_as) -> None:
    response = client_as("ncp-se").get("/en/assessments/outcomes/", {"country": "LT"})
    assert response.status_code == 400
    assert "Lithuania" not in response.content.decode()


def test_others_are_refused_the_page(client_as) -> None:
    assert client_as("caseworker-se").get("/en/assessments/outcomes/").status_code == 403
    assert client_as("anonymous").get("/en/assessments/outcomes/").status_code == 302


def test_the_api_gives_the_same_tables_with_hidden_cells_as_null(client_as, demo_users) -> None:
    worker = demo_users["caseworker-se"]
    _children_moving(worker, 2, 1, 3)
    response = client_as("supervisor-se").get("/api/v1/assessments/outcomes")
    assert response.status_code == 200
    data = response.json()
    assert (data["threshold"], data["version"]["slug"], data["version"]["number"]) == (10, "life-domains", 1)
    sweden = data["countries"][0]
    running = next(d for d in sweden["domains"] if d["key"] == "running-away")
    assert running["quarters"] == ["2025-Q2"]
    assert running["rows"][0]["cells"] == [{"children": None, "mean_change": None, "suppressed": "small"}]
    assert running["total"] == {"children": None, "mean_change": None, "suppressed": "small"}
    assert data["psychometrics"]["alpha"]["n"] == 4
    assert data["psychometrics"]["alpha"]["value"] is None  # fewer readings than the threshold: not shown
    assert client_as("caseworker-se").get("/api/v1/assessments/outcomes").status_code == 403
    assert client_as("ncp-se").get("/api/v1/assessments/outcomes", {"country": "LT"}).status_code == 403
    assert client_as("ncp-se").get("/api/v1/assessments/outcomes", {"quarter_from": "2025-Q9"}).status_code == 422
