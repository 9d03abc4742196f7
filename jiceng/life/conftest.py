"""Fixtures for organizational life tests."""

from __future__ import annotations

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from jiceng.life.defaults import seed
from jiceng.life.models import ActivityType

TZ = ZoneInfo("Asia/Shanghai")


def at(y, m, d, hh=9, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=TZ)


def photo_upload(name="photo.jpg", color=(200, 30, 30), fmt="JPEG") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), color).save(out, fmt)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def types(db) -> dict[str, ActivityType]:
    # A transactional test elsewhere may have flushed the rows the migration seeded.
    seed(ActivityType)
    return {t.code: t for t in ActivityType.objects.all()}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def held(day: date, **extra):
    fields = {"held_on": day, "topic": extra.pop("topic", "学习党章"), "place": "村部会议室"}
    fields.update(extra)
    return fields
