from jiceng.core.navigation import NavItem


def items(user):
    return [NavItem("dashboard", "dashboard:command", "指挥部", "dashboard", order=0)]
