from jiceng.core.navigation import NavItem, is_manager


def items(user):
    return [NavItem("system", "imports:index", "Excel导入", "imports", order=10)] if is_manager(user) else []
