"""The referral message format ``carnet.referral/1``: round trips, strictness, and the committed JSON Schema."""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from carnet.referrals.message import (
    FORMAT,
    CareObjectivePart,
    CareServicePart,
    DeterminationPart,
    DocumentOfIdentity,
    EventMessage,
    FollowUpMessage,
    LegalBasisPart,
    NoteMessage,
    Party,
    ProfilePart,
    ReferralMessage,
    ReturnPlanPart,
    Subject,
    TraffickingStatusPart,
    attachment_part,
    canonical_json,
    digest,
    json_schema,
    parse,
)
from carnet.referrals.profiles import PROFILES, LegalBasis, Outcome, Purpose, Urgency, ordered

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "docs" / "referral-message.schema.json"
REFERRAL_ID = uuid.UUID("3f1c2b7e-0000-4000-8000-000000000001")
AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def _common(n: int) -> dict[str, Any]:
    return {"message_id": uuid.UUID(int=n), "referral_id": REFERRAL_ID, "reference": "XB-7F3K-9Q2M", "at": AT}


def return_subject() -> Subject:
    """Every field of the ``return`` profile, filled."""
    return Subject(
        sex="female",
        age_band="12_14",
        given_names="Testa",
        family_name="Syntheticova",
        aliases=["Tessa"],
        date_of_birth=date(2011, 4, 2),
        citizenships=["LT"],
        languages=["lt", "ru"],
        identity_documents=[DocumentOfIdentity(kind="passport", issuing_country="LT", number="LT0000001")],
        risk_level="high",
        flags=["missing_risk"],
        trafficking_status=TraffickingStatusPart(status="actual", decided_on=date(2026, 1, 10), deciding_organisation="Demo police"),
        care_plan=[
            CareObjectivePart(
                pillar="care",
                text="Safe accommodation",
                target_on=date(2026, 4, 1),
                services=[CareServicePart(kind="Shelter", provider="Demo shelter", status="active")],
            )
        ],
        determination=DeterminationPart(
            decision="return", decided_on=date(2026, 2, 1), panel="Guardian, caseworker", reasons="Grandmother safe and willing"
        ),
        return_plan=ReturnPlanPart(
            receiving_country="LT", receiving_agency="Demo child protection", escort="Social worker", visits_planned=[date(2026, 5, 1)]
        ),
    )


def referral_message(profile: str = "return", purpose: Purpose = Purpose.RETURN_PREPARATION, **subject: Any) -> ReferralMessage:
    return ReferralMessage(
        **_common(1),
        sender=Party(country="SE", organisation="Demo social services, Sweden"),
        receiver=Party(country="LT"),
        purpose=purpose,
        urgency=Urgency.URGENT,
        respond_by=date(2026, 3, 9),
        legal_basis=LegalBasisPart(basis=LegalBasis.CONSENT, decided_by="The child and the guardian", decided_on=date(2026, 2, 28)),
        profile=ProfilePart(name=profile, fields=ordered(PROFILES[profile].fields), documents=sorted(PROFILES[profile].documents)),
        subject=Subject(**subject) if subject else return_subject(),
        note="Please prepare the return.",
    )


def messages() -> list[Any]:
    return [
        pytest.param(referral_message(), id="referral"),
        pytest.param(referral_message("minimal", Purpose.INFORMATION_REQUEST, sex="male", age_band="15_17"), id="referral-minimal"),
        pytest.param(
            EventMessage(
                **_common(2), event="completed", status="completed", side="receiver", actor="ncp-lt", note="Returned", outcome=Outcome.OTHER
            ),
            id="event",
        ),
        pytest.param(EventMessage(**_common(3), event="escalated", status="sent", side="system"), id="event-system"),
        pytest.param(
            NoteMessage(
                **_common(4),
                note_id=uuid.UUID(int=40),
                side="sender",
                author="ncp-se",
                body="The school report is attached.",
                attachments=[attachment_part(kind="social_report", filename="report.txt", content_type="text/plain", content=b"Grade 7")],
            ),
            id="note",
        ),
        pytest.param(
            FollowUpMessage(**_common(5), planned_on=date(2026, 5, 1), visited_on=date(2026, 5, 2), result="At school", author="ncp-lt"),
            id="follow-up",
        ),
    ]


@pytest.mark.parametrize("message", messages())
def test_a_message_survives_canonical_json_unchanged(message):
    # given a message of each kind
    # when it is written as canonical JSON and parsed again, as a receiving installation would
    text = canonical_json(message)
    parsed = parse(text)
    # then it is the same message, of the same type, with the same digest; from a dict and from str too
    assert parsed == message
    assert type(parsed) is type(message)
    assert digest(parsed) == digest(message)
    assert parse(text.decode()) == message
    assert parse(json.loads(text)) == message


def test_canonical_json_is_sorted_compact_utf8_and_names_its_format():
    # given a message with a non-ASCII text
    message = EventMessage(**_common(6), event="declined", status="declined", side="receiver", note="Отказ: нет места")
    # when it is written
    text = canonical_json(message)
    # then the keys are sorted, there are no spaces between tokens, the text is UTF-8, and the format and kind are there
    data = json.loads(text)
    assert text == json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    assert list(data) == sorted(data)
    assert "Отказ: нет места".encode() in text
    assert (data["format"], data["kind"]) == (FORMAT, "event")


def _dump(message: BaseModel) -> dict[str, Any]:
    return json.loads(canonical_json(message))


@pytest.mark.parametrize("message", messages())
def test_a_field_the_format_does_not_know_is_refused(message):
    # given a message with one more top-level field
    data = {**_dump(message), "contacts": "+370 600 00000"}
    # when it is parsed, then it is refused
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        parse(data)


@pytest.mark.parametrize(
    ("path", "extra"),
    [
        pytest.param(("subject",), {"contacts": "+370 600 00000"}, id="subject"),
        pytest.param(("sender",), {"email": "ncp@example.invalid"}, id="party"),
        pytest.param(("legal_basis",), {"document": "scan.pdf"}, id="legal-basis"),
        pytest.param(("subject", "return_plan"), {"address": "Street 1"}, id="return-plan"),
    ],
)
def test_a_nested_field_the_format_does_not_know_is_refused(path, extra):
    # given a referral message with one more field somewhere inside
    data = _dump(referral_message())
    part = data
    for key in path:
        part = part[key]
    part.update(extra)
    # when it is parsed, then it is refused
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        parse(data)


def test_subject_cannot_even_be_built_with_a_contact():
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        Subject(contacts="+370 600 00000")  # type: ignore[call-arg]  # the point: the field does not exist


@pytest.mark.parametrize(
    ("change", "error"),
    [
        pytest.param({"format": "carnet.referral/2"}, "carnet.referral/1", id="other-format"),
        pytest.param({"kind": "invoice"}, "does not match any of the expected tags", id="unknown-kind"),
        pytest.param({"kind": None}, "Unable to extract tag using discriminator", id="no-kind"),
        pytest.param({"receiver": {"country": "SE", "organisation": ""}}, "a referral goes to another country", id="same-country"),
        pytest.param({"purpose": "holiday"}, "purpose", id="unknown-purpose"),
        pytest.param({"message_id": "not-a-uuid"}, "message_id", id="bad-message-id"),
    ],
)
def test_a_malformed_message_is_refused(change, error):
    data = _dump(referral_message())
    data.update(change)
    if change.get("kind", "") is None:
        del data["kind"]
    with pytest.raises(ValidationError, match=error):
        parse(data)


@pytest.mark.parametrize(
    ("profile", "subject_extra", "error"),
    [
        pytest.param("minimal", {"given_names": "Testa"}, r"outside its profile: \['full_name'\]", id="minimal-with-name"),
        pytest.param("minimal", {"date_of_birth": "2011-04-02"}, r"outside its profile: \['date_of_birth'\]", id="minimal-with-dob"),
        pytest.param("identification", {"risk_level": "high"}, r"outside its profile: \['risk_level'\]", id="identification-with-risk"),
        pytest.param("return", {"route": []}, r"outside its profile: \['route'\]", id="return-with-route"),
    ],
)
def test_a_subject_carrying_a_field_outside_its_profile_is_refused(profile, subject_extra, error):
    # given a referral message whose subject carries one field its profile does not share
    purpose = {"minimal": Purpose.INFORMATION_REQUEST, "identification": Purpose.FAMILY_TRACING, "return": Purpose.RETURN_PREPARATION}
    data = _dump(referral_message(profile, purpose[profile], sex="female"))
    data["subject"].update(subject_extra)
    # when it is parsed, then it is refused
    with pytest.raises(ValidationError, match=error):
        parse(data)


@pytest.mark.parametrize(
    ("profile_change", "error"),
    [
        pytest.param({"name": "everything"}, "unknown disclosure profile 'everything'", id="unknown-profile"),
        pytest.param({"fields": ["sex"]}, "the profile's fields differ from the named profile", id="fewer-fields"),
        pytest.param(
            {"fields": [*ordered(PROFILES["minimal"].fields), "full_name"]},
            "the profile's fields differ from the named profile",
            id="more-fields",
        ),
        pytest.param(
            {"documents": ["correspondence", "medical"]},
            "the profile's kinds of document differ from the named profile",
            id="more-documents",
        ),
    ],
)
def test_a_profile_that_is_not_the_named_one_is_refused(profile_change, error):
    data = _dump(referral_message("minimal", Purpose.INFORMATION_REQUEST, sex="female"))
    data["profile"].update(profile_change)
    with pytest.raises(ValidationError, match=error):
        parse(data)


def test_a_profile_wider_than_its_purpose_is_refused():
    # given a return referral message re-labelled as a request for information
    data = _dump(referral_message())
    data["purpose"] = Purpose.INFORMATION_REQUEST.value
    # when it is parsed, then it is refused: the purpose does not allow what the profile shares
    with pytest.raises(ValidationError, match="does not allow sharing"):
        parse(data)


@pytest.mark.parametrize("profile", list(PROFILES))
def test_full_name_stands_for_both_name_parts(profile):
    # given a subject with every field of a profile filled
    full = return_subject().model_dump(exclude_none=True)
    full.update(exploitation=[], route=[])
    wanted = PROFILES[profile].fields
    names = {"given_names", "family_name"} if "full_name" in wanted else set()
    subject = Subject(**{key: value for key, value in full.items() if key in wanted or key in names})
    # then what it carries is exactly the profile
    assert subject.carried() == set(wanted)


def test_an_empty_subject_carries_nothing_and_a_family_name_alone_is_a_name():
    assert Subject().carried() == set()
    assert Subject(family_name="Syntheticova").carried() == {"full_name"}


# --- The committed JSON Schema -----------------------------------------------------------------


def _schema_text() -> str:
    return json.dumps(json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_the_committed_schema_is_the_format():
    # given the schema generated from the message classes
    text = _schema_text()
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SCHEMA_FILE.write_text(text, encoding="utf-8")
    # then docs/referral-message.schema.json is exactly it: a format change shows as a reviewed diff
    assert SCHEMA_FILE.exists(), f"{SCHEMA_FILE.name} is missing: run the tests once with UPDATE_SNAPSHOTS=1 and commit it"
    assert SCHEMA_FILE.read_text(encoding="utf-8") == text, f"{SCHEMA_FILE.name} is out of date: rerun with UPDATE_SNAPSHOTS=1 and review"


def test_the_schema_names_its_dialect_id_and_the_four_kinds():
    schema = json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == "https://carnet.invalid/schemas/referral-message-1.json"
    assert schema["discriminator"]["propertyName"] == "kind"
    assert sorted(schema["discriminator"]["mapping"]) == ["event", "follow_up", "note", "referral"]
    assert schema["$defs"]["ProfilePart"]["x-carnet-profiles"]["minimal"] == {
        "fields": ["sex", "age_band", "citizenships", "languages"],
        "documents": ["correspondence"],
    }


@pytest.mark.parametrize("message", messages())
def test_every_message_on_the_wire_has_exactly_the_schemas_properties(message):
    # given a message as it travels, and its definition in the schema
    data = _dump(message)
    definition = json_schema()["$defs"][type(message).__name__]
    # then it has every required property, including format and kind, and none the schema does not list
    assert set(definition["required"]) >= {"format", "kind", "message_id", "referral_id", "reference", "at"}
    assert set(definition["required"]) <= set(data)
    assert set(data) == set(definition["properties"])
    assert definition["additionalProperties"] is False
    assert definition["properties"]["kind"]["const"] == data["kind"]


def test_every_kind_of_message_validates_against_the_committed_schema():
    # jsonschema is not a dependency of carnet; where it is installed, it checks the committed schema independently
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    for param in messages():
        (message,) = param.values
        validator.validate(_dump(message))
        assert not validator.is_valid({**_dump(message), "contacts": "+370 600 00000"})
        assert not validator.is_valid({key: value for key, value in _dump(message).items() if key != "format"})
