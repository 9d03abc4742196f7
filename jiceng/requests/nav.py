from jiceng.core.navigation import NavItem, is_county

from . import queries


def items(user):
    if not queries.is_request_staff(user):
        return []
    out = [NavItem("mass", "requests:inbox", "群众诉求", "requests", order=10)]
    if user.is_superuser or user.can_manage:
        out.append(NavItem("mass", "requests:create", "登记诉求", "requests_create", order=11))
        out.append(NavItem("mass", "requests:ranking", "诉求办理排名", "requests_ranking", order=12))
    if is_county(user):
        out.append(NavItem("mass", "requests:settings", "诉求配置", "requests_config", order=13))
    out.append(NavItem("mass", "resident:board", "诉求公开栏", "requests_board", order=14))
    return out
