"""Matrix rows for the library's resource pages, downloads and editing pages (library-core).

Reading: a resource's page and its files answer 200 to whoever may see the resource and 404
to everyone else (missing and not visible are the same). Editing: the secretariat and the
contributors (NCPs, national coordinators) open the editing list and create resources; a
resource's editing pages answer 404 to a contributor who did not create it. Anonymous
visitors are sent to sign in.
"""

from __future__ import annotations

from tests.matrix.base import Row, rows

EDITORS_GATE = rows(302, 403, secretariat=200, ncp_se=200, ncp_lt=200, coordinator_lt=200)
OBJECT_TESTS = "tests/library/test_resource_pages.py: per account, public / members / restricted and own / other resources"

PAGES = {
    "library:resource": Row("GET", "/en/library/resources/{resource}/", rows(200, 200), objects=True, note=OBJECT_TESTS),
    "library:download": Row("GET", "/en/library/resources/{resource}/en/file/", rows(200, 200), objects=True, note=OBJECT_TESTS),
    "library:edit_list": Row("GET", "/en/library/edit/", EDITORS_GATE),
    "library:new": Row("GET", "/en/library/edit/new/", EDITORS_GATE),
    "library:edit": Row("GET", "/en/library/edit/{resource}/", EDITORS_GATE, objects=True, note=OBJECT_TESTS),
    "library:edit_version": Row("GET", "/en/library/edit/{resource}/ru/", EDITORS_GATE, objects=True, note=OBJECT_TESTS),
    "library:version_step": Row("POST", "/en/library/edit/{resource}/en/step/", EDITORS_GATE, objects=True, note=OBJECT_TESTS),
}
