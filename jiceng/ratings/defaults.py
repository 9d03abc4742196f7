"""The default member points scheme loaded on install (domain spec §4, "Member points" [C], one
village's scheme): at most 10 points a month, a year out of 120, below 60 unqualified, three
unqualified years running → the branch advises the member to leave (劝退). A county changes it
as data at /ratings/scheme/ (a new version from a month)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from jiceng.core.point_sources import DEDICATION, DISCIPLINE, EFFICIENCY, SERVICE, STUDY

VALID_FROM = date(2020, 1, 1)
SCHEME = {
    "name": "党员积分管理办法",
    "monthly_cap": Decimal(10),
    "unqualified_below": Decimal(60),
    "leave_after_years": 3,
    "note": "每月积分最高10分，全年满分120分；全年低于60分为不合格；连续三年不合格的，支部劝其退党。",
}

# (code, name, source or "" for a claimed item, category, points, cap a month, cap a year)
ITEMS = [
    ("life", "参加组织生活", "life.present", STUDY, Decimal(2), Decimal(6), None),
    ("training", "参加教育培训", "training.attended", STUDY, Decimal(2), Decimal(4), None),
    ("dues", "按时足额交纳党费", "dues.on_time", DISCIPLINE, Decimal(2), Decimal(2), None),
    ("requests", "办结群众诉求", "requests.resolved", SERVICE, Decimal(1), Decimal(3), None),
    ("wishes", "认领并实现微心愿", "wishes.fulfilled", SERVICE, Decimal(2), Decimal(4), None),
    ("liaison", "党代表走访群众", "liaison.visit", SERVICE, Decimal(1), Decimal(3), None),
    ("development", "履行入党介绍人、培养联系人职责", "development.duty", DEDICATION, Decimal(2), Decimal(2), None),
    ("post", "履行岗位职责（设岗定责）", "", DEDICATION, Decimal(2), Decimal(2), None),
    ("pledge", "兑现承诺事项（承诺践诺）", "", EFFICIENCY, Decimal(2), Decimal(2), Decimal(12)),
    ("good_deed", "志愿服务、急难险重任务等好人好事", "", SERVICE, Decimal(2), Decimal(4), None),
    ("absent", "无故缺席组织生活", "life.absent", DISCIPLINE, Decimal(-2), None, None),
]

# (code, name, category, threshold of the category's points in a quarter): the five named stars.
# Thresholds from the default scheme above: three meetings (6), one post duty (2), one pledge
# (2), one service (2), dues paid on time in each month with no absence (6).
STARS = [
    ("study", "学习星", STUDY, Decimal(6)),
    ("dedication", "敬业星", DEDICATION, Decimal(2)),
    ("efficiency", "效能星", EFFICIENCY, Decimal(2)),
    ("service", "服务星", SERVICE, Decimal(2)),
    ("discipline", "自律星", DISCIPLINE, Decimal(6)),
]

# The second version of the default scheme (migration 0007): from January 2027 the post duties and
# the pledges are counted from their own records (the monthly 履岗记录 confirmed by the branch, the
# pledges the branch checked as kept) instead of being claimed. Earlier months keep the version
# they were counted with. Item code → its source.
POSTS_FROM = date(2027, 1, 1)
POSTS_SOURCES = {"post": "ratings.post_duty", "pledge": "ratings.pledge_kept"}
POSTS_NOTE = "自2027年1月起，履行岗位职责按支部每月确认的履岗记录计分，兑现承诺事项按支部核查的践诺情况计分，不再申报。"
