"""Fixtures of the request tests: the test county with a department, its handler, and a
village handler (the cache, rate limits included, is cleared before every test: jiceng/conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pytest
from django.utils import timezone

from jiceng.accounts.models import User
from jiceng.conftest import PASSWORD

from .models import Category, Department, DepartmentStaff


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


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


def at(*args) -> datetime:
    return timezone.make_aware(datetime(*args))


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


@pytest.fixture
def desk(county) -> Desk:
    ensure_seed_data()
    housing = Department.objects.create(code="ZJJ", name="县住房和城乡建设局", county=county.root)
    water = Department.objects.create(code="SLJ", name="县水利局", county=county.root)
    handler = User.objects.create_user(
        "dept-housing", password=PASSWORD, role="department_handler", display_name="住建经办"
    )
    DepartmentStaff.objects.create(user=handler, department=housing)
    water_handler = User.objects.create_user("dept-water", password=PASSWORD, role="department_handler")
    DepartmentStaff.objects.create(user=water_handler, department=water)
    clerk = User.objects.create_user(
        "clerk-a", password=PASSWORD, role="branch_secretary", organization=county.village_a, display_name="东村书记"
    )
    return Desk(
        county=county,
        road=Category.objects.get(code="road"),
        utilities=Category.objects.get(code="utilities"),
        dispute=Category.objects.get(code="dispute"),
        consult_cat=Category.objects.get(code="welfare"),
        housing=housing,
        water=water,
        handler=handler,
        water_handler=water_handler,
        village_clerk=clerk,
    )
