"""Public reference data: countries and priorities, translated rows prefetched in one query each."""

from __future__ import annotations

from typing import cast

from django.db.models import QuerySet

from carnet.core.models import Country, Priority


def country_list() -> QuerySet[Country]:
    # parler's manager is untyped: say what it returns
    return cast(QuerySet[Country], Country.objects.prefetch_related("translations").order_by("sort_order", "code"))


def priority_list() -> QuerySet[Priority]:
    return cast(QuerySet[Priority], Priority.objects.prefetch_related("translations").order_by("number"))
