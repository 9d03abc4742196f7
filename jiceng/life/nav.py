from jiceng.core.navigation import NavItem, is_manager, is_staff


def items(user):
    if not is_staff(user):
        return [NavItem("life", "life:list", "组织生活公示", "life", order=0)]
    out = [
        NavItem("life", "life:list", "活动纪实", "life", order=0),
        NavItem("life", "life:compliance", "落实情况", "life_compliance", order=10),
        NavItem("life", "life:attendance_report", "出勤统计", "life_attendance", order=20),
        NavItem("life", "life:appraisals", "民主评议", "life_yearly", order=30),
        NavItem("life", "life:talks", "谈心谈话", "life_yearly", order=35),
        NavItem("life", "life:types", "组织生活规则", "life_types", order=60),
    ]
    if is_manager(user):
        out.insert(1, NavItem("life", "life:todo", "本月待办", "life_todo", order=5))
    return out
