"""Builders of the request tests (the fixtures are in jiceng/requests/conftest.py; what every
app's tests share, `at` included, is in jiceng/testing.py)."""

from __future__ import annotations

from dataclasses import dataclass

from jiceng.accounts.models import User

from .models import Category, Department


@dataclass
class Desk:
    county: object
    road: Category
    utilities: Category
    dispute: Category
    consult_cat: Category
    housing: Department  # 县住建局
    water: Department  # 县水利局
    handler: User  # department handler of 住建局
    water_handler: User
    village_clerk: User  # branch secretary attached to the village (甲镇东村党总支)


def file_request(desk, org=None, **extra):
    """A resident's request through the public path (routing decides the holder)."""
    from . import services

    fields = {
        "organization": org or desk.county.village_a,
        "category": desk.road,
        "kind": "help",
        "description": "东村三组路灯坏了",
        "channel": "qr",
        "phone": "13812345678",
        "name": "王小明",
    }
    fields.update(extra)
    return services.create_request(None, **fields)


def ensure_seed_data() -> None:
    """Categories, deadline rules and the holiday calendar come from data migrations; a
    transactional test (browser, threads) flushes them for the tests after it, so put them back."""
    import importlib

    from django.apps import apps

    from jiceng.core.models import CalendarYear

    if not Category.objects.exists():
        importlib.import_module("jiceng.requests.migrations.0002_seed_defaults").seed(apps, None)
    if not CalendarYear.objects.exists():
        importlib.import_module("jiceng.core.migrations.0005_seed_calendar").seed(apps, None)
