from jiceng.core.navigation import NavItem, is_staff


def items(user):
    # 我的帮扶户 for anyone with a member record (no query here: the page says when the user is
    # not a cadre), like 我的党费.
    mine = (
        [NavItem("mass", "households:mine", "我的帮扶户", "my_households", order=41)]
        if getattr(user, "member_id", None)
        else []
    )
    if not is_staff(user):
        return mine
    return [NavItem("mass", "households:coverage", "帮扶户", "households", order=40), *mine]
