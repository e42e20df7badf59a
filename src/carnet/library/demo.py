"""Demo content for the library: synthetic resources in English and Russian, each with a real PDF.

Six resources show what the library holds and who may see it: a guideline on the identification
of child victims, a training module of the BSR CACVT programme, a report on the mapping, the
self-assessment tool (a *tool* linked to the seeded instrument "life-domains"), a member-only
resource and one restricted to national contact points. Each language has a PDF made with
WeasyPrint from a little HTML (:func:`carnet.core.pdf.render_pdf`), so the text of the files
is searchable like a real upload. Everything is written through ``carnet.library.services`` by
the demo secretariat, as an editor would, and says that it is demo material. Nothing here is a
real document, a claim about any country, or about any person.

``load`` is idempotent (a resource that exists and a language already published are left as they
are); ``reset`` removes exactly these resources and their stored files.
"""

from __future__ import annotations

import html
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from carnet.accounts.models import Role, User
from carnet.assessments.models import Instrument
from carnet.core.models import Country, Priority
from carnet.core.pdf import render_pdf
from carnet.library.bundle import build_bundle, bundle_record, latest_public_bundle
from carnet.library.models import Audience, Bundle, Licence, Resource, ResourceKind, ResourceRevision, ResourceVersion, Visibility
from carnet.library.services import resource_create, version_publish, version_save

EDITOR = "secretariat"
PUBLISHER = "CBSS Working Group for Cooperation on Children at Risk (demo)"
INSTRUMENT = "life-domains"


@dataclass(frozen=True)
class Text:
    title: str
    summary: str
    body: str  # Markdown
    pdf: list[str]  # the PDF's paragraphs
    file_name: str


@dataclass(frozen=True)
class DemoResource:
    slug: str
    kind: str
    year: int
    visibility: str
    texts: dict[str, Text]
    audience: str = Audience.PROFESSIONALS
    licence: str = Licence.CC_BY
    restricted_to: str = ""
    priorities: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    instrument: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


RESOURCES: list[DemoResource] = [
    DemoResource(
        slug="demo-identification-of-child-victims",
        kind=ResourceKind.GUIDELINE,
        year=2008,
        visibility=Visibility.PUBLIC,
        priorities=("unaccompanied-and-trafficked-children",),
        texts={
            "en": Text(
                "Guidelines on the identification of child victims of trafficking (demo)",
                "A synthetic guideline: how professionals recognise signs that a child may be a victim and what they do next.",
                "**Demo text.** These guidelines are invented for the demo.\n\n"
                "## Signs to look for\n\n"
                "- The child travels without a parent or legal guardian.\n"
                "- Someone else holds the child's documents.\n"
                "- The child cannot say where they live or work.\n\n"
                "## What to do\n\n"
                "Treat the child first as a child. Inform the national contact point and appoint a guardian without delay.",
                [
                    "Demo document (synthetic). Guidelines on the identification of child victims of trafficking.",
                    "Identification starts with listening to the child. Professionals note the signs of exploitation "
                    "and refer the child to protection services.",
                ],
                "identification-guidelines.pdf",
            ),
            "ru": Text(
                "Руководство по выявлению детей — жертв торговли людьми (демо)",
                "Вымышленное руководство: как специалисты замечают признаки того, что ребёнок может быть жертвой, и что делают дальше.",
                "**Демо-текст.** Это руководство придумано для демонстрации.\n\n"
                "## Признаки\n\n"
                "- Ребёнок путешествует без родителей или законного представителя.\n"
                "- Документы ребёнка находятся у другого человека.\n"
                "- Ребёнок не может сказать, где он живёт или работает.\n\n"
                "## Что делать\n\n"
                "Прежде всего помогите детям как детям. Сообщите национальному контактному пункту и без промедления назначьте опекуна.",
                [
                    "Демонстрационный документ (вымышленный). Руководство по выявлению детей — жертв торговли людьми.",
                    "Выявление начинается с того, что ребёнка выслушивают. Специалисты отмечают признаки эксплуатации "
                    "и направляют ребёнка в службы защиты.",
                ],
                "rukovodstvo-po-vyyavleniyu.pdf",
            ),
        },
    ),
    DemoResource(
        slug="demo-bsr-cacvt-training-module",
        kind=ResourceKind.TRAINING,
        year=2009,
        visibility=Visibility.PUBLIC,
        priorities=("unaccompanied-and-trafficked-children", "sexual-exploitation"),
        countries=("LT", "LV", "EE"),
        texts={
            "en": Text(
                "Training module: assisting child victims of trafficking (BSR CACVT programme, demo)",
                "A synthetic training material of the Baltic Sea Region programme on children’s assistance: cases, exercises, checklists.",
                "**Demo text.** This training module is invented for the demo.\n\n"
                "## Sessions\n\n"
                "1. Who is a child victim of trafficking?\n"
                "2. Interviewing children in a child-friendly way.\n"
                "3. Cooperation across borders: the role of national contact points.\n\n"
                "| Session | Length |\n|---|--:|\n| 1 | 90 min |\n| 2 | 120 min |\n| 3 | 60 min |",
                [
                    "Demo document (synthetic). BSR CACVT training programme: module on assisting child victims.",
                    "Exercise: read the case of a girl found at a border crossing and plan the first week of assistance.",
                ],
                "training-module.pdf",
            ),
            "ru": Text(
                "Учебный модуль: помощь детям — жертвам торговли людьми (программа BSR CACVT, демо)",
                "Вымышленный учебный материал программы региона Балтийского моря: случаи, упражнения, контрольные списки.",
                "**Демо-текст.** Этот учебный модуль придуман для демонстрации.\n\n"
                "## Занятия\n\n"
                "1. Кто такой ребёнок — жертва торговли людьми?\n"
                "2. Беседа с детьми, удобная для ребёнка.\n"
                "3. Сотрудничество через границы: роль национальных контактных пунктов.",
                [
                    "Демонстрационный документ (вымышленный). Учебная программа BSR CACVT: модуль о помощи детям.",
                    "Упражнение: прочитайте случай девочки, найденной на пограничном переходе, и спланируйте первую неделю помощи.",
                ],
                "uchebnyi-modul.pdf",
            ),
        },
    ),
    DemoResource(
        slug="demo-mapping-report",
        kind=ResourceKind.RESEARCH,
        year=2007,
        visibility=Visibility.PUBLIC,
        audience=Audience.POLICY,
        priorities=("unaccompanied-and-trafficked-children", "children-in-institutions"),
        countries=("DK", "EE", "FI", "DE", "IS", "LV", "LT", "NO", "PL", "RU", "SE"),
        texts={
            "en": Text(
                "Report on the mapping of services for unaccompanied and trafficked children (demo)",
                "A synthetic report: what the mapping in the member states looked at and how to read its tables.",
                "**Demo text.** The figures in this report are illustrative, not statistics.\n\n"
                "The mapping asked each member state which services receive unaccompanied children, "
                "who appoints a guardian and how long it takes.",
                [
                    "Demo document (synthetic). Report on the mapping of services in the Baltic Sea region.",
                    "Figures in this document are illustrative and describe no real country.",
                ],
                "mapping-report.pdf",
            ),
            "ru": Text(
                "Отчёт о картировании служб для несопровождаемых детей и детей — жертв торговли людьми (демо)",
                "Вымышленный отчёт: что изучало картирование в государствах-членах и как читать его таблицы.",
                "**Демо-текст.** Цифры в этом отчёте условные, это не статистика.\n\n"
                "Картирование выясняло в каждом государстве, какие службы принимают несопровождаемых детей, "
                "кто назначает опекуна и сколько это занимает времени.",
                [
                    "Демонстрационный документ (вымышленный). Отчёт о картировании служб в регионе Балтийского моря.",
                    "Цифры в этом документе условные и не описывают ни одну реальную страну.",
                ],
                "otchet-o-kartirovanii.pdf",
            ),
        },
    ),
    DemoResource(
        slug="demo-self-assessment-tool",
        kind=ResourceKind.TOOL,
        year=2008,
        visibility=Visibility.PUBLIC,
        audience=Audience.CHILDREN,
        priorities=("children-in-institutions",),
        instrument=True,
        texts={
            "en": Text(
                "My life: the self-assessment tool (demo)",
                "The WGCC’s example tool: a child chooses, for each part of their life, the sentence most like them now.",
                "**Demo text.** The printable sheets of the tool are linked from this page.\n\n"
                "Use the tool together with the child, in a quiet place, and talk about the answers.",
                [
                    "Demo document (synthetic). My life: a self-assessment in nine domains.",
                    "For each domain the child chooses one of three sentences: green, amber or red.",
                ],
                "self-assessment-tool.pdf",
            ),
            "ru": Text(
                "Моя жизнь: инструмент самооценки (демо)",
                "Пример инструмента РГДР: для каждой сферы своей жизни ребёнок выбирает фразу, которая больше всего похожа на него сейчас.",
                "**Демо-текст.** Листы для печати связаны с этой страницей.\n\n"
                "Используйте инструмент вместе с ребёнком, в спокойном месте, и обсуждайте ответы.",
                [
                    "Демонстрационный документ (вымышленный). Моя жизнь: самооценка по девяти сферам.",
                    "Для каждой сферы ребёнок выбирает одну из трёх фраз: зелёную, жёлтую или красную.",
                ],
                "instrument-samootsenki.pdf",
            ),
        },
    ),
    DemoResource(
        slug="demo-members-referral-practice-notes",
        kind=ResourceKind.GUIDELINE,
        year=2010,
        visibility=Visibility.MEMBERS,
        priorities=("unaccompanied-and-trafficked-children",),
        texts={
            "en": Text(
                "Practice notes on cross-border referrals (members only, demo)",
                "A synthetic note for network members on preparing a referral to another member state.",
                "**Demo text.** Only signed-in network members see this resource.\n\n"
                "Check the legal basis, share only what the receiving side needs, and agree a date for the first answer.",
                [
                    "Demo document (synthetic, members only). Practice notes on cross-border referrals.",
                    "Share the minimum: the receiving side needs the child's situation, not the whole case file.",
                ],
                "referral-practice-notes.pdf",
            ),
            "ru": Text(
                "Практические заметки о трансграничных направлениях (только для участников, демо)",
                "Вымышленная заметка для участников сети о подготовке направления в другое государство.",
                "**Демо-текст.** Этот ресурс видят только вошедшие в систему участники сети.\n\n"
                "Проверьте правовое основание, передавайте только необходимое и согласуйте срок первого ответа.",
                [
                    "Демонстрационный документ (вымышленный, только для участников). Заметки о трансграничных направлениях.",
                    "Передавайте минимум: принимающей стороне нужна ситуация ребёнка, а не всё дело.",
                ],
                "zametki-o-napravleniyakh.pdf",
            ),
        },
    ),
    DemoResource(
        slug="demo-ncp-working-procedures",
        kind=ResourceKind.GUIDELINE,
        year=2011,
        visibility=Visibility.RESTRICTED,
        restricted_to=Role.NCP,
        licence=Licence.ALL_RIGHTS,
        texts={
            "en": Text(
                "Working procedures of the national contact points (NCPs only, demo)",
                "A synthetic procedure for national contact points: who answers a request, and within how many days.",
                "**Demo text.** Only national contact points and the secretariat see this resource.\n\n"
                "Acknowledge a request within two working days; name a deputy for holidays.",
                [
                    "Demo document (synthetic, NCPs only). Working procedures of the national contact points.",
                    "Acknowledge every request within two working days.",
                ],
                "ncp-procedures.pdf",
            ),
            "ru": Text(
                "Порядок работы национальных контактных пунктов (только для НКП, демо)",
                "Вымышленный порядок для национальных контактных пунктов: кто отвечает на запрос и в какой срок.",
                "**Демо-текст.** Этот ресурс видят только национальные контактные пункты и секретариат.\n\n"
                "Подтверждайте получение запроса в течение двух рабочих дней; назначьте заместителя на время отпуска.",
                [
                    "Демонстрационный документ (вымышленный, только для НКП). Порядок работы национальных контактных пунктов.",
                    "Подтверждайте получение каждого запроса в течение двух рабочих дней.",
                ],
                "poryadok-raboty-nkp.pdf",
            ),
        },
    ),
]

_PDF_STYLE = "@page { size: A4; margin: 2cm; } body { font-family: 'DejaVu Sans', sans-serif; font-size: 11pt; } h1 { font-size: 16pt; }"


def demo_pdf(text: Text, language: str) -> bytes:
    """A small real PDF of the version's text (WeasyPrint), whose words pypdf can read back for search."""
    paragraphs = "".join(f"<p>{html.escape(paragraph)}</p>" for paragraph in text.pdf)
    document = (
        f'<!DOCTYPE html><html lang="{language}"><head><meta charset="utf-8"><title>{html.escape(text.title)}</title>'
        f"<style>{_PDF_STYLE}</style></head><body><h1>{html.escape(text.title)}</h1>{paragraphs}</body></html>"
    )
    return render_pdf(document)


def _published(resource: Resource, language: str) -> bool:
    return ResourceVersion.objects.filter(resource=resource, language=language, published_revision__isnull=False).exists()


def _ensure(editor: User, spec: DemoResource) -> Resource:
    resource = Resource.objects.filter(slug=spec.slug).first()
    if resource is None:
        resource = resource_create(
            actor=editor,
            slug=spec.slug,
            kind=spec.kind,
            audience=spec.audience,
            publisher=PUBLISHER,
            year=spec.year,
            licence=spec.licence,
            visibility=spec.visibility,
            restricted_to=spec.restricted_to,
            priorities=Priority.objects.filter(slug__in=spec.priorities),
            countries=Country.objects.filter(code__in=spec.countries),
            instrument=Instrument.objects.filter(slug=INSTRUMENT).first() if spec.instrument else None,
        )
    # English first: a translation records the English revision it was made from.
    for language in sorted(spec.texts, key=lambda code: code != "en"):
        if _published(resource, language):
            continue
        text = spec.texts[language]
        version_save(
            actor=editor,
            resource=resource,
            language=language,
            title=text.title,
            summary=text.summary,
            body=text.body,
            upload=SimpleUploadedFile(text.file_name, demo_pdf(text, language), content_type="application/pdf"),
            note="Demo content",
        )
        version_publish(actor=editor, version=ResourceVersion.objects.get(resource=resource, language=language))
    return resource


@transaction.atomic
def load(*, out: TextIO, **_options: Any) -> None:
    editor = User.objects.filter(username=EDITOR).first()
    if editor is None:
        out.write("Library demo content skipped: the demo accounts are not loaded.\n")
        return
    for spec in RESOURCES:
        _ensure(editor, spec)
    out.write(
        f"Library demo content: {len(RESOURCES)} resources in English and Russian with PDF files "
        "(one member-only, one for NCPs only; synthetic).\n"
    )
    if latest_public_bundle() is None:
        # The library page offers the latest public offline bundle: build the first one, as `carnet bundle` would.
        with tempfile.TemporaryDirectory() as scratch:
            result = build_bundle(out_path=Path(scratch) / "library.zip", languages=["en", "ru"], visibility=Visibility.PUBLIC)
            bundle_record(actor=None, result=result)
        out.write(f"Library offline bundle: {result.resources} public resources in English and Russian, offered on the library page.\n")


@transaction.atomic
def reset(*, out: TextIO) -> None:
    """Remove the demo resources, their search entries and their stored files."""
    from carnet.library.search import unindex_version

    resources = list(Resource.objects.filter(slug__in=[spec.slug for spec in RESOURCES]))
    files = set(ResourceRevision.objects.filter(version__resource__in=resources).exclude(file="").values_list("file", flat=True))
    for version in ResourceVersion.objects.filter(resource__in=resources, published_revision__isnull=False):
        unindex_version(version)
    Resource.objects.filter(pk__in=[resource.pk for resource in resources]).delete()
    # The offline bundles were built from the demo content: they go with it.
    files |= set(Bundle.objects.values_list("file", flat=True))
    Bundle.objects.all().delete()

    def delete_files() -> None:
        from django.core.files.storage import default_storage

        for name in files:
            default_storage.delete(name)

    transaction.on_commit(delete_files)
    out.write("Library demo content removed.\n")
