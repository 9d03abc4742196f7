"""Menu entries: transfers, and the political birthdays of the same issue (they live in the
members app, their entry is listed here so that members/nav.py stays as it is). Dual
registration's entry is jiceng/dual/nav.py."""

from jiceng.core.navigation import NavItem, is_county, is_staff


def items(user):
    if not is_staff(user):
        return []
    out = [
        NavItem("members", "transfers:list", "组织关系转接", "transfers", order=20),
        NavItem("members", "transfers:overdue", "转接在途与超期", "transfers_overdue", order=21),
        NavItem("members", "members:birthdays", "政治生日", "birthdays", order=25),
    ]
    if is_county(user):
        out.append(NavItem("system", "transfers:settings", "转接设置", "transfer_settings", order=35))
    return out
