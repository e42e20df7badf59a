"""Exports have no API operations, on purpose.

A printable case file and the caseload CSV are made for people: a court, a receiving
authority, a spreadsheet. An API client already reads the same data through
``GET /cases`` (non-identifying fields) and ``GET /cases/{case_id}`` (audited), so an
export endpoint would add nothing but a second, weaker-watermarked way out. See
``docs/decisions/0005-case-exports-and-files.md``.
"""

from ninja import Router

router = Router()
