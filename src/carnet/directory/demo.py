"""Demo directory: a person for each demo account that is in the network, and synthetic people in all eleven states.

Everyone here is invented: e-mail addresses end in ``.invalid`` and the phone numbers sit in
ranges meant for fiction or are numbers no one is known to hold (they still pass validation,
which the model demands). People are created through the services, as the secretariat. The
visibilities and consents are written directly — demo data: in the application they change
only through the contact-sharing service, which checks the consent first.

expert-ee's contacts are all restricted (the seed's rule: NCPs, coordinators and the expert
group see them; member-fi does not). At least one NCP per state with an operational NCP
shows an e-mail to the public, through a recorded consent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TextIO

from django.db import transaction
from django.utils import timezone

from carnet.accounts.models import User
from carnet.core.models import Country, Priority
from carnet.directory.models import ContactConsent, NetworkRoleKind, Organisation, Person, Topic, Visibility
from carnet.directory.services import network_role_grant, organisation_ensure, person_create, same_name, topic_ensure

# slug, priority number, English, Russian
DEMO_TOPICS = [
    ("online-sexual-exploitation", 1, "Online sexual exploitation of children", "Сексуальная эксплуатация детей в интернете"),
    ("barnahus", 1, "Barnahus and child-friendly justice", "Барнахус и правосудие, дружественное к ребёнку"),
    ("child-trafficking", 2, "Child trafficking", "Торговля детьми"),
    ("guardianship", 2, "Guardianship for unaccompanied children", "Опека над несопровождаемыми детьми"),
    ("return-assessment", 2, "Safe return and best-interests assessment", "Безопасное возвращение и оценка наилучших интересов"),
    ("street-outreach", 3, "Street outreach work", "Уличная социальная работа"),
    ("runaway-children", 3, "Missing and runaway children", "Пропавшие и сбежавшие дети"),
    ("family-based-care", 4, "Deinstitutionalisation and family-based care", "Деинституционализация и семейный уход"),
    ("monitoring-institutions", 4, "Monitoring of children’s institutions", "Мониторинг детских учреждений"),
    ("youth-justice", 5, "Youth justice and diversion", "Ювенальная юстиция и альтернативы наказанию"),
    ("self-harm-prevention", 5, "Prevention of self-harm and substance abuse", "Профилактика самоповреждения и зависимостей"),
]

# slug, country, kind, English, Russian
DEMO_ORGANISATIONS = [
    (
        "demo-ministry-dk",
        "DK",
        "state_authority",
        "Demo ministry of social affairs, Denmark",
        "Демонстрационное министерство социальных дел, Дания",
    ),
    (
        "demo-board-ee",
        "EE",
        "state_authority",
        "Demo social insurance board, Estonia",
        "Демонстрационный департамент соцстрахования, Эстония",
    ),
    ("demo-ngo-ee", "EE", "ngo", "Demo children’s rights NGO, Estonia", "Демонстрационная НКО по правам детей, Эстония"),
    (
        "demo-ministry-fi",
        "FI",
        "state_authority",
        "Demo ministry of social affairs, Finland",
        "Демонстрационное министерство социальных дел, Финляндия",
    ),
    (
        "demo-ministry-de",
        "DE",
        "state_authority",
        "Demo federal ministry for youth, Germany",
        "Демонстрационное федеральное министерство по делам молодёжи, Германия",
    ),
    (
        "demo-agency-is",
        "IS",
        "state_authority",
        "Demo child protection agency, Iceland",
        "Демонстрационное агентство защиты детей, Исландия",
    ),
    (
        "demo-ministry-lv",
        "LV",
        "state_authority",
        "Demo ministry of welfare, Latvia",
        "Демонстрационное министерство благосостояния, Латвия",
    ),
    ("demo-ngo-lt", "LT", "ngo", "Demo children’s support centre, Lithuania", "Демонстрационный центр поддержки детей, Литва"),
    (
        "demo-directorate-no",
        "NO",
        "state_authority",
        "Demo directorate for children and youth, Norway",
        "Демонстрационное управление по делам детей, Норвегия",
    ),
    ("demo-ministry-pl", "PL", "state_authority", "Demo ministry of family, Poland", "Демонстрационное министерство семьи, Польша"),
    (
        "demo-institute-ru",
        "RU",
        "research",
        "Demo institute of childhood studies, Russia",
        "Демонстрационный институт исследований детства, Россия",
    ),
]


@dataclass(frozen=True)
class DemoPerson:
    full_name: str
    country: str
    organisation: str | None
    position: str
    roles: tuple[str, ...] = ()
    email: str = ""
    phone: str = ""
    address: str = ""
    languages: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    works_on: tuple[int, ...] = ()
    public_email: bool = False  # shown to everyone, through a recorded consent
    account: str | None = None  # the demo account that is this person


NCP = NetworkRoleKind.NCP
DEPUTY = NetworkRoleKind.NCP_DEPUTY
COORDINATOR = NetworkRoleKind.NATIONAL_COORDINATOR
WGCC = NetworkRoleKind.WGCC_MEMBER
TFTHB = NetworkRoleKind.TFTHB_MEMBER
EXPERT_GROUP = NetworkRoleKind.TFOC_EXPERT_GROUP
EXPERT = NetworkRoleKind.TRAINED_EXPERT
MAIL = "demo.carnet.invalid"

DEMO_PEOPLE = [
    # The demo accounts that are in the network.
    DemoPerson(
        "Eva Expert",
        "EE",
        "demo-ngo-ee",
        "Child protection specialist",
        (EXPERT,),
        email=f"eva.expert@{MAIL}",
        phone="+372 5555 0101",
        address="Näidise 1, 10111 Tallinn, Estonia",
        languages=("et", "en", "ru"),
        topics=("child-trafficking", "guardianship", "return-assessment"),
        works_on=(2,),
        account="expert-ee",
    ),
    DemoPerson(
        "Nora Contact-Point",
        "SE",
        "demo-ncp-se",
        "Head of the national contact point",
        (NCP,),
        email=f"ncp.se@{MAIL}",
        phone="+46 70 174 06 05",
        languages=("sv", "en"),
        topics=("child-trafficking",),
        works_on=(2,),
        public_email=True,
        account="ncp-se",
    ),
    DemoPerson(
        "Nikolai Contact-Point",
        "LT",
        "demo-ncp-lt",
        "Head of the national contact point",
        (NCP,),
        email=f"ncp.lt@{MAIL}",
        phone="+370 655 50101",
        languages=("lt", "ru", "en"),
        topics=("child-trafficking", "runaway-children"),
        works_on=(2, 3),
        public_email=True,
        account="ncp-lt",
    ),
    DemoPerson(
        "Kristina Coordinator",
        "LT",
        "demo-ngo-lt",
        "National coordinator for children at risk",
        (COORDINATOR,),
        email=f"coordinator.lt@{MAIL}",
        phone="+370 655 50102",
        languages=("lt", "en"),
        topics=("family-based-care",),
        works_on=(4,),
        account="coordinator-lt",
    ),
    DemoPerson(
        "Mikko Member",
        "FI",
        "demo-ministry-fi",
        "Senior officer",
        (WGCC,),
        email=f"mikko.member@{MAIL}",
        languages=("fi", "sv", "en"),
        topics=("youth-justice",),
        works_on=(5,),
        account="member-fi",
    ),
    DemoPerson(
        "Sam Secretariat",
        "SE",
        "cbss-childrens-unit",
        "Senior adviser, Children’s Unit",
        (),
        email=f"sam.secretariat@{MAIL}",
        phone="+46 70 174 06 06",
        languages=("en", "sv", "ru"),
        works_on=(1, 2, 3, 4, 5),
        account="secretariat",
    ),
    # Synthetic national contact points (an e-mail for the public, by consent) in the other operational states.
    DemoPerson(
        "Freja Testesen",
        "DK",
        "demo-ministry-dk",
        "National contact point",
        (NCP,),
        email=f"ncp.dk@{MAIL}",
        phone="+45 20 55 01 01",
        languages=("da", "en"),
        topics=("barnahus",),
        works_on=(1,),
        public_email=True,
    ),
    DemoPerson(
        "Kadri Näidis",
        "EE",
        "demo-board-ee",
        "National contact point",
        (NCP,),
        email=f"ncp.ee@{MAIL}",
        phone="+372 5555 0102",
        languages=("et", "en", "ru"),
        topics=("child-trafficking",),
        works_on=(2,),
        public_email=True,
    ),
    DemoPerson(
        "Aino Esimerkki",
        "FI",
        "demo-ministry-fi",
        "National contact point",
        (NCP,),
        email=f"ncp.fi@{MAIL}",
        phone="+358 40 555 0101",
        languages=("fi", "sv", "en"),
        topics=("guardianship",),
        works_on=(2,),
        public_email=True,
    ),
    DemoPerson(
        "Sigrún Dæmisdóttir",
        "IS",
        "demo-agency-is",
        "National contact point",
        (NCP,),
        email=f"ncp.is@{MAIL}",
        phone="+354 555 0101",
        languages=("is", "en"),
        topics=("barnahus",),
        works_on=(1,),
        public_email=True,
    ),
    DemoPerson(
        "Ilze Paraugs",
        "LV",
        "demo-ministry-lv",
        "National contact point",
        (NCP,),
        email=f"ncp.lv@{MAIL}",
        phone="+371 2555 0101",
        languages=("lv", "ru", "en"),
        topics=("street-outreach",),
        works_on=(3,),
        public_email=True,
    ),
    DemoPerson(
        "Ingrid Eksempel",
        "NO",
        "demo-directorate-no",
        "National contact point",
        (NCP,),
        email=f"ncp.no@{MAIL}",
        phone="+47 455 50 101",
        languages=("no", "en"),
        topics=("guardianship", "return-assessment"),
        works_on=(2,),
        public_email=True,
    ),
    DemoPerson(
        "Anna Przykładowa",
        "PL",
        "demo-ministry-pl",
        "National contact point",
        (NCP,),
        email=f"ncp.pl@{MAIL}",
        phone="+48 555 010 101",
        languages=("pl", "en", "ru"),
        topics=("child-trafficking",),
        works_on=(2,),
        public_email=True,
    ),
    # Deputies, coordinators, members of the WGCC and the task forces, trained experts.
    DemoPerson(
        "Lars Exempelsson",
        "SE",
        "demo-ncp-se",
        "Deputy national contact point",
        (DEPUTY, EXPERT_GROUP),
        email=f"lars.exempelsson@{MAIL}",
        phone="+46 70 174 06 07",
        languages=("sv", "en"),
        topics=("child-trafficking",),
        works_on=(2,),
    ),
    DemoPerson(
        "Jānis Piemērs",
        "LV",
        "demo-ministry-lv",
        "Deputy national contact point",
        (DEPUTY,),
        email=f"janis.piemers@{MAIL}",
        languages=("lv", "en"),
        works_on=(3,),
    ),
    DemoPerson(
        "Mart Katse",
        "EE",
        "demo-board-ee",
        "National coordinator",
        (COORDINATOR,),
        email=f"mart.katse@{MAIL}",
        phone="+372 5555 0103",
        languages=("et", "en"),
        topics=("monitoring-institutions",),
        works_on=(4,),
    ),
    DemoPerson(
        "Piotr Testowy",
        "PL",
        "demo-ministry-pl",
        "National coordinator",
        (COORDINATOR, EXPERT_GROUP),
        email=f"piotr.testowy@{MAIL}",
        phone="+48 555 010 102",
        languages=("pl", "en"),
        topics=("youth-justice",),
        works_on=(5,),
    ),
    DemoPerson(
        "Greta Beispiel",
        "DE",
        "demo-ministry-de",
        "Desk officer, children’s rights",
        (COORDINATOR, WGCC),
        email=f"greta.beispiel@{MAIL}",
        phone="+49 30 5555 0101",
        languages=("de", "en"),
        topics=("online-sexual-exploitation",),
        works_on=(1,),
    ),
    DemoPerson(
        "Søren Prøvesen",
        "DK",
        "demo-ministry-dk",
        "Senior adviser",
        (WGCC,),
        email=f"soren.provesen@{MAIL}",
        languages=("da", "en"),
        topics=("family-based-care",),
        works_on=(4,),
    ),
    DemoPerson(
        "Ola Prøve",
        "NO",
        "demo-directorate-no",
        "Senior adviser",
        (WGCC,),
        email=f"ola.prove@{MAIL}",
        phone="+47 455 50 102",
        languages=("no", "en"),
        topics=("self-harm-prevention",),
        works_on=(5,),
    ),
    DemoPerson(
        "Olga Primerova",
        "RU",
        "demo-institute-ru",
        "Researcher",
        (WGCC,),
        email=f"olga.primerova@{MAIL}",
        phone="+7 495 555 01 01",
        languages=("ru", "en"),
        topics=("street-outreach", "runaway-children"),
        works_on=(3,),
    ),
    DemoPerson(
        "Jón Dæmason",
        "IS",
        "demo-agency-is",
        "Social worker",
        (EXPERT,),
        email=f"jon.daemason@{MAIL}",
        phone="+354 555 0102",
        languages=("is", "en"),
        topics=("barnahus", "online-sexual-exploitation"),
        works_on=(1,),
    ),
    DemoPerson(
        "Liene Testa",
        "LV",
        "demo-ministry-lv",
        "Police investigator",
        (TFTHB, EXPERT),
        email=f"liene.testa@{MAIL}",
        phone="+371 2555 0102",
        address="Parauga iela 2, Rīga, Latvia",
        languages=("lv", "ru", "en"),
        topics=("child-trafficking",),
        works_on=(2,),
    ),
    DemoPerson(
        "Tomas Pavyzdys",
        "LT",
        "demo-ngo-lt",
        "Psychologist",
        (EXPERT,),
        email=f"tomas.pavyzdys@{MAIL}",
        phone="+370 655 50103",
        address="Pavyzdžio g. 3, Vilnius, Lithuania",
        languages=("lt", "ru", "en"),
        topics=("return-assessment", "runaway-children"),
        works_on=(2, 3),
    ),
    DemoPerson(
        "Ville Malli",
        "FI",
        "demo-ministry-fi",
        "Senior inspector",
        (TFTHB, EXPERT),
        email=f"ville.malli@{MAIL}",
        phone="+358 50 555 0103",
        languages=("fi", "en"),
        topics=("child-trafficking", "monitoring-institutions"),
        works_on=(2, 4),
    ),
    DemoPerson(
        "Katarzyna Wzorcowa",
        "PL",
        "demo-ministry-pl",
        "Guardian for unaccompanied children",
        (EXPERT,),
        email=f"katarzyna.wzorcowa@{MAIL}",
        phone="+48 555 010 103",
        languages=("pl", "en", "ru"),
        topics=("guardianship",),
        works_on=(2,),
    ),
]


def _demo_people() -> list[Person]:
    names = {(p.full_name, p.country) for p in DEMO_PEOPLE}
    return [p for p in Person.objects.select_related("country") if (p.full_name, p.country.code) in names]


@transaction.atomic
def reset(*, out: TextIO) -> None:
    """Remove the demo people (with their roles, consents and requests), topics and organisations."""
    for person in _demo_people():
        person.delete()
    Topic.objects.filter(slug__in=[slug for slug, *_rest in DEMO_TOPICS], people__isnull=True).delete()
    Organisation.objects.filter(slug__in=[slug for slug, *_rest in DEMO_ORGANISATIONS], people__isnull=True).delete()


@transaction.atomic
def load(*, out: TextIO) -> None:
    actor = User.objects.filter(username="secretariat").first()
    if actor is None:
        out.write("Demo directory: skipped (load the demo accounts first).\n")
        return
    countries = {c.code: c for c in Country.objects.all()}
    priorities = {p.number: p for p in Priority.objects.all()}
    for slug, code, kind, english, russian in DEMO_ORGANISATIONS:
        organisation_ensure(actor=actor, slug=slug, kind=kind, names={"en": english, "ru": russian}, country=countries[code])
    topics = {
        slug: topic_ensure(actor=actor, slug=slug, names={"en": english, "ru": russian}, priority=priorities.get(number))
        for slug, number, english, russian in DEMO_TOPICS
    }
    organisations = {o.slug: o for o in Organisation.objects.all()}
    accounts = {u.username: u for u in User.objects.filter(username__in=[p.account for p in DEMO_PEOPLE if p.account])}
    today = timezone.localdate()
    created = 0
    for demo in DEMO_PEOPLE:
        country = countries[demo.country]
        person = next((p for p in Person.objects.filter(country=country) if same_name(p.full_name, demo.full_name)), None)
        if person is None:
            person = person_create(
                actor=actor,
                data={
                    "full_name": demo.full_name,
                    "position": demo.position,
                    "organisation": organisations.get(demo.organisation or ""),
                    "country": country,
                    "languages": list(demo.languages),
                    "email": demo.email,
                    "phone": demo.phone,
                    "address": demo.address,
                    "user": accounts.get(demo.account or ""),
                    "topics": [topics[slug] for slug in demo.topics],
                    "priorities": [priorities[number] for number in demo.works_on],
                },
            )
            created += 1
        for kind in demo.roles:
            network_role_grant(actor=actor, person=person, kind=kind, country=country, since=today - timedelta(days=365))
        if demo.public_email and not ContactConsent.objects.filter(person=person, audience=Visibility.PUBLIC).exists():
            # Demo data: the consent is recorded and the visibility widened directly (see the module's docstring).
            ContactConsent.objects.create(
                person=person, fields=["email"], audience=Visibility.PUBLIC, given_on=today - timedelta(days=30), recorded_by=actor
            )
            person.email_visibility = Visibility.PUBLIC
            person.save(update_fields=["email_visibility"])
    out.write(f"Demo directory: {len(DEMO_PEOPLE)} people ({created} new), {len(DEMO_TOPICS)} topics.\n")
