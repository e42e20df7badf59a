"""`carnet demo` brings a few dozen synthetic cases across several countries, once."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from carnet.cases.models import Case, Exploitation

pytestmark = pytest.mark.django_db


def test_demo_loads_a_few_dozen_cases_in_several_countries_once():
    call_command("demo", stdout=io.StringIO())
    count = Case.objects.count()
    assert 30 <= count <= 60
    assert Case.objects.values("country").distinct().count() >= 5
    assert Exploitation.objects.filter(kind="criminality").exists()
    call_command("demo", stdout=io.StringIO())
    assert Case.objects.count() == count


def test_demo_reset_starts_over():
    call_command("demo", stdout=io.StringIO())
    numbers = set(Case.objects.values_list("number", flat=True))
    call_command("demo", "--reset", stdout=io.StringIO())
    assert set(Case.objects.values_list("number", flat=True)) == numbers
