from jiceng.core.navigation import NavItem, is_staff


def items(user):
    out = [
        NavItem("ratings", "ratings:claims", "积分申报", "ratings-claims", order=10),
        NavItem("ratings", "ratings:posts", "设岗定责", "ratings-posts", order=12),
        NavItem("ratings", "ratings:pledges", "承诺践诺", "ratings-pledges", order=14),
        # secretaries' annual report and appraisal: staff, and reviewers or secretaries of any role
        NavItem("ratings", "ratings:appraisal", "书记述职评议", "ratings-appraisal", order=45),
        NavItem("ratings", "ratings:scheme", "积分办法", "ratings-scheme", order=50),
    ]
    if user.member_id:
        out.append(NavItem("ratings", "ratings:mine", "我的积分", "ratings-mine", order=5))
    if is_staff(user):
        out += [
            NavItem("ratings", "ratings:ranking", "党员积分", "ratings-points", order=0),
            NavItem("ratings", "ratings:stars", "评星定级", "ratings-stars", order=20),
            NavItem("ratings", "ratings:fortress", "堡垒指数", "ratings-fortress", order=30),
            NavItem("ratings", "ratings:vanguard", "先锋指数", "ratings-vanguard", order=32),
            NavItem("ratings", "ratings:orgratings", "星级评定", "ratings-orgratings", order=35),
            NavItem("ratings", "ratings:weak", "软弱涣散整顿", "ratings-weak", order=40),
            NavItem("ratings", "ratings:inspections", "督查与问责", "ratings-inspections", order=45),
        ]
    return out
