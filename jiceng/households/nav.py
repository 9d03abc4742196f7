from jiceng.core.navigation import NavItem, is_staff


def items(user):
    if not is_staff(user):
        return []
    return [
        NavItem("mass", "households:coverage", "帮扶户", "households", order=40),
    ]
