from jiceng.core.navigation import NavItem, is_staff


def items(user):
    if not is_staff(user):
        return []
    return [NavItem("orgs", "elections:list", "换届选举", "elections", order=40)]
