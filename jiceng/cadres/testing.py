"""Builders for the cadre tests (outside the floor plan, like jiceng/testing.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from jiceng.testing import make_id

from . import services


def cadre_id(birth: date = date(1975, 6, 1), gender: str = "male") -> str:
    """A valid ID number no other test person has."""
    return make_id(birth, gender)


def add_cadre(village, name: str = "李书记", post: str = "secretary", *, starts_on: date = date(2021, 1, 1), **fields):
    values = {"phone": "13700001111", "education": "secondary", **fields}
    return services.create_cadre(None, village=village, name=name, post=post, term_starts_on=starts_on,
                                 id_number=cadre_id(), **values)  # fmt: skip


def manual_scores(scheme, points: Decimal | int, evidence: str = "查阅台账") -> dict:
    """Every dimension of ``scheme`` scored at ``points`` percent of its weight."""
    return {d.code: (d.weight * Decimal(points) / 100, evidence) for d in scheme.dimensions.all()}
