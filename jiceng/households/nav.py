from jiceng.core.navigation import NavItem, is_staff
from jiceng.core.scoping import is_resident


def items(user):
    # 我的帮扶户 for anyone with a member record or a resident's account (no query here: the page says when the user is
    # not a cadre), like 我的党费.
    mine = (
        [NavItem("mass", "households:mine", "我的帮扶户", "my_households", order=41, for_residents=True)]
        if getattr(user, "member_id", None) or is_resident(user)
        else []
    )
    if not is_staff(user):
        return mine
    return [NavItem("mass", "households:coverage", "帮扶户", "households", order=40), *mine]
