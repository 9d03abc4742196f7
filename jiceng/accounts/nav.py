from jiceng.core.navigation import NavItem, is_manager


def items(user):
    if not is_manager(user):
        return []
    return [NavItem("system", "accounts:users", "用户账号", "users", order=10)]
