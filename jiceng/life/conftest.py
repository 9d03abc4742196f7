"""Fixtures for organizational life tests (the builders, `at`, `held` and `photo_upload`, are in
jiceng/testing.py)."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from jiceng.life.defaults import seed
from jiceng.life.models import ActivityType


@pytest.fixture
def types(db) -> dict[str, ActivityType]:
    # A transactional test elsewhere may have flushed the rows the migration seeded.
    seed(ActivityType)
    return {t.code: t for t in ActivityType.objects.all()}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def demo(db) -> date:
    """The tiny demo county, generated on 18 November 2026; returns that day."""
    from jiceng.demo.testing import tiny_demo

    with time_machine.travel("2026-11-18 10:00 +0800"):
        tiny_demo(1, password="demo-test-2468")
    return date(2026, 11, 18)
