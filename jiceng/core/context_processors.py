def navigation(request):
    """Navigation entries by domain; shown according to the user's role."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    nav = [
        ("dashboard:command", "指挥部", "dashboard"),
        ("orgs:tree", "党组织", "orgs"),
        ("members:list", "党员", "members"),
    ]
    if user.role != "member":
        nav.append(("orgs:warnings", "结构预警", "warnings"))
        nav.append(("orgs:coverage", "两新覆盖", "coverage"))
    if getattr(user, "can_manage", False) or user.is_superuser:
        nav.append(("imports:index", "Excel导入", "imports"))
    if user.role == "county_admin" or user.is_superuser:
        nav.append(("core:audit", "审计日志", "audit"))
        nav.append(("core:configuration", "县级配置", "configuration"))
    return {"nav_items": nav}
