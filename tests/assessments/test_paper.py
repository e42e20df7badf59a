"""Paper: the printable A4 sheet in English and Russian (PDF and HTML), and typing a filled-in sheet in (mode "paper")."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from carnet.assessments.models import Answer, InstrumentVersion, Reading, RiskAlert, VersionStatus
from carnet.audit.models import AuditEntry
from tests.assessments.factories import life_domains
from tests.cases.factories import open_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(demo_users):
    return demo_users["caseworker-se"]


@pytest.fixture
def case(worker):
    return open_case(worker)


@pytest.fixture
def version():
    return life_domains()


def _domains(version: InstrumentVersion) -> list[Any]:
    return list(version.domains.order_by("position").prefetch_related("levels"))


def _level_id(domain: Any, score: int) -> int:
    return next(level.pk for level in domain.levels.all() if level.score == score)


def _sheet(version: InstrumentVersion, scores: dict[str, int | str], **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"language": "en", "taken_on": timezone.localdate().isoformat(), "respondent": "child", **extra}
    for domain in _domains(version):
        score = scores.get(domain.key, 2)
        data[f"answer_{domain.id}"] = "declined" if score == "declined" else _level_id(domain, int(score))
    return data


# --- The printable sheet --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_sheet_is_a_pdf_in_either_language(language, client_as, version):
    response = client_as("caseworker-se").get(f"/en/assessments/paper/{version.pk}/?lang={language}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert f"life-domains-v1-{language}.pdf" in response["Content-Disposition"]


def test_the_russian_sheet_shows_the_russian_statements_and_boxes_to_tick(client_as, version):
    response = client_as("caseworker-se").get(f"/en/assessments/paper/{version.pk}/?lang=ru&format=html")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="ru">' in html
    assert "Моя жизнь: самооценка по девяти сферам" in html
    assert "<caption>1. Моя учёба</caption>" in html
    assert "Я хожу в школу или на курсы, и мне там нравится или нормально" in html
    assert "Я надолго убегаю, живу у опасных людей или ночую на улице" in html
    # a box per statement, now and next time, plus "I don't want to say" for every domain; and the lines to fill in by hand
    assert html.count('class="box"') == 9 * (3 * 2 + 1) + 3
    assert html.count('class="line') == 2
    # the inline print stylesheet is allowed by its hash, nothing else
    assert "'sha256-" in response["Content-Security-Policy"]


def test_the_english_sheet_has_the_seeds_words(client_as, version):
    html = client_as("caseworker-se").get(f"/en/assessments/paper/{version.pk}/?lang=en&format=html").content.decode()
    assert "<caption>8. Running away</caption>" in html
    assert "I run away for long periods of time and I stay with risky people or sleep rough" in html


def test_an_unpublished_version_has_no_sheet(client_as, version):
    draft = InstrumentVersion.objects.create(instrument=version.instrument, number=99, status=VersionStatus.DRAFT)
    assert client_as("caseworker-se").get(f"/en/assessments/paper/{draft.pk}/?format=html").status_code == 404


def test_the_sheet_needs_a_signed_in_user(client, version):
    assert client.get(f"/en/assessments/paper/{version.pk}/").status_code == 302


# --- Paper entry ----------------------------------------------------------------------------------------------------


def test_the_entry_form_shows_every_domain_on_one_screen(client_as, case, version):
    response = client_as("caseworker-se").get(f"/en/assessments/cases/{case.pk}/paper/?version={version.pk}&language=ru")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="take-paper-domain') == 9
    assert html.count('type="radio" name="answer_') == 9 * 4
    assert "Побеги" in html


def test_a_paper_sheet_is_stored_complete_and_marked_as_from_paper(client_as, case, version):
    # when the worker types in a sheet the child filled in, one part declined, one with a wish, running away at risk
    domains = _domains(version)
    data = _sheet(version, {"education": 3, "running-away": 1, "wanting-to-change": "declined"})
    data[f"wished_{domains[0].id}"] = _level_id(domains[0], 3)
    response = client_as("caseworker-se").post(f"/en/assessments/cases/{case.pk}/paper/?version={version.pk}", data)
    # then the reading is stored complete, from paper, all answered by the child
    assert response.status_code == 302
    assert response["Location"] == f"/en/assessments/cases/{case.pk}/"
    reading = Reading.objects.get(case=case)
    assert (reading.mode, reading.status, reading.taken_on) == ("paper", "complete", timezone.localdate())
    answers = Answer.objects.filter(reading=reading)
    assert answers.count() == 9
    assert set(answers.values_list("respondent", flat=True)) == {"child"}
    assert answers.get(domain__key="wanting-to-change").declined is True
    assert answers.get(domain__key="education").wished_level.score == 3
    # and the risk level raised an alert for the case owner
    assert list(RiskAlert.objects.filter(reading=reading).values_list("domain__key", flat=True)) == ["running-away"]
    assert AuditEntry.objects.filter(action="assessment.reading.start", purpose__contains="(paper)").count() == 1
    # and the case section lists it as entered from paper
    assert "Entered from paper" in client_as("caseworker-se").get(response["Location"]).content.decode()


def test_a_sheet_with_a_part_missing_stores_nothing(client_as, case, version):
    data = _sheet(version, {})
    data.pop(f"answer_{_domains(version)[4].id}")
    response = client_as("caseworker-se").post(f"/en/assessments/cases/{case.pk}/paper/?version={version.pk}", data)
    assert response.status_code == 400
    assert "Tick what the sheet says" in response.content.decode()
    assert Reading.objects.count() == 0


def test_a_level_of_another_domain_on_paper_stores_nothing(client_as, case, version):
    domains = _domains(version)
    data = _sheet(version, {})
    data[f"answer_{domains[1].id}"] = _level_id(domains[0], 3)
    response = client_as("caseworker-se").post(f"/en/assessments/cases/{case.pk}/paper/?version={version.pk}", data)
    assert response.status_code == 400
    assert (Reading.objects.count(), Answer.objects.count()) == (0, 0)


def test_a_sheet_dated_before_the_case_stores_nothing(client_as, case, version):
    data = _sheet(version, {}, taken_on=(case.opened_on - timezone.timedelta(days=1)).isoformat())
    response = client_as("caseworker-se").post(f"/en/assessments/cases/{case.pk}/paper/?version={version.pk}", data)
    assert response.status_code == 400
    assert "A reading cannot be dated before the case was opened." in response.content.decode()
    assert Reading.objects.count() == 0


def test_an_unpublished_version_cannot_be_entered(client_as, case, version):
    draft = InstrumentVersion.objects.create(instrument=version.instrument, number=99, status=VersionStatus.DRAFT)
    response = client_as("caseworker-se").post(f"/en/assessments/cases/{case.pk}/paper/?version={draft.pk}", _sheet(version, {}))
    assert response.status_code == 302
    assert response["Location"] == f"/en/assessments/cases/{case.pk}/"
    assert Reading.objects.count() == 0


def test_starting_a_paper_reading_leads_to_the_entry_form(client_as, case, version):
    response = client_as("caseworker-se").post(
        f"/en/assessments/cases/{case.pk}/readings/", {"version": version.pk, "mode": "paper", "language": "ru"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/en/assessments/cases/{case.pk}/paper/?version={version.pk}&language=ru"
    assert Reading.objects.count() == 0


@pytest.mark.parametrize("username", ["caseworker-lt", "ncp-lt", "secretariat", "sysadmin"])
def test_outsiders_cannot_enter_a_sheet_and_nothing_is_stored(username, client_as, case, version):
    response = client_as(username).post(f"/en/assessments/cases/{case.pk}/paper/?version={version.pk}", _sheet(version, {}))
    assert response.status_code == 404
    assert Reading.objects.count() == 0
