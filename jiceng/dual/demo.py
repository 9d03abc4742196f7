"""Demo data: the service projects the communities entered for their registered in-office
members, last year and this year. (Who is registered where comes with the members
(jiceng/members/demo.py), the registration dates from the transfers demo; party days and
wishes are counted from records, which the life and wishes demos add.)"""

from __future__ import annotations

from datetime import date, timedelta

from jiceng.members.models import Member

from .models import DualRegistrationRecord

PROJECTS = ["认领“周末助老”服务项目", "认领“四点半课堂”辅导项目", "认领垃圾分类劝导岗", "认领楼栋安全巡查项目"]


def generate(ctx) -> dict[str, int]:
    rng = ctx.rng("dual")
    today = ctx.today
    members = list(
        Member.objects.filter(
            ctx.root.subtree_filter("registered_community__"),
            status__in=Member.ACTIVE_STATUSES,
            registered_on__isnull=False,
        )
        .order_by("pk")
        .values_list("pk", "registered_community_id", "registered_on")
    )
    records = []
    for member_id, community_id, since in members:
        for year, chance in ((today.year - 1, 0.8), (today.year, 0.55)):
            start = max(date(year, 1, 1), since)
            end = min(date(year, 12, 31), today)
            if start > end or rng.random() >= chance:
                continue
            on = start + timedelta(days=rng.randint(0, (end - start).days))
            records.append(
                DualRegistrationRecord(
                    member_id=member_id,
                    community_id=community_id,
                    kind=DualRegistrationRecord.Kind.SERVICE_PROJECT,
                    on=on,
                    year=on.year,
                    title=rng.choice(PROJECTS),
                )
            )
    DualRegistrationRecord.objects.bulk_create(records, batch_size=2000)
    return {"到社区报到的在职党员": len(members), "双报到服务项目记录": len(records)}
