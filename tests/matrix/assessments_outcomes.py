"""Matrix rows for aggregate outcomes and instruments (tests/assessments/test_outcomes.py and test_instruments.py cover the rest)."""

from __future__ import annotations

from tests.matrix.base import Row, rows

# Aggregates: supervisors, NCPs and national coordinators, for their own countries (a country of one's own is the default).
AGGREGATES = ("supervisor_se", "ncp_se", "ncp_lt", "coordinator_lt")
# Instruments are read by whoever works with readings, and by the secretariat who manages them.
READERS = ("caseworker_se", "caseworker_lt", "supervisor_se", "ncp_se", "ncp_lt", "coordinator_lt", "secretariat")

READ_PAGE = rows(302, 403, **dict.fromkeys(READERS, 200))
MANAGE = {"secretariat": 302}

NEW_INSTRUMENT = {
    "slug": "matrix-check",
    "languages": ["en"],
    "names": {"en": {"text": "Matrix check"}},
    "domains": [
        {
            "key": "one",
            "names": {"en": {"text": "One"}},
            "levels": [
                {"score": 2, "colour": "green", "statements": {"en": {"text": "Fine"}}},
                {"score": 1, "colour": "red", "statements": {"en": {"text": "Not fine"}}},
            ],
        }
    ],
}

PAGES = {
    "assessments:outcomes": Row("GET", "/en/assessments/outcomes/", rows(302, 403, **dict.fromkeys(AGGREGATES, 200))),
    "assessments:instruments": Row("GET", "/en/assessments/instruments/", READ_PAGE),
    "assessments:instrument_detail": Row("GET", "/en/assessments/instruments/life-domains/1/", READ_PAGE),
    "assessments:instrument_export": Row("GET", "/en/assessments/instruments/life-domains/1/export.yaml", READ_PAGE),
    "assessments:instrument_import": Row("GET", "/en/assessments/instruments/import/", rows(302, 403, secretariat=200)),
    "assessments:instrument_publish": Row(
        "POST",
        "/en/assessments/instruments/life-domains/1/publish/",
        rows(302, 403, **MANAGE),
        note="published already: the secretariat is sent back with a message, nothing changes",
    ),
    "assessments:instrument_retire": Row("POST", "/en/assessments/instruments/life-domains/1/retire/", rows(302, 403, **MANAGE)),
}

API = {
    "GET /assessments/outcomes": Row("GET", "/api/v1/assessments/outcomes", rows(401, 403, **dict.fromkeys(AGGREGATES, 200))),
    "GET /assessments/instruments": Row("GET", "/api/v1/assessments/instruments", rows(401, 403, **dict.fromkeys(READERS, 200))),
    "POST /assessments/instruments/import": Row(
        "POST", "/api/v1/assessments/instruments/import", rows(401, 403, secretariat=201), body=NEW_INSTRUMENT
    ),
}
