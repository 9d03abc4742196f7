from jiceng.core.navigation import NavItem, is_staff


def items(user):
    if not is_staff(user):
        return []
    return [NavItem("ratings", "cadres:list", "村干部", "cadres", order=60)]
