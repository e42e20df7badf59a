"""The seed's "Example of a tool" as version 1: nine life domains, three first-person statements each.

English is the seed's own words (one typo mended: "I cat healthily" -> "I eat healthily").
Russian is a child-friendly translation in the first person, marked "reviewed" (not yet
"approved": that is for the national reviewers). Colours: the first statement green, the
second amber, the third red; a worker must act at the red level of the domains marked.
"""

from django.db import migrations
from django.utils import timezone

# key, EN name, RU name, risk at the lowest level, [(EN, RU) for the three statements, fine -> at risk]
DOMAINS = [
    ("education", "My education/training", "Моя учёба", False, [
        ("I attend a course/school that I enjoy/is ok", "Я хожу в школу или на курсы, и мне там нравится или нормально"),
        ("I'm on a course/at school but I hate it.", "Я учусь в школе или на курсах, но мне там очень не нравится"),
        ("I'm not attending any courses/I'm excluded from school", "Я нигде не учусь, или меня исключили из школы"),
    ]),
    ("money", "My income/money", "Мои деньги", True, [
        ("I have enough money to pay for what I need", "Мне хватает денег на то, что мне нужно"),
        ("I struggle to manage on the money that I get", "Мне трудно обходиться теми деньгами, которые у меня есть"),
        ("I can't afford to eat sometimes or find somewhere decent to stay.", "Иногда у меня нет денег на еду или на нормальное жильё"),
    ]),
    ("cared-for", "People who have looked after me", "Люди, которые заботились обо мне", False, [
        ("I have had people in my life who loved me and took care of me", "В моей жизни были люди, которые любили меня и заботились обо мне"),
        ("There have been some good people in my life but it never lasted and I don't see them now", "В моей жизни были хорошие люди, но это длилось недолго, и сейчас я их не вижу"),
        ("I can't think of anyone who cared for me and who I trusted", "Я не могу вспомнить никого, кто заботился бы обо мне и кому я бы доверял(а)"),
    ]),
    ("secure-base", "My secure base", "Моё надёжное место", True, [
        ("I feel confident in starting out on my own knowing there is somewhere to come back to for support", "Я смело начинаю жить сам(а), потому что знаю: мне есть куда вернуться за поддержкой"),
        ("There are some places I feel welcome some of the time but it depends on who is there", "Есть места, где мне иногда рады, но это зависит от того, кто там"),
        ("I don't belong anywhere; there is nowhere I can go if I feel down.", "Мне нигде нет места; мне некуда пойти, когда мне плохо"),
    ]),
    ("health", "My general health", "Моё здоровье", False, [
        ("I eat healthily sometimes and get some exercise", "Иногда я ем полезную еду и немного двигаюсь"),
        ("I eat a lot of junk food, I'm a couch potato", "Я ем много вредной еды и почти не двигаюсь"),
        ("I don't eat properly, do any exercise, don't sleep well and I won't see a doctor or dentist", "Я плохо ем, совсем не двигаюсь, плохо сплю и не хочу идти к врачу или стоматологу"),
    ]),
    ("peers", "My peers", "Мои сверстники", True, [
        ("I have a few close friends who I know I can trust", "У меня есть несколько близких друзей, которым я могу доверять"),
        ("I have a few friends but they let me down a lot", "У меня есть несколько друзей, но они часто меня подводят"),
        ("I have no friends of my age/my so called friends bully and threaten me", "У меня нет друзей моего возраста, или мои так называемые друзья издеваются надо мной и угрожают мне"),
    ]),
    ("self-control", "My self control", "Как я справляюсь с чувствами", False, [
        ("I am able to express my emotions safely when I am with people I trust", "Я могу спокойно показывать свои чувства, когда я с людьми, которым доверяю"),
        ("I often bottle feelings up and get in a bad mood for ages", "Я часто держу чувства в себе, и у меня надолго портится настроение"),
        ("I lose it completely and get aggressive or cry so much that I can't stop", "Я совсем теряю контроль: злюсь и дерусь или плачу так, что не могу остановиться"),
    ]),
    ("running-away", "Running away", "Побеги", True, [
        ("I have never been missing from where I am supposed to stay", "Я никогда не пропадал(а) оттуда, где мне нужно жить"),
        ("I sometimes stay out late/occasionally overnight with my mates without permission", "Иногда я без разрешения возвращаюсь поздно или остаюсь на ночь у друзей"),
        ("I run away for long periods of time and I stay with risky people or sleep rough", "Я надолго убегаю, живу у опасных людей или ночую на улице"),
    ]),
    ("wanting-to-change", "Wanting to change", "Хочу ли я перемен", True, [
        ("I want to think about changing the parts of my life that make me unhappy", "Я хочу подумать о том, как изменить то, что делает меня несчастным(ой)"),
        ("I'm not sure if there is any point in changing. I'm not sure it is possible", "Я не уверен(а), что есть смысл что-то менять. Я не уверен(а), что это возможно"),
        ("My life is **** and there is nothing I can do about it", "Моя жизнь — ****, и я ничего не могу с этим поделать"),
    ]),
]  # fmt: skip
COLOURS = ["green", "amber", "red"]


def seed(apps, schema_editor):
    Instrument = apps.get_model("assessments", "Instrument")
    InstrumentTranslation = apps.get_model("assessments", "InstrumentTranslation")
    InstrumentVersion = apps.get_model("assessments", "InstrumentVersion")
    Domain = apps.get_model("assessments", "Domain")
    DomainTranslation = apps.get_model("assessments", "DomainTranslation")
    Level = apps.get_model("assessments", "Level")
    LevelTranslation = apps.get_model("assessments", "LevelTranslation")
    instrument = Instrument.objects.create(slug="life-domains")
    InstrumentTranslation.objects.create(
        master=instrument, language_code="en", status="approved", name="My life: a self-assessment in nine domains",
        description="The WGCC's example tool: for each part of my life, I choose the sentence that is most like me now.",
    )  # fmt: skip
    InstrumentTranslation.objects.create(
        master=instrument, language_code="ru", status="reviewed", name="Моя жизнь: самооценка по девяти сферам",
        description="Пример инструмента РГДР: для каждой сферы моей жизни я выбираю фразу, которая больше всего похожа на меня сейчас.",
    )  # fmt: skip
    version = InstrumentVersion.objects.create(instrument=instrument, number=1, status="published", published_at=timezone.now(), notes="The seed's tool.")
    for position, (key, en, ru, risky, statements) in enumerate(DOMAINS, start=1):
        domain = Domain.objects.create(version=version, key=key, position=position)
        DomainTranslation.objects.create(master=domain, language_code="en", name=en, status="approved")
        DomainTranslation.objects.create(master=domain, language_code="ru", name=ru, status="reviewed")
        for index, (statement_en, statement_ru) in enumerate(statements):
            level = Level.objects.create(
                domain=domain, position=index + 1, score=3 - index, colour=COLOURS[index], risk_flag=risky and index == 2
            )
            LevelTranslation.objects.create(master=level, language_code="en", statement=statement_en, status="approved")
            LevelTranslation.objects.create(master=level, language_code="ru", statement=statement_ru, status="reviewed")


def unseed(apps, schema_editor):
    Instrument = apps.get_model("assessments", "Instrument")
    InstrumentVersion = apps.get_model("assessments", "InstrumentVersion")
    InstrumentVersion.objects.filter(instrument__slug="life-domains").delete()
    Instrument.objects.filter(slug="life-domains").delete()


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
