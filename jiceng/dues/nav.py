from jiceng.core.navigation import NavItem, is_county, is_manager, is_staff


def items(user):
    out = [NavItem("members", "dues:calculator", "党费计算器", "dues_calculator", order=45)]
    if is_staff(user):
        out += [
            NavItem("members", "dues:ledger", "党费台账", "dues", order=30),
            NavItem("members", "members:watch", "六个月预警", "watch", order=40),
        ]
        if is_manager(user):
            out.append(NavItem("members", "dues:bases", "党费基数核定", "dues_bases", order=35))
    elif user.member_id:
        out.append(NavItem("members", "dues:mine", "我的党费", "my_dues", order=30))
    if is_county(user):
        out.append(NavItem("system", "dues:settings", "党费设置", "dues_settings", order=35))
    return out
