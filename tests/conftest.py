"""Shared fixtures live in tests/fixtures.py; settings in tests/settings.py.

In CI (``CI=true``) a browser test may not be skipped: a skip there means a missing Chromium or
Playwright, and CI would go green without having run a single journey. Such skips become failures.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from pathlib import Path

import pytest

pytest_plugins = ["tests.fixtures"]

E2E_DIR = Path(__file__).resolve().parent / "e2e"


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _skip_reason(longrepr: object) -> str:
    # A skip's longrepr is (path, line, "Skipped: reason").
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2])
    return str(longrepr)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.skipped and not hasattr(report, "wasxfail") and _in_ci() and item.get_closest_marker("browser") is not None:
        report.outcome = "failed"
        report.longrepr = f"browser test skipped while CI=true; CI must run every browser test. {_skip_reason(report.longrepr)}"
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
    """A browser test module skipped as a whole (pytest.importorskip at module level) fails in CI too."""
    report = yield
    if report.skipped and _in_ci() and Path(str(collector.path)).resolve().is_relative_to(E2E_DIR):
        report.outcome = "failed"
        report.longrepr = f"browser tests skipped while CI=true; CI must run every browser test. {_skip_reason(report.longrepr)}"
    return report
