"""The CBSS members and the WGCC's priorities as the seed presentation names them.

NCP status is the seed's: operational in every member state except Russia and Germany.
"""

from django.db import migrations

COUNTRIES = [
    # code, is_state, ncp_status, English, Russian
    ("DK", True, "operational", "Denmark", "Дания"),
    ("EE", True, "operational", "Estonia", "Эстония"),
    ("FI", True, "operational", "Finland", "Финляндия"),
    ("DE", True, "not_operational", "Germany", "Германия"),
    ("IS", True, "operational", "Iceland", "Исландия"),
    ("LV", True, "operational", "Latvia", "Латвия"),
    ("LT", True, "operational", "Lithuania", "Литва"),
    ("NO", True, "operational", "Norway", "Норвегия"),
    ("PL", True, "operational", "Poland", "Польша"),
    ("RU", True, "not_operational", "Russia", "Россия"),
    ("SE", True, "operational", "Sweden", "Швеция"),
    ("EU", False, "not_applicable", "European Commission", "Европейская комиссия"),
]

PRIORITIES = [
    (1, "sexual-exploitation", "Sexual exploitation in all its forms", "Сексуальная эксплуатация во всех её формах"),
    (2, "unaccompanied-and-trafficked-children", "Unaccompanied and trafficked children", "Несопровождаемые дети и дети — жертвы торговли людьми"),
    (3, "children-living-in-the-street", "Children living in the street", "Дети, живущие на улице"),
    (4, "children-in-institutions", "The rights of children in institutions", "Права детей в учреждениях"),
    (
        5,
        "young-offenders-and-self-destructive-behaviour",
        "Young offenders and self-destructive behaviour in children",
        "Несовершеннолетние правонарушители и саморазрушительное поведение детей",
    ),
]


def seed(apps, schema_editor):
    Country = apps.get_model("core", "Country")
    CountryTranslation = apps.get_model("core", "CountryTranslation")
    Priority = apps.get_model("core", "Priority")
    PriorityTranslation = apps.get_model("core", "PriorityTranslation")
    for order, (code, is_state, status, en, ru) in enumerate(COUNTRIES, start=1):
        country = Country.objects.create(code=code, is_state=is_state, ncp_status=status, sort_order=order)
        CountryTranslation.objects.create(master=country, language_code="en", name=en)
        CountryTranslation.objects.create(master=country, language_code="ru", name=ru)
    for number, slug, en, ru in PRIORITIES:
        priority = Priority.objects.create(number=number, slug=slug)
        PriorityTranslation.objects.create(master=priority, language_code="en", title=en)
        PriorityTranslation.objects.create(master=priority, language_code="ru", title=ru)


def unseed(apps, schema_editor):
    apps.get_model("core", "Priority").objects.filter(slug__in=[p[1] for p in PRIORITIES]).delete()
    apps.get_model("core", "Country").objects.filter(code__in=[c[0] for c in COUNTRIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
