from __future__ import annotations

import factory

from carnet.core.crypto import data_key_create
from carnet.core.models import Country, DataKey, NcpStatus, Priority


class CountryFactory(factory.django.DjangoModelFactory):
    """Countries come from a migration; this makes extra ones (codes X0..X9 etc.) for tests."""

    class Meta:
        model = Country
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"X{n % 10}")
    ncp_status = NcpStatus.OPERATIONAL
    name = factory.LazyAttribute(lambda c: f"Testland {c.code}")


class PriorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Priority

    number = factory.Sequence(lambda n: 100 + n)
    slug = factory.Sequence(lambda n: f"priority-{n}")
    title = factory.Sequence(lambda n: f"Priority {n}")


def data_key() -> DataKey:
    """A fresh data key, wrapped by the newest key-encryption key (only the crypto module makes them)."""
    return data_key_create()
