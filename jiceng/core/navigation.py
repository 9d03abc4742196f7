"""The menu: each app lists its own entries in ``jiceng/<app>/nav.py``::

    from jiceng.core.navigation import NavItem

    def items(user):
        return [NavItem("members", "dues:ledger", "党费", "dues", order=30)]

Entries are grouped under the fixed headings of GROUPS and shown as a dropdown where a
group has more than one entry. `key` is the value views pass as ``active_nav``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .registry import app_modules

GROUPS = [
    ("dashboard", "指挥部"),
    ("orgs", "党组织"),
    ("members", "党员"),
    ("life", "组织生活"),
    ("training", "教育培训"),
    ("mass", "群众工作"),
    ("ratings", "考核评价"),
    ("system", "系统管理"),
]


@dataclass(frozen=True)
class NavItem:
    group: str
    url_name: str
    label: str
    key: str
    order: int = 50
    for_residents: bool = False


@dataclass
class NavGroup:
    key: str
    label: str
    items: list[NavItem] = field(default_factory=list)

    @property
    def keys(self) -> set[str]:
        return {i.key for i in self.items}


def menu(user) -> list[NavGroup]:
    from jiceng.core.scoping import is_resident

    resident = is_resident(user)
    groups = {key: NavGroup(key, label) for key, label in GROUPS}
    for module in app_modules("nav"):
        for item in module.items(user):
            if resident and not item.for_residents:
                continue
            groups[item.group].items.append(item)
    out = []
    for g in groups.values():
        if g.items:
            g.items.sort(key=lambda i: (i.order, i.label))
            out.append(g)
    return out


def is_staff(user) -> bool:
    """Anyone but a plain member (members see their own record and their own pages)."""
    from jiceng.core.scoping import is_member_role

    return not is_member_role(user)


def is_manager(user) -> bool:
    return user.is_superuser or getattr(user, "can_manage", False)


def is_county(user) -> bool:
    return user.is_superuser or user.role == "county_admin"
