"""Shared fixtures live in tests/fixtures.py; settings in tests/settings.py."""

pytest_plugins = ["tests.fixtures"]
