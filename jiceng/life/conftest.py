"""Fixtures for organizational life tests (the builders, `at`, `held` and `photo_upload`, are in
jiceng/testing.py)."""

from __future__ import annotations

import pytest

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
