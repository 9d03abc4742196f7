"""Builders for the household tests (outside the floor plan, like jiceng/testing.py)."""

from __future__ import annotations

import io
from datetime import date
from itertools import count

from openpyxl import Workbook

from jiceng.core import xlsx
from jiceng.testing import make_id

from . import services
from .imports import COLUMNS

_numbers = count(1)


def add_household(village, *, people: int = 1, number: str | None = None, **fields):
    """A household of `village` (created by the system) with `people` persons, the first the head."""
    values = {"kind": "registered", "head_name": "王大户", "cause": "illness", "on": date(2020, 1, 1), **fields}
    household = services.create_household(None, village=village, number=number or f"H{next(_numbers):05d}", **values)
    for i in range(people):
        services.add_person(
            None,
            household,
            id_number=make_id(date(1970 + i, 3, 1)),
            name=values["head_name"] if i == 0 else f"成员{i}",
            relation="head" if i == 0 else "child",
        )
    return household


def add_cadre(organization, name: str = "李干部", **fields):
    return services.save_cadre(
        None, organization=organization, name=name, unit=fields.pop("unit", "县农业农村局"), **fields
    )


def import_file(rows: list[dict]) -> io.BytesIO:
    """An import workbook: the template's header and one row per dict (keys: column keys)."""
    wb = Workbook()
    ws = wb.active
    xlsx.append(ws, [c.header + ("*" if c.required else "") for c in COLUMNS])
    for row in rows:
        xlsx.append(ws, [row.get(c.key, "") for c in COLUMNS])
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out
