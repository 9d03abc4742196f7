"""The to-do list of other apps: work waiting for a manager, contributed by every app to the to-do list (本月待办), so that the
list never names the apps.

An app defines ``jiceng/<app>/todos.py`` with

    todos(user, organization, today) -> list[Todo]

returning what waits for the managers of ``organization`` (the one the to-do page shows): its own
items and those of its party groups, overdue ones marked. Each item links to the page where it is
done. A contribution must use a fixed number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .registry import app_modules


@dataclass(frozen=True)
class Todo:
    kind: str  # what sort of work, e.g. 「整顿任务」
    title: str
    url: str
    due: date | None = None
    overdue: bool = False
    note: str = ""


def collect(user, organization, today: date) -> list[Todo]:
    items: list[Todo] = []
    for module in app_modules("todos"):
        items.extend(module.todos(user, organization, today) or [])
    # Overdue first, then by deadline (undated last).
    return sorted(items, key=lambda t: (not t.overdue, t.due or date.max, t.kind, t.title))
