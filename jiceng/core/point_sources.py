"""Where member points (党员积分, jiceng.ratings) come from: the point sources of every app.

An app whose records earn or cost points has a ``points_sources`` module with a list
``SOURCES`` of `PointSource`. Ratings never reads another app's tables: it asks each source
for the events of a month (`PointSource.events`) and links each ledger line back to its record
(`PointSource.link(record_id, member_id)`, a URL built without a query). A new capability (volunteer hours, posts, pledges) plugs in by adding its
own module; nothing else changes. The code is the key a points scheme's items use
(``life.present``); it must never change once a scheme uses it.

``events(members, first, last)`` gets a queryset of ``Member`` ids (the members being
computed) and the first and last day of a month, and yields `PointEvent`s: one per record that
earns the points once (``quantity`` multiplies the item's points, e.g. hours of service). It
runs a bounded number of queries whatever the number of members (a township or a city).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django.db.models import QuerySet

from .registry import app_modules

# The five named stars (学习星、敬业星、效能星、服务星、自律星): the default categories of points.
# A county's star scheme (jiceng.ratings) may define its own stars; a source only suggests one.
STUDY, DEDICATION, EFFICIENCY, SERVICE, DISCIPLINE = "study", "dedication", "efficiency", "service", "discipline"
CATEGORIES = {
    STUDY: "学习",
    DEDICATION: "敬业",
    EFFICIENCY: "效能",
    SERVICE: "服务",
    DISCIPLINE: "自律",
}


class PointEvent(NamedTuple):
    """One record's event. A named tuple (not a dataclass): a city's month yields a million of
    them, and a tuple is built several times faster; built and read the same way."""

    member_id: int
    on: date
    record_id: int
    text: str
    quantity: Decimal = Decimal(1)


@dataclass(frozen=True)
class PointSource:
    code: str
    name: str
    category: str
    default_points: Decimal
    events: Callable[[QuerySet, date, date], Iterable[PointEvent]] = field(compare=False)
    link: Callable[[int, int], str] | None = field(default=None, compare=False)
    unit: str = "次"

    @property
    def is_deduction(self) -> bool:
        return self.default_points < 0


def registered() -> dict[str, PointSource]:
    """Every app's point sources by code, in INSTALLED_APPS order."""
    found: dict[str, PointSource] = {}
    for module in app_modules("points_sources"):
        for source in module.SOURCES:
            if source.code in found:
                raise ImproperlyConfiguredSource(f"two point sources share the code {source.code!r}")
            found[source.code] = source
    return found


class ImproperlyConfiguredSource(Exception):
    pass
