from jiceng.core.navigation import NavItem, is_staff


def items(user):
    """Under 党员, next to the member-care pages (transfers' 政治生日 is 25)."""
    if not is_staff(user):
        return []
    return [NavItem("members", "dual:list", "在职党员到社区报到", "dual", order=26)]
