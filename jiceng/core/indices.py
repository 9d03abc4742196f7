"""The parts of the fortress index (堡垒指数, of a branch) and the vanguard index (先锋指数, of a
member): figures the apps already compute, registered by each app in an ``index_sources``
module as `IndexComponent`s and weighted by the county (jiceng.ratings).

``compute(root, year, today)`` returns, for the organizations of ``root``'s subtree it can judge,
an `IndexFigure`: a numerator over a denominator (their ratio is the component's value, 0–1) and
the page of the records behind it. An organization the component cannot judge (nothing owed,
no member due) is left out, and its index is weighted over the other components.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from .registry import app_modules

FORTRESS = "fortress"
# The vanguard index (先锋指数) of a member. Its components' ``compute(root, year, today)`` return
# figures keyed by **member id** (the active members of ``root``'s subtree it can judge) instead of
# organization id; everything else (the figure, the weights, leaving out what cannot be judged) is
# the same.
VANGUARD = "vanguard"
# Components of the organization star-rating checklists (星级党组织评定, jiceng.ratings) that the
# fortress index does not use: registered under their own index name, so the fortress index and
# its weights stay as they were; a checklist item may name a component of either. Keyed by
# organization id, like the fortress index. Any domain app may register one (here, not in
# ratings, so that a sibling app need not import ratings).
ORGRATING = "orgrating"


@dataclass(frozen=True)
class IndexFigure:
    numerator: Decimal
    denominator: Decimal
    url: str = ""
    text: str = ""  # how the figure reads, e.g. 「落实 10.5/12 个周期」

    @property
    def value(self) -> Decimal | None:
        if not self.denominator:
            return None
        return min(Decimal(1), Decimal(self.numerator) / Decimal(self.denominator))


@dataclass(frozen=True)
class IndexComponent:
    code: str
    name: str
    index: str
    default_weight: int
    compute: Callable[..., dict[int, IndexFigure]] = field(compare=False)
    explain: str = ""


def registered(index: str = FORTRESS) -> dict[str, IndexComponent]:
    found: dict[str, IndexComponent] = {}
    for module in app_modules("index_sources"):
        for component in module.COMPONENTS:
            if component.index == index:
                found[component.code] = component
    return found
