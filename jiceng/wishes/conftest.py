"""Fixtures of the wish tests (the cache, rate limits included, is cleared before every test:
jiceng/conftest.py; the photo builder `jpeg` is in jiceng/testing.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
