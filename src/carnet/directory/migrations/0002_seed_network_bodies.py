"""The bodies the seed names: the CBSS Secretariat and its Children's Unit, the WGCC and the task forces."""

from django.db import migrations

ORGANISATIONS = [
    # slug, kind, parent, English name, acronym, Russian name, Russian acronym
    ("cbss-secretariat", "secretariat", None, "Council of the Baltic Sea States Secretariat", "CBSS", "Секретариат Совета государств Балтийского моря", "СГБМ"),
    ("cbss-childrens-unit", "secretariat", "cbss-secretariat", "Children's Unit of the CBSS Secretariat", "", "Отдел по делам детей Секретариата СГБМ", ""),
    ("wgcc", "network_body", None, "Working Group for Cooperation on Children at Risk", "WGCC", "Рабочая группа по сотрудничеству в интересах детей группы риска", "РГДР"),
    ("tfthb", "network_body", None, "CBSS Task Force against Trafficking in Human Beings", "TFTHB", "Целевая группа СГБМ по борьбе с торговлей людьми", "ЦГТЛ"),
    ("tfoc", "network_body", None, "Task Force on Organised Crime in the Baltic Sea Region", "TFOC", "Целевая группа по борьбе с организованной преступностью в регионе Балтийского моря", "ЦГОП"),
    ("tfoc-expert-group-thb", "network_body", "tfoc", "TFOC Expert Group on Human Trafficking", "", "Экспертная группа ЦГОП по торговле людьми", ""),
]


def seed(apps, schema_editor):
    Organisation = apps.get_model("directory", "Organisation")
    OrganisationTranslation = apps.get_model("directory", "OrganisationTranslation")
    for slug, kind, parent, en, en_acr, ru, ru_acr in ORGANISATIONS:
        org = Organisation.objects.create(slug=slug, kind=kind, parent=Organisation.objects.filter(slug=parent).first())
        OrganisationTranslation.objects.create(master=org, language_code="en", name=en, acronym=en_acr)
        OrganisationTranslation.objects.create(master=org, language_code="ru", name=ru, acronym=ru_acr)


def unseed(apps, schema_editor):
    Organisation = apps.get_model("directory", "Organisation")
    for slug, *_rest in reversed(ORGANISATIONS):
        Organisation.objects.filter(slug=slug).delete()


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial"), ("core", "0002_seed_countries_and_priorities")]
    operations = [migrations.RunPython(seed, unseed)]
