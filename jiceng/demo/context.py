"""What the demo generator hands to each app's ``demo.py``.

After the organizations, members and accounts exist (built by ``jiceng/orgs/demo.py`` and
``jiceng/members/demo.py``, which the generator calls itself), the generator calls
``generate(ctx) -> dict[str, int]`` of every other app that has a ``demo`` module, in the order
of INSTALLED_APPS, each in its own transaction. The returned figures (label → count) are
printed in the summary. An app draws its random choices from ``ctx.rng("<app>")`` so that
adding an app never changes another app's demo data.

How far back the records go is one figure for every app: ``ctx.first_month`` is the first day of
the quarter ``RECORD_QUARTERS`` whole quarters before the current one, so the records cover the
last eight whole quarters (two years: what the ratings demo rates, quarter by quarter and year
by year) and this quarter so far. An app whose records earn points or feed a rating starts
there; an app may keep a shorter window where its figures need no more (say so in its module).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from jiceng.core.dates import add_months
from jiceng.orgs.models import Organization

RECORD_QUARTERS = 8  # whole quarters of records before the current one (two years)


@dataclass
class DemoContext:
    seed: int
    scale: str  # "county" or "tiny" (above a county the first county is generated at "county" and copied)
    today: date
    root: Organization  # the county (or city) committee
    township: Organization  # demo-township's township
    branch: Organization  # demo-branch's branch, where demo-member is
    users: dict  # username -> User: demo-county, demo-township, demo-branch, demo-member
    say: Callable[[str], None]
    password: str = "demo12345"  # the demo accounts' password, for any account an app adds

    def rng(self, app: str) -> random.Random:
        return random.Random(f"{self.seed}:{app}")

    @property
    def first_month(self) -> date:
        """The first day of the records' window (see the module's docstring)."""
        quarter = date(self.today.year, (self.today.month - 1) // 3 * 3 + 1, 1)
        return add_months(quarter, -3 * RECORD_QUARTERS)
