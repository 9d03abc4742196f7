from jiceng.core.navigation import NavItem, is_county, is_staff


def items(user):
    if not is_staff(user):
        return []
    entries = [
        NavItem("members", "development:list", "发展党员", "development", order=20),
        NavItem("members", "development:due", "发展党员待办", "development_due", order=21),
        NavItem("members", "development:stats", "发展党员统计", "development_stats", order=22),
        NavItem("members", "development:idle", "连续未发展党员台账", "development_idle", order=23),
    ]
    if is_county(user):
        entries.append(NavItem("system", "development:settings", "发展党员配置", "development_settings", order=60))
    return entries
