from jiceng.core.navigation import NavItem
from jiceng.core.scoping import is_member_role


def items(user):
    label = "我的档案" if is_member_role(user) else "党员名册"
    return [NavItem("members", "members:list", label, "members", order=0)]
