"""`carnet check --deploy --fail-level WARNING` is clean under production settings, and carnet's own checks bite."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

from carnet.core.checks import carnet_deploy_checks

ROOT = Path(__file__).resolve().parents[1]


def _production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CARNET_", "DJANGO_"))}
    env.update(
        CARNET_VAR_DIR=str(tmp_path),
        CARNET_SECRET_KEY="production-like-secret-" + "kq8ZrT3vWm9xLpN2bF6hJ4sD7gY1cE5a" * 2,
        CARNET_DATA_KEY="p1:" + "C" * 43 + "=",
        CARNET_INDEX_KEY="D" * 43 + "=",
        CARNET_ALLOWED_HOSTS="carnet.example.org",
        DJANGO_SETTINGS_MODULE="carnet.config.settings",
        **extra,
    )
    return env


def _check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603  (our own interpreter, fixed arguments)
        [sys.executable, "-m", "carnet", "check", "--deploy", "--fail-level", "WARNING"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_production_settings_pass_the_deployment_check(tmp_path: Path) -> None:
    result = _check(_production_env(tmp_path))
    assert result.returncode == 0, result.stderr + result.stdout


def test_debug_fails_the_deployment_check(tmp_path: Path) -> None:
    result = _check(_production_env(tmp_path, CARNET_DEBUG="1"))
    assert result.returncode != 0
    assert "carnet.E003" in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"CARNET_SESSION_IDLE_SECONDS": 3600}, "carnet.W001"),
        ({"CARNET_SESSION_ABSOLUTE_SECONDS": 24 * 3600}, "carnet.W002"),
        ({"CARNET_API_DOCS_PUBLIC": True}, "carnet.W003"),
        ({"CONTENT_SECURITY_POLICY": {}}, "carnet.E001"),
        ({"CONTENT_SECURITY_POLICY": {"DIRECTIVES": {"script-src": ["'self'", "'unsafe-inline'"]}}}, "carnet.E002"),
    ],
    ids=["idle-timeout", "absolute-lifetime", "public-api-docs", "no-csp", "unsafe-script"],
)
def test_carnet_checks_flag_what_django_misses(overrides: dict[str, object], code: str) -> None:
    with override_settings(**overrides):
        assert code in {problem.id for problem in carnet_deploy_checks()}


def test_carnet_checks_are_quiet_on_the_test_settings() -> None:
    assert {problem.id for problem in carnet_deploy_checks()} == set()
