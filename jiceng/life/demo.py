"""Two years of organizational life for the demo county, with gaps: the records' window of
jiceng/demo/context.py (the last eight whole quarters and this one so far).

Branches get a profile: most hold and record everything on time; some skip meetings, some
record late, a few have poor attendance. Attendance rows are written for every meeting (above a
county the demo copies the first county whole, attendance included: jiceng/demo/replicate.py). Photos are a handful of small
generated images shared by the themed party days.
"""

from __future__ import annotations

import io
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.db.models import Q
from PIL import Image, ImageDraw

from jiceng.members.models import Member
from jiceng.orgs.models import Organization
from jiceng.orgs.rules import BRANCH_TYPES

from . import rules, summary
from .models import ActivityType, Appraisal, Attendance, Record, RecordPhoto, Talk

TZ = ZoneInfo("Asia/Shanghai")
TOPICS = {
    "themed_day": [
        "学习党的二十大精神",
        "重温入党誓词",
        "为民办实事：清理村道",
        "走访慰问困难群众",
        "学习党章党规",
        "观看红色教育影片",
        "垃圾分类宣传",
        "帮助秋收",
        "红色阵地参观",
        "防汛安全宣传",
    ],
    "committee_meeting": ["研究本月工作安排", "讨论发展党员计划", "研究村集体经济项目", "部署主题党日活动"],
    "general_meeting": ["通报支部工作", "讨论接收预备党员", "学习传达上级会议精神", "评议党员"],
    "party_lecture": ["牢记初心使命", "基层治理与党员责任", "乡村振兴中的党员作用", "作风建设专题党课"],
    "secretary_lecture": ["书记讲党课：强化党员意识"],
    "group_meeting": ["学习上级文件", "收集群众意见", "分配本月联系户", "交流学习体会"],
    "life_meeting": ["年度组织生活会暨批评与自我批评"],
    "appraisal": ["年度民主评议党员"],
}
PLACES = ["村部会议室", "党群服务中心", "新时代文明实践站", "支部活动室", "社区会议室"]
PROFILES = (("good", 0.68), ("gaps", 0.17), ("late", 0.10), ("poor", 0.05))


def _pick(rng, weighted):
    x, acc = rng.random(), 0.0
    for value, w in weighted:
        acc += w
        if x < acc:
            return value
    return weighted[-1][0]


def _photos(rng) -> list[tuple[str, str]]:
    """A few small drawn pictures stored once (photo, thumbnail) and shared by the demo records."""
    out = []
    for i in range(6):
        img = Image.new("RGB", (480, 320), (rng.randint(150, 230), rng.randint(40, 90), rng.randint(30, 60)))
        d = ImageDraw.Draw(img)
        for _ in range(12):
            x, y = rng.randint(0, 440), rng.randint(120, 280)
            d.ellipse((x, y, x + 28, y + 28), fill=(rng.randint(0, 80), rng.randint(0, 80), rng.randint(60, 160)))
        d.rectangle((0, 0, 480, 60), fill=(200, 16, 16))
        names = []
        for side, suffix in ((480, ""), (240, "-thumb")):
            copy = img.copy()
            copy.thumbnail((side, side))
            buf = io.BytesIO()
            copy.save(buf, "JPEG", quality=80)
            names.append(default_storage.save(f"life/photos/demo-{i}{suffix}.jpg", ContentFile(buf.getvalue())))
        out.append((names[0], names[1]))
    return out


def _dt(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=TZ)


def generate(ctx) -> dict[str, int]:
    rng = ctx.rng("life")
    today = ctx.today
    first = ctx.first_month  # two years: the last eight whole quarters and this one
    types = {t.code: t for t in ActivityType.objects.all()}
    orgs = list(
        Organization.objects.filter(ctx.root.subtree_filter(), type__in=list(BRANCH_TYPES) + ["group"]).values_list(
            "id", "path", "type", "has_committee", "founded_on", "secretary_name"
        )
    )
    members = defaultdict(list)  # organization id -> active member ids
    posts = {}
    for mid, org_id, post in Member.objects.filter(
        ctx.root.subtree_filter("organization__"), status__in=Member.ACTIVE_STATUSES
    ).values_list("id", "organization_id", "post"):
        members[org_id].append(mid)
        if post:
            posts[mid] = post
    by_path = {path: oid for oid, path, *_ in orgs}
    groups_of = defaultdict(list)
    for oid, path, kind, *_ in orgs:
        if kind == "group":
            parent = by_path.get(path[:-4])
            if parent:
                groups_of[parent].append(oid)
    first_county = ctx.root.path
    photos = _photos(rng)

    records: list[Record] = []
    rosters: list[tuple[list[int], str, bool]] = []  # per record: roster, profile, full rows?
    profile_of = {}

    def add(org_id, code, day, profile, roster, full, hour=9):
        t = types[code]
        if day > today or day < first:
            return
        skip = {"good": 0.03, "gaps": 0.35, "late": 0.08, "poor": 0.15}[profile]
        if rng.random() < skip:
            return
        end = rules.cadence_period(t.cadence, day).end
        if profile == "late" and rng.random() < 0.6 or rng.random() < 0.03:
            recorded = end + timedelta(days=rng.randint(1, 25))
        else:
            recorded = day + timedelta(days=rng.randint(0, 3))
        recorded = min(max(recorded, day), today)
        age = (today - day).days
        state = Record.State.RECORDED
        if age > 40 and rng.random() < 0.8:
            state = Record.State.PUBLISHED if rng.random() < 0.7 else Record.State.REVIEWED
        records.append(
            Record(
                organization_id=org_id,
                activity_type=t,
                state=state,
                planned_on=day,
                held_on=day,
                starts_at=_dt(day, hour),
                ends_at=_dt(day, hour + 2),
                place=rng.choice(PLACES),
                host="书记",
                recorder="组织委员",
                topic=rng.choice(TOPICS[code]),
                agenda="1. 学习\n2. 讨论\n3. 部署",
                minutes="会议按议程进行，党员逐一发言。",
                resolutions="按计划落实。",
                recorded_on=recorded,
                is_late=rules.is_late(day, recorded, t.cadence, t.grace_days),
                review_comment="程序规范，记录完整。" if state != Record.State.RECORDED else "",
                score=rng.randint(80, 98) if state != Record.State.RECORDED else None,
                published_at=_dt(recorded + timedelta(days=7), 10) if state == Record.State.PUBLISHED else None,
                reviewed_at=_dt(recorded + timedelta(days=5), 10) if state != Record.State.RECORDED else None,
            )
        )
        rosters.append((roster, profile, full))

    months = rules.months_between(first, today)
    for oid, path, kind, has_committee, founded_on, _secretary in orgs:
        if kind == "group":
            continue
        profile = _pick(rng, PROFILES)
        profile_of[oid] = profile
        full = path.startswith(first_county)
        roster = members[oid] + [m for g in groups_of[oid] for m in members[g]]
        committee = [m for m in members[oid] if m in posts and ("书记" in posts[m] or "委员" in posts[m])]
        start = max(first, founded_on or first)
        for p in months:
            if p.start < start:
                continue
            add(
                oid,
                "themed_day",
                p.start.replace(day=15) + timedelta(days=rng.choice([0, 0, 0, -1, 1])),
                profile,
                roster,
                full,
                14,
            )
            if has_committee:
                add(
                    oid,
                    "committee_meeting",
                    p.start + timedelta(days=rng.randint(2, 24)),
                    profile,
                    committee or roster,
                    full,
                )
            for g in groups_of[oid]:
                add(g, "group_meeting", p.start + timedelta(days=rng.randint(3, 25)), profile, members[g], full, 19)
            if p.start.month in (3, 6, 9, 12):
                add(oid, "general_meeting", p.end - timedelta(days=rng.randint(0, 20)), profile, roster, full)
                code = "secretary_lecture" if p.start.month == 6 else "party_lecture"
                add(oid, code, p.start + timedelta(days=rng.randint(0, 27)), profile, roster, full, 15)
            if p.start.month == 1:
                add(oid, "life_meeting", p.start + timedelta(days=rng.randint(10, 27)), profile, roster, full)
                add(oid, "appraisal", p.start + timedelta(days=rng.randint(10, 27)), profile, roster, full)

    # In-office members registered with a community (在职党员到社区报到, dates set by the
    # transfers demo) attend some of its themed party days as guests: the dual-registration
    # figures count those attendances. A separate random stream keeps the rest as it was.
    guest_rng = ctx.rng("life-dual")
    path_of = {oid: path for oid, path, *_ in orgs}
    registered = defaultdict(list)  # community path -> [(member, registered on)]
    for mid, cpath, since in Member.objects.filter(
        ctx.root.subtree_filter("registered_community__"),
        status__in=Member.ACTIVE_STATUSES,
        registered_on__isnull=False,
    ).values_list("id", "registered_community__path", "registered_on"):
        registered[cpath].append((mid, since))

    def guests(r: Record, roster: list[int]) -> list[int]:
        path = path_of.get(r.organization_id, "")
        out = []
        for cpath, regs in registered.items():
            if path.startswith(cpath):
                out.extend(m for m, since in regs if r.held_on >= since and guest_rng.random() < 0.08)
        return [m for m in out if m not in roster]

    # Decide every status first, so that records are written once with their figures.
    present_rate = {"good": 0.88, "gaps": 0.8, "late": 0.82, "poor": 0.45}
    # One member of the demo branch (not an account's) stopped coming six months ago, so the
    # six-month watch always has someone there, whatever the draws of a longer window give.
    known = {getattr(u, "member_id", None) for u in ctx.users.values()}
    planted = min((m for m in members.get(ctx.branch.pk, []) if m not in known), default=None)
    stopped = rules.add_months_start(today, -6)
    statuses: list[list[tuple[int, str, bool]] | None] = []
    photo_plan: list[list[tuple[str, str]]] = []
    for r, (roster, profile, full) in zip(records, rosters, strict=True):
        marks = []
        present = leave = 0
        for m in roster:
            x = rng.random()
            status = (
                "present" if x < present_rate[profile] else "leave" if x < present_rate[profile] + 0.05 else "absent"
            )
            late = status == "present" and rng.random() < 0.04
            if m == planted and r.held_on >= stopped:
                status, late = "absent", False
            present += status == "present"
            leave += status == "leave"
            marks.append((m, status, late))
        if full and r.activity_type.code == "themed_day":
            for m in guests(r, roster):
                marks.append((m, "present", False))
                present += 1
        r.expected_count, r.present_count, r.leave_count = len(marks), present, leave
        r.absent_count = len(marks) - present - leave
        statuses.append(marks if full else None)
        chosen = []
        if r.activity_type.code == "themed_day" and rng.random() > (0.25 if profile in ("gaps", "poor") else 0.03):
            chosen = rng.sample(photos, rng.randint(1, 2))
        r.photo_count = len(chosen)
        photo_plan.append(chosen)
        if not chosen and r.activity_type.code == "themed_day" and r.state != Record.State.RECORDED:
            # Without photos a themed party day cannot be reviewed or published [C].
            r.state, r.published_at, r.reviewed_at, r.review_comment, r.score = (
                Record.State.RECORDED,
                None,
                None,
                "",
                None,
            )
    Record.objects.bulk_create(records, batch_size=2000)

    # About a million attendance rows at county scale (two years): a plain executemany is several times
    # faster than bulk_create, which builds a model instance per row.
    table = connection.ops.quote_name(Attendance._meta.db_table)
    sql = (
        f"INSERT INTO {table} (record_id, member_id, status, late, left_early, method) VALUES (%s, %s, %s, %s, %s, %s)"
    )
    rows: list[tuple] = []
    att_count = 0
    photo_rows = []
    with connection.cursor() as cursor:
        for r, marks, chosen in zip(records, statuses, photo_plan, strict=True):
            for image, thumb in chosen:
                photo_rows.append(
                    RecordPhoto(
                        record_id=r.pk, image=image, thumbnail=thumb, caption="活动现场", original_name="现场.jpg"
                    )
                )
            if marks:
                rows.extend((r.pk, m, st, late, False, "recorder") for m, st, late in marks)
            if len(rows) >= 50000:
                cursor.executemany(sql, rows)
                att_count += len(rows)
                rows = []
        if rows:
            cursor.executemany(sql, rows)
            att_count += len(rows)
    RecordPhoto.objects.bulk_create(photo_rows, batch_size=2000)
    summary.rebuild()  # the rows above bypass the services that keep the monthly summary

    # Democratic appraisal of last year and heart-to-heart talks (first county).
    year = today.year - 1
    grades = (("excellent", 0.2), ("qualified", 0.75), ("basic", 0.04), ("unqualified", 0.01))
    appraisals = []
    talks = []
    member_rows = Member.objects.filter(
        Q(organization__path__gte=first_county)
        & Q(organization__path__lt=str(int(first_county) + 1).zfill(len(first_county))),
        status__in=Member.ACTIVE_STATUSES,
        join_date__lt=date(year, 12, 1),
    ).values_list("id", "organization_id")
    for mid, org_id in member_rows:
        appraisals.append(Appraisal(member_id=mid, organization_id=org_id, year=year, grade=_pick(rng, grades)))
        if rng.random() < 0.6:
            day = first + timedelta(days=rng.randint(0, (today - first).days))
            talks.append(
                Talk(
                    organization_id=org_id,
                    held_on=day,
                    kind=rng.choice(["committee_member", "members"]),
                    talker="书记",
                    member_id=mid,
                    summary="了解思想、工作和生活情况。",
                )
            )
    Appraisal.objects.bulk_create(appraisals, batch_size=5000)
    Talk.objects.bulk_create(talks, batch_size=5000)

    # The demo branch has a themed party day planned for this month, to be recorded.
    if today.day < 15:
        Record.objects.create(
            organization=ctx.branch,
            activity_type=types["themed_day"],
            planned_on=today.replace(day=15),
            topic="主题党日：学习新修订的党章",
            place="党群服务中心",
        )
    return {
        "组织生活纪实": len(records),
        "出勤记录": att_count,
        "活动照片": len(photo_rows),
        "民主评议": len(appraisals),
        "谈心谈话": len(talks),
    }
