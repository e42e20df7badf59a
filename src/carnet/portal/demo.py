"""Demo content for the public portal: synthetic, and saying so on every page it reaches.

For each of the eleven member states a country page in English and Russian (published),
two or three key facts that are illustrative figures, not statistics (source "Demo data
(illustrative, not official)"), and short legislation and services texts marked as demo;
a page per priority (English and Russian); four news items, one in English only so that
the Russian site shows the English fallback. Everything is written through
``carnet.portal.services`` by the demo secretariat account, as an editor would.
Nothing here is a claim about any country's law, services or children.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, TextIO

from django.db import models, transaction
from django.utils import timezone

from carnet.accounts.demo import DEMO_ACCOUNTS
from carnet.accounts.models import User
from carnet.core.models import Country, Priority
from carnet.portal.models import CountryPage, KeyFact, NewsItem, PriorityPage, Revision, Status
from carnet.portal.selectors import content_label
from carnet.portal.services import content_publish, content_save, keyfact_save, news_create

DEMO_SOURCE = "Demo data (illustrative, not official)"
DEMO_YEAR = 2024
EDITOR = "secretariat"

# Illustrative figures per member state: (value, label en, label ru). Invented for the demo.
FACTS: dict[str, list[tuple[str, str, str]]] = {}
_FACT_LABELS = [
    ("Unaccompanied children registered (illustrative demo figure)", "Зарегистрированные несопровождаемые дети (условная демо-цифра)"),
    ("Children identified as presumed victims of trafficking (illustrative demo figure)",
     "Дети, выявленные как предполагаемые жертвы торговли людьми (условная демо-цифра)"),
    ("Children in residential care (illustrative demo figure)", "Дети в учреждениях интернатного типа (условная демо-цифра)"),
]  # fmt: skip
_FACT_VALUES = {
    "DK": ["120", "15", "900"], "EE": ["40", "5"], "FI": ["210", "20", "1 100"], "DE": ["1 500", "90"],
    "IS": ["25", "3"], "LV": ["35", "6", "700"], "LT": ["60", "9", "1 200"], "NO": ["300", "25"],
    "PL": ["450", "40", "2 500"], "RU": ["800", "70"], "SE": ["600", "45", "1 800"],
}  # fmt: skip
for _code, _values in _FACT_VALUES.items():
    FACTS[_code] = [(value, en, ru) for value, (en, ru) in zip(_values, _FACT_LABELS, strict=False)]


def _country_text(country: Country, language: str) -> dict[str, str]:
    name = str(country.safe_translation_getter("name", language_code=language, any_language=True))
    if language == "ru":
        return {
            "summary": f"{name}: демонстрационная страница страны. Текст вымышлен и служит только для показа портала.",
            "legislation": (
                "<p><strong>Демо-текст.</strong> Здесь национальный контактный пункт кратко описывает законодательство "
                "о защите детей группы риска.</p><ul><li>Пример раздела: защита несопровождаемых детей.</li>"
                "<li>Пример раздела: помощь детям — жертвам торговли людьми.</li></ul>"
            ),
            "services": (
                "<p><strong>Демо-текст.</strong> Здесь перечисляются службы для детей группы риска: "
                "социальные службы, опека, приюты, горячие линии.</p>"
            ),
        }
    return {
        "summary": f"{name}: a demo country page. The text is invented and only shows how the portal works.",
        "legislation": (
            "<p><strong>Demo text.</strong> Here the national contact point summarises the legislation on the protection "
            "of children at risk.</p><ul><li>Example section: protection of unaccompanied children.</li>"
            "<li>Example section: assistance to child victims of trafficking.</li></ul>"
        ),
        "services": (
            "<p><strong>Demo text.</strong> Here the services for children at risk are listed: social services, "
            "guardianship, shelters, helplines.</p>"
        ),
    }


def _priority_text(priority: Priority, language: str) -> dict[str, str]:
    if language == "ru":
        return {
            "body": (
                "<p><strong>Демо-текст.</strong> На этой странице рабочая группа описывает, что она делает по этому "
                "приоритету: совместные проекты, обучение, обмен опытом между странами.</p>"
            )
        }
    return {
        "body": (
            "<p><strong>Demo text.</strong> On this page the working group describes what it does on this priority: "
            "joint projects, training and the exchange of experience between the countries.</p>"
        )
    }


# slug, days ago, country code, priority slug, English (title, summary, body), Russian or None (English only)
NEWS: list[tuple[str, int, str | None, str | None, tuple[str, str, str], tuple[str, str, str] | None]] = [
    (
        "demo-annual-meeting",
        3,
        None,
        None,
        ("Annual meeting of the working group (demo)", "A synthetic news item: the members met to agree next year's work plan.",
         "<p><strong>Demo news.</strong> Nothing in this item happened.</p>"),
        ("Ежегодное заседание рабочей группы (демо)", "Вымышленная новость: участники согласовали план работы на следующий год.",
         "<p><strong>Демо-новость.</strong> Ничего из этого не происходило.</p>"),
    ),
    (
        "demo-training-lithuania",
        10,
        "LT",
        "unaccompanied-and-trafficked-children",
        ("Training for caseworkers in Lithuania (demo)", "A synthetic news item about a training on unaccompanied children.",
         "<p><strong>Demo news.</strong> The training described here is invented.</p>"),
        ("Обучение специалистов в Литве (демо)", "Вымышленная новость об обучении по теме несопровождаемых детей.",
         "<p><strong>Демо-новость.</strong> Описанное обучение вымышлено.</p>"),
    ),
    (
        "demo-new-guidelines",
        20,
        None,
        "sexual-exploitation",
        ("New guidelines published (demo)", "A synthetic news item about guidelines that do not exist.",
         "<p><strong>Demo news.</strong> These guidelines are invented.</p>"),
        ("Опубликованы новые рекомендации (демо)", "Вымышленная новость о несуществующих рекомендациях.",
         "<p><strong>Демо-новость.</strong> Эти рекомендации вымышлены.</p>"),
    ),
    (
        "demo-english-only",
        30,
        "SE",
        None,
        ("Expert seminar in Stockholm (demo, English only)",
         "A synthetic news item published in English only: the Russian site shows it in English and says so.",
         "<p><strong>Demo news.</strong> This seminar is invented.</p>"),
        None,
    ),
]  # fmt: skip


def _has_published(obj: models.Model, language: str) -> bool:
    return Revision.objects.filter(content=content_label(obj), object_id=str(obj.pk), language=language, status=Status.PUBLISHED).exists()


def _publish(*, editor: User, obj: models.Model, language: str, data: dict[str, str]) -> None:
    """Save and publish one language of ``obj`` (once: a language already published is left as it is)."""
    if obj.pk is not None and _has_published(obj, language):
        return
    content_save(actor=editor, obj=obj, language=language, data=data, note="Demo content")
    content_publish(actor=editor, obj=obj, language=language)


def _demo_editors() -> list[Any]:
    return list(User.objects.filter(username__in=[a.username for a in DEMO_ACCOUNTS]))


@transaction.atomic
def reset(*, out: TextIO) -> None:
    """Remove what the demo editors wrote (before the demo accounts themselves go)."""
    editors = _demo_editors()
    NewsItem.objects.filter(created_by__in=editors).delete()
    KeyFact.objects.filter(source=DEMO_SOURCE).delete()
    Revision.objects.filter(author__in=editors).delete()
    # pages left without any text or fact were made by the demo: remove them too
    for model in (CountryPage, PriorityPage):
        label = content_label(model())
        kept = set(Revision.objects.filter(content=label).values_list("object_id", flat=True))
        for page in model.objects.all():
            if str(page.pk) not in kept and not (isinstance(page, CountryPage) and page.facts.exists()):
                page.delete()
    out.write("Portal demo content removed.\n")


@transaction.atomic
def load(*, out: TextIO, **_options: Any) -> None:
    editor = User.objects.filter(username=EDITOR).first()
    if editor is None:
        out.write("Portal demo content skipped: the demo accounts are not loaded.\n")
        return
    for country in Country.objects.filter(is_state=True).prefetch_related("translations"):
        page = CountryPage.objects.filter(country=country).first() or CountryPage(country=country)
        for language in ("en", "ru"):
            _publish(editor=editor, obj=page, language=language, data=_country_text(country, language))
        if not page.facts.filter(source=DEMO_SOURCE).exists():
            for value, english, russian in FACTS.get(country.code, []):
                keyfact_save(
                    actor=editor, page=page, value=value, source=DEMO_SOURCE, year=DEMO_YEAR, labels={"en": english, "ru": russian}
                )
    for priority in Priority.objects.all():
        priority_page = PriorityPage.objects.filter(priority=priority).first() or PriorityPage(priority=priority)
        for language in ("en", "ru"):
            _publish(editor=editor, obj=priority_page, language=language, data=_priority_text(priority, language))
    countries = {c.code: c for c in Country.objects.all()}
    priorities = {p.slug: p for p in Priority.objects.all()}
    now = timezone.now()
    for slug, days_ago, country_code, priority_slug, english_news, russian_news in NEWS:
        if NewsItem.objects.filter(slug=slug).exists():
            continue
        title, summary, body = english_news
        item = news_create(
            actor=editor,
            slug=slug,
            language="en",
            data={"title": title, "summary": summary, "body": body},
            country=countries.get(country_code) if country_code else None,
            priority=priorities.get(priority_slug) if priority_slug else None,
            note="Demo content",
        )
        content_publish(actor=editor, obj=item, language="en")
        if russian_news is not None:
            title, summary, body = russian_news
            _publish(editor=editor, obj=item, language="ru", data={"title": title, "summary": summary, "body": body})
        # a spread of publication dates, so the news list and the feed have an order to show
        NewsItem.objects.filter(pk=item.pk).update(published_at=now - timedelta(days=days_ago))
    out.write("Portal demo content: 11 country pages, 5 priority pages, 4 news items (synthetic).\n")
