"""The care plan: objectives under the four pillars, services, reviews; services, pages (EN, RU), API, object rows."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from carnet.audit.models import AuditEntry
from carnet.cases.errors import StaleVersion
from carnet.cases.models import CareObjective, CareReview, CareService, Case
from carnet.cases.models.codes import Pillar, ServiceStatus
from carnet.cases.services import case_anonymise
from carnet.cases.services_care import (
    care_plan_of,
    objective_add,
    objective_set_achieved,
    read_text,
    review_record,
    service_add,
    service_update,
)
from tests.cases.factories import open_case
from tests.fixtures import ROLES
from tests.matrix.base import ANON, Row
from tests.matrix.cases_care import API as CARE_API
from tests.matrix.cases_care import PAGES as CARE_PAGES

pytestmark = pytest.mark.django_db

OUTSIDERS = ["caseworker-lt", "ncp-lt", "secretariat", "sysadmin"]


def today():
    return timezone.localdate()


@pytest.fixture
def case(demo_users):
    return open_case(demo_users["caseworker-se"])


@pytest.fixture
def worker(demo_users):
    return demo_users["caseworker-se"]


def _care_audit(case: Case) -> list[str]:
    return list(
        AuditEntry.objects.filter(object_type="cases.case", object_id=str(case.pk), action__startswith="case.care.")
        .order_by("seq")
        .values_list("action", flat=True)
    )


def _version(case: Case) -> int:
    return Case.objects.get(pk=case.pk).version


# --- Services ------------------------------------------------------------------------------


def test_an_objective_is_added_under_its_pillar_audited_and_moves_the_version(case, worker):
    # given a case at its first version
    before = _version(case)
    # when the caseworker adds a protection objective
    objective = objective_add(actor=worker, case=case, pillar=Pillar.PROTECTION, text="  A safe placement  ")
    # then it is stored under that pillar, trimmed, the version moved and the change audited
    assert (objective.pillar, objective.text, objective.created_by) == ("protection", "A safe placement", worker)
    assert _version(case) == before + 1
    assert _care_audit(case) == ["case.care.objective_add"]
    plan = care_plan_of(case)
    assert [(p.pillar, [o.text for o in p.objectives]) for p in plan.pillars] == [
        ("care", []),
        ("protection", ["A safe placement"]),
        ("rehabilitation", []),
        ("reintegration", []),
    ]


def test_an_unknown_pillar_is_refused_and_nothing_changes(case, worker):
    before = _version(case)
    with pytest.raises(ValidationError) as refused:
        objective_add(actor=worker, case=case, pillar="leisure", text="Football")
    assert list(refused.value.message_dict) == ["pillar"]
    assert CareObjective.objects.count() == 0
    assert _version(case) == before
    assert _care_audit(case) == []


@pytest.mark.parametrize("username", OUTSIDERS)
def test_outsiders_cannot_write_to_the_plan_and_nothing_changes(username, case, worker, demo_users):
    # given a plan with one objective and one service
    objective = objective_add(actor=worker, case=case, pillar=Pillar.CARE, text="Health check")
    service = service_add(actor=worker, case=case, objective=objective, kind="Clinic", provider="Clinic A")
    before, audit = _version(case), _care_audit(case)
    outsider = demo_users[username]
    # when someone outside the case tries every write, then each is denied
    writes = [
        lambda: objective_add(actor=outsider, case=case, pillar=Pillar.CARE, text="x"),
        lambda: objective_set_achieved(actor=outsider, case=case, objective=objective, achieved_on=today()),
        lambda: service_add(actor=outsider, case=case, objective=objective, kind="x", provider="y"),
        lambda: service_update(
            actor=outsider, case=case, service=service, status="completed", starts_on=None, ends_on=None, referred=False
        ),
        lambda: review_record(actor=outsider, case=case, reviewed_on=today(), summary="x"),
    ]
    for write in writes:
        with pytest.raises(PermissionDenied):
            write()
    # and nothing changed
    objective.refresh_from_db()
    service.refresh_from_db()
    assert (objective.achieved_on, service.status) == (None, "planned")
    assert (CareObjective.objects.count(), CareService.objects.count(), CareReview.objects.count()) == (1, 1, 0)
    assert (_version(case), _care_audit(case)) == (before, audit)


def test_the_ncp_and_the_supervisor_may_work_on_the_plan(case, demo_users):
    objective_add(actor=demo_users["ncp-se"], case=case, pillar=Pillar.REINTEGRATION, text="School place")
    objective_add(actor=demo_users["supervisor-se"], case=case, pillar=Pillar.REHABILITATION, text="Therapy")
    assert sorted(CareObjective.objects.values_list("text", flat=True)) == ["School place", "Therapy"]


def test_a_service_ending_before_it_starts_is_refused(case, worker):
    objective = objective_add(actor=worker, case=case, pillar=Pillar.CARE, text="Housing")
    before = _version(case)
    with pytest.raises(ValidationError) as refused:
        service_add(
            actor=worker,
            case=case,
            objective=objective,
            kind="Shelter",
            provider="A",
            starts_on=today(),
            ends_on=today() - timedelta(days=1),
        )
    assert list(refused.value.message_dict) == ["ends_on"]
    assert CareService.objects.count() == 0
    assert _version(case) == before


def test_a_service_records_provider_status_dates_and_an_in_country_referral(case, worker):
    objective = objective_add(actor=worker, case=case, pillar=Pillar.REHABILITATION, text="Recovery")
    service = service_add(
        actor=worker, case=case, objective=objective, kind="Psychological support", provider="Trauma centre", status=ServiceStatus.REFERRED,
        starts_on=today(), ends_on=today(), referred=True,
    )  # fmt: skip
    stored = CareService.objects.get(pk=service.pk)
    assert (stored.kind, stored.provider, stored.status, stored.starts_on, stored.ends_on, stored.referred) == (
        "Psychological support", "Trauma centre", "referred", today(), today(), True,
    )  # fmt: skip
    assert _care_audit(case) == ["case.care.objective_add", "case.care.service_add"]


def test_a_service_cannot_be_added_to_another_cases_objective(case, worker):
    other = open_case(worker)
    foreign = objective_add(actor=worker, case=other, pillar=Pillar.CARE, text="Elsewhere")
    with pytest.raises(ValidationError) as refused:
        service_add(actor=worker, case=case, objective=foreign, kind="Shelter", provider="A")
    assert list(refused.value.message_dict) == ["objective"]
    assert CareService.objects.count() == 0


def test_an_unknown_service_status_is_refused(case, worker):
    objective = objective_add(actor=worker, case=case, pillar=Pillar.CARE, text="Housing")
    with pytest.raises(ValidationError) as refused:
        service_add(actor=worker, case=case, objective=objective, kind="Shelter", provider="A", status="paused")
    assert list(refused.value.message_dict) == ["status"]


def test_a_service_moves_on_and_a_stale_version_changes_nothing(case, worker, demo_users):
    objective = objective_add(actor=worker, case=case, pillar=Pillar.CARE, text="Housing")
    service = service_add(actor=worker, case=case, objective=objective, kind="Shelter", provider="A")
    seen = _version(case)
    # when the supervisor saves first, then the caseworker saves what they saw
    service_update(actor=demo_users["supervisor-se"], case=case, service=service, status="active", starts_on=today(), ends_on=None,
                   referred=False, expected_version=seen)  # fmt: skip
    with pytest.raises(StaleVersion):
        service_update(actor=worker, case=case, service=service, status="declined", starts_on=None, ends_on=None, referred=True,
                       expected_version=seen)  # fmt: skip
    # then the supervisor's change stands
    service.refresh_from_db()
    assert (service.status, service.starts_on, service.referred) == ("active", today(), False)
    assert _care_audit(case).count("case.care.service_update") == 1


def test_an_objective_is_achieved_not_in_the_future(case, worker):
    objective = objective_add(actor=worker, case=case, pillar=Pillar.CARE, text="Health check")
    with pytest.raises(ValidationError) as refused:
        objective_set_achieved(actor=worker, case=case, objective=objective, achieved_on=today() + timedelta(days=1))
    assert list(refused.value.message_dict) == ["achieved_on"]
    objective_set_achieved(actor=worker, case=case, objective=objective, achieved_on=today())
    objective.refresh_from_db()
    assert objective.achieved_on == today()
    assert _care_audit(case)[-1] == "case.care.objective_achieve"


def test_a_review_summary_is_encrypted_at_rest(case, worker):
    review = review_record(
        actor=worker, case=case, reviewed_on=today(), summary="Sleeps better; wants to call her sister", next_review_on=None
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT summary_enc FROM cases_carereview WHERE id = %s", [review.pk])
        raw = bytes(cursor.fetchone()[0])
    assert b"sister" not in raw
    assert read_text(CareReview.objects.get(pk=review.pk), "summary_enc", case) == "Sleeps better; wants to call her sister"
    assert _care_audit(case) == ["case.care.review"]


@pytest.mark.parametrize(
    ("reviewed", "following", "field"),
    [(1, None, "reviewed_on"), (0, 0, "next_review_on"), (-5, -6, "next_review_on")],
    ids=["review-in-the-future", "next-review-same-day", "next-review-before"],
)
def test_impossible_review_dates_are_refused(reviewed, following, field, case, worker):
    reviewed_on = today() + timedelta(days=reviewed)
    next_review_on = today() + timedelta(days=following) if following is not None else None
    with pytest.raises(ValidationError) as refused:
        review_record(actor=worker, case=case, reviewed_on=reviewed_on, summary="x", next_review_on=next_review_on)
    assert list(refused.value.message_dict) == [field]
    assert CareReview.objects.count() == 0


def test_the_latest_review_says_whether_the_next_is_overdue(case, worker):
    review_record(
        actor=worker, case=case, reviewed_on=today() - timedelta(days=60), summary="first", next_review_on=today() - timedelta(days=30)
    )
    plan = care_plan_of(case)
    assert (plan.next_review_on, plan.review_overdue) == (today() - timedelta(days=30), True)
    review_record(
        actor=worker, case=case, reviewed_on=today() - timedelta(days=1), summary="second", next_review_on=today() + timedelta(days=30)
    )
    plan = care_plan_of(case)
    assert (plan.next_review_on, plan.review_overdue) == (today() + timedelta(days=30), False)
    assert [r.summary for r in plan.reviews] == ["second", "first"]


def test_an_anonymised_case_shows_its_reviews_as_erased_and_cannot_be_edited(case, worker):
    review_record(actor=worker, case=case, reviewed_on=today(), summary="private words")
    case_anonymise(case=case)
    case = Case.objects.select_related("child").get(pk=case.pk)
    assert [r.summary for r in care_plan_of(case).reviews] == [None]
    with pytest.raises(PermissionDenied):
        objective_add(actor=worker, case=case, pillar=Pillar.CARE, text="x")


# --- Pages ---------------------------------------------------------------------------------


def _plan_with_everything(case, worker):
    objective = objective_add(actor=worker, case=case, pillar=Pillar.PROTECTION, text="A safe placement")
    service = service_add(actor=worker, case=case, objective=objective, kind="Shelter", provider="Safe House North", referred=True)
    review_record(
        actor=worker,
        case=case,
        reviewed_on=today() - timedelta(days=40),
        summary="Settling in",
        next_review_on=today() - timedelta(days=10),
    )
    return objective, service


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_care_page_shows_objectives_services_and_an_overdue_review_in_words(lang, case, worker, client_as):
    _plan_with_everything(case, worker)
    response = client_as("supervisor-se").get(f"/{lang}/cases/{case.pk}/care/")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'lang="{lang}"' in html
    assert 'id="pillar-protection"' in html
    assert "A safe placement" in html
    assert "Safe House North" in html
    assert "Settling in" in html
    assert 'id="review-due"' in html
    assert AuditEntry.objects.filter(action="case.view", actor_username="supervisor-se", purpose="care plan").count() == 1


def test_the_overdue_review_is_said_in_text(case, worker, client_as):
    _plan_with_everything(case, worker)
    html = client_as("caseworker-se").get(f"/en/cases/{case.pk}/care/").content.decode()
    assert "Review overdue:" in html
    assert "(overdue)" in html


@pytest.mark.parametrize("username", OUTSIDERS)
def test_outsiders_get_404_on_the_care_page_and_see_nothing(username, case, worker, client_as):
    _plan_with_everything(case, worker)
    for lang in ("en", "ru"):
        response = client_as(username).get(f"/{lang}/cases/{case.pk}/care/")
        assert response.status_code == 404
        assert "Safe House North" not in response.content.decode()


def test_adding_an_objective_through_the_page_redirects_to_its_pillar(case, client_as):
    response = client_as("caseworker-se").post(
        f"/en/cases/{case.pk}/care/objectives/", {"pillar": "reintegration", "text": "Back to school"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/en/cases/{case.pk}/care/#pillar-reintegration"
    assert list(CareObjective.objects.values_list("pillar", "text")) == [("reintegration", "Back to school")]


def test_a_bad_review_re_renders_with_the_message_and_saves_nothing(case, client_as):
    response = client_as("caseworker-se").post(
        f"/en/cases/{case.pk}/care/reviews/",
        {"reviewed_on": today().isoformat(), "summary": "kept text", "next_review_on": (today() - timedelta(days=1)).isoformat()},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "The next review must come after this review." in html
    assert "kept text" in html
    assert CareReview.objects.count() == 0


def test_a_service_update_on_a_stale_version_says_so_and_changes_nothing(case, worker, client_as):
    _objective, service = _plan_with_everything(case, worker)
    seen = _version(case)
    objective_add(actor=worker, case=case, pillar=Pillar.CARE, text="Someone else's change")
    prefix = f"service-{service.pk}"
    response = client_as("supervisor-se").post(
        f"/en/cases/{case.pk}/care/services/{service.pk}/", {f"{prefix}-status": "completed", f"{prefix}-version": seen}
    )
    assert response.status_code == 409
    assert "caseworker-se saved this case" in response.content.decode()
    service.refresh_from_db()
    assert service.status == "planned"


def test_a_service_of_another_case_is_not_found_through_this_case(case, worker, client_as):
    other = open_case(worker)
    _objective, foreign = _plan_with_everything(other, worker)
    prefix = f"service-{foreign.pk}"
    response = client_as("caseworker-se").post(
        f"/en/cases/{case.pk}/care/services/{foreign.pk}/", {f"{prefix}-status": "completed", f"{prefix}-version": _version(case)}
    )
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == "planned"


def test_adding_a_service_through_the_page(case, worker, client_as):
    objective = objective_add(actor=worker, case=case, pillar=Pillar.CARE, text="Health check")
    response = client_as("ncp-se").post(
        f"/en/cases/{case.pk}/care/services/",
        {
            "objective": objective.pk,
            "kind": "Clinic",
            "provider": "Clinic A",
            "status": "active",
            "starts_on": today().isoformat(),
            "referred": "on",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/en/cases/{case.pk}/care/#objective-{objective.pk}"
    assert list(CareService.objects.values_list("kind", "status", "referred")) == [("Clinic", "active", True)]


def test_an_erased_review_shows_as_erased(case, worker, client_as):
    review_record(actor=worker, case=case, reviewed_on=today(), summary="private words")
    case_anonymise(case=case)
    html = client_as("caseworker-se").get(f"/en/cases/{case.pk}/care/").content.decode()
    assert "(erased)" in html
    assert "private words" not in html


# --- API -------------------------------------------------------------------------------------


def _post(client, path, body, **headers):
    return client.post(path, data=json.dumps(body), content_type="application/json", headers=headers)


def test_the_api_reads_the_plan_with_an_etag(case, worker, client_as):
    _plan_with_everything(case, worker)
    response = client_as("ncp-se").get(f"/api/v1/cases/{case.pk}/care")
    data = response.json()
    assert response.status_code == 200
    assert response["ETag"] == f'W/"{case.pk}-{_version(case)}"'
    protection = next(p for p in data["pillars"] if p["pillar"] == "protection")
    assert [o["text"] for o in protection["objectives"]] == ["A safe placement"]
    assert protection["objectives"][0]["services"][0]["provider"] == "Safe House North"
    assert [r["summary"] for r in data["reviews"]] == ["Settling in"]
    assert data["review_overdue"] is True


def test_the_api_adds_objectives_services_and_reviews(case, client_as):
    client = client_as("caseworker-se")
    objective = _post(client, f"/api/v1/cases/{case.pk}/care/objectives", {"pillar": "care", "text": "Health check"})
    assert objective.status_code == 201
    service = _post(
        client, f"/api/v1/cases/{case.pk}/care/services", {"objective_id": objective.json()["id"], "kind": "Clinic", "provider": "Clinic A"}
    )
    assert service.status_code == 201
    assert service.json()["status"] == "planned"
    review = _post(client, f"/api/v1/cases/{case.pk}/care/reviews", {"reviewed_on": today().isoformat(), "summary": "Fine"})
    assert review.status_code == 201
    assert review.json()["summary"] == "Fine"
    assert _care_audit(case) == ["case.care.objective_add", "case.care.service_add", "case.care.review"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("objectives", {"pillar": "leisure", "text": "x"}, "pillar"),
        ("reviews", {"reviewed_on": "2026-01-10", "summary": "x", "next_review_on": "2026-01-10"}, "next_review_on"),
        ("services", {"objective_id": 999999, "kind": "x", "provider": "y"}, "objective_id"),
    ],
    ids=["unknown-pillar", "next-review-not-after", "objective-of-no-case"],
)
def test_bad_input_is_a_4xx_with_the_field_and_changes_nothing(path, body, field, case, client_as):
    before = _version(case)
    response = _post(client_as("caseworker-se"), f"/api/v1/cases/{case.pk}/care/{path}", body)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == [field]
    assert errors[0]["reason"]
    assert _version(case) == before


def test_the_api_refuses_service_dates_out_of_order(case, worker, client_as):
    objective = objective_add(actor=worker, case=case, pillar=Pillar.CARE, text="Housing")
    response = _post(
        client_as("caseworker-se"),
        f"/api/v1/cases/{case.pk}/care/services",
        {"objective_id": objective.pk, "kind": "Shelter", "provider": "A", "starts_on": "2026-02-01", "ends_on": "2026-01-01"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0] == {"field": "ends_on", "reason": "A service cannot end before it starts.", "type": "value_error"}
    assert CareService.objects.count() == 0


def test_changing_a_service_through_the_api_needs_a_current_if_match(case, worker, client_as):
    _objective, service = _plan_with_everything(case, worker)
    client = client_as("caseworker-se")
    path = f"/api/v1/cases/{case.pk}/care/services/{service.pk}"
    body = json.dumps({"status": "completed"})
    missing = client.put(path, data=body, content_type="application/json")
    stale = client.put(path, data=body, content_type="application/json", headers={"If-Match": f'W/"{case.pk}-1"'})
    assert (missing.status_code, stale.status_code) == (428, 412)
    service.refresh_from_db()
    assert service.status == "planned"
    etag = client.get(f"/api/v1/cases/{case.pk}/care")["ETag"]
    done = client.put(path, data=body, content_type="application/json", headers={"If-Match": etag})
    assert done.status_code == 200
    assert done.json()["status"] == "completed"
    assert done["ETag"] != etag


@pytest.mark.parametrize("username", OUTSIDERS)
def test_the_api_is_404_json_for_outsiders(username, case, client_as):
    client = client_as(username)
    read = client.get(f"/api/v1/cases/{case.pk}/care")
    write = _post(client, f"/api/v1/cases/{case.pk}/care/objectives", {"pillar": "care", "text": "x"})
    assert (read.status_code, write.status_code) == (404, 404)
    assert read.json()["code"] == "not_found"
    assert CareObjective.objects.count() == 0


# --- Object rows of the permission matrix ---------------------------------------------------------


def fill(template: Any, values: dict[str, Any]) -> Any:
    """Fill ``{name}`` placeholders; a value that is only a placeholder keeps the value's type (ids stay ints in JSON)."""
    if isinstance(template, str):
        if template.startswith("{") and template.endswith("}") and template[1:-1] in values:
            return values[template[1:-1]]
        return template.format(**values)
    if isinstance(template, list):
        return [fill(item, values) for item in template]
    return template


def request_row(client: Any, row: Row, values: dict[str, Any]) -> Any:
    path = row.path.format(**values)
    body = {k.format(**values): fill(v, values) for k, v in (row.body or {}).items()}
    headers = {name: str(fill(value, values)) for name, value in row.extra.items()}
    method = getattr(client, row.method.lower())
    if path.startswith("/api/"):
        return method(path, data=json.dumps(body), content_type="application/json", headers=headers)
    return method(path, data=body, headers=headers)


def succeeded(role: str, status: int) -> bool:
    return status in (200, 201) or (status == 302 and role != ANON)


def check_object_row(row: Row, make: Any, state: Any, client_as: Any) -> None:
    """For every role, on fresh objects: the status is the row's, and only a success changes anything."""
    for role in ROLES:
        case, values = make()
        before = state(case)
        status = request_row(client_as(role), row, values).status_code
        assert status == row.expect[role], role
        assert (state(case) != before) is succeeded(role, status), role


def _values(case: Case, **more: Any) -> dict[str, Any]:
    version = _version(case)
    return {"case": case.pk, "version": version, "etag": f'W/"{case.pk}-{version}"', **more}


CARE_OBJECT_ROWS = {
    **{f"page {k}": v for k, v in CARE_PAGES.items() if v.objects},
    **{f"api {k}": v for k, v in CARE_API.items() if v.objects},
}


@pytest.mark.parametrize("name", sorted(CARE_OBJECT_ROWS))
def test_care_object_rows(name, client_as, demo_users):
    worker = demo_users["caseworker-se"]

    def make():
        case = open_case(worker)
        objective = objective_add(actor=worker, case=case, pillar=Pillar.CARE, text="Health check")
        service = service_add(actor=worker, case=case, objective=objective, kind="Clinic", provider="Clinic A")
        return case, _values(case, objective=objective.pk, service=service.pk)

    check_object_row(CARE_OBJECT_ROWS[name], make, lambda case: (_version(case), _care_audit(case)), client_as)
