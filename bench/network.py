"""`make bench`, the public portal and the network directory. Called from bench/run.py; runnable alone: `python bench/network.py`.

Three pages, fetched over HTTP from carnet as production runs it (`carnet serve`) on a throw-away
SQLite database, against bench/bare.py under the same gunicorn, with threaded clients in
interleaved rounds; every figure is a ratio to the bare Django view *measured in the same run*
(same method and helpers as bench/run.py and bench/referrals.py):

- Lithuania's country page in Russian, for an anonymous visitor (the portal's published text,
  key facts, and the NCPs' and coordinators' contacts that the public may see);
- a search of the people directory as member-fi, ``?q=Bench``: the first page of 25 among the
  ``BENCH_PEOPLE`` (default 1000) synthetic people, each with the contacts member-fi may see
  (directory.visibility: their e-mails are restricted, so hidden, with a link to ask for them);
- the vCards of Estonia's people as ncp-lt, one file (the national contact points see
  restricted contacts: every e-mail is in it); each download is audited, a write per request.

The database holds the demo accounts, the demo directory and the portal's demo content, then the
synthetic people, created through ``directory.services.person_create`` as the secretariat, spread
over the eleven member states in turn, named "Bench Person 0001" and so on, each with an e-mail
on ``.invalid``. The seeding runs in a separate process (`_seed`), which also signs member-fi
and ncp-lt in (sessions made for the bench) and counts each page's SQL queries once with
Django's test client, after one request that warms it. Nothing asserts a time.

Tunable from the environment: CARNET_WORKERS, BENCH_ROUNDS, BENCH_SECONDS, BENCH_CLIENTS (as bench/run.py), BENCH_PEOPLE.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any, TypeVar

from common import (
    Knobs,
    Page,
    Sample,
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

PAGE_SIZE = 25  # carnet.directory.views.people.PER_PAGE
VCARDS_COUNTRY = "EE"

T = TypeVar("T")

_django = django_runner(__file__)  # runs a part below in its own process with carnet's settings; its last line is JSON
PARTS = {"_seed": lambda argv: _seed(int(argv[0]))}  # python bench/network.py _seed PEOPLE


def _http_page(port: int, cookie: str, counted: dict[str, Any]) -> Page:
    """The page the seeding process counted, on carnet's port; with its session cookie when it is a signed-in user's."""
    headers = {"Cookie": f"{cookie}={counted['session']}"} if counted["session"] else {}
    return Page(Target(counted["name"], port, counted["path"], counted["expect"].encode()), headers)


def main() -> int:
    knobs = Knobs.from_environment()
    began = time.monotonic()
    print("== portal and directory: a country page, a people search, a country's vCards ==")
    seed, bare, pages, samples = _measure(knobs, int(os.environ.get("BENCH_PEOPLE", "1000")))
    _describe(seed)
    failed = _report(samples, bare, pages, seed["pages"], knobs.clients)
    print(f"\nportal and directory bench took {time.monotonic() - began:.0f} s")
    return 1 if failed else 0


def _measure(knobs: Knobs, people: int) -> tuple[dict[str, Any], Page, list[Page], dict[Target, list[Sample]]]:
    """A scratch installation seeded with ``people`` more people; its three pages and the bare view, in interleaved rounds."""
    bare, carnet_port = bare_page(), free_port()
    with tempfile.TemporaryDirectory(prefix="carnet-bench-network-") as var_dir:
        scratch = scratch_installation(var_dir, knobs.workers)
        seed = _django("_seed", scratch.carnet_env, str(people))
        pages = [_http_page(carnet_port, seed["cookie"], counted) for counted in seed["pages"]]
        with carnet_and_bare(scratch, knobs.workers, pages, bare):
            return seed, bare, pages, interleaved_rounds([bare, *pages], knobs)


def _describe(seed: dict[str, Any]) -> None:
    per_person = seed["people_s"] * 1000 / max(seed["people"], 1)
    print(
        f"  seeded in {seed['seed_s']:.0f} s: the demo accounts, directory ({seed['demo_people']} people) and portal "
        f"({seed['demo_s']:.1f} s), then {seed['people']} people through person_create as the secretariat "
        f"({seed['people_s']:.1f} s, {per_person:.0f} ms each), over {seed['states']} member states"
    )
    print(
        f"  the search finds {seed['matches']} people ({PAGE_SIZE} a page; member-fi sees {seed['hidden']} of the page's "
        f"{PAGE_SIZE} e-mails hidden); the {VCARDS_COUNTRY} file holds {seed['vcards']} vCards, {seed['vcard_emails']} with an e-mail"
    )


def _report(samples: dict[Target, list[Sample]], bare: Page, pages: list[Page], counted: list[dict[str, Any]], clients: int) -> bool:
    bare_runs = samples[bare.target]
    print(f"  {bare.target.name:<38} {median_rate(bare_runs):7.0f} req/s with {clients} clients")
    failed = False
    for page, count in zip(pages, counted, strict=True):
        name = page.target.name
        print(f"  {name:<38} {ratio_line(samples[page.target], bare_runs)}  {count['queries']} SQL queries")
        failed = report_errors(name, samples[page.target]) or failed
    print("  (queries counted once per page in the seeding process: django.test.Client, after a warm-up request)")
    return failed


# --- in carnet's process ----------------------------------------------------------------------------


def _seed(people: int) -> dict[str, Any]:
    """The demo data and ``people`` synthetic people; sessions for member-fi and ncp-lt; each page's query count."""
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import reverse
    from django.utils import translation

    from carnet.accounts.models import User
    from carnet.core.models import Country
    from carnet.directory.selectors import PeopleFilters, people_search_for
    from carnet.directory.visibility import cards_for

    translation.activate("en")
    # The services' e-mails go nowhere: nobody reads them (the console backend would fill this process's output).
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        demo_s, demo_people = _timed(_demo)
        users = {u.username: u for u in User.objects.filter(username__in=["secretariat", "member-fi", "ncp-lt"])}
        states = list(Country.objects.filter(is_state=True).order_by("code"))
        people_s, _ = _timed(lambda: _bench_people(users["secretariat"], states, people))

    with translation.override("ru"):
        lithuania = str(Country.objects.get(code="LT").safe_translation_getter("name", any_language=True))
    member, ncp = Client(HTTP_HOST="127.0.0.1"), Client(HTTP_HOST="127.0.0.1")  # carnet's ALLOWED_HOSTS
    member.force_login(users["member-fi"], backend="django.contrib.auth.backends.ModelBackend")
    ncp.force_login(users["ncp-lt"], backend="django.contrib.auth.backends.ModelBackend")
    matches = people_search_for(actor=users["member-fi"], filters=PeopleFilters(q="Bench"))
    first_page = cards_for(users["member-fi"], matches[:PAGE_SIZE])
    estonians = people_search_for(actor=users["ncp-lt"], filters=PeopleFilters(country=VCARDS_COUNTRY))
    last_estonian = estonians.filter(full_name__startswith="Bench Person").last()
    vcards_path = f"{reverse('directory:vcards')}?country={VCARDS_COUNTRY}"
    counted = [
        _counted("country page /ru/ LT (anonymous)", Client(HTTP_HOST="127.0.0.1"), "/ru/countries/lt/", f"<h1>{lithuania}</h1>"),
        _counted("people ?q=Bench (member-fi, page 1)", member, f"{reverse('directory:people')}?q=Bench", first_page[0].person.full_name),
        _counted(f"vCards ?country={VCARDS_COUNTRY} (ncp-lt)", ncp, vcards_path, f"FN:{last_estonian.full_name}"),
    ]
    vcards_file = ncp.get(vcards_path).content
    return {
        "cookie": settings.SESSION_COOKIE_NAME,
        "pages": counted,
        "seed_s": demo_s + people_s,
        "demo_s": demo_s,
        "demo_people": demo_people,
        "people": people,
        "people_s": people_s,
        "states": len(states),
        "matches": matches.count(),
        "hidden": sum("email" in card.hidden for card in first_page),
        "vcards": vcards_file.count(b"BEGIN:VCARD"),
        "vcard_emails": vcards_file.count(b"\r\nEMAIL;"),
    }


def _timed(step: Callable[[], T]) -> tuple[float, T]:
    began = time.perf_counter()
    result = step()
    return time.perf_counter() - began, result


def _demo() -> int:
    """The demo accounts, directory and portal content, as `carnet demo` loads them; how many people the directory then holds."""
    import io

    from carnet.accounts.demo import load as load_accounts
    from carnet.directory.demo import load as load_directory
    from carnet.directory.models import Person
    from carnet.portal.demo import load as load_portal

    for load in (load_accounts, load_directory, load_portal):
        load(out=io.StringIO())
    return Person.objects.count()


def _counted(name: str, client: Any, path: str, expect: str) -> dict[str, Any]:
    """GET ``path`` twice with ``client`` (the first writes a new session); the second's SQL queries, and the session."""
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(path)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    if response.status_code != 200 or expect.encode() not in response.content:
        raise RuntimeError(f"GET {path} ({name}) answered {response.status_code}, not a page with {expect!r}")
    session = client.cookies.get(settings.SESSION_COOKIE_NAME)
    return {"name": name, "path": path, "expect": expect, "session": session.value if session else "", "queries": len(queries)}


def _bench_people(secretariat: Any, states: list[Any], count: int) -> None:
    """``count`` people "Bench Person 0001" ... through the service, each in the next member state, each with an e-mail."""
    from carnet.directory.services import person_create

    for number in range(1, count + 1):
        person_create(
            actor=secretariat,
            data={
                "full_name": f"Bench Person {number:04d}",
                "position": "Synthetic directory entry",
                "country": states[number % len(states)],
                "email": f"bench.person.{number:04d}@bench.carnet.invalid",
            },
        )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in PARTS:
        print(json.dumps(PARTS[sys.argv[1]](sys.argv[2:]), default=str))
    else:
        sys.exit(main())
