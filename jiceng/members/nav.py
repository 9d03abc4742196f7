from jiceng.core.navigation import NavItem


def items(user):
    label = "我的档案" if user.role == "member" and not user.is_superuser else "党员名册"
    return [NavItem("members", "members:list", label, "members", order=0)]
