from __future__ import annotations

from datetime import timedelta
from typing import Any

import factory
from django.utils import timezone

from carnet.accounts.models import ApiToken, Membership, Role, User
from carnet.accounts.services import token_digest


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.invalid")
    password = factory.django.Password("a-long-test-password-123")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Role.MEMBER
    country = None
    organisation = None


class ApiTokenFactory(factory.django.DjangoModelFactory):
    """A token row; the secret is ``token.secret`` (set after creation, like the service returns it)."""

    class Meta:
        model = ApiToken

    user = factory.SubFactory(UserFactory)
    name = "test token"
    prefix = factory.Sequence(lambda n: f"{n:08x}")
    secret = factory.LazyAttribute(lambda t: f"carnet_{t.prefix}_secret-{t.prefix}")
    digest = factory.LazyAttribute(lambda t: token_digest(t.secret))
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))

    @classmethod
    def _create(cls, model_class: type[ApiToken], *args: Any, secret: str = "", **kwargs: Any) -> ApiToken:
        token = super()._create(model_class, *args, **kwargs)
        token.secret = secret  # type: ignore[attr-defined]  # tests need the clear secret once
        return token
