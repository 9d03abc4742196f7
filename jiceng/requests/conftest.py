"""Fixtures of the request tests: the test county with a department, its handler, and a
village handler (the cache, rate limits included, is cleared before every test: jiceng/conftest.py;
the builders are in jiceng/requests/testing.py)."""

from __future__ import annotations

import pytest

from jiceng.accounts.models import User
from jiceng.testing import PASSWORD

from .models import Category, Department, DepartmentStaff
from .testing import Desk, ensure_seed_data


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


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
