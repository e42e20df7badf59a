"""The identification section: status history, exploitation (and the non-punishment principle), the profile with
optimistic locking, the route, the indicator checklist and its summary; services, pages in EN and RU, the API, the seed."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from carnet.audit.models import AuditEntry
from carnet.cases.errors import StaleVersion
from carnet.cases.models import (
    Case,
    Exploitation,
    Identification,
    Indicator,
    IndicatorResponse,
    RouteLeg,
    StatusDecision,
)
from carnet.cases.services_identification import (
    exploitation_add,
    exploitation_remove,
    identification_section,
    identification_update,
    indicator_summary,
    indicators_answer,
    route_leg_add,
    route_leg_remove,
    status_decision_add,
)
from tests.cases.factories import open_case, synthetic_identity

pytestmark = pytest.mark.django_db

BORN = date(2011, 4, 2)  # the synthetic child's date of birth (tests/cases/factories.py)
OUTSIDERS = ["caseworker-lt", "secretariat"]


@pytest.fixture
def case(demo_users: dict[str, Any]) -> Case:
    return open_case(demo_users["caseworker-se"])


def _version(case: Case) -> int:
    return Case.objects.values_list("version", flat=True).get(pk=case.pk)


def _writes(case: Case) -> list[str]:
    return list(
        AuditEntry.objects.filter(object_id=str(case.pk), action__startswith="case.identification.")
        .order_by("seq")
        .values_list("action", flat=True)
    )


def _codes(*, strength: str | None = None, dimension: str | None = None) -> list[str]:
    indicators = Indicator.objects.all()
    if strength:
        indicators = indicators.filter(strength=strength)
    if dimension:
        indicators = indicators.filter(dimension=dimension)
    return list(indicators.order_by("sort_order").values_list("code", flat=True))


# --- the seeded catalogue ------------------------------------------------------------------


def test_the_seed_has_24_indicators_in_english_and_russian_across_every_dimension() -> None:
    indicators = list(Indicator.objects.prefetch_related("translations"))
    assert len(indicators) == 24
    assert {i.dimension for i in indicators} == set(Indicator.Dimension.values)
    for indicator in indicators:
        texts = {t.language_code: t.text for t in indicator.translations.all()}
        assert set(texts) == {"en", "ru"}, indicator.code
        assert texts["en"].strip()
        assert texts["ru"].strip()
        assert texts["en"] != texts["ru"]
        assert any("а" <= ch <= "я" for ch in texts["ru"].lower()), indicator.code  # the Russian text is in Cyrillic
    assert {i.strength for i in indicators} == set(Indicator.Strength.values)


def test_every_dimension_has_four_indicators_and_strong_ones_where_force_or_deception_is_direct() -> None:
    per_dimension = {d: len(_codes(dimension=d)) for d in Indicator.Dimension.values}
    assert per_dimension == dict.fromkeys(Indicator.Dimension.values, 4)
    with_strong = {i.dimension for i in Indicator.objects.filter(strength=Indicator.Strength.STRONG)}
    assert with_strong == {"deceptive_recruitment", "coercive_recruitment", "exploitative_conditions", "coercion_at_destination"}


def test_indicator_texts_follow_the_active_language() -> None:
    indicator = Indicator.objects.get(code="control-documents-kept")
    with translation.override("en"):
        indicator.set_current_language("en")
        assert str(indicator) == "Someone else keeps the child's identity or travel documents."
    with translation.override("ru"):
        indicator.set_current_language("ru")
        assert str(indicator) == "Документы ребёнка, удостоверяющие личность или нужные для поездок, хранятся у другого человека."


# --- trafficking status --------------------------------------------------------------------


def test_the_latest_decision_is_the_current_status_and_history_is_newest_first(case, demo_users) -> None:
    # given two decisions recorded out of date order
    worker = demo_users["caseworker-se"]
    version = _version(case)
    later = status_decision_add(actor=worker, case=case, status="actual", deciding_organisation="Court", decided_on=date(2025, 6, 1))
    earlier = status_decision_add(
        actor=worker, case=case, status="possible", deciding_organisation=" Police ", decided_on=date(2025, 3, 1), note="first"
    )
    # then the history runs newest first and the current status is the latest decision
    section = identification_section(case)
    assert [d.pk for d in section.status_history] == [later.pk, earlier.pk]
    assert section.current_status is not None
    assert section.current_status.pk == later.pk
    assert earlier.deciding_organisation == "Police"
    assert _version(case) == version + 2
    assert _writes(case) == ["case.identification.decide", "case.identification.decide"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"decided_on": timezone.localdate() + timedelta(days=1)}, "decided_on"),
        ({"decided_on": BORN - timedelta(days=1)}, "decided_on"),
        ({"deciding_organisation": "  "}, "deciding_organisation"),
        ({"status": "maybe"}, "status"),
    ],
    ids=["future", "before-birth", "no-organisation", "unknown-status"],
)
def test_a_bad_decision_changes_nothing(case, demo_users, changes, field) -> None:
    values = {"status": "possible", "deciding_organisation": "Police", "decided_on": date(2025, 1, 1), **changes}
    version = _version(case)
    with pytest.raises(ValidationError) as error:
        status_decision_add(actor=demo_users["caseworker-se"], case=case, **values)
    assert list(error.value.message_dict) == [field]
    assert StatusDecision.objects.count() == 0
    assert _version(case) == version
    assert _writes(case) == []


def test_a_decision_before_an_unknown_birth_date_is_only_checked_against_today(demo_users) -> None:
    case = open_case(demo_users["caseworker-se"], identity=synthetic_identity(date_of_birth=None, estimated_age=15))
    decision = status_decision_add(
        actor=demo_users["caseworker-se"], case=case, status="possible", deciding_organisation="Police", decided_on=date(2001, 1, 1)
    )
    assert decision.pk is not None


@pytest.mark.parametrize("outsider", OUTSIDERS)
def test_outsiders_cannot_record_anything(case, demo_users, outsider) -> None:
    actor = demo_users[outsider]
    version = _version(case)
    attempts = [
        lambda: status_decision_add(actor=actor, case=case, status="possible", deciding_organisation="X", decided_on=date(2025, 1, 1)),
        lambda: exploitation_add(actor=actor, case=case, kind="labour"),
        lambda: identification_update(
            actor=actor, case=case, recruitment="online", relationship="stranger", means_of_control=[], expected_version=1
        ),
        lambda: route_leg_add(actor=actor, case=case, stage="transit", country="PL"),
        lambda: indicators_answer(actor=actor, case=case, answers={"control-violence": "present"}),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()
    assert StatusDecision.objects.count() == Exploitation.objects.count() == RouteLeg.objects.count() == 0
    assert Identification.objects.count() == IndicatorResponse.objects.count() == 0
    assert _version(case) == version
    assert _writes(case) == []


@pytest.mark.parametrize("outsider", OUTSIDERS)
def test_outsiders_cannot_remove_rows(case, demo_users, outsider) -> None:
    worker = demo_users["caseworker-se"]
    exploitation = exploitation_add(actor=worker, case=case, kind="labour")
    leg = route_leg_add(actor=worker, case=case, stage="transit", country="PL")
    version = _version(case)
    with pytest.raises(PermissionDenied):
        exploitation_remove(actor=demo_users[outsider], case=case, exploitation_id=exploitation.pk)
    with pytest.raises(PermissionDenied):
        route_leg_remove(actor=demo_users[outsider], case=case, leg_id=leg.pk)
    assert Exploitation.objects.filter(pk=exploitation.pk).exists()
    assert RouteLeg.objects.filter(pk=leg.pk).exists()
    assert _version(case) == version


# --- forms of exploitation -----------------------------------------------------------------


def test_exploitation_in_criminality_needs_its_subtype(case, demo_users) -> None:
    with pytest.raises(ValidationError) as error:
        exploitation_add(actor=demo_users["caseworker-se"], case=case, kind="criminality")
    assert error.value.message_dict == {
        "criminality_subtype": ["For exploitation in criminal activities, say which activity the child was forced into."]
    }
    assert Exploitation.objects.count() == 0


def test_exploitation_in_criminality_records_the_non_punishment_principle(case, demo_users) -> None:
    exploitation = exploitation_add(
        actor=demo_users["caseworker-se"],
        case=case,
        kind="criminality",
        criminality_subtype="drugs",
        country="se",
        started_on=date(2025, 1, 10),
        ended_on=date(2025, 3, 1),
        non_punishment_considered=True,
        non_punishment_note="Prosecutor informed",
    )
    exploitation.refresh_from_db()
    assert (exploitation.kind, exploitation.criminality_subtype, exploitation.country) == ("criminality", "drugs", "SE")
    assert exploitation.non_punishment_considered is True
    assert exploitation.non_punishment_note == "Prosecutor informed"
    assert _writes(case) == ["case.identification.exploitation_add"]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"kind": "labour", "criminality_subtype": "theft"}, "criminality_subtype"),
        ({"kind": "criminality", "criminality_subtype": "smuggling"}, "criminality_subtype"),
        ({"kind": "slavery"}, "kind"),
        ({"kind": "labour", "country": "Sweden"}, "country"),
        ({"kind": "labour", "country": "S1"}, "country"),
        ({"kind": "labour", "started_on": date(2025, 5, 1), "ended_on": date(2025, 4, 1)}, "ended_on"),
        ({"kind": "labour", "started_on": BORN - timedelta(days=10)}, "started_on"),
        ({"kind": "labour", "ended_on": timezone.localdate() + timedelta(days=2)}, "ended_on"),
    ],
    ids=[
        "subtype-without-criminality",
        "unknown-subtype",
        "unknown-kind",
        "country-name",
        "country-digit",
        "dates-reversed",
        "before-birth",
        "future",
    ],
)
def test_a_bad_exploitation_changes_nothing(case, demo_users, values, field) -> None:
    version = _version(case)
    with pytest.raises(ValidationError) as error:
        exploitation_add(actor=demo_users["caseworker-se"], case=case, **values)
    assert list(error.value.message_dict) == [field]
    assert Exploitation.objects.count() == 0
    assert _version(case) == version


def test_removing_an_exploitation_of_another_case_fails_and_keeps_it(case, demo_users) -> None:
    worker = demo_users["caseworker-se"]
    other = open_case(worker)
    theirs = exploitation_add(actor=worker, case=other, kind="sexual")
    with pytest.raises(Exploitation.DoesNotExist):
        exploitation_remove(actor=worker, case=case, exploitation_id=theirs.pk)
    assert Exploitation.objects.filter(pk=theirs.pk).exists()
    exploitation_remove(actor=worker, case=other, exploitation_id=theirs.pk)
    assert not Exploitation.objects.filter(pk=theirs.pk).exists()
    assert _writes(other) == ["case.identification.exploitation_add", "case.identification.exploitation_remove"]


# --- the profile ---------------------------------------------------------------------------


def test_the_profile_is_created_on_first_save_and_then_versioned(case, demo_users) -> None:
    worker = demo_users["caseworker-se"]
    assert not Identification.objects.filter(case=case).exists()
    assert identification_section(case).profile.version == 1  # what the form shows before the first save
    profile = identification_update(
        actor=worker,
        case=case,
        recruitment="online",
        relationship="stranger",
        means_of_control=["Threats", "WithholdsDocuments", "Threats"],
        expected_version=1,
    )
    assert (profile.recruitment, profile.relationship, profile.means_of_control, profile.version) == (
        "online",
        "stranger",
        ["Threats", "WithholdsDocuments"],
        2,
    )
    profile = identification_update(
        actor=worker, case=case, recruitment="romance", relationship="partner", means_of_control=[], expected_version=2
    )
    assert (profile.recruitment, profile.means_of_control, profile.version) == ("romance", [], 3)
    assert _writes(case) == ["case.identification.profile_update", "case.identification.profile_update"]


def test_a_stale_profile_edit_changes_nothing_and_names_who_saved(case, demo_users) -> None:
    # given supervisor-se saved after caseworker-se opened the form at version 1
    identification_update(
        actor=demo_users["supervisor-se"],
        case=case,
        recruitment="family",
        relationship="family",
        means_of_control=["DebtBondage"],
        expected_version=1,
    )
    version = _version(case)
    # when caseworker-se saves with the version they saw
    with pytest.raises(StaleVersion) as stale:
        identification_update(
            actor=demo_users["caseworker-se"],
            case=case,
            recruitment="online",
            relationship="stranger",
            means_of_control=[],
            expected_version=1,
        )
    # then nothing changed and the error says who saved
    assert stale.value.current_version == 2
    assert stale.value.changed_by == "supervisor-se"
    profile = Identification.objects.get(case=case)
    assert (profile.recruitment, profile.means_of_control, profile.version) == ("family", ["DebtBondage"], 2)
    assert _version(case) == version
    assert _writes(case) == ["case.identification.profile_update"]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"means_of_control": ["Threats", "MindControl"]}, "means_of_control"),
        ({"recruitment": "telepathy"}, "recruitment"),
        ({"relationship": "cousin"}, "relationship"),
    ],
    ids=["unknown-means", "unknown-recruitment", "unknown-relationship"],
)
def test_unknown_profile_codes_are_rejected(case, demo_users, values, field) -> None:
    data = {"recruitment": "online", "relationship": "stranger", "means_of_control": [], **values}
    with pytest.raises(ValidationError) as error:
        identification_update(actor=demo_users["caseworker-se"], case=case, expected_version=1, **data)
    assert list(error.value.message_dict) == [field]
    assert not Identification.objects.filter(case=case).exists()


def test_the_unknown_means_of_control_are_named(case, demo_users) -> None:
    with pytest.raises(ValidationError) as error:
        identification_update(
            actor=demo_users["caseworker-se"],
            case=case,
            recruitment="online",
            relationship="stranger",
            means_of_control=["MindControl"],
            expected_version=1,
        )
    assert error.value.message_dict["means_of_control"] == ["Unknown means of control: MindControl"]


# --- the route -----------------------------------------------------------------------------


def test_route_legs_are_added_in_date_order_and_removed(case, demo_users) -> None:
    worker = demo_users["caseworker-se"]
    exploitation = route_leg_add(actor=worker, case=case, stage="exploitation", country="se", city="Malmö", on=date(2025, 3, 1))
    recruitment = route_leg_add(actor=worker, case=case, stage="recruitment", country="LT", city="Vilnius", on=date(2025, 1, 5))
    unknown_date = route_leg_add(actor=worker, case=case, stage="transit", country="PL")
    assert [leg.pk for leg in identification_section(case).route] == [recruitment.pk, exploitation.pk, unknown_date.pk]
    assert exploitation.country == "SE"
    route_leg_remove(actor=worker, case=case, leg_id=recruitment.pk)
    assert list(RouteLeg.objects.filter(case=case).values_list("pk", flat=True).order_by("pk")) == [exploitation.pk, unknown_date.pk]
    assert _writes(case)[-1] == "case.identification.route_remove"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"country": ""}, "country"),
        ({"country": "POL"}, "country"),
        ({"stage": "holiday"}, "stage"),
        ({"on": BORN - timedelta(days=1)}, "on"),
        ({"on": timezone.localdate() + timedelta(days=1)}, "on"),
    ],
    ids=["no-country", "three-letters", "unknown-stage", "before-birth", "future"],
)
def test_a_bad_route_leg_changes_nothing(case, demo_users, values, field) -> None:
    data = {"stage": "transit", "country": "PL", **values}
    with pytest.raises(ValidationError) as error:
        route_leg_add(actor=demo_users["caseworker-se"], case=case, **data)
    assert list(error.value.message_dict) == [field]
    assert RouteLeg.objects.count() == 0


# --- the checklist and its summary ---------------------------------------------------------


def test_answers_are_upserted_and_only_changes_count(case, demo_users) -> None:
    worker, supervisor = demo_users["caseworker-se"], demo_users["supervisor-se"]
    assert indicators_answer(actor=worker, case=case, answers={"control-violence": "present", "fear-of-authorities": "absent"}) == 2
    # the same answers again change nothing and write nothing
    version = _version(case)
    assert indicators_answer(actor=supervisor, case=case, answers={"control-violence": "present", "fear-of-authorities": "absent"}) == 0
    assert _version(case) == version
    # one changed answer is rewritten, by whoever changed it
    assert indicators_answer(actor=supervisor, case=case, answers={"control-violence": "absent", "fear-of-authorities": "absent"}) == 1
    responses = {
        r.indicator.code: (r.answer, r.answered_by.username) for r in IndicatorResponse.objects.select_related("indicator", "answered_by")
    }
    assert responses == {"control-violence": ("absent", "supervisor-se"), "fear-of-authorities": ("absent", "caseworker-se")}
    assert _writes(case) == ["case.identification.indicators_answer", "case.identification.indicators_answer"]


@pytest.mark.parametrize(
    "answers",
    [{"control-violence": "present", "no-such-indicator": "present"}, {"control-violence": "present", "fear-of-authorities": "maybe"}],
    ids=["unknown-indicator", "unknown-answer"],
)
def test_a_bad_checklist_changes_nothing(case, demo_users, answers) -> None:
    with pytest.raises(ValidationError) as error:
        indicators_answer(actor=demo_users["caseworker-se"], case=case, answers=answers)
    assert list(error.value.message_dict) == ["answers"]
    assert IndicatorResponse.objects.count() == 0


def test_the_summary_counts_per_dimension_and_says_it_in_words(case, demo_users) -> None:
    # given strong indicators present in two dimensions, a medium one in a third, and some answered "not present"
    answers = {
        "coercion-violence-or-threats": "present",  # strong, coercive recruitment
        "control-violence": "present",  # strong, coercion at destination
        "control-confinement": "present",  # strong, coercion at destination
        "control-documents-kept": "present",  # medium, coercion at destination
        "isolation-at-destination": "present",  # medium, vulnerability at destination
        "fear-of-authorities": "absent",
        "deception-conditions": "absent",
    }
    indicators_answer(actor=demo_users["caseworker-se"], case=case, answers=answers)
    with translation.override("en"):
        summary = indicator_summary(case)
    by_dimension = {d.dimension: (d.present, d.absent, d.unknown) for d in summary.dimensions}
    assert by_dimension["coercion_at_destination"] == ({"strong": 2, "medium": 1, "weak": 0}, 0, 1)
    assert by_dimension["coercive_recruitment"] == ({"strong": 1, "medium": 0, "weak": 0}, 0, 3)
    assert by_dimension["vulnerability_at_destination"] == ({"strong": 0, "medium": 1, "weak": 0}, 1, 2)
    assert by_dimension["deceptive_recruitment"] == ({"strong": 0, "medium": 0, "weak": 0}, 1, 3)
    assert (summary.with_strong, summary.with_any, summary.answered, summary.total) == (2, 3, 7, 24)
    assert summary.sentences == [
        "Strong indicators are present in 2 of 6 dimensions.",
        "Indicators of any strength are present in 3 of 6 dimensions.",
        "17 indicators are still answered \u201cnot known\u201d.",
    ]


def test_the_summary_of_an_empty_checklist_says_so(case) -> None:
    with translation.override("en"):
        assert indicator_summary(case).sentences == ["No indicator has been answered yet."]


def test_the_summary_uses_the_singular_for_one_unknown_answer(case, demo_users) -> None:
    everything_but_one = dict.fromkeys(_codes()[1:], "absent")
    indicators_answer(actor=demo_users["caseworker-se"], case=case, answers=everything_but_one)
    with translation.override("en"):
        sentences = indicator_summary(case).sentences
    assert sentences == [
        "Strong indicators are present in 0 of 6 dimensions.",
        "Indicators of any strength are present in 0 of 6 dimensions.",
        "1 indicator is still answered \u201cnot known\u201d.",
    ]


# --- pages ---------------------------------------------------------------------------------


def _page(case: Case, language: str = "en", tail: str = "") -> str:
    return f"/{language}/cases/{case.pk}/identification/{tail}"


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_page_renders_in_both_languages_and_audits_the_view(client_as, case, language) -> None:
    response = client_as("caseworker-se").get(_page(case, language))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'aria-current="page"' in html
    assert html.count('type="radio"') == 24 * 3
    text = {"en": "Someone else keeps the child's identity or travel documents.", "ru": "хранятся у другого человека."}[language]
    assert text.replace("'", "&#x27;") in html
    assert AuditEntry.objects.filter(action="case.view", object_id=str(case.pk), purpose="identification").count() == 1


def test_the_page_says_the_summary_is_not_a_score(client_as, case) -> None:
    html = client_as("supervisor-se").get(_page(case)).content.decode()
    assert "This is a summary of your answers, not a score." in html
    assert "No indicator has been answered yet." in html


@pytest.mark.parametrize("username", ["caseworker-lt", "ncp-lt", "secretariat", "sysadmin"])
def test_outsiders_get_404_and_change_nothing(client_as, case, username) -> None:
    client = client_as(username)
    assert client.get(_page(case)).status_code == 404
    response = client.post(_page(case, tail="status/"), {"status": "actual", "deciding_organisation": "X", "decided_on": "2025-01-01"})
    assert response.status_code == 404
    assert StatusDecision.objects.count() == 0


def test_recording_a_decision_redirects_back_with_the_new_status(client_as, case) -> None:
    client = client_as("caseworker-se")
    response = client.post(
        _page(case, tail="status/"), {"status": "actual", "deciding_organisation": "Migration agency", "decided_on": "2025-02-03"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{_page(case)}#status-heading"
    html = client.get(_page(case)).content.decode()
    assert "Current status: <strong>Actual victim of trafficking</strong>, decided by Migration agency" in html


def test_criminality_without_subtype_is_a_400_with_a_clear_message(client_as, case) -> None:
    response = client_as("caseworker-se").post(_page(case, tail="exploitations/"), {"kind": "criminality", "country": "SE"})
    assert response.status_code == 400
    assert "For exploitation in criminal activities, say which activity the child was forced into." in response.content.decode()
    assert Exploitation.objects.count() == 0


def test_the_non_punishment_reminder_appears_with_exploitation_in_criminality(client_as, case) -> None:
    client = client_as("caseworker-se")
    assert "This child is a victim, not an offender" not in client.get(_page(case)).content.decode()
    response = client.post(_page(case, tail="exploitations/"), {"kind": "criminality", "criminality_subtype": "theft", "country": "se"})
    assert response.status_code == 302
    html = client.get(_page(case)).content.decode()
    assert "This child is a victim, not an offender" in html
    assert "Directive 2011/36/EU" in html
    assert "Directive (EU) 2024/1712" in html
    assert "Not yet recorded for \u201cTheft and pickpocketing\u201d" in html


def test_reversed_dates_on_the_page_are_refused(client_as, case) -> None:
    response = client_as("caseworker-se").post(
        _page(case, tail="exploitations/"), {"kind": "labour", "started_on": "2025-05-01", "ended_on": "2025-04-01"}
    )
    assert response.status_code == 400
    assert "The end of the exploitation cannot be before its start." in response.content.decode()
    assert Exploitation.objects.count() == 0


def test_a_stale_profile_form_shows_a_clear_message_and_the_saved_version(client_as, case) -> None:
    # given ncp-se saved the profile while caseworker-se had the form open at version 1
    body = {"recruitment": "online", "relationship": "stranger", "means_of_control": ["Threats", "DebtBondage"], "version": "1"}
    assert client_as("ncp-se").post(_page(case, tail="profile/"), body).status_code == 302
    # when caseworker-se saves their version
    response = client_as("caseworker-se").post(_page(case, tail="profile/"), {**body, "recruitment": "abduction", "means_of_control": []})
    # then they see who saved, their change is not saved, and the form holds the saved version
    assert response.status_code == 409
    html = response.content.decode()
    assert "ncp-se saved this identification at" in html
    assert 'name="version" value="2"' in html
    profile = Identification.objects.get(case=case)
    assert (profile.recruitment, profile.means_of_control, profile.version) == ("online", ["Threats", "DebtBondage"], 2)


def test_an_unknown_means_of_control_on_the_page_is_refused(client_as, case) -> None:
    response = client_as("caseworker-se").post(
        _page(case, tail="profile/"),
        {"recruitment": "online", "relationship": "stranger", "means_of_control": ["MindControl"], "version": "1"},
    )
    assert response.status_code == 400
    assert not Identification.objects.filter(case=case).exists()


def test_route_legs_are_added_and_removed_on_the_page(client_as, case) -> None:
    client = client_as("caseworker-se")
    assert client.post(_page(case, tail="route/"), {"stage": "transit", "country": "pl", "city": "Gdańsk"}).status_code == 302
    leg = RouteLeg.objects.get(case=case)
    assert (leg.country, leg.city) == ("PL", "Gdańsk")
    assert client.post(_page(case, tail=f"route/{leg.pk}/remove/")).status_code == 302
    assert not RouteLeg.objects.filter(pk=leg.pk).exists()
    assert client.post(_page(case, tail=f"route/{leg.pk}/remove/")).status_code == 404


def test_removing_another_cases_exploitation_through_this_case_is_404(client_as, case, demo_users) -> None:
    other = open_case(demo_users["caseworker-se"])
    theirs = exploitation_add(actor=demo_users["caseworker-se"], case=other, kind="labour")
    assert client_as("caseworker-se").post(_page(case, tail=f"exploitations/{theirs.pk}/remove/")).status_code == 404
    assert Exploitation.objects.filter(pk=theirs.pk).exists()


def test_the_checklist_is_saved_in_one_go_and_summarised(client_as, case) -> None:
    client = client_as("caseworker-se")
    body = {f"indicator-{code}": "unknown" for code in _codes()}
    body.update(
        {
            "indicator-control-violence": "present",
            "indicator-coercion-abduction-or-sale": "present",
            "indicator-fear-of-authorities": "absent",
        }
    )
    response = client.post(_page(case, tail="indicators/"), body)
    assert response.status_code == 302
    assert dict(IndicatorResponse.objects.values_list("indicator__code", "answer").filter(answer__in=["present", "absent"])) == {
        "control-violence": "present",
        "coercion-abduction-or-sale": "present",
        "fear-of-authorities": "absent",
    }
    html = client.get(_page(case)).content.decode()
    assert "Strong indicators are present in 2 of 6 dimensions." in html


def test_an_incomplete_checklist_is_refused_and_nothing_is_saved(client_as, case) -> None:
    response = client_as("caseworker-se").post(_page(case, tail="indicators/"), {"indicator-control-violence": "present"})
    assert response.status_code == 400
    assert IndicatorResponse.objects.count() == 0


# --- API -----------------------------------------------------------------------------------


def _api(case: Case, tail: str = "") -> str:
    return f"/api/v1/cases/{case.pk}/identification{tail}"


def _send(client, method: str, path: str, body: dict[str, Any], **headers: str):
    return getattr(client, method)(path, data=json.dumps(body), content_type="application/json", **headers)


def test_the_api_reads_the_whole_section_with_an_etag(client_as, case, demo_users) -> None:
    status_decision_add(
        actor=demo_users["caseworker-se"], case=case, status="possible", deciding_organisation="Police", decided_on=date(2025, 1, 2)
    )
    response = client_as("ncp-se").get(_api(case), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response["ETag"] == f'W/"identification-{case.pk}-1"'
    data = response.json()
    assert data["current_status"]["status"] == "possible"
    assert data["current_status"]["recorded_by"] == "caseworker-se"
    assert len(data["indicators"]) == 24
    assert data["summary"]["sentences"] == ["No indicator has been answered yet."]
    assert "not a score" in data["summary"]["note"]
    assert data["profile"] == {"recruitment": "unknown", "relationship": "unknown", "means_of_control": [], "version": 1}
    assert (
        AuditEntry.objects.filter(action="case.view", object_id=str(case.pk), purpose="identification", actor_username="ncp-se").count()
        == 1
    )


def test_the_api_records_decisions_exploitations_and_route(client_as, case) -> None:
    client = client_as("caseworker-se")
    decision = _send(
        client, "post", _api(case, "/status-decisions"), {"status": "actual", "deciding_organisation": "Court", "decided_on": "2025-04-01"}
    )
    assert decision.status_code == 201
    assert decision.json()["status"] == "actual"
    exploitation = _send(
        client, "post", _api(case, "/exploitations"), {"kind": "criminality", "criminality_subtype": "benefit_fraud", "country": "se"}
    )
    assert exploitation.status_code == 201
    assert (exploitation.json()["criminality_subtype"], exploitation.json()["country"]) == ("benefit_fraud", "SE")
    leg = _send(client, "post", _api(case, "/route"), {"stage": "recruitment", "country": "LT", "city": "Kaunas", "on": "2024-12-01"})
    assert leg.status_code == 201
    assert client.delete(_api(case, f"/route/{leg.json()['id']}")).status_code == 204
    assert client.delete(_api(case, f"/exploitations/{exploitation.json()['id']}")).status_code == 204
    assert client.delete(_api(case, f"/exploitations/{exploitation.json()['id']}")).status_code == 404
    assert _writes(case) == [
        "case.identification.decide",
        "case.identification.exploitation_add",
        "case.identification.route_add",
        "case.identification.route_remove",
        "case.identification.exploitation_remove",
    ]


def test_the_api_refuses_criminality_without_subtype_with_a_clear_message(client_as, case) -> None:
    response = _send(client_as("caseworker-se"), "post", _api(case, "/exploitations"), {"kind": "criminality"})
    assert response.status_code == 422
    assert response.json() == {
        "detail": "criminality_subtype: For exploitation in criminal activities, say which activity the child was forced into.",
        "code": "invalid",
    }
    assert Exploitation.objects.count() == 0


@pytest.mark.parametrize(
    ("method", "tail", "body"),
    [
        ("post", "/exploitations", {"kind": "criminality", "criminality_subtype": "smuggling"}),
        ("post", "/exploitations", {"kind": "slavery"}),
        ("post", "/status-decisions", {"status": "maybe", "deciding_organisation": "X", "decided_on": "2025-01-01"}),
        ("post", "/route", {"stage": "holiday", "country": "PL"}),
        ("put", "/indicators", {"answers": {"control-violence": "perhaps"}}),
    ],
    ids=["subtype", "kind", "status", "stage", "answer"],
)
def test_the_api_answers_unknown_codes_with_422(client_as, case, method, tail, body) -> None:
    response = _send(client_as("caseworker-se"), method, _api(case, tail), body)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
    assert (
        StatusDecision.objects.count() == Exploitation.objects.count() == RouteLeg.objects.count() == IndicatorResponse.objects.count() == 0
    )


def test_the_api_answers_an_unknown_indicator_with_422_and_saves_nothing(client_as, case) -> None:
    response = _send(
        client_as("caseworker-se"), "put", _api(case, "/indicators"), {"answers": {"control-violence": "present", "nope": "present"}}
    )
    assert response.status_code == 422
    assert response.json()["detail"] == "answers: Unknown indicators: nope"
    assert IndicatorResponse.objects.count() == 0


def test_the_api_answers_a_future_date_with_422(client_as, case) -> None:
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = _send(
        client_as("caseworker-se"),
        "post",
        _api(case, "/status-decisions"),
        {"status": "actual", "deciding_organisation": "X", "decided_on": tomorrow},
    )
    assert response.status_code == 422
    assert response.json()["detail"] == "decided_on: This date is in the future."


def test_the_api_profile_needs_if_match_and_refuses_a_stale_one(client_as, case) -> None:
    client = client_as("caseworker-se")
    body = {"recruitment": "job_offer", "relationship": "employer", "means_of_control": ["TakesEarnings", "ExcessiveWorkingHours"]}
    assert _send(client, "put", _api(case, "/profile"), body).status_code == 428
    etag = client.get(_api(case))["ETag"]
    saved = _send(client, "put", _api(case, "/profile"), body, HTTP_IF_MATCH=etag)
    assert saved.status_code == 200
    assert saved.json() == {**body, "version": 2}
    assert saved["ETag"] == f'W/"identification-{case.pk}-2"'
    stale = _send(client, "put", _api(case, "/profile"), {**body, "recruitment": "online"}, HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale.json()["code"] == "stale_version"
    assert Identification.objects.get(case=case).recruitment == "job_offer"


def test_the_api_refuses_an_unknown_means_of_control_with_422(client_as, case) -> None:
    client = client_as("caseworker-se")
    etag = client.get(_api(case))["ETag"]
    response = _send(client, "put", _api(case, "/profile"), {"means_of_control": ["Threats", "MindControl"]}, HTTP_IF_MATCH=etag)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "means_of_control.1"
    assert not Identification.objects.filter(case=case).exists()


def test_the_api_answers_indicators(client_as, case) -> None:
    client = client_as("caseworker-se")
    response = _send(
        client, "put", _api(case, "/indicators"), {"answers": {"control-violence": "present", "conditions-no-or-little-pay": "present"}}
    )
    assert response.status_code == 200
    assert response.json() == {"changed": 2}
    summary = client.get(_api(case), HTTP_ACCEPT_LANGUAGE="en").json()["summary"]
    assert summary["dimensions_with_strong_indicators"] == 2
    assert summary["sentences"][0] == "Strong indicators are present in 2 of 6 dimensions."


@pytest.mark.parametrize("username", ["caseworker-lt", "ncp-lt", "secretariat", "sysadmin"])
def test_the_api_hides_the_section_from_outsiders(client_as, case, username) -> None:
    client = client_as(username)
    assert client.get(_api(case)).status_code == 404
    body = {"kind": "labour"}
    assert _send(client, "post", _api(case, "/exploitations"), body).status_code == 404
    assert Exploitation.objects.count() == 0
