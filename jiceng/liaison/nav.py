from jiceng.core.navigation import NavItem, is_staff


def items(user):
    if not is_staff(user):
        return []
    return [NavItem("mass", "liaison:report", "党代表联系群众", "liaison", order=20)]
