"""Finding the pieces each domain app contributes, so that shared screens never list apps by hand.

An app contributes by having a module of an agreed name: ``nav`` (menu entries), ``panels``
(cards on the member, organization and command screens), ``jobs`` (periodic work),
``demo`` (demo-county data), ``watch`` (six-month watch sources), ``dual_sources`` (what dual
registration counts from the app, jiceng/dual/queries.py), ``imports`` (importers,
jiceng/core/importing.py), ``org_figures`` (member counts for the organization pages, which sit
below members: jiceng/orgs/queries.py), ``todos`` (work waiting for a manager on the to-do list,
jiceng/core/todo.py), ``points_sources`` and ``index_sources`` (member points and the indices,
jiceng/core/point_sources.py and indices.py) and ``tests.scope`` (its rows of the outsider walk). `app_modules("nav")` imports those that exist, in the
order of INSTALLED_APPS, which is also the order the demo generator runs them.
"""

from __future__ import annotations

import importlib
from functools import cache
from types import ModuleType

from django.apps import apps


def jiceng_apps() -> list[str]:
    return [cfg.name for cfg in apps.get_app_configs() if cfg.name.startswith("jiceng.")]


@cache
def app_modules(submodule: str) -> tuple[ModuleType, ...]:
    found = []
    for name in jiceng_apps():
        try:
            found.append(importlib.import_module(f"{name}.{submodule}"))
        except ModuleNotFoundError as exc:
            # Only "this app has no such module" is expected; an import error inside it is a bug.
            if exc.name not in (f"{name}.{submodule}", f"{name}.{submodule.split('.')[0]}"):
                raise
    return tuple(found)
