from __future__ import annotations

import factory

from carnet.directory.models import Organisation, OrganisationType


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    slug = factory.Sequence(lambda n: f"organisation-{n}")
    kind = OrganisationType.NGO
    name = factory.Sequence(lambda n: f"Organisation {n}")
