from jiceng.core.navigation import NavItem, is_staff


def items(user):
    out = []
    if is_staff(user):
        out.append(NavItem("ratings", "ratings:ranking", "党员积分", "ratings-points", order=0))
        out.append(NavItem("ratings", "ratings:stars", "评星定级", "ratings-stars", order=20))
        out.append(NavItem("ratings", "ratings:fortress", "堡垒指数", "ratings-fortress", order=30))
        out.append(NavItem("ratings", "ratings:weak", "软弱涣散整顿", "ratings-weak", order=40))
        out.append(NavItem("ratings", "ratings:inspections", "督查与问责", "ratings-inspections", order=45))
    if user.member_id:
        out.append(NavItem("ratings", "ratings:mine", "我的积分", "ratings-mine", order=5))
    out.append(NavItem("ratings", "ratings:claims", "积分申报", "ratings-claims", order=10))
    out.append(NavItem("ratings", "ratings:scheme", "积分办法", "ratings-scheme", order=50))
    # secretaries' annual report and appraisal: staff, and reviewers or secretaries of any role
    out.append(NavItem("ratings", "ratings:appraisal", "书记述职评议", "ratings-appraisal", order=45))
    return out


# ---- organization star ratings (星级党组织评定) ---------------------------------------------------
_items_before_orgratings = items


def items(user):  # noqa: F811
    out = _items_before_orgratings(user)
    if is_staff(user):
        out.append(NavItem("ratings", "ratings:orgratings", "星级评定", "ratings-orgratings", order=35))
    return out


# ---- posts and pledges (设岗定责、承诺践诺) ------------------------------------------------------
_items_before_posts = items


def items(user):  # noqa: F811
    out = _items_before_posts(user)
    out.append(NavItem("ratings", "ratings:posts", "设岗定责", "ratings-posts", order=12))
    out.append(NavItem("ratings", "ratings:pledges", "承诺践诺", "ratings-pledges", order=14))
    if is_staff(user):
        out.append(NavItem("ratings", "ratings:vanguard", "先锋指数", "ratings-vanguard", order=32))
    return out
