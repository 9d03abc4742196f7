"""Default activity types: the statute cadences [S] of 《中国共产党支部工作条例（试行）》 and the
county practice [C] of the spec (domain.md §3). Seeded by migration 0002; a county admin edits
them at /life/types/."""

REG = "《中国共产党支部工作条例（试行）》"

DEFAULT_TYPES = [
    # code, name, cadence, applies_to, min_count, fixed_day, photos, source, basis, roster, counts_for
    (
        "general_meeting",
        "支部党员大会",
        "quarterly",
        "branch",
        1,
        None,
        False,
        "statute",
        f"{REG}：党员大会一般每季度召开1次",
        "subtree",
        None,
    ),
    (
        "committee_meeting",
        "支部委员会会议",
        "monthly",
        "branch_committee",
        1,
        None,
        False,
        "statute",
        f"{REG}：支部委员会会议一般每月召开1次（设有支委会的党支部）",
        "committee",
        None,
    ),
    (
        "group_meeting",
        "党小组会",
        "monthly",
        "group",
        1,
        None,
        False,
        "statute",
        f"{REG}：党小组会一般每月召开1次",
        "direct",
        None,
    ),
    (
        "party_lecture",
        "党课",
        "quarterly",
        "branch",
        1,
        None,
        False,
        "county",
        "本县规定：每季度至少上1次党课（条例要求党支部书记每年至少讲1次党课）",
        "subtree",
        None,
    ),
    (
        "themed_day",
        "主题党日",
        "monthly",
        "branch",
        1,
        15,
        True,
        "county",
        "本县规定：每月固定一天（15日）开展主题党日，须上传活动照片",
        "subtree",
        None,
    ),
    (
        "secretary_lecture",
        "书记讲党课",
        "yearly",
        "branch",
        1,
        None,
        False,
        "statute",
        f"{REG}：党支部书记每年至少讲1次党课（同时计入党课）",
        "subtree",
        "party_lecture",
    ),
    (
        "life_meeting",
        "组织生活会",
        "yearly",
        "branch",
        1,
        None,
        False,
        "statute",
        f"{REG}：组织生活会一般每年召开1次",
        "subtree",
        None,
    ),
    (
        "appraisal",
        "民主评议党员",
        "yearly",
        "branch",
        1,
        None,
        False,
        "statute",
        f"{REG}：民主评议党员一般每年开展1次，评定优秀、合格、基本合格、不合格",
        "subtree",
        None,
    ),
]


def seed(ActivityType) -> None:
    """Create the default types that are missing (the migration, and tests whose database was
    flushed by a transactional test)."""
    made = {}
    for order, row in enumerate(DEFAULT_TYPES, start=1):
        code, name, cadence, applies_to, n, day, photos, source, basis, roster, _ = row
        made[code], _ = ActivityType.objects.get_or_create(
            code=code,
            defaults=dict(
                name=name,
                cadence=cadence,
                applies_to=applies_to,
                min_count=n,
                fixed_day=day,
                requires_photos=photos,
                source=source,
                basis=basis,
                roster=roster,
                order=order * 10,
            ),
        )
    for row in DEFAULT_TYPES:
        if row[-1] and made[row[0]].counts_for_id is None:
            made[row[0]].counts_for = made[row[-1]]
            made[row[0]].save(update_fields=["counts_for"])
