"""Matrix rows for adding a person to the directory and editing a person's entry.

Adding is for the secretariat. Editing is for the person themself (their account is the entry's user)
and the secretariat: ``{person}`` is expert-ee's entry (Eva Expert) in the demo directory, checked for
every demo account by tests/directory/test_person_pages.py::test_object_rows (the matrix test loads no directory).
"""

from __future__ import annotations

from tests.matrix.base import Row, rows

PAGES = {
    "directory:person_new": Row("GET", "/en/directory/people/new/", rows(302, 403, secretariat=200)),
    "directory:person_edit": Row(
        "GET", "/en/directory/people/{person}/edit/", rows(302, 403, expert_ee=200, secretariat=200), objects=True
    ),
}

OBJECT_ROWS = {key for key, row in PAGES.items() if row.objects}
