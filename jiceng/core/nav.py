from .navigation import NavItem, is_county


def items(user):
    if not is_county(user):
        return []
    return [
        NavItem("system", "core:audit", "审计日志", "audit", order=20),
        NavItem("system", "core:settings", "县级配置", "county_settings", order=30),
        NavItem("system", "core:calendar", "节假日日历", "calendar", order=40),
        NavItem("system", "core:jobs", "定时任务", "jobs", order=50),
    ]
