from jiceng.core.navigation import NavItem, is_county, is_staff


def items(user):
    if not is_staff(user):
        return [NavItem("training", "training:my_card", "我的学分卡", "training_cards", order=10)]
    entries = [
        NavItem("training", "training:courses", "培训班", "training", order=10),
        NavItem("training", "training:cards", "学分卡", "training_cards", order=20),
        NavItem("training", "training:summary_home", "培训统计", "training_summary", order=30),
        NavItem("training", "training:study", "网上学习与自学", "training_study", order=40),
        NavItem("training", "training:demerits", "缺课通报与扣分", "training_demerits", order=50),
        NavItem("training", "training:venues", "培训场所", "training_venues", order=60),
    ]
    if is_county(user):
        entries.append(NavItem("training", "training:settings", "培训规则", "training_settings", order=70))
    return entries
