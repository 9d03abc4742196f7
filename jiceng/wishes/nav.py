from jiceng.core.navigation import NavItem, is_staff


def items(user):
    out = []
    if is_staff(user):
        out.append(NavItem("mass", "wishes:list", "微心愿", "wishes", order=30))
    if user.member_id:
        out.append(NavItem("mass", "wishes:claim_pool", "认领微心愿", "wishes-claim", order=31))
        out.append(NavItem("mass", "wishes:mine", "我认领的心愿", "wishes-mine", order=32))
    return out
