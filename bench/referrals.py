"""`make bench`, the referrals app. Called from bench/run.py; runnable alone: `python bench/referrals.py`.

Three signed-in pages, fetched over HTTP from carnet as production runs it (`carnet serve`) on a
throw-away SQLite database, against bench/bare.py under the same gunicorn, with threaded clients
in interleaved rounds; every figure is a ratio to the bare Django view *measured in the same run*
(same method and helpers as bench/run.py and bench/assessments.py):

- the inbox of Lithuania's NCP (ncp-lt), first page of 25, among the demo referrals and
  ``BENCH_REFERRALS`` (default 500) more from Sweden to Lithuania, drafted and sent through the
  services as ncp-se, a third of them acknowledged and a sixth accepted by ncp-lt;
- a referral's page as ncp-lt: one referral with a timeline of 10 events (created, sent, delivered,
  acknowledged, information asked and given twice, accepted, work started) and 4 thread messages;
- the regional dashboard as the secretariat.

The database is seeded in a separate process (`_seed`), which also signs the two users in (sessions
made for the bench, as bench/assessments.py does) and counts each page's SQL queries once with
Django's test client on the same session, after one request that warms it. ncp-lt and the
secretariat have a second factor enrolled (the demo accounts do), which is all carnet's
RequireSecondFactorMiddleware asks of a session. Nothing asserts a time.

Tunable from the environment: CARNET_WORKERS, BENCH_ROUNDS, BENCH_SECONDS, BENCH_CLIENTS (as bench/run.py), BENCH_REFERRALS.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from typing import Any

from common import (
    Knobs,
    Page,
    Target,
    bare_page,
    carnet_and_bare,
    django_runner,
    free_port,
    interleaved_rounds,
    median_rate,
    ratio_line,
    report_errors,
    scratch_installation,
)

TIMELINE_EVENTS = 10
THREAD_MESSAGES = 4
PAGE_SIZE = 25  # carnet.referrals.views.boxes.PER_PAGE

_django = django_runner(__file__)


def main() -> int:
    knobs = Knobs.from_environment()
    extra = int(os.environ.get("BENCH_REFERRALS", "500"))
    began = time.monotonic()
    print("== referrals: the inbox, a referral's page, the regional dashboard ==")
    with tempfile.TemporaryDirectory(prefix="carnet-bench-referrals-") as var_dir:
        scratch = scratch_installation(var_dir, knobs.workers)
        seed = _django("_seed", scratch.carnet_env, str(extra))
        port = free_port()
        bare = bare_page()
        pages = [
            Page(Target(page["name"], port, page["path"], page["expect"].encode()), {"Cookie": f"{seed['cookie']}={page['session']}"})
            for page in seed["pages"]
        ]
        with carnet_and_bare(scratch, knobs.workers, pages, bare):
            samples = interleaved_rounds([bare, *pages], knobs)

    print(
        f"  seeded in {seed['seed_s']:.0f} s: the demo accounts, cases and referrals ({seed['demo_referrals']} referrals, "
        f"{seed['demo_s']:.1f} s), then {seed['extra']} referrals SE -> LT through the services "
        f"({seed['extra_s']:.1f} s, {seed['extra_s'] * 1000 / max(seed['extra'], 1):.0f} ms each: draft + send; "
        f"{seed['acknowledged']} also acknowledged, {seed['accepted']} also accepted)"
    )
    print(f"  ncp-lt's inbox holds {seed['inbox']} referrals ({PAGE_SIZE} a page); the dashboard counts {seed['sent']} sent referrals")
    bare_runs = samples[bare.target]
    print(f"  {bare.target.name:<34} {median_rate(bare_runs):7.0f} req/s with {knobs.clients} clients")
    failed = False
    for page, counted in zip(pages, seed["pages"], strict=True):
        runs = samples[page.target]
        print(f"  {page.target.name:<34} {ratio_line(runs, bare_runs)}  {counted['queries']} SQL queries")
        failed = report_errors(page.target.name, runs) or failed
    print(
        f"  (queries counted once per page in the seeding process: django.test.Client on the bench's session, after a warm-up request; "
        f"GET {seed['pages'][1]['path']}: {TIMELINE_EVENTS} timeline events, {THREAD_MESSAGES} thread messages)"
    )
    print(f"\nreferrals bench took {time.monotonic() - began:.0f} s")
    return 1 if failed else 0


# --- in carnet's process ----------------------------------------------------------------------------


def _seed(extra: int) -> dict[str, Any]:
    """The demo data, ``extra`` referrals SE -> LT, one referral with a long timeline and a thread; sessions; query counts."""
    import io

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.urls import reverse
    from django.utils import translation

    from carnet.accounts.demo import load as load_accounts
    from carnet.accounts.models import User
    from carnet.cases.demo import load as load_cases
    from carnet.referrals.demo import load as load_referrals
    from carnet.referrals.models import Referral, ReferralEvent, ReferralNote, Status
    from carnet.referrals.selectors import referral_list_for

    translation.activate("en")
    began = time.perf_counter()
    # Nobody reads the e-mails the services send on commit (console by default, which would fill this process's output).
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        for load in (load_accounts, load_cases, load_referrals):
            load(out=io.StringIO())
        demo_s = time.perf_counter() - began
        demo_referrals = Referral.objects.count()
        users = {u.username: u for u in User.objects.filter(username__in=["ncp-se", "ncp-lt", "secretariat"])}
        extra_began = time.perf_counter()
        counts = _extra_referrals(users, extra)
        extra_s = time.perf_counter() - extra_began
        busy = _busy_referral(users)
    seed_s = time.perf_counter() - began
    assert ReferralEvent.objects.filter(referral=busy).count() == TIMELINE_EVENTS
    assert ReferralNote.objects.filter(referral=busy).count() == THREAD_MESSAGES
    inbox = referral_list_for(actor=users["ncp-lt"])
    newest = inbox.first()
    assert newest is not None

    def signed_in(username: str) -> Client:
        client = Client(HTTP_HOST="127.0.0.1")  # carnet's ALLOWED_HOSTS, not the test client's "testserver"
        client.force_login(users[username], backend="django.contrib.auth.backends.ModelBackend")
        return client

    def page(name: str, client: Client, path: str, expect: str) -> dict[str, Any]:
        client.get(path)  # the first request of a session writes it (carnet's session lifetime); the bench sees later ones
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        if response.status_code != 200 or expect.encode() not in response.content:
            raise RuntimeError(f"GET {path} as {name} answered {response.status_code}, not a page with {expect!r}")
        return {
            "name": name,
            "path": path,
            "expect": expect,
            "session": client.cookies[settings.SESSION_COOKIE_NAME].value,
            "queries": len(queries),
        }

    ncp, secretariat = signed_in("ncp-lt"), signed_in("secretariat")
    pages = [
        page("inbox (ncp-lt, page 1)", ncp, reverse("referrals:inbox"), newest.reference),
        page("referral page (ncp-lt)", ncp, reverse("referrals:detail", args=[busy.pk]), busy.reference),
        page("dashboard (secretariat)", secretariat, reverse("referrals:dashboard"), 'class="bar-chart"'),
    ]
    return {
        "cookie": settings.SESSION_COOKIE_NAME,
        "pages": pages,
        "seed_s": seed_s,
        "demo_s": demo_s,
        "demo_referrals": demo_referrals,
        "extra_s": extra_s,
        **counts,
        "inbox": inbox.count(),
        "sent": Referral.objects.exclude(status=Status.DRAFT).count(),
    }


def _sources() -> list[Any]:
    """Sweden's open demo cases, in a fixed order, to refer from."""
    from carnet.cases.models import Case
    from carnet.cases.models.codes import CaseStatus

    cases = Case.objects.filter(country__code="SE", anonymised_at__isnull=True, referral_received__isnull=True)
    return list(cases.exclude(status__in=[CaseStatus.CLOSED, CaseStatus.CLOSED_REFERRED]).order_by("number"))


def _new(purpose: str) -> Any:
    from datetime import timedelta

    from django.utils import timezone

    from carnet.referrals.profiles import LegalBasis, Purpose
    from carnet.referrals.services import NewReferral

    mandate = purpose == Purpose.RISK_ASSESSMENT
    return NewReferral(
        to_country="LT",
        purpose=purpose,
        legal_basis=LegalBasis.LEGAL_MANDATE if mandate else LegalBasis.CONSENT,
        legal_basis_decided_by="Demo guardianship authority" if mandate else "The child and the appointed guardian",
        legal_basis_decided_on=timezone.localdate() - timedelta(days=3),
        note="Synthetic bench referral: no real child.",
    )


def _extra_referrals(users: dict[str, Any], extra: int) -> dict[str, int]:
    """``extra`` referrals from Sweden's cases to Lithuania, each drafted and sent by ncp-se; some answered by ncp-lt."""
    from carnet.referrals.profiles import Purpose
    from carnet.referrals.services import referral_accept, referral_acknowledge, referral_draft, referral_send

    purposes = [Purpose.FAMILY_TRACING, Purpose.RISK_ASSESSMENT, Purpose.SERVICE_CONTINUITY, Purpose.INFORMATION_REQUEST]
    sources = _sources()
    sender, receiver = users["ncp-se"], users["ncp-lt"]
    acknowledged = accepted = 0
    for index in range(extra):
        draft = referral_draft(actor=sender, case=sources[index % len(sources)], new=_new(purposes[index % len(purposes)]))
        referral = referral_send(actor=sender, referral=draft)
        if index % 6 == 0:
            referral_accept(actor=receiver, referral=referral)
            accepted += 1
        elif index % 3 == 0:
            referral_acknowledge(actor=receiver, referral=referral)
            acknowledged += 1
    return {"extra": extra, "acknowledged": acknowledged, "accepted": accepted}


def _busy_referral(users: dict[str, Any]) -> Any:
    """A referral SE -> LT (sent last: the newest in ncp-lt's inbox) with a 10-event timeline and a 4-message thread."""
    from carnet.referrals.profiles import Purpose
    from carnet.referrals.services import (
        note_post,
        referral_accept,
        referral_acknowledge,
        referral_draft,
        referral_provide_information,
        referral_request_information,
        referral_send,
        referral_start,
    )

    sender, receiver = users["ncp-se"], users["ncp-lt"]
    referral = referral_draft(actor=sender, case=_sources()[0], new=_new(Purpose.FAMILY_TRACING))  # created
    referral = referral_send(actor=sender, referral=referral)  # sent, delivered
    referral = referral_acknowledge(actor=receiver, referral=referral)
    for question, answer in (
        ("Which school did the child last attend?", "Year 7, taught in Lithuanian."),
        ("Is the grandmother's address known?", "Yes: it is in the file the guardian keeps."),
    ):
        referral = referral_request_information(actor=receiver, referral=referral, question=question)
        referral = referral_provide_information(actor=sender, referral=referral, answer=answer)
    referral = referral_accept(actor=receiver, referral=referral)
    referral = referral_start(actor=receiver, referral=referral)
    for number in range(THREAD_MESSAGES):
        author = receiver if number % 2 == 0 else sender
        note_post(actor=author, referral=referral, body=f"Synthetic bench message {number + 1}: the escort and the travel date.")
    return referral


PARTS = {"_seed": lambda argv: _seed(int(argv[0]))}

if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in PARTS:
        print(json.dumps(PARTS[sys.argv[1]](sys.argv[2:]), default=str))
    else:
        sys.exit(main())
