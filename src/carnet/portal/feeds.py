"""The news as an Atom feed, in the language of its URL (/<language>/news/feed/).

The feed's ``xml:lang`` is the URL's language (Feed.language is left unset, so Django takes the active one).
Each entry is the published text of a news item in that language (English when the
language version is not published), linked to its page; its id is the page's URL.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from carnet.portal.reading import NewsEntry, news_entries, published_news

FEED_SIZE = 20


class NewsFeed(Feed):  # type: ignore[type-arg]  # django-stubs makes Feed generic over item and object types
    feed_type = Atom1Feed
    title = _("News of the Working Group for Cooperation on Children at Risk")
    subtitle = _("What is new in the cooperation on children at risk in the Baltic Sea region.")

    def link(self) -> str:
        return reverse("portal:news")

    def items(self) -> list[NewsEntry]:
        return news_entries(list(published_news()[:FEED_SIZE]), translation.get_language())

    def item_title(self, item: NewsEntry) -> str:
        return item.title

    def item_description(self, item: NewsEntry) -> str:
        return item.summary

    def item_link(self, item: NewsEntry) -> str:
        return reverse("portal:news_detail", kwargs={"slug": item.item.slug})

    def item_pubdate(self, item: NewsEntry) -> datetime | None:
        return cast(datetime | None, item.item.published_at)  # parler's models are untyped

    def item_updateddate(self, item: NewsEntry) -> datetime:
        return max(item.text.revision.created_at, item.item.published_at or item.text.revision.created_at)
