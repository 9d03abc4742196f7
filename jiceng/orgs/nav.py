from jiceng.core.navigation import NavItem, is_staff


def items(user):
    out = [NavItem("orgs", "orgs:tree", "组织树", "orgs", order=0)]
    if is_staff(user):
        out += [
            NavItem("orgs", "orgs:list", "组织列表", "orgs_list", order=5),
            NavItem("orgs", "orgs:warnings", "结构预警", "warnings", order=10),
            NavItem("orgs", "orgs:coverage", "两新覆盖", "coverage", order=20),
        ]
    return out
