"""The child's one-time link and code: services (digests, expiry, single use, same words for unknown and used, rate limit)
and the public pages (one domain per screen, in Russian, nothing but the reading), with object rows for every role."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone

from carnet.assessments.models import Answer, Reading, ReadingLink
from carnet.assessments.services import reading_start
from carnet.assessments.services_link import (
    CODE_ALPHABET,
    AnswerInput,
    LinkExpired,
    LinkRefused,
    TooManyAttempts,
    child_answer,
    child_finish,
    code_resolve,
    format_code,
    link_issue,
    link_resolve,
)
from carnet.audit.models import AuditEntry
from carnet.cases.identity import read_identity
from tests.assessments.factories import life_domains, take_reading
from tests.cases.factories import open_case
from tests.fixtures import ROLES
from tests.matrix.assessments_readings import PAGES as READING_PAGES

pytestmark = pytest.mark.django_db

UNKNOWN_OR_USED = "This link or code does not work. Ask the person who gave it to you for a new one."
UNKNOWN_OR_USED_RU = "Эта ссылка или код не работает. Попроси новые у человека, который тебе их дал."
EXPIRED = "This link or code has expired. Ask the person who gave it to you for a new one."
EXPIRED_RU = "Срок действия этой ссылки или кода закончился. Попроси новые у человека, который тебе их дал."


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The code rate limit counts in the cache: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def worker(demo_users):
    return demo_users["caseworker-se"]


@pytest.fixture
def case(worker):
    return open_case(worker)


@pytest.fixture
def reading(worker, case):
    return reading_start(actor=worker, case=case, version=life_domains(), mode="child_alone", language="ru")


@pytest.fixture
def issued(worker, reading):
    return link_issue(actor=worker, reading=reading)


def _domains() -> list[Any]:
    return list(life_domains().domains.order_by("position").prefetch_related("levels"))


def _level_id(domain: Any, score: int) -> int:
    return next(level.pk for level in domain.levels.all() if level.score == score)


def _answer_everything(secret: str) -> None:
    for domain in _domains():
        child_answer(secret=secret, answer=AnswerInput(domain_id=domain.pk, respondent="child", level_id=_level_id(domain, 2)))


def _expire(reading: Reading) -> None:
    ReadingLink.objects.filter(reading=reading).update(expires_at=timezone.now() - timedelta(seconds=1))


# --- Services -------------------------------------------------------------------------------------------------------


def test_a_link_has_a_long_secret_and_a_short_code_and_only_their_digests_are_stored(issued, reading):
    # then the secret is 256 bits in URL-safe base64 and the code eight unambiguous characters
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", issued.secret)
    assert len(issued.code) == 8
    assert set(issued.code) <= set(CODE_ALPHABET)
    assert not set(issued.code) & set("01ILO")
    assert format_code(issued.code) == f"{issued.code[:4]}-{issued.code[4:]}"
    # and carnet keeps only digests: SHA-256 of the link's secret, a keyed hash of the code
    stored = ReadingLink.objects.get(reading=reading)
    assert stored.digest == hashlib.sha256(issued.secret.encode()).hexdigest()
    assert stored.code_digest != hashlib.sha256(issued.code.encode()).hexdigest()  # keyed: a 40-bit code must not be crackable offline
    assert len(stored.code_digest) == 64
    assert issued.secret not in (stored.digest, stored.code_digest)
    # and it lasts 72 hours
    assert abs((stored.expires_at - timezone.now()) - timedelta(hours=72)) < timedelta(minutes=1)
    assert AuditEntry.objects.filter(action="assessment.link.issue", object_id=str(reading.case_id)).count() == 1


def test_the_link_and_the_code_open_the_same_reading(issued, reading):
    assert link_resolve(issued.secret).pk == reading.pk
    # a code typed in small letters, with a dash and spaces, still works
    typed = f" {issued.code[:4].lower()} - {issued.code[4:]} "
    assert code_resolve(typed, client="10.0.0.1").pk == reading.pk


def test_an_expired_link_says_so(issued, reading):
    _expire(reading)
    with pytest.raises(LinkExpired) as refused:
        link_resolve(issued.secret)
    assert (refused.value.message, refused.value.status) == (EXPIRED, 410)
    with pytest.raises(LinkExpired):
        code_resolve(issued.code, client="10.0.0.1")


def test_a_used_link_and_an_unknown_one_are_refused_with_the_same_words(issued, reading):
    # given the child finished the reading on the link
    _answer_everything(issued.secret)
    child_finish(secret=issued.secret)
    # then the link and the code no longer work, and the words are those for a link that never existed
    with pytest.raises(LinkRefused) as used:
        link_resolve(issued.secret)
    with pytest.raises(LinkRefused) as unknown:
        link_resolve("x" * 43)
    with pytest.raises(LinkRefused) as used_code:
        code_resolve(issued.code, client="10.0.0.2")
    with pytest.raises(LinkRefused) as unknown_code:
        code_resolve("ABCD2345", client="10.0.0.2")
    assert {used.value.message, unknown.value.message, used_code.value.message, unknown_code.value.message} == {UNKNOWN_OR_USED}
    assert {used.value.status, unknown.value.status} == {404}
    assert ReadingLink.objects.get(reading=reading).used_at is not None


def test_a_reading_finished_by_the_worker_closes_the_link_too(worker, case, issued, reading):
    _answer_everything(issued.secret)
    from carnet.assessments.services_link import reading_finish

    reading_finish(reading=reading, actor=worker)
    with pytest.raises(LinkRefused) as refused:
        link_resolve(issued.secret)
    assert refused.value.message == UNKNOWN_OR_USED


def test_a_new_link_replaces_the_old_one(worker, issued, reading):
    fresh = link_issue(actor=worker, reading=reading)
    with pytest.raises(LinkRefused):
        link_resolve(issued.secret)
    assert link_resolve(fresh.secret).pk == reading.pk
    assert ReadingLink.objects.count() == 1


def test_a_finished_reading_cannot_be_handed_out(worker, case):
    done = take_reading(worker, case)
    with pytest.raises(ValidationError) as refused:
        link_issue(actor=worker, reading=done)
    assert list(refused.value.message_dict) == ["reading"]
    assert ReadingLink.objects.count() == 0


def test_ten_wrong_codes_from_one_address_lock_it_for_a_while(issued, reading):
    # given ten wrong codes from one address
    for _attempt in range(10):
        with pytest.raises(LinkRefused):
            code_resolve("WRONG234", client="192.0.2.7")
    # then even the right code is refused from there
    with pytest.raises(TooManyAttempts) as locked:
        code_resolve(issued.code, client="192.0.2.7")
    assert locked.value.status == 429
    # while another address is not affected
    assert code_resolve(issued.code, client="192.0.2.8").pk == reading.pk
    # and the wrong attempts are in the audit log
    assert AuditEntry.objects.filter(action="assessment.link.code", outcome="denied").count() == 10


def test_right_codes_do_not_count_as_failures(issued, reading):
    for _attempt in range(12):
        assert code_resolve(issued.code, client="192.0.2.9").pk == reading.pk


def test_the_childs_answers_are_the_childs_with_no_account(issued, reading):
    domain = _domains()[0]
    # even when a tampered request claims to be the worker
    child_answer(secret=issued.secret, answer=AnswerInput(domain_id=domain.pk, respondent="worker", level_id=_level_id(domain, 3)))
    answer = Answer.objects.get(reading=reading)
    assert (answer.respondent, answer.level.score) == ("child", 3)
    entry = AuditEntry.objects.filter(action="assessment.reading.answer").latest("seq")
    assert (entry.actor_id, entry.actor_username) == (None, "child-link")


def test_a_level_of_another_domain_is_refused_on_the_link(issued, reading):
    education, money = _domains()[:2]
    with pytest.raises(ValidationError):
        child_answer(secret=issued.secret, answer=AnswerInput(domain_id=money.pk, respondent="child", level_id=_level_id(education, 1)))
    assert Answer.objects.count() == 0


def test_an_expired_link_takes_no_answers(issued, reading):
    _expire(reading)
    domain = _domains()[0]
    with pytest.raises(LinkExpired):
        child_answer(secret=issued.secret, answer=AnswerInput(domain_id=domain.pk, respondent="child", declined=True))
    assert Answer.objects.count() == 0


# --- Pages ----------------------------------------------------------------------------------------------------------


def test_the_child_takes_the_reading_on_a_phone_in_russian(client, worker, case, issued, reading):
    base = f"/ru/assessments/r/{issued.secret}/"
    # when the child opens the link
    start = client.get(base)
    html = start.content.decode()
    assert start.status_code == 200
    assert '<html lang="ru">' in html
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html
    assert f'href="{base}1/"' in html
    # then each screen shows one domain in Russian, in the first person, with the progress
    first = client.get(f"{base}1/").content.decode()
    assert '<h1 id="domain-heading">Моя учёба</h1>' in first
    assert "Я хожу в школу или на курсы, и мне там нравится или нормально" in first
    assert '<progress id="take-progress" max="9" value="1">' in first
    assert first.count('name="answer"') == 4
    assert 'class="skip-link" href="#main"' in first
    assert '<main id="main"' in first
    # when the child answers every screen (one declined, one with a wish)
    domains = _domains()
    for step, domain in enumerate(domains, start=1):
        data = {"answer": "declined" if step == 9 else _level_id(domain, 3), "go": "next"}
        if step == 1:
            data["wished"] = _level_id(domain, 3)
        response = client.post(f"{base}{step}/", data)
        assert response.status_code == 302, step
    assert response["Location"] == f"{base}finish/"
    review = client.get(f"{base}finish/").content.decode()
    assert review.count("Изменить <span") == 9  # "Change", in Russian
    # and sends them
    response = client.post(f"{base}finish/")
    assert response["Location"] == "/ru/assessments/r/thanks/"
    assert client.get(response["Location"]).status_code == 200
    # then the reading is complete, all the child's, and the link no longer works
    reading.refresh_from_db()
    assert (reading.status, reading.mode) == ("complete", "child_alone")
    assert set(Answer.objects.filter(reading=reading).values_list("respondent", flat=True)) == {"child"}
    assert Answer.objects.get(reading=reading, domain=domains[8]).declined is True
    assert Answer.objects.get(reading=reading, domain=domains[0]).wished_level.score == 3
    gone = client.get(base)
    assert gone.status_code == 404
    assert UNKNOWN_OR_USED_RU in gone.content.decode()
    assert client.get(f"{base}1/").status_code == 404
    assert AuditEntry.objects.filter(action="assessment.reading.complete", actor_username="child-link").count() == 1


def test_the_childs_pages_show_nothing_but_the_reading(client, worker, case, issued, reading):
    # given a second reading of the same case, and the child's identity
    other = take_reading(worker, case)
    identity = read_identity(case.child)
    for path in ["", "1/", "finish/"]:
        response = client.get(f"/ru/assessments/r/{issued.secret}/{path}")
        html = response.content.decode()
        # then no case number, no pseudonym, no name, no other reading, no site navigation
        assert case.number not in html, path
        assert case.child.pseudonym not in html, path
        for secret_of_the_case in [identity.given_names, identity.family_name, str(other.pk), str(reading.pk), "/cases/", "/accounts/"]:
            assert secret_of_the_case not in html, (path, secret_of_the_case)
        assert "Sign in" not in html, path
        # and the page is never cached and sends no referrer
        assert response["Cache-Control"] == "no-store", path
        assert response["Referrer-Policy"] == "same-origin", path
        # but the language switch is there, keeping the child on the same page
        assert f'href="/en/assessments/r/{issued.secret}/{path}"' in html, path


def test_the_child_can_switch_to_english(client, issued):
    html = client.get(f"/en/assessments/r/{issued.secret}/1/").content.decode()
    assert '<h1 id="domain-heading">My education/training</h1>' in html
    assert "I attend a course/school that I enjoy/is ok" in html


def test_the_child_can_pause_and_resume_on_the_same_link(client, issued, reading):
    domain = _domains()[0]
    client.post(f"/ru/assessments/r/{issued.secret}/1/", {"answer": _level_id(domain, 1), "go": "next"})
    # when the child comes back later on the same link (another browser)
    again = type(client)().get(f"/ru/assessments/r/{issued.secret}/")
    # then it continues where they stopped, and their answer is kept
    assert again.status_code == 200
    assert f'href="/ru/assessments/r/{issued.secret}/2/"' in again.content.decode()
    first = type(client)().get(f"/ru/assessments/r/{issued.secret}/1/").content.decode()
    assert re.search(rf'value="{_level_id(domain, 1)}" id="answer-\d+" checked', first)
    assert Reading.objects.get(pk=reading.pk).status == "draft"


def test_sending_with_parts_missing_is_refused_with_a_list(client, issued, reading):
    response = client.post(f"/ru/assessments/r/{issued.secret}/finish/")
    assert response.status_code == 400
    assert "На некоторые части ещё нет ответа" in response.content.decode()  # "Some parts are not answered yet", in Russian
    assert Reading.objects.get(pk=reading.pk).status == "draft"


def test_a_tampered_level_on_the_childs_page_stores_nothing(client, issued):
    education, money = _domains()[:2]
    response = client.post(f"/ru/assessments/r/{issued.secret}/2/", {"answer": _level_id(education, 1), "go": "next"})
    assert response.status_code == 400
    assert Answer.objects.count() == 0


def test_an_expired_link_page_says_so(client, issued, reading):
    _expire(reading)
    response = client.get(f"/ru/assessments/r/{issued.secret}/")
    assert response.status_code == 410
    assert EXPIRED_RU in response.content.decode()


def test_the_code_page_leads_to_the_link(client, issued):
    page = client.get("/ru/assessments/code/")
    assert page.status_code == 200
    assert 'name="code"' in page.content.decode()
    response = client.post("/ru/assessments/code/", {"code": format_code(issued.code).lower()})
    assert response.status_code == 302
    assert response["Location"] == f"/ru/assessments/r/{issued.secret}/"


def test_a_wrong_code_is_refused_and_the_eleventh_try_waits(client, issued):
    for _attempt in range(10):
        response = client.post("/en/assessments/code/", {"code": "WXYZ-2345"}, REMOTE_ADDR="198.51.100.4")
        assert response.status_code == 400
        assert UNKNOWN_OR_USED in response.content.decode()
    response = client.post("/en/assessments/code/", {"code": issued.code}, REMOTE_ADDR="198.51.100.4")
    assert response.status_code == 429
    assert "Too many codes were tried from here" in response.content.decode()


# --- Object rows: the child's pages open for anyone with a valid secret, and for nobody without ----------------------


@pytest.mark.parametrize("name", ["assessments:child_step", "assessments:child_review"])
def test_the_childs_pages_open_with_a_valid_secret_for_anyone(name, client_as, issued):
    row = READING_PAGES[name]
    actual = {role: client_as(role).get(row.path.format(secret=issued.secret)).status_code for role in ROLES}
    assert actual == row.expect
    refused = {role: client_as(role).get(row.path.format(secret="not-a-valid-secret")).status_code for role in ROLES}
    assert set(refused.values()) == {404}
