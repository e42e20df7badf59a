"""The star chart (SVG drawn on the server), the table beside it, distance travelled, the readings page's section,
the export of a child's readings (CSV, XLSX), the chart API, and the object rows of the permission matrix."""

from __future__ import annotations

import csv
import io
import json
import math
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from typing import Any

import pytest
import tablib
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import override

from carnet.assessments import charts
from carnet.assessments.models import Reading, Respondent
from carnet.assessments.selectors import chart_context, chart_of
from carnet.assessments.services import answer_record, reading_complete, reading_start
from carnet.assessments.services_plans import plan_item_add
from carnet.audit.models import AuditEntry
from tests.assessments.factories import life_domains, take_reading
from tests.cases.factories import open_case
from tests.fixtures import ROLES
from tests.matrix.assessments_chart import PAGES as CHART_PAGES
from tests.matrix.base import ANON

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
KEYS = ["education", "money", "cared-for", "secure-base", "health", "peers", "self-control", "running-away", "wanting-to-change"]
OUTSIDERS = ["caseworker-lt", "ncp-lt", "secretariat", "sysadmin"]


def today() -> date:
    return timezone.localdate()


@pytest.fixture
def worker(demo_users):
    return demo_users["caseworker-se"]


@pytest.fixture
def case(worker):
    return open_case(worker, opened_on=today() - timedelta(days=120))


def reading_with(worker: Any, case: Any, answers: dict[str, list[tuple[str, int | None]]], *, taken_on: date) -> Reading:
    """A complete reading: for each named domain, (respondent, score) pairs (score None: "I don't want to say");
    every other domain is answered 2 together."""
    version = life_domains()
    reading = reading_start(actor=worker, case=case, version=version, mode="with_worker", language="en", taken_on=taken_on)
    for domain in version.domains.prefetch_related("levels"):
        levels = {level.score: level for level in domain.levels.all()}
        for respondent, score in answers.get(domain.key, [(Respondent.TOGETHER, 2)]):
            level = None if score is None else levels[score]
            answer_record(reading=reading, domain=domain, respondent=respondent, level=level, declined=score is None, actor=worker)
    return reading_complete(reading=reading, actor=worker)


def expected_points(scores: list[int]) -> str:
    """The polygon's points computed here from the chart's geometry: axis i at -90° + i * 360°/n, radius ∝ score."""
    out = []
    for i, score in enumerate(scores):
        angle = -math.pi / 2 + 2 * math.pi * i / len(scores)
        radius = charts.RADIUS * score / 3
        out.append(f"{round(charts.CX + radius * math.cos(angle), 1):.1f},{round(charts.CY + radius * math.sin(angle), 1):.1f}")
    return " ".join(out)


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314  (our own markup, parsed to check it is well-formed)


# --- The SVG ------------------------------------------------------------------------------------------


def test_the_star_chart_is_well_formed_svg_with_one_axis_per_domain_and_a_title(worker, case):
    # given one reading
    take_reading(worker, case, {"running-away": 1}, taken_on=today() - timedelta(days=10))
    # when the chart is drawn
    chart = chart_of(actor=worker, case=case)
    root = parse(chart.svg)
    # then it is an image with a title and a description it names, one axis and one label per domain
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "star-chart-title star-chart-desc"
    assert root.find(f"{SVG}title").get("id") == "star-chart-title"
    assert root.find(f"{SVG}title").text == f"Star chart of {case.child.pseudonym}'s readings"
    assert "1 reading across 9 parts of life" in root.find(f"{SVG}desc").text
    axes = root.findall(f".//{SVG}line[@class='axis']")
    assert len(axes) == 9
    labels = [" ".join(t.itertext()).replace("/ ", "/") for t in root.findall(f".//{SVG}text[@class='axis-label']")]
    assert labels == [
        "My education/training", "My income/money", "People who have looked after me", "My secure base", "My general health",
        "My peers", "My self control", "Running away", "Wanting to change",
    ]  # fmt: skip
    assert len(root.findall(f".//{SVG}circle[@class='ring ring-1']")) == 1
    # and nothing in it needs an inline style (the content security policy forbids style="")
    assert "style=" not in chart.svg


def test_the_latest_readings_polygon_has_the_points_of_its_scores(worker, case):
    # given two readings with known scores
    take_reading(worker, case, dict.fromkeys(KEYS, 1), taken_on=today() - timedelta(days=40))
    scores = [3, 1, 2, 3, 2, 1, 3, 2, 1]
    take_reading(worker, case, dict(zip(KEYS, scores, strict=True)), taken_on=today() - timedelta(days=5))
    # when the chart is drawn
    root = parse(chart_of(actor=worker, case=case).svg)
    # then the latest is a closed polygon through exactly those points, boldest and solid
    latest = root.find(f".//{SVG}g[@data-position='0']/{SVG}polygon")
    assert latest.get("class") == "series series-latest"
    assert latest.get("points") == expected_points(scores)
    assert latest.get("stroke-width") == "3.5"
    assert latest.get("stroke-dasharray") is None
    # and the earlier one is thinner and dashed, all on the inner ring
    earlier = root.find(f".//{SVG}g[@data-position='1']/{SVG}polygon")
    assert earlier.get("points") == expected_points([1] * 9)
    assert earlier.get("stroke-dasharray") == charts.DASHES[1]
    assert float(earlier.get("stroke-width")) < 3.5


def test_at_most_five_readings_are_drawn_each_with_its_own_dash_pattern(worker, case):
    # given six readings
    for n in range(6):
        take_reading(worker, case, {"health": 1 + n % 3}, taken_on=today() - timedelta(days=60 - n * 10))
    # when the chart is drawn
    chart = chart_of(actor=worker, case=case)
    root = parse(chart.svg)
    # then the latest and four earlier ones are drawn, with five different line patterns
    groups = root.findall(f".//{SVG}g[@class='reading']")
    assert [g.get("data-position") for g in groups] == ["4", "3", "2", "1", "0"]
    patterns = {(g[0].get("stroke-dasharray"), g[0].get("stroke-width")) for g in groups}
    assert len(patterns) == 5
    assert (len(chart.readings), len(chart.shown), chart.hidden_count) == (6, 5, 1)
    # and distance travelled still counts from the very first reading
    health = next(d for d in chart.domains if d.key == "health")
    assert (health.first_score, health.latest_score, health.change) == (1, 3, 2)


def test_i_dont_want_to_say_is_a_gap_never_a_zero(worker, case):
    # given a reading where the child did not want to say about running away
    reading_with(worker, case, {"running-away": [(Respondent.CHILD, None)]}, taken_on=today() - timedelta(days=3))
    # when the chart is drawn
    chart = chart_of(actor=worker, case=case)
    root = parse(chart.svg)
    latest = root.find(f".//{SVG}g[@data-position='0']")
    # then there is no closed polygon and no point on the running-away axis (index 7), nor at the centre
    assert latest.find(f"{SVG}polygon") is None
    markers = [c.get("data-axis") for c in latest.findall(f"{SVG}circle")]
    assert markers == ["0", "1", "2", "3", "4", "5", "6", "8"]
    assert f"{charts.CX:.1f},{charts.CY:.1f}" not in latest.find(f"{SVG}path").get("d")
    # and the outline is broken either side of the gap: 9 edges less the two that touch it
    assert latest.find(f"{SVG}path").get("d").count("M") == 7
    running = next(d for d in chart.domains if d.key == "running-away")
    assert running.scores == [None]
    assert (running.cells[0].score, running.cells[0].declined) == (None, True)
    assert running.distance == "No answer yet"


def test_when_child_and_worker_disagree_the_chart_shows_the_childs_view_and_the_table_both(worker, case, client_as):
    # given a reading where the child says 3 about their peers and the worker 1
    reading_with(worker, case, {"peers": [(Respondent.CHILD, 3), (Respondent.WORKER, 1)]}, taken_on=today() - timedelta(days=3))
    # when the chart is drawn
    chart = chart_of(actor=worker, case=case)
    peers = next(d for d in chart.domains if d.key == "peers")
    # then the chart has the child's 3 on the peers axis (index 5), on the outer ring
    assert peers.scores == [3]
    assert peers.cells[0].disagree is True
    marker = parse(chart.svg).find(f".//{SVG}g[@data-position='0']/{SVG}circle[@data-axis='5']")
    assert (float(marker.get("cx")), float(marker.get("cy"))) == charts.point(5, 9, 3, 3)
    # and the table shows both answers, who gave them and their statements
    page = client_as("caseworker-se").get(f"/en/assessments/cases/{case.pk}/chart/").content.decode()
    assert "Child and worker see this differently; the chart shows the child's view." in page
    assert 'Child:</span> <span class="score score-green">3</span> <span class="statement">I have a few close friends' in page
    assert 'Worker:</span> <span class="score score-red">1</span> <span class="statement">I have no friends of my age' in page


def test_the_sparkline_is_well_formed_and_breaks_at_a_gap(worker, case):
    # given three readings of running away: 1, not said, 3
    reading_with(worker, case, {"running-away": [(Respondent.TOGETHER, 1)]}, taken_on=today() - timedelta(days=30))
    reading_with(worker, case, {"running-away": [(Respondent.CHILD, None)]}, taken_on=today() - timedelta(days=20))
    reading_with(worker, case, {"running-away": [(Respondent.TOGETHER, 3)]}, taken_on=today() - timedelta(days=10))
    # when the chart is drawn
    running = next(d for d in chart_of(actor=worker, case=case).domains if d.key == "running-away")
    root = parse(running.sparkline)
    # then it has a point for each answer and no line through the gap
    assert root.get("role") == "img"
    assert len(root.findall(f"{SVG}circle")) == 2
    assert root.find(f"{SVG}path") is None
    assert "not said" in root.find(f"{SVG}title").text
    # and distance travelled is first to latest answer: +2
    assert (running.first_score, running.latest_score, running.change, running.change_text) == (1, 3, 2, "+2")
    first = date_format(today() - timedelta(days=30), "DATE_FORMAT")
    assert running.distance == f"+2 since {first}"


@pytest.mark.parametrize(
    ("scores", "change", "words"),
    [
        ((1, 3), 2, "+2 since {first}"),
        ((3, 1), -2, "\u22122 since {first}"),
        ((2, 2), 0, "No change since {first}"),
        ((2,), None, "One answer so far, on {first}"),
    ],
    ids=["better", "worse", "same", "one-reading"],
)
def test_distance_travelled_per_domain(scores, change, words, worker, case):
    # given readings with these education scores, 20 days apart
    days = [40, 20][: len(scores)]
    for score, ago in zip(scores, days, strict=True):
        take_reading(worker, case, {"education": score}, taken_on=today() - timedelta(days=ago))
    # when distance travelled is worked out
    education = next(d for d in chart_of(actor=worker, case=case).domains if d.key == "education")
    # then it is the change from the first to the latest, said in words
    assert education.change == change
    assert education.distance == words.format(first=date_format(today() - timedelta(days=40), "DATE_FORMAT"))


def test_the_chart_reads_in_a_fixed_number_of_queries(worker, case):
    # given two readings, then six
    for n in range(2):
        take_reading(worker, case, taken_on=today() - timedelta(days=50 - n))
    with CaptureQueriesContext(connection) as two:
        chart_of(actor=worker, case=case)
    for n in range(4):
        take_reading(worker, case, taken_on=today() - timedelta(days=40 - n))
    with CaptureQueriesContext(connection) as six:
        chart_of(actor=worker, case=case)
    # then reading more readings takes no more queries
    assert len(six) == len(two)


# --- Pages ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "heading", "domain", "statement"),
    [
        ("en", "Star chart and action plan", "Running away", "I run away for long periods of time"),
        ("ru", '<html lang="ru">', "Побеги", "Я надолго убегаю"),
    ],
    ids=["en", "ru"],
)
def test_the_chart_page_in_both_languages(lang, heading, domain, statement, worker, case, client_as):
    # given a reading
    take_reading(worker, case, {"running-away": 1}, taken_on=today() - timedelta(days=3))
    # when the owner opens the chart page in the language
    response = client_as("caseworker-se").get(f"/{lang}/assessments/cases/{case.pk}/chart/")
    # then the domains and statements are in that language, in the SVG and the table
    assert response.status_code == 200
    page = response.content.decode()
    assert heading in page
    assert page.count(domain) >= 3  # an axis label, a table row, the action plan's choices
    assert statement in page
    assert 'role="img"' in page
    assert "<caption" in page
    assert ' style="' not in page
    assert response["Cache-Control"].startswith("no-store") or "no-store" in response["Cache-Control"]
    # and opening it is audited as a view of the case with its purpose
    assert AuditEntry.objects.filter(action="case.view", actor_username="caseworker-se", purpose="star chart").count() == 1


def test_the_russian_chart_has_russian_axis_labels(worker, case):
    take_reading(worker, case, taken_on=today() - timedelta(days=3))
    with override("ru"):
        root = parse(chart_of(actor=worker, case=case).svg)
    labels = ["".join(t.itertext()) for t in root.findall(f".//{SVG}text[@class='axis-label']")]
    assert labels[7] == "Побеги"


def test_a_case_without_readings_says_so(case, client_as):
    response = client_as("caseworker-se").get(f"/en/assessments/cases/{case.pk}/chart/")
    assert response.status_code == 200
    assert "No reading has been completed for this child yet" in response.content.decode()


@pytest.mark.parametrize("username", OUTSIDERS)
def test_outsiders_get_404_and_see_nothing(username, worker, case, client_as):
    take_reading(worker, case, {"running-away": 1}, taken_on=today() - timedelta(days=3))
    response = client_as(username).get(f"/en/assessments/cases/{case.pk}/chart/")
    assert response.status_code == 404
    assert case.child.pseudonym not in response.content.decode()


def test_the_section_for_the_readings_page_renders_from_chart_context(worker, case, rf):
    # given two readings
    take_reading(worker, case, {"money": 1}, taken_on=today() - timedelta(days=30))
    take_reading(worker, case, {"money": 3}, taken_on=today() - timedelta(days=3))
    # when the readings page includes the section with the helper's context
    context = chart_context(worker, case)
    request = rf.get("/")
    request.user = worker
    html = render_to_string("assessments/chart/section.html", {"case": case, "can_edit": True, **context}, request=request)
    # then it shows the chart, distance travelled and a link to the full page
    assert set(context) == {"chart"}
    assert 'aria-labelledby="star-chart-section-title star-chart-section-desc"' in html
    assert f"+2 since {date_format(today() - timedelta(days=30), 'DATE_FORMAT')}" in html
    assert f"/en/assessments/cases/{case.pk}/chart/" in html


def test_chart_context_refuses_someone_who_may_not_see_the_readings(case, demo_users):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        chart_context(demo_users["caseworker-lt"], case)


# --- Export -----------------------------------------------------------------------------------------


def _csv_rows(content: bytes) -> list[list[str]]:
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_csv_export_has_one_row_per_answer_and_no_identity(worker, demo_users, client_as):
    # given a case whose pseudonym looks like a formula, with two readings (one with a disagreement and a decline)
    case = open_case(worker, opened_on=today() - timedelta(days=60), pseudonym="=HYPERLINK(1)")
    take_reading(worker, case, {"running-away": 1}, taken_on=today() - timedelta(days=20))
    reading_with(
        worker,
        case,
        {"peers": [(Respondent.CHILD, 3), (Respondent.WORKER, 1)], "money": [(Respondent.CHILD, None)]},
        taken_on=today() - timedelta(days=5),
    )
    # when the owner exports it as CSV
    response = client_as("caseworker-se").get(f"/en/assessments/cases/{case.pk}/export.csv")
    # then it is an attachment: a watermark, the header, then one row per answer (9 + 10)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith(f'attachment; filename="{case.number}-readings-')
    rows = _csv_rows(response.content)
    assert rows[0][0].startswith("# Confidential. Exported from carnet by caseworker-se")
    assert rows[1] == [
        "Case number", "Pseudonym", "Date of the reading", "Instrument", "Instrument version", "How it was taken", "Domain code",
        "Domain", "Who answered", "Score", "Statement", "Did not want to say", "Wished score",
    ]  # fmt: skip
    data = rows[2:]
    assert len(data) == 19
    first = data[0]
    assert first[:3] == [case.number, "'=HYPERLINK(1)", (today() - timedelta(days=20)).isoformat()]
    assert first[4:10] == ["1", "With a worker", "education", "My education/training", "Child and worker together", "2"]
    peers = [row for row in data if row[6] == "peers" and row[2] == (today() - timedelta(days=5)).isoformat()]
    assert [(row[8], row[9], row[10][:20]) for row in peers] == [
        ("Child", "3", "I have a few close fr"[:20]),
        ("Worker", "1", "I have no friends of"),
    ]
    money = next(row for row in data if row[6] == "money" and row[8] == "Child")
    assert (money[9], money[10], money[11]) == ("", "", "yes")
    # and no identity: not the child's names, date of birth or contacts
    text = response.content.decode("utf-8")
    for secret in ("Testa", "Syntheticova", "Tessa", "2011-04-02", "+370"):
        assert secret not in text
    # and it was audited
    assert AuditEntry.objects.filter(action="assessment.export", object_id=str(case.pk), actor_username="caseworker-se").count() == 1


def test_the_xlsx_export_opens_with_tablib(worker, case, client_as):
    take_reading(worker, case, {"running-away": 1}, taken_on=today() - timedelta(days=5))
    response = client_as("supervisor-se").get(f"/en/assessments/cases/{case.pk}/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = tablib.Databook().load(response.content, "xlsx")
    sheet = book.sheets()[0]
    assert sheet.headers[:3] == ["Case number", "Pseudonym", "Date of the reading"]
    assert len(sheet) == 9
    running = next(row for row in sheet if row[6] == "running-away")
    assert (running[0], running[1], running[9]) == (case.number, case.child.pseudonym, 1)
    assert "supervisor-se" in book.sheets()[1][0][0]
    assert (
        AuditEntry.objects.filter(action="assessment.export", actor_username="supervisor-se", purpose__startswith="readings xlsx").count()
        == 1
    )


def test_the_export_speaks_the_pages_language(worker, case, client_as):
    take_reading(worker, case, {"running-away": 1}, taken_on=today() - timedelta(days=5))
    rows = _csv_rows(client_as("caseworker-se").get(f"/ru/assessments/cases/{case.pk}/export.csv").content)
    running = next(row for row in rows[2:] if row[6] == "running-away")
    assert running[7] == "Побеги"
    assert running[10].startswith("Я надолго убегаю")


@pytest.mark.parametrize("username", OUTSIDERS)
def test_outsiders_cannot_export_and_nothing_is_audited_as_an_export(username, worker, case, client_as):
    take_reading(worker, case, taken_on=today() - timedelta(days=5))
    for suffix in ("csv", "xlsx"):
        assert client_as(username).get(f"/en/assessments/cases/{case.pk}/export.{suffix}").status_code == 404
    assert AuditEntry.objects.filter(action="assessment.export").count() == 0


# --- API -------------------------------------------------------------------------------------------------


def test_the_chart_api_gives_domains_readings_scores_and_distance(worker, case, client_as):
    # given two readings, the second with a decline and a disagreement
    take_reading(worker, case, {"running-away": 1, "peers": 2}, taken_on=today() - timedelta(days=20))
    reading_with(
        worker,
        case,
        {"running-away": [(Respondent.CHILD, None)], "peers": [(Respondent.CHILD, 3), (Respondent.WORKER, 1)]},
        taken_on=today() - timedelta(days=5),
    )
    # when the chart is read through the API
    response = client_as("ncp-se").get(f"/api/v1/assessments/cases/{case.pk}/chart")
    # then it lists the domains in order, every reading oldest first with the chart's scores, and distance travelled
    assert response.status_code == 200
    body = response.json()
    assert [d["key"] for d in body["domains"]] == KEYS
    assert [r["taken_on"] for r in body["readings"]] == [(today() - timedelta(days=d)).isoformat() for d in (20, 5)]
    latest = body["readings"][1]
    assert (latest["scores"]["running-away"], latest["scores"]["peers"], latest["scores"]["health"]) == (None, 3, 2)
    peers = [a for a in latest["answers"] if a["domain_key"] == "peers"]
    assert [(a["respondent"], a["score"]) for a in peers] == [("child", 3), ("worker", 1)]
    distance = {d["domain_key"]: d for d in body["distance_travelled"]}
    assert (distance["peers"]["change"], distance["running-away"]["change"], distance["health"]["change"]) == (1, None, 0)
    assert (body["number"], body["pseudonym"], body["max_score"]) == (case.number, case.child.pseudonym, 3)
    assert "Testa" not in response.content.decode()


@pytest.mark.parametrize("username", OUTSIDERS)
def test_the_chart_api_is_404_json_for_outsiders(username, case, client_as):
    response = client_as(username).get(f"/api/v1/assessments/cases/{case.pk}/chart")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# --- Object rows of the permission matrix ---------------------------------------------------------------


def _request(client: Any, method: str, path: str, body: dict[str, Any] | None) -> int:
    call = getattr(client, method.lower())
    if path.startswith("/api/"):
        return int(call(path, data=json.dumps(body or {}), content_type="application/json").status_code)
    return int(call(path, data=body or {}).status_code)


def test_the_plan_done_object_row(worker, client_as):
    row = CHART_PAGES["assessments:plan_done"]
    for role in ROLES:
        # given a fresh case with an open action-plan item
        case = open_case(worker)
        item = plan_item_add(actor=worker, case=case, domain_key="health", wants_to_change="Sleep better")
        values = {"case": case.pk, "item": item.pk}
        body = {k.format(**values): str(v).format(**values) for k, v in (row.body or {}).items()}
        # when the role marks it done
        status = _request(client_as(role), row.method, row.path.format(**values), body)
        # then the status is the row's, and only a success changed anything
        assert status == row.expect[role], role
        item.refresh_from_db()
        assert (item.done_on is not None) is (status == 302 and role != ANON), role
