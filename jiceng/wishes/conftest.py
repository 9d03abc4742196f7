"""Fixtures of the wish tests: photos (the cache, rate limits included, is cleared before every
test: jiceng/conftest.py)."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def jpeg(name="photo.jpg", color="red", size=(60, 40)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")
