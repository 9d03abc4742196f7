"""Cards that apps add to shared screens, so the member page, the organization page and the
command screen show every domain's part without naming the apps.

An app defines any of these functions in ``jiceng/<app>/panels.py``; each returns a list of
`Panel` (empty when it has nothing to show to this user):

    member_panels(request, member)            -> cards on the member page
    organization_panels(request, organization) -> cards on the organization page
    command_panels(request, root, today)      -> cards on the command screen (党建指挥部)

A panel's template receives the panel's `context` as ``panel``. Command-screen panels must
use a fixed number of queries whatever the size of the subtree (tests assert it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .registry import app_modules


@dataclass
class Panel:
    title: str
    template: str
    context: dict = field(default_factory=dict)
    order: int = 50
    width: str = "col-md-6"


def collect(hook: str, *args) -> list[Panel]:
    panels: list[Panel] = []
    for module in app_modules("panels"):
        fn = getattr(module, hook, None)
        if fn is not None:
            panels.extend(fn(*args) or [])
    return sorted(panels, key=lambda p: p.order)
