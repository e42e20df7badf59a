"""Taking a reading with a worker: services (answers, versions, drafts), the worker's pages (EN, RU), the API, object rows."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from carnet.assessments.forms import StartReadingForm
from carnet.assessments.models import Answer, InstrumentVersion, Level, Reading, ReadingLink, RiskAlert, VersionStatus
from carnet.assessments.services import ReadingClosed, completed_readings, reading_start
from carnet.assessments.services_link import AnswerInput, answers_record, link_issue, link_resolve, reading_finish
from carnet.audit.models import AuditEntry
from carnet.cases.models import Case
from carnet.core.errors import DomainError
from tests.assessments.factories import life_domains, take_reading
from tests.cases.factories import open_case
from tests.fixtures import ROLES
from tests.matrix.assessments_readings import API as READING_API
from tests.matrix.assessments_readings import PAGES as READING_PAGES
from tests.matrix.base import ANON

pytestmark = pytest.mark.django_db

OUTSIDERS = ["caseworker-lt", "ncp-lt", "secretariat", "sysadmin"]


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


def _level(domain: Any, score: int) -> Level:
    return next(level for level in domain.levels.all() if level.score == score)


def _draft(worker: Any, case: Case, *, language: str = "en", mode: str = "with_worker") -> Reading:
    return reading_start(actor=worker, case=case, version=life_domains(), mode=mode, language=language)


def _answer_all(worker: Any, reading: Reading, score: int = 2, respondent: str = "together") -> None:
    answers = [AnswerInput(domain_id=d.pk, respondent=respondent, level_id=_level(d, score).pk) for d in _domains(reading.version)]
    answers_record(actor=worker, reading=reading, answers=answers)


def _unpublished(version: InstrumentVersion) -> InstrumentVersion:
    return InstrumentVersion.objects.create(instrument=version.instrument, number=99, status=VersionStatus.DRAFT)


# --- Services -------------------------------------------------------------------------------------------------------


def test_a_level_of_another_domain_is_refused_and_nothing_is_stored(worker, case, version):
    # given a draft and two domains
    reading = _draft(worker, case)
    education, money = _domains(version)[:2]
    # when one valid answer and one with a level of another domain are sent together
    with pytest.raises(ValidationError) as refused:
        answers_record(
            actor=worker,
            reading=reading,
            answers=[
                AnswerInput(domain_id=education.pk, respondent="child", level_id=_level(education, 3).pk),
                AnswerInput(domain_id=money.pk, respondent="child", level_id=_level(education, 1).pk),
            ],
        )
    # then the refusal names the level, and not even the valid answer was kept
    assert refused.value.message_dict == {"level": ["This answer does not belong to this domain."]}
    assert Answer.objects.filter(reading=reading).count() == 0


def test_a_wished_level_of_another_domain_is_refused(worker, case, version):
    reading = _draft(worker, case)
    education, money = _domains(version)[:2]
    with pytest.raises(ValidationError) as refused:
        answers_record(
            actor=worker,
            reading=reading,
            answers=[
                AnswerInput(domain_id=money.pk, respondent="child", level_id=_level(money, 2).pk, wished_level_id=_level(education, 3).pk)
            ],
        )
    assert list(refused.value.message_dict) == ["wished_level"]
    assert Answer.objects.count() == 0


def test_a_domain_of_another_version_is_refused(worker, case, version):
    reading = _draft(worker, case)
    with pytest.raises(ValidationError) as refused:
        answers_record(actor=worker, reading=reading, answers=[AnswerInput(domain_id=10**6, respondent="child", declined=True)])
    assert list(refused.value.message_dict) == ["domain"]


def test_an_unpublished_version_is_refused(worker, case, version):
    draft_version = _unpublished(version)
    with pytest.raises(ValidationError) as refused:
        reading_start(actor=worker, case=case, version=draft_version, mode="with_worker", language="en")
    assert refused.value.message_dict == {"version": ["This version of the instrument is not published: choose a published one."]}
    assert Reading.objects.count() == 0
    # and the start form does not even offer it
    form = StartReadingForm({"version": str(draft_version.pk), "mode": "with_worker", "language": "en"})
    assert not form.is_valid()
    assert list(form.errors) == ["version"]


def test_a_draft_does_not_count_until_it_is_finished(worker, case):
    # given a complete reading and a draft with every domain answered
    done = take_reading(worker, case)
    draft = _draft(worker, case)
    _answer_all(worker, draft)
    # then only the complete one counts
    assert [r.pk for r in completed_readings(case)] == [done.pk]
    # when the draft is finished, it counts too
    reading_finish(reading=draft, actor=worker)
    assert {r.pk for r in completed_readings(case)} == {done.pk, draft.pk}


def test_finishing_with_parts_missing_says_which(worker, case, version):
    reading = _draft(worker, case)
    first = _domains(version)[0]
    answers_record(actor=worker, reading=reading, answers=[AnswerInput(domain_id=first.pk, respondent="child", declined=True)])
    with pytest.raises(DomainError) as refused:
        reading_finish(reading=reading, actor=worker)
    assert refused.value.code == "incomplete"
    assert "My income/money" in refused.value.message
    assert "Wanting to change" in refused.value.message
    assert "My education/training" not in refused.value.message
    assert Reading.objects.get(pk=reading.pk).status == "draft"


def test_finishing_closes_the_childs_link(worker, case):
    reading = _draft(worker, case, mode="child_alone")
    issued = link_issue(actor=worker, reading=reading)
    _answer_all(worker, reading)
    reading_finish(reading=reading, actor=worker)
    assert ReadingLink.objects.get(reading=reading).used_at is not None
    with pytest.raises(DomainError):
        link_resolve(issued.secret)


@pytest.mark.parametrize("username", OUTSIDERS)
def test_outsiders_cannot_answer_or_finish_and_nothing_changes(username, worker, case, version, demo_users):
    reading = _draft(worker, case)
    first = _domains(version)[0]
    outsider = demo_users[username]
    with pytest.raises(PermissionDenied):
        answers_record(actor=outsider, reading=reading, answers=[AnswerInput(domain_id=first.pk, respondent="worker", declined=True)])
    with pytest.raises(PermissionDenied):
        reading_finish(reading=reading, actor=outsider)
    with pytest.raises(PermissionDenied):
        link_issue(actor=outsider, reading=reading)
    assert (Answer.objects.count(), ReadingLink.objects.count(), Reading.objects.get(pk=reading.pk).status) == (0, 0, "draft")


# --- Pages ----------------------------------------------------------------------------------------------------------


def _level_ids(version: InstrumentVersion, score: int) -> list[int]:
    return [_level(d, score).pk for d in _domains(version)]


def test_the_case_section_lists_readings_and_offers_published_versions_only(client_as, worker, case, version):
    # given a complete reading, a draft and an unpublished version
    take_reading(worker, case, respondent="child")
    draft = _draft(worker, case)
    _unpublished(version)
    # when the caseworker opens the case's self-assessment section
    response = client_as("caseworker-se").get(f"/en/assessments/cases/{case.pk}/")
    html = response.content.decode()
    # then both readings are listed with who answered and how, and only the published version is offered
    assert response.status_code == 200
    assert "Readings in progress" in html
    assert "Completed readings" in html
    assert f"/en/assessments/readings/{draft.pk}/step/1/" in html
    assert "Child</td>" in html
    assert html.count("<option value=") == 1 + 2  # one published version, two languages
    assert f'<option value="{version.pk}" selected>' in html
    assert "/en/assessments/paper/" in html
    assert AuditEntry.objects.filter(action="case.view", purpose="self-assessment", object_id=str(case.pk)).count() == 1


def test_the_case_section_shows_in_russian(client_as, case):
    response = client_as("caseworker-se").get(f"/ru/assessments/cases/{case.pk}/")
    assert response.status_code == 200
    assert '<html lang="ru">' in response.content.decode()


def test_a_worker_takes_a_reading_screen_by_screen(client_as, worker, case, version):
    client = client_as("caseworker-se")
    # when the worker starts a reading with the child now
    response = client.post(f"/en/assessments/cases/{case.pk}/readings/", {"version": version.pk, "mode": "with_worker", "language": "en"})
    reading = Reading.objects.get(case=case)
    assert response.status_code == 302
    assert response["Location"] == f"/en/assessments/readings/{reading.pk}/step/1/"
    assert (reading.status, reading.mode, reading.taken_on) == ("draft", "with_worker", timezone.localdate())
    # then the first screen shows one domain, three statements as cards with a word for the colour, and the progress
    page = client.get(response["Location"]).content.decode()
    assert "Part 1 of 9" in page
    assert '<progress id="take-progress" max="9" value="1">' in page
    assert "My education/training" in page
    assert "My income/money" not in page
    assert page.count('name="answer"') == 4  # three statements and "I don't want to say"
    assert "I don't want to say" in page
    assert "Green: going well" in page
    assert "Amber: some worries" in page
    assert "Red: at risk" in page
    assert page.count('class="take-icon"') >= 4
    # when they answer every screen together, the last one sends them to the summary
    ids = _level_ids(version, 3)
    for step, level_id in enumerate(ids, start=1):
        response = client.post(
            f"/en/assessments/readings/{reading.pk}/step/{step}/", {"respondent": "together", "answer": level_id, "go": "next"}
        )
        assert response.status_code == 302
    assert response["Location"] == f"/en/assessments/readings/{reading.pk}/"
    # and finishing completes it
    response = client.post(f"/en/assessments/readings/{reading.pk}/finish/")
    assert response.status_code == 302
    reading.refresh_from_db()
    assert reading.status == "complete"
    assert sorted(Answer.objects.filter(reading=reading).values_list("respondent", flat=True).distinct()) == ["together"]


def test_the_screen_shows_the_statements_in_the_readings_language(client_as, worker, case):
    reading = _draft(worker, case, language="ru")
    page = client_as("caseworker-se").get(f"/en/assessments/readings/{reading.pk}/step/1/").content.decode()
    assert '<h2 id="domain-heading" lang="ru">Моя учёба</h2>' in page
    assert "Я хожу в школу или на курсы, и мне там нравится или нормально" in page
    assert "Green: going well" in page  # the worker's own words stay in the worker's language
    ru_page = client_as("caseworker-se").get(f"/ru/assessments/readings/{reading.pk}/step/1/")
    assert ru_page.status_code == 200
    assert "Моя учёба" in ru_page.content.decode()


def test_child_and_worker_views_are_kept_side_by_side(client_as, worker, case, version):
    client = client_as("caseworker-se")
    reading = _draft(worker, case)
    first = _domains(version)[0]
    url = f"/en/assessments/readings/{reading.pk}/step/1/"
    # when the child's answer is recorded, then the worker's view of the same domain
    response = client.post(url, {"respondent": "child", "answer": _level(first, 3).pk, "go": "another"})
    assert response["Location"] == url + "?as=worker"
    screen = client.get(response["Location"]).content.decode()
    assert 'value="worker" id="respondent-worker" checked' in screen
    assert "Already recorded for this part" in screen
    client.post(url, {"respondent": "worker", "answer": _level(first, 1).pk, "wished": _level(first, 2).pk, "go": "next"})
    # then both are stored, and the summary shows them side by side, marked as differing
    assert sorted(Answer.objects.filter(reading=reading).values_list("respondent", "level__score")) == [("child", 3), ("worker", 1)]
    summary = client.get(f"/en/assessments/readings/{reading.pk}/").content.decode()
    assert '<th scope="col">Child</th><th scope="col">Worker</th>' in summary
    assert "views differ" in summary
    assert "Next time:" in summary


def test_declining_and_pausing_keep_a_draft(client_as, worker, case, version):
    client = client_as("caseworker-se")
    reading = _draft(worker, case)
    response = client.post(f"/en/assessments/readings/{reading.pk}/step/2/", {"respondent": "child", "answer": "declined", "go": "pause"})
    assert response["Location"] == f"/en/assessments/cases/{case.pk}/"
    answer = Answer.objects.get(reading=reading)
    assert (answer.declined, answer.level_id, answer.respondent) == (True, None, "child")
    assert Reading.objects.get(pk=reading.pk).status == "draft"


def test_back_and_moving_on_without_an_answer(client_as, worker, case):
    client = client_as("caseworker-se")
    reading = _draft(worker, case)
    response = client.post(f"/en/assessments/readings/{reading.pk}/step/3/", {"respondent": "together", "go": "back"})
    assert response["Location"] == f"/en/assessments/readings/{reading.pk}/step/2/?as=together"
    response = client.post(f"/en/assessments/readings/{reading.pk}/step/3/", {"respondent": "together", "go": "next"})
    assert response["Location"] == f"/en/assessments/readings/{reading.pk}/step/4/?as=together"
    assert Answer.objects.count() == 0


def test_a_tampered_level_is_refused_on_the_screen(client_as, worker, case, version):
    reading = _draft(worker, case)
    money = _domains(version)[1]
    response = client_as("caseworker-se").post(
        f"/en/assessments/readings/{reading.pk}/step/1/", {"respondent": "child", "answer": _level(money, 3).pk, "go": "next"}
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert Answer.objects.count() == 0


def test_a_step_beyond_the_instrument_is_not_found(client_as, worker, case):
    reading = _draft(worker, case)
    assert client_as("caseworker-se").get(f"/en/assessments/readings/{reading.pk}/step/10/").status_code == 404
    assert client_as("caseworker-se").get(f"/en/assessments/readings/{reading.pk}/step/0/").status_code == 404


def test_finishing_an_incomplete_reading_lists_what_is_missing(client_as, worker, case, version):
    reading = _draft(worker, case)
    first = _domains(version)[0]
    answers_record(actor=worker, reading=reading, answers=[AnswerInput(domain_id=first.pk, respondent="child", declined=True)])
    response = client_as("caseworker-se").post(f"/en/assessments/readings/{reading.pk}/finish/")
    html = response.content.decode()
    assert response.status_code == 400
    assert "Some parts are not answered yet" in html
    assert "These parts are not answered yet" in html
    assert f"/en/assessments/readings/{reading.pk}/step/9/" in html
    assert Reading.objects.get(pk=reading.pk).status == "draft"


def test_finishing_at_a_risk_level_raises_an_alert(client_as, worker, case):
    reading = _draft(worker, case)
    for domain in _domains(reading.version):
        answers_record(
            actor=worker,
            reading=reading,
            answers=[
                AnswerInput(
                    domain_id=domain.pk, respondent="together", level_id=_level(domain, 1 if domain.key == "running-away" else 3).pk
                )
            ],
        )
    assert client_as("caseworker-se").post(f"/en/assessments/readings/{reading.pk}/finish/").status_code == 302
    assert list(RiskAlert.objects.filter(reading=reading).values_list("domain__key", flat=True)) == ["running-away"]


def test_a_finished_reading_cannot_be_changed_on_screen(client_as, worker, case, version):
    reading = take_reading(worker, case)
    client = client_as("caseworker-se")
    assert client.get(f"/en/assessments/readings/{reading.pk}/step/1/")["Location"] == f"/en/assessments/readings/{reading.pk}/"
    before = list(Answer.objects.filter(reading=reading).values_list("pk", "level_id"))
    first = _domains(version)[0]
    client.post(f"/en/assessments/readings/{reading.pk}/step/1/", {"respondent": "child", "answer": _level(first, 1).pk})
    assert list(Answer.objects.filter(reading=reading).values_list("pk", "level_id")) == before


def test_handing_a_link_to_the_child_shows_it_once(client_as, worker, case, version):
    client = client_as("caseworker-se")
    # when the worker starts a reading for the child alone, in Russian
    response = client.post(f"/en/assessments/cases/{case.pk}/readings/", {"version": version.pk, "mode": "child_alone", "language": "ru"})
    reading = Reading.objects.get(case=case)
    assert response["Location"] == f"/en/assessments/readings/{reading.pk}/link/"
    # then the link (in Russian) and the code are shown once
    page = client.get(response["Location"]).content.decode()
    link = re.search(r"http://testserver(/ru/assessments/r/[A-Za-z0-9_-]{43}/)", page)
    code = re.search(r'id="child-code">([A-Z0-9]{4})-([A-Z0-9]{4})<', page)
    assert link
    assert code
    assert "http://testserver/ru/assessments/code/" in page
    assert link_resolve(link.group(1).split("/")[-2]).pk == reading.pk
    # and only digests are stored
    stored = ReadingLink.objects.get(reading=reading)
    assert code.group(1) + code.group(2) not in (stored.digest + stored.code_digest)
    # when the page is opened again, the secret is not shown again
    again = client.get(response["Location"]).content.decode()
    assert "/ru/assessments/r/" not in again
    assert "Make a new link and code" in again
    # when a new link is made, the old one stops working
    client.post(response["Location"])
    with pytest.raises(DomainError):
        link_resolve(link.group(1).split("/")[-2])


# --- Object rows: the reading pages for every role ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["assessments:reading_summary", "assessments:reading_step", "assessments:reading_link"])
def test_reading_pages_are_only_for_those_who_see_the_case(name, client_as, worker, case):
    reading = _draft(worker, case)
    row = READING_PAGES[name]
    actual = {role: client_as(role).get(row.path.format(reading=reading.pk)).status_code for role in ROLES}
    assert actual == row.expect


def test_finishing_is_only_for_those_who_may_take_readings_and_a_denial_changes_nothing(client_as, worker, case):
    row = READING_PAGES["assessments:reading_finish"]
    for role in ROLES:
        reading = _draft(worker, case)
        _answer_all(worker, reading)
        status = client_as(role).post(row.path.format(reading=reading.pk)).status_code
        assert status == row.expect[role], role
        assert Reading.objects.get(pk=reading.pk).status == ("complete" if status == 302 and role != ANON else "draft"), role


def test_an_outsider_cannot_start_a_reading(client_as, case, version):
    response = client_as("caseworker-lt").post(
        f"/en/assessments/cases/{case.pk}/readings/", {"version": version.pk, "mode": "with_worker", "language": "en"}
    )
    assert response.status_code == 404
    assert Reading.objects.count() == 0


def test_a_start_with_an_unpublished_version_is_refused_on_the_form(client_as, case, version):
    draft_version = _unpublished(version)
    response = client_as("caseworker-se").post(
        f"/en/assessments/cases/{case.pk}/readings/", {"version": draft_version.pk, "mode": "with_worker", "language": "en"}
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert Reading.objects.count() == 0


def test_a_reading_dated_in_the_future_is_refused_on_the_form(client_as, case, version):
    tomorrow = timezone.localdate() + timezone.timedelta(days=1)
    response = client_as("caseworker-se").post(
        f"/en/assessments/cases/{case.pk}/readings/",
        {"version": version.pk, "mode": "with_worker", "language": "en", "taken_on": tomorrow.isoformat()},
    )
    assert response.status_code == 400
    assert "A reading cannot be dated in the future." in response.content.decode()
    assert Reading.objects.count() == 0


# --- API ------------------------------------------------------------------------------------------------------------


def _api(client: Any, method: str, path: str, body: Any = None, **headers: str) -> Any:
    call = getattr(client, method.lower())
    if body is None:
        return call(path, **headers)
    return call(path, data=json.dumps(body), content_type="application/json", **headers)


def test_the_api_gives_an_instrument_version_in_the_language_asked_for(client_as, version):
    client = client_as("caseworker-se")
    english = _api(client, "GET", f"/api/v1/assessments/instruments/{version.pk}").json()
    russian = _api(client, "GET", f"/api/v1/assessments/instruments/{version.pk}?lang=ru").json()
    by_header = _api(client, "GET", f"/api/v1/assessments/instruments/{version.pk}", HTTP_ACCEPT_LANGUAGE="ru").json()
    assert (english["language"], english["instrument"], english["number"], len(english["domains"])) == ("en", "life-domains", 1, 9)
    assert english["domains"][0]["name"] == "My education/training"
    assert [lv["score"] for lv in english["domains"][0]["levels"]] == [3, 2, 1]
    assert [lv["colour"] for lv in english["domains"][0]["levels"]] == ["green", "amber", "red"]
    assert russian["domains"][0]["name"] == by_header["domains"][0]["name"] == "Моя учёба"
    assert russian["domains"][7]["levels"][2]["risk_flag"] is True


def test_the_api_hides_an_unpublished_version(client_as, version):
    draft_version = _unpublished(version)
    assert _api(client_as("caseworker-se"), "GET", f"/api/v1/assessments/instruments/{draft_version.pk}").status_code == 404


def test_a_reading_through_the_api(client_as, case, version):
    client = client_as("caseworker-se")
    # when a reading is started
    response = _api(client, "POST", f"/api/v1/assessments/cases/{case.pk}/readings", {"version_id": version.pk, "language": "ru"})
    assert response.status_code == 201
    reading = response.json()
    assert (reading["status"], reading["mode"], reading["language"], len(reading["missing"])) == ("draft", "with_worker", "ru", 9)
    # and every domain is answered, the last one declined, one with a wish
    domains = _domains(version)
    answers = [{"domain_id": d.pk, "respondent": "child", "level_id": _level(d, 2).pk} for d in domains[:-1]]
    answers.append({"domain_id": domains[-1].pk, "respondent": "child", "declined": True})
    answers[0]["wished_level_id"] = _level(domains[0], 3).pk
    response = _api(client, "PUT", f"/api/v1/assessments/readings/{reading['id']}/answers", {"answers": answers})
    assert response.status_code == 200
    body = response.json()
    assert (len(body["answers"]), body["missing"]) == (9, [])
    assert body["answers"][0]["wished_level_id"] == _level(domains[0], 3).pk
    assert body["answers"][-1]["declined"] is True
    assert body["answers"][-1]["level_id"] is None
    # then completing it makes it count
    response = _api(client, "POST", f"/api/v1/assessments/readings/{reading['id']}/complete")
    assert (response.status_code, response.json()["status"]) == (200, "complete")
    listed = _api(client, "GET", f"/api/v1/assessments/cases/{case.pk}/readings").json()
    assert [(r["id"], r["status"]) for r in listed] == [(reading["id"], "complete")]
    # and a finished reading cannot take answers or be completed again
    again = _api(client, "PUT", f"/api/v1/assessments/readings/{reading['id']}/answers", {"answers": answers[:1]})
    assert (again.status_code, again.json()["code"]) == (409, "reading_closed")
    assert _api(client, "POST", f"/api/v1/assessments/readings/{reading['id']}/complete").status_code == 409


def test_the_api_refuses_a_level_of_another_domain_and_stores_nothing(client_as, worker, case, version):
    reading = _draft(worker, case)
    education, money = _domains(version)[:2]
    body = {
        "answers": [
            {"domain_id": education.pk, "respondent": "child", "level_id": _level(education, 3).pk},
            {"domain_id": money.pk, "respondent": "child", "level_id": _level(education, 2).pk},
        ]
    }
    response = _api(client_as("caseworker-se"), "PUT", f"/api/v1/assessments/readings/{reading.pk}/answers", body)
    assert response.status_code == 422
    assert response.json() == {"detail": "level: This answer does not belong to this domain.", "code": "invalid"}
    assert Answer.objects.count() == 0


def test_the_api_refuses_an_unpublished_version_and_a_strange_language(client_as, case, version):
    client = client_as("caseworker-se")
    draft_version = _unpublished(version)
    response = _api(client, "POST", f"/api/v1/assessments/cases/{case.pk}/readings", {"version_id": draft_version.pk})
    assert response.status_code == 422
    assert response.json()["detail"] == "version: This version of the instrument is not published: choose a published one."
    response = _api(client, "POST", f"/api/v1/assessments/cases/{case.pk}/readings", {"version_id": version.pk, "language": "xx"})
    assert response.status_code == 422
    assert Reading.objects.count() == 0


def test_the_api_refuses_an_incomplete_reading(client_as, worker, case):
    reading = _draft(worker, case)
    response = _api(client_as("caseworker-se"), "POST", f"/api/v1/assessments/readings/{reading.pk}/complete")
    assert (response.status_code, response.json()["code"]) == (400, "incomplete")
    assert Reading.objects.get(pk=reading.pk).status == "draft"


def test_the_api_hands_out_a_link(client_as, worker, case):
    reading = _draft(worker, case, language="ru", mode="child_alone")
    response = _api(client_as("caseworker-se"), "POST", f"/api/v1/assessments/readings/{reading.pk}/link")
    assert response.status_code == 201
    body = response.json()
    assert re.fullmatch(r"/ru/assessments/r/[A-Za-z0-9_-]{43}/", body["url"])
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", body["code"])
    assert body["code_url"] == "/ru/assessments/code/"
    assert link_resolve(body["url"].split("/")[-2]).pk == reading.pk


def test_the_api_refuses_a_case_outside_the_workers_cases(client_as, case, version):
    response = _api(client_as("caseworker-lt"), "POST", f"/api/v1/assessments/cases/{case.pk}/readings", {"version_id": version.pk})
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert Reading.objects.count() == 0


@pytest.mark.parametrize(
    ("key", "method", "body"),
    [
        ("PUT /assessments/readings/{reading_id}/answers", "PUT", "answers"),
        ("POST /assessments/readings/{reading_id}/complete", "POST", None),
        ("POST /assessments/readings/{reading_id}/link", "POST", None),
    ],
    ids=["answers", "complete", "link"],
)
def test_api_reading_rows_for_every_role_and_denials_change_nothing(key, method, body, client_as, worker, case, version):
    row = READING_API[key]
    for role in ROLES:
        reading = _draft(worker, case)
        if key.endswith("/complete"):
            _answer_all(worker, reading)
        payload = None
        if body == "answers":
            first = _domains(version)[0]
            payload = {"answers": [{"domain_id": first.pk, "respondent": "worker", "declined": True}]}
        answers_before = Answer.objects.filter(reading=reading).count()
        status = _api(client_as(role), method, row.path.format(reading=reading.pk), payload if payload else {}).status_code
        assert status == row.expect[role], role
        if status >= 400:
            reading.refresh_from_db()
            assert (reading.status, Answer.objects.filter(reading=reading).count()) == ("draft", answers_before), role
            assert not ReadingLink.objects.filter(reading=reading).exists(), role


def test_a_closed_reading_cannot_be_answered_by_the_service(worker, case, version):
    reading = take_reading(worker, case)
    first = _domains(version)[0]
    with pytest.raises(ReadingClosed):
        answers_record(actor=worker, reading=reading, answers=[AnswerInput(domain_id=first.pk, respondent="worker", declined=True)])
