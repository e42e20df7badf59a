"""Demo events: the meetings the seed presentation names, and a few synthetic upcoming ones.

From the seed (the WGCC's presentation at the Vilnius conference): the seven expert meetings
of 2005–2008, the 4th meeting of National Contact Points (Warsaw, May 2007, with the Polish
Ministry of the Interior and Administration) and its three outcomes, one of them turned into
an action of the Plan of Action; the joint WGCC–TFTHB meeting of 24 October 2007 on the
training's evaluation and the mapping; the Vilnius conference itself; and the planned
roundtable on the follow-up of the UN Study on Violence against Children. The seed gives
months, not days: the days here are illustrative, and the descriptions say so.

Synthetic, and saying so: an NCP meeting next year open for registration (``member-fi`` is
registered and approved), a members-only training and an online expert consultation.

Everything is written through the services by the demo secretariat account; loading twice
changes nothing (each event is looked up by its slug first).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, TextIO

from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from carnet.accounts.models import User
from carnet.actionplan.models import Action, ActionStatus
from carnet.actionplan.services import action_update_status
from carnet.core.models import Country, Priority
from carnet.directory.models import Organisation
from carnet.directory.services import organisation_ensure
from carnet.events import services
from carnet.events.models import (
    Event,
    EventKind,
    EventSeries,
    EventStatus,
    EventVisibility,
    OrganiserRole,
    Outcome,
    OutcomeKind,
    Registration,
    RegistrationStatus,
)
from carnet.events.services_outcomes import outcome_add, outcome_make_action
from carnet.library.models import Resource

EDITOR = "secretariat"
PARTICIPANT = "member-fi"
ORGANISER = OrganiserRole.ORGANISER
CO_ORGANISER = OrganiserRole.CO_ORGANISER
SEED_NOTE_EN = "From the WGCC's seed presentation. The seed gives the month; the day shown is illustrative."
SEED_NOTE_RU = "Из исходной презентации РГДР. В ней указан месяц; день указан условно."
SYNTHETIC_EN = "Demo event (synthetic): it shows how the calendar works and is not a real meeting."
SYNTHETIC_RU = "Демонстрационное мероприятие (вымышленное): показывает работу календаря, это не настоящая встреча."

POLISH_MINISTRY = (
    "pl-ministry-interior-administration",
    "Ministry of the Interior and Administration (Poland)",
    "Министерство внутренних дел и администрации (Польша)",
)

SERIES = {
    "expert-meetings": (EventKind.EXPERT_MEETING, "Expert meetings", "Совещания экспертов"),
    "ncp-meetings": (EventKind.NCP_MEETING, "Meeting of National Contact Points", "Совещание национальных контактных пунктов"),
}


@dataclass(frozen=True)
class DemoEvent:
    slug: str
    kind: str
    title: tuple[str, str]  # English, Russian
    city: tuple[str, str]
    country: str | None
    timezone: str
    first: dt.date
    last: dt.date
    description: tuple[str, str] = ("", "")
    priorities: tuple[int, ...] = ()
    series: str | None = None
    number: int | None = None
    organisers: tuple[tuple[str, str], ...] = (("cbss-childrens-unit", ORGANISER), ("wgcc", ORGANISER))
    status: str = EventStatus.CONFIRMED
    visibility: str = EventVisibility.PUBLIC
    times: tuple[dt.time, dt.time] | None = None  # a timed event: local start on the first day, end on the last
    venue: tuple[str, str] = ("", "")
    online: bool = False
    capacity: int | None = None
    requires_approval: bool = True
    registration_days: int | None = None  # registration closes this many days before the start
    extra: dict[str, Any] = field(default_factory=dict)


def _expert(
    number: int, slug: str, en: str, ru: str, city: tuple[str, str], country: str | None, zone: str, first: dt.date, priority: int
) -> DemoEvent:
    return DemoEvent(
        slug=slug,
        kind=EventKind.EXPERT_MEETING,
        title=(en, ru),
        city=city,
        country=country,
        timezone=zone,
        first=first,
        last=first + dt.timedelta(days=1),
        description=(SEED_NOTE_EN, SEED_NOTE_RU),
        priorities=(priority,),
        series="expert-meetings",
        number=number,
    )


D = dt.date
SEED_EVENTS = [
    _expert(
        1,
        "expert-meeting-2005-kiev",
        "Expert meeting on care, protection, rehabilitation and reintegration for unaccompanied and trafficked children",
        "Совещание экспертов по уходу, защите, реабилитации и реинтеграции несопровождаемых детей и детей — жертв торговли людьми",
        ("Kiev", "Киев"),
        None,  # Ukraine is not a member of the CBSS
        "Europe/Kyiv",
        D(2005, 4, 18),
        2,
    ),
    _expert(
        2,
        "expert-meeting-2005-yaroslavl",
        "Expert meeting on supporting boys and girls leaving institutions",
        "Совещание экспертов по поддержке юношей и девушек, покидающих учреждения",
        ("Yaroslavl", "Ярославль"),
        "RU",
        "Europe/Moscow",
        D(2005, 9, 26),
        4,
    ),
    _expert(
        3,
        "expert-meeting-2006-reykjavik",
        "Expert meeting on child-friendly forensic investigations",
        "Совещание экспертов по дружественным к ребёнку следственным действиям",
        ("Reykjavik", "Рейкьявик"),
        "IS",
        "Atlantic/Reykjavik",
        D(2006, 5, 8),
        1,
    ),
    _expert(
        4,
        "expert-meeting-2006-satra-bruk",
        "Expert meeting on support to children abused in Internet settings",
        "Совещание экспертов по поддержке детей, пострадавших от насилия в интернете",
        ("Sätra Bruk", "Сэтра-Брук"),
        "SE",
        "Europe/Stockholm",
        D(2006, 5, 22),
        1,
    ),
    _expert(
        5,
        "expert-meeting-2006-oslo",
        "Expert meeting on monitoring the rights of children in institutions",
        "Совещание экспертов по мониторингу прав детей в учреждениях",
        ("Oslo", "Осло"),
        "NO",
        "Europe/Oslo",
        D(2006, 9, 18),
        4,
    ),
    _expert(
        6,
        "expert-meeting-2007-st-petersburg",
        "Expert meeting on children committing crimes and with a self-destructive behaviour",
        "Совещание экспертов по вопросам детей, совершающих преступления, и детей с саморазрушительным поведением",
        ("St Petersburg", "Санкт-Петербург"),
        "RU",
        "Europe/Moscow",
        D(2007, 11, 12),
        5,
    ),
    _expert(
        7,
        "expert-meeting-2008-tallinn",
        "Expert meeting giving input to the monitoring training",
        "Совещание экспертов: вклад в программу обучения по мониторингу",
        ("Tallinn", "Таллин"),
        "EE",
        "Europe/Tallinn",
        D(2008, 1, 21),
        2,
    ),
    DemoEvent(
        slug="ncp-meeting-2007-warsaw",
        kind=EventKind.NCP_MEETING,
        title=("4th meeting of National Contact Points", "4-е совещание национальных контактных пунктов"),
        city=("Warsaw", "Варшава"),
        country="PL",
        timezone="Europe/Warsaw",
        first=D(2007, 5, 14),
        last=D(2007, 5, 15),
        description=(
            "Organised in Warsaw in cooperation with the Polish Ministry of the Interior and Administration. "
            "Its outcome is to be considered by the WGCC in the updated Plan of Action on Unaccompanied and Trafficked Children. "
            + SEED_NOTE_EN,
            "Организовано в Варшаве совместно с Министерством внутренних дел и администрации Польши. "
            "Его итоги РГДР рассмотрит при обновлении Плана действий в отношении несопровождаемых детей и детей — жертв торговли людьми. "
            + SEED_NOTE_RU,
        ),
        priorities=(2,),
        series="ncp-meetings",
        number=4,
        organisers=(("cbss-childrens-unit", ORGANISER), (POLISH_MINISTRY[0], CO_ORGANISER)),
    ),
    DemoEvent(
        slug="wgcc-tfthb-joint-meeting-2007",
        kind=EventKind.TASK_FORCE,
        title=(
            "Joint meeting of the WGCC and the CBSS TFTHB: evaluation of the training and the mapping",
            "Совместное совещание РГДР и ЦГТЛ СГБМ: оценка обучения и картирования",
        ),
        city=("Stockholm", "Стокгольм"),
        country="SE",
        timezone="Europe/Stockholm",
        first=D(2007, 10, 24),
        last=D(2007, 10, 24),
        times=(dt.time(10, 0), dt.time(16, 0)),
        description=(
            "The WGCC and the CBSS Task Force against Trafficking in Human Beings assess together the evaluation and "
            "experiences of the training (BSR CACVT), to consider lessons learned and gaps to address, and the mapping of how "
            "trafficked children in the region are assisted. From the seed; the place and hours are illustrative.",
            "РГДР и Целевая группа СГБМ по борьбе с торговлей людьми совместно рассматривают оценку и опыт обучения "
            "(BSR CACVT), чтобы учесть извлечённые уроки и пробелы, а также картирование помощи детям — жертвам торговли "
            "людьми в регионе. Из исходной презентации; место и часы указаны условно.",
        ),
        priorities=(2,),
        organisers=(("wgcc", ORGANISER), ("tfthb", ORGANISER)),
    ),
    DemoEvent(
        slug="vilnius-conference-preventing-trafficking",
        kind=EventKind.CONFERENCE,
        title=("Preventing Trafficking in Human Beings: Challenges and Solutions", "Предотвращение торговли людьми: проблемы и решения"),
        city=("Vilnius", "Вильнюс"),
        country="LT",
        timezone="Europe/Vilnius",
        first=D(2007, 12, 6),
        last=D(2007, 12, 7),
        description=(
            "The conference at which the Head of the CBSS Children's Unit presented the WGCC's work: prevention of "
            "trafficking, national ownership and mainstreaming of efforts. From the seed; the days are illustrative.",
            "Конференция, на которой руководитель Отдела по делам детей Секретариата СГБМ представил работу РГДР: "
            "предотвращение торговли людьми, национальная ответственность и включение усилий в общую политику. "
            "Из исходной презентации; дни указаны условно.",
        ),
        priorities=(2,),
        organisers=(),
    ),
]

NCP_OUTCOMES = [
    (
        "Disseminating more broadly the NCPs as nodes of information and contact on a national and regional level",
        "Более широкое распространение информации о НКП как узлах информации и контактов на национальном и региональном уровне",
    ),
    (
        "More discussions and guidelines on when a child can/should be returned to country of origin",
        "Больше обсуждений и руководящих принципов о том, когда ребёнок может/должен быть возвращён в страну происхождения",
    ),
    (
        "Need to identify children victims of exploitation in criminality",
        "Необходимость выявлять детей — жертв эксплуатации в преступной деятельности",
    ),
]
NCP_OUTCOME_TO_ACTION = 1  # the guidelines on return become an action of the Plan of Action
NCP_OUTCOME_IN_PROGRESS = 2  # identifying children exploited in criminality: an action already under way
EVIDENCE_RESOURCE = "demo-identification-of-child-victims"  # the library demo's guideline (carnet.library.demo)


def _future_events(today: dt.date) -> list[DemoEvent]:
    """The planned roundtable (from the seed) and the synthetic upcoming events, dated from ``today``."""
    next_year_may = D(today.year + 1, 5, 12)
    roundtable = today + dt.timedelta(days=120)
    training = today + dt.timedelta(days=21)
    consultation = today + dt.timedelta(days=45)
    return [
        DemoEvent(
            slug="roundtable-un-study-violence-against-children",
            kind=EventKind.ROUNDTABLE,
            title=(
                "Roundtable on the regional follow-up of the UN Study on Violence against Children",
                "Круглый стол по региональной реализации Исследования ООН по вопросу о насилии в отношении детей",
            ),
            city=("", ""),
            country=None,
            timezone="Europe/Stockholm",
            first=roundtable,
            last=roundtable,
            description=(
                "How to follow up regionally on the UN Study on Violence against Children, especially as it relates to violence "
                "in the context of trafficking. To be organised with relevant regional stakeholders; date and place to be confirmed.",
                "Как на региональном уровне реализовать Исследование ООН по вопросу о насилии в отношении детей, особенно в части "
                "насилия в контексте торговли людьми. Встреча будет организована с соответствующими региональными партнёрами; "
                "дата и место уточняются.",
            ),
            priorities=(1, 2),
            status=EventStatus.TENTATIVE,
            organisers=(("wgcc", ORGANISER),),
        ),
        DemoEvent(
            slug="demo-ncp-meeting-riga",
            kind=EventKind.NCP_MEETING,
            title=("Meeting of National Contact Points (demo)", "Совещание национальных контактных пунктов (демо)"),
            city=("Riga", "Рига"),
            country="LV",
            timezone="Europe/Riga",
            first=next_year_may,
            last=next_year_may + dt.timedelta(days=1),
            times=(dt.time(9, 30), dt.time(13, 0)),
            venue=("Demo conference centre", "Демонстрационный конференц-центр"),
            description=(SYNTHETIC_EN, SYNTHETIC_RU),
            priorities=(2,),
            series="ncp-meetings",
            organisers=(("cbss-childrens-unit", ORGANISER),),
            capacity=40,
            registration_days=14,
        ),
        DemoEvent(
            slug="demo-training-monitoring-online",
            kind=EventKind.TRAINING,
            title=("Monitoring training for members (demo, online)", "Обучение по мониторингу для участников сети (демо, онлайн)"),
            city=("Tallinn", "Таллин"),
            country="EE",
            timezone="Europe/Tallinn",
            first=training,
            last=training,
            times=(dt.time(10, 0), dt.time(15, 0)),
            online=True,
            description=(SYNTHETIC_EN, SYNTHETIC_RU),
            priorities=(4,),
            visibility=EventVisibility.MEMBERS,
            capacity=25,
            requires_approval=False,
            registration_days=2,
        ),
        DemoEvent(
            slug="demo-expert-consultation-return",
            kind=EventKind.EXPERT_MEETING,
            title=(
                "Expert consultation on returning children to their country of origin (demo)",
                "Консультация экспертов о возвращении детей в страну происхождения (демо)",
            ),
            city=("Vilnius", "Вильнюс"),
            country="LT",
            timezone="Europe/Vilnius",
            first=consultation,
            last=consultation,
            times=(dt.time(9, 0), dt.time(17, 0)),
            venue=("Demo ministry, room 2", "Демонстрационное министерство, зал 2"),
            description=(SYNTHETIC_EN, SYNTHETIC_RU),
            priorities=(2,),
            series="expert-meetings",
            registration_days=7,
        ),
    ]


def _series_ensure(*, actor: User, slug: str) -> EventSeries:
    kind, english, russian = SERIES[slug]
    return services.series_ensure(actor=actor, slug=slug, kind=kind, names={"en": english, "ru": russian})


def _create(actor: User, demo: DemoEvent, countries: dict[str, Country], priorities: dict[int, Priority]) -> Event:
    organisations = {o.slug: o for o in Organisation.objects.filter(slug__in=[slug for slug, _role in demo.organisers])}
    translations = {
        "en": {"title": demo.title[0], "description": demo.description[0], "city": demo.city[0], "venue": demo.venue[0]},
        "ru": {"title": demo.title[1], "description": demo.description[1], "city": demo.city[1], "venue": demo.venue[1]},
    }
    timing: dict[str, Any]
    if demo.times is None:
        timing = {"all_day": True, "start_date": demo.first, "end_date": demo.last}
    else:
        timing = {"start": dt.datetime.combine(demo.first, demo.times[0]), "end": dt.datetime.combine(demo.last, demo.times[1])}
    closes = None
    if demo.registration_days is not None:
        zone = services.zone_of(demo.timezone)
        closes = dt.datetime.combine(demo.first - dt.timedelta(days=demo.registration_days), dt.time(23, 59), tzinfo=zone)
    return services.event_create(
        actor=actor,
        kind=demo.kind,
        slug=demo.slug,
        translations=translations,
        country=countries.get(demo.country) if demo.country else None,
        online=demo.online,
        timezone=demo.timezone,
        visibility=demo.visibility,
        status=demo.status,
        series=_series_ensure(actor=actor, slug=demo.series) if demo.series else None,
        number_in_series=demo.number,
        organisers=[(organisations[slug], role) for slug, role in demo.organisers if slug in organisations],
        working_languages=["en", "ru"],
        priorities=[priorities[n] for n in demo.priorities if n in priorities],
        registration_closes=closes,
        capacity=demo.capacity,
        requires_approval=demo.requires_approval,
        **timing,
    )


def _outcomes(actor: User, event: Event, priority: Priority | None) -> None:
    if not Outcome.objects.filter(event=event).exists():
        for english, russian in NCP_OUTCOMES:
            outcome_add(actor=actor, event=event, kind=OutcomeKind.ACTION_AREA, texts={"en": english, "ru": russian}, priority=priority)
    outcomes = list(Outcome.objects.filter(event=event).order_by("position"))
    chosen = outcomes[NCP_OUTCOME_TO_ACTION] if len(outcomes) > NCP_OUTCOME_TO_ACTION else None
    if chosen is not None and chosen.action_id is None:
        outcome_make_action(actor=actor, outcome=chosen)
    # A second one is already under way, with the library's guideline as its evidence; the first is left
    # as it was recorded, so the meeting page shows all three states: not in the plan, proposed, in progress.
    started = outcomes[NCP_OUTCOME_IN_PROGRESS] if len(outcomes) > NCP_OUTCOME_IN_PROGRESS else None
    if started is not None and started.action_id is None:
        action = outcome_make_action(actor=actor, outcome=started)
        action_update_status(
            actor=actor,
            action=action,
            status=ActionStatus.IN_PROGRESS,
            note="A guideline on identifying child victims, including children exploited in criminality, is drafted (demo).",
            evidence=Resource.objects.filter(slug=EVIDENCE_RESOURCE).first(),
        )


def _register(editor: User, participant: User, event: Event) -> None:
    if Registration.objects.filter(event=event, user=participant).exists():
        return
    registration = services.registration_create(actor=participant, event=event, note="Demo registration")
    if registration.status == RegistrationStatus.PENDING:
        services.registration_decide(actor=editor, registration=registration, approve=True)


def demo_slugs() -> list[str]:
    return [e.slug for e in SEED_EVENTS] + [e.slug for e in _future_events(timezone.localdate())]


@transaction.atomic
def load(*, out: TextIO, **_options: Any) -> None:
    editor = User.objects.filter(username=EDITOR).first()
    if editor is None:
        out.write("Demo events skipped: the demo accounts are not loaded.\n")
        return
    slug, english, russian = POLISH_MINISTRY
    organisation_ensure(
        actor=editor,
        slug=slug,
        kind="state_authority",
        names={"en": english, "ru": russian},
        country=Country.objects.filter(code="PL").first(),
    )
    countries = {c.code: c for c in Country.objects.all()}
    priorities = {p.number: p for p in Priority.objects.all()}
    created = 0
    events: dict[str, Event] = {}
    for demo in [*SEED_EVENTS, *_future_events(timezone.localdate())]:
        existing = Event.objects.filter(slug=demo.slug).first()
        if existing is None:
            existing = _create(editor, demo, countries, priorities)
            created += 1
        events[demo.slug] = existing
    _outcomes(editor, events["ncp-meeting-2007-warsaw"], priorities.get(2))
    participant = User.objects.filter(username=PARTICIPANT).first()
    if participant is not None:
        _register(editor, participant, events["demo-ncp-meeting-riga"])
    synthetic = sum(1 for slug in events if slug.startswith("demo-"))
    out.write(
        f"Demo events: {len(events)} in all ({len(events) - synthetic} from the seed, {synthetic} synthetic), {created} created now; "
        "the Warsaw NCP meeting has its three outcomes, two turned into actions of the Plan of Action (one under way).\n"
    )


@transaction.atomic
def reset(*, out: TextIO) -> None:
    """Remove the demo events (with their registrations and outcomes), the action made from an outcome, the series."""
    events = Event.objects.filter(slug__in=demo_slugs())
    action_ids = list(Outcome.objects.filter(event__in=events, action__isnull=False).values_list("action_id", flat=True))
    count = events.count()
    events.delete()
    Action.objects.filter(pk__in=action_ids, outcomes__isnull=True).delete()
    EventSeries.objects.filter(slug__in=list(SERIES), events__isnull=True).delete()
    try:
        Organisation.objects.filter(slug=POLISH_MINISTRY[0], people__isnull=True).delete()
    except ProtectedError:
        pass  # something else names it now: it stays
    out.write(f"Demo events removed: {count}.\n")
