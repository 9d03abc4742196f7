"""A year of training for the demo county (jiceng/demo/context.py).

- Venues: the county party school's training base, each township's service centre and one
  family party school (农村家庭党校) per township.
- The county secretary academy (书记学院): every branch secretary, in classes of at most
  the county's limit (40), six sessions of 3 class hours across the last twelve months, a
  test at the end of each class that has finished; one class meets tomorrow (reminders).
- Winter training (党员冬训) in every township last winter, four sessions of 2 hours for a
  sample of its members (the demo member among them), with a test; next winter's course is
  planned with its sessions still ahead.
- Online learning (网上学习) hours for about a fifth of the members.
- Attendance is mostly present, with some lateness, leave and unexcused absence; a few
  people cross the absence limit in the current year, so notices and demerits exist.

Written with bulk_create; the notices and demerits come from the real service
(`services.check_absences`). Random choices come from ctx.rng("training") only.
"""

from __future__ import annotations

import math
from datetime import date, time, timedelta
from decimal import Decimal

from django.db.models import Q

from jiceng.members.models import Member
from jiceng.orgs.models import Organization

from . import rules, services
from .models import Attendance, Course, Enrollment, Exam, ExamResult, Session, StudyRecord, TrainingSettings, Venue

ACADEMY_TOPICS = [
    "学习贯彻党的二十大精神",
    "《中国共产党支部工作条例（试行）》解读",
    "“三会一课”规范化记录",
    "发展党员工作程序与常见问题",
    "党费收缴使用管理",
    "基层治理与群众工作方法",
    "乡村振兴政策与村级集体经济",
    "党务公开与村务监督",
]
WINTER_TOPICS = ["形势政策宣讲", "党章党规学习", "农业实用技术培训", "移风易俗与乡风文明", "法律知识讲座"]
ONLINE_TITLES = ["学习强国专题学习", "共产党员网在线课程", "党员教育网络课堂", "红色影片观看", "党史学习专题"]
TEACHERS = ["县委党校 王老师", "县委组织部 刘科长", "县委宣传部 陈部长", "乡镇党委书记", "县农业农村局 技术员"]
STATUS_WEIGHTS = [("present", 84), ("late", 5), ("early_leave", 2), ("excused", 5), ("unexcused", 4)]


def _pick_status(rng) -> str:
    return rng.choices([s for s, _ in STATUS_WEIGHTS], weights=[w for _, w in STATUS_WEIGHTS])[0]


def _townships(root: Organization) -> list[Organization]:
    return list(
        Organization.objects.filter(
            root.subtree_filter(),
            type=Organization.Type.COMMITTEE,
            domain__in=[Organization.Domain.RURAL, Organization.Domain.COMMUNITY],
            parent__domain=Organization.Domain.AGENCY,
        ).order_by("path")
    )


def generate(ctx) -> dict[str, int]:
    rng = ctx.rng("training")
    today = ctx.today
    rule_set = rules.RuleSet.of(TrainingSettings.current())
    townships = _townships(ctx.root)
    counties = sorted({t.parent_id for t in townships})
    county_orgs = {o.pk: o for o in Organization.objects.filter(pk__in=counties)}
    member_of = ctx.users.get("demo-member").member_id if ctx.users.get("demo-member") else None

    # ---- venues ------------------------------------------------------------------------
    venues = [
        Venue(
            name=f"{c.name.removesuffix('委')}党校培训基地", kind=Venue.Kind.TRAINING_BASE, organization=c, capacity=120
        )
        for c in county_orgs.values()
    ]
    villages_by_town = {}
    for t in townships:
        venues.append(
            Venue(
                name=f"{t.short_name or t.name.removesuffix('党委')}党群服务中心",
                kind=Venue.Kind.SERVICE_CENTRE,
                organization=t,
                capacity=80,
            )
        )
        village = (
            Organization.objects.filter(t.subtree_filter(), depth=t.depth + 1)
            .exclude(type=Organization.Type.GROUP)
            .order_by("path")
            .first()
        )
        villages_by_town[t.pk] = village
        if village is not None:
            venues.append(
                Venue(
                    name=f"{village.name.removesuffix('党总支').removesuffix('党支部').removesuffix('党委')}农村家庭党校",
                    kind=Venue.Kind.FAMILY_SCHOOL,
                    organization=village,
                    capacity=30,
                )
            )
    Venue.objects.bulk_create(venues)
    base_of = {v.organization_id: v for v in venues if v.kind == Venue.Kind.TRAINING_BASE}
    centre_of = {v.organization_id: v for v in venues if v.kind == Venue.Kind.SERVICE_CENTRE}
    school_of = {v.organization_id: v for v in venues if v.kind == Venue.Kind.FAMILY_SCHOOL}

    courses: list[Course] = []
    plans: list[tuple[Course, list[Session], list[Member], Exam | None]] = []

    # ---- the secretary academy -------------------------------------------------------------
    active = Q(status__in=Member.ACTIVE_STATUSES)
    first_day = today - timedelta(days=330)
    for county in county_orgs.values():
        secretaries = list(
            Member.objects.filter(active, county.subtree_filter("organization__"), post="党支部书记")
            .select_related("organization")
            .order_by("organization__path", "id")
        )
        size = rule_set.class_size_max
        classes = max(1, math.ceil(len(secretaries) / size)) if secretaries else 0
        for k in range(classes):
            people = secretaries[k * size : (k + 1) * size]
            start = first_day + timedelta(days=int(k * 300 / max(1, classes)))
            course = Course(
                title=f"{county.name.removesuffix('委')}书记学院第{k + 1}期",
                kind=Course.Kind.ACADEMY,
                organizer=county,
                year=start.year,
                class_size_limit=size,
                description="村（社区）党组织书记、党支部书记轮训。每班不超过40人，分6次课集中教学。",
            )
            if k == classes - 1:
                start = today + timedelta(days=1 - 14 * 4)  # the last class meets tomorrow
            days = [start + timedelta(days=14 * i) for i in range(6)]
            sessions = [
                Session(
                    course=course,
                    on=d,
                    start_time=time(9, 0),
                    end_time=time(12, 0),
                    class_hours=Decimal("3"),
                    topic=ACADEMY_TOPICS[(i + k) % len(ACADEMY_TOPICS)],
                    teacher=rng.choice(TEACHERS[:3]),
                    venue=base_of[county.pk],
                )
                for i, d in enumerate(days)
            ]
            exam = None
            if days[-1] < today:
                exam = Exam(
                    course=course, title="结业测试", held_on=days[-1], full_mark=Decimal("100"), pass_mark=Decimal("60")
                )
            courses.append(course)
            plans.append((course, sessions, people, exam))

    # ---- winter training per township ------------------------------------------------------
    last_winter = date(today.year - 1 if today.month < 12 else today.year, 12, 1)
    if last_winter + timedelta(days=90) > today:
        last_winter = date(last_winter.year - 1, 12, 1)
    next_winter = date(last_winter.year + 1, 12, 1)
    for t in townships:
        pool = list(
            Member.objects.filter(active, t.subtree_filter("organization__"))
            .select_related("organization")
            .order_by("id")
        )
        if not pool:
            continue
        people = rng.sample(pool, min(len(pool), rng.randint(35, 60)))
        demo = next((m for m in pool if m.pk == member_of), None)
        if demo is not None and demo not in people:
            people[0] = demo
        label = t.short_name or t.name.removesuffix("党委")
        for start, upcoming in ((last_winter, False), (next_winter, True)):
            if upcoming and start - today > timedelta(days=45):
                continue
            course = Course(
                title=f"{label}{start.year}—{start.year + 1}年度党员冬训",
                kind=Course.Kind.WINTER,
                organizer=t,
                year=start.year,
                description="农闲时节集中轮训，在乡镇党群服务中心和农村家庭党校开课。",
            )
            venue_pool = [
                v for v in (centre_of.get(t.pk), school_of.get(getattr(villages_by_town.get(t.pk), "pk", None))) if v
            ]
            sessions = [
                Session(
                    course=course,
                    on=start + timedelta(days=7 + 18 * i + rng.randint(0, 4)),
                    start_time=time(14, 30),
                    end_time=time(16, 30),
                    class_hours=Decimal("2"),
                    topic=WINTER_TOPICS[i % len(WINTER_TOPICS)],
                    teacher=rng.choice(TEACHERS),
                    venue=venue_pool[i % len(venue_pool)],
                )
                for i in range(4)
            ]
            exam = None
            if not upcoming:
                exam = Exam(course=course, title="冬训知识测试", held_on=sessions[-1].on, pass_mark=Decimal("60"))
            courses.append(course)
            plans.append((course, sessions, people, exam))

    # ---- write --------------------------------------------------------------------------
    Course.objects.bulk_create(courses)
    all_sessions, enrollments, exams = [], [], []
    for course, sessions, people, exam in plans:
        for s in sessions:
            s.course = course
        all_sessions += sessions
        enrollments += [Enrollment(course=course, member=m, organization_id=m.organization_id) for m in people]
        if exam is not None:
            exam.course = course
            exams.append(exam)
    Session.objects.bulk_create(all_sessions, batch_size=2000)
    Enrollment.objects.bulk_create(enrollments, batch_size=2000)
    Exam.objects.bulk_create(exams)

    by_course: dict[int, list[Enrollment]] = {}
    for e in enrollments:
        by_course.setdefault(e.course_id, []).append(e)
    exam_of = {x.course_id: x for x in exams}
    marks, results = [], []
    # A few people (about one in 150, at least two) miss three lessons in a year without leave:
    # this year where the courses allow it, else last year.
    truants, truant_year = set(), today.year
    for year in (today.year, today.year - 1):
        eligible = [
            e
            for course, sessions, _people, _exam in plans
            if sum(1 for s in sessions if s.on.year == year and s.on < today) >= 3
            for e in by_course.get(course.pk, [])
        ]
        if eligible:
            truants = {e.pk for e in rng.sample(eligible, min(len(eligible), max(2, len(eligible) // 150)))}
            truant_year = year
            break
    for course, sessions, _people, _exam in plans:
        past = [s for s in sessions if s.on < today]
        for e in by_course.get(course.pk, []):
            forced = []
            if e.pk in truants:
                forced = rng.sample([s for s in past if s.on.year == truant_year], 3)
            for s in past:
                status = "unexcused" if s in forced else _pick_status(rng)
                note = "家中有事，已请假" if status == "excused" else ""
                marks.append(Attendance(session=s, enrollment=e, status=status, note=note))
            exam = exam_of.get(course.pk)
            if exam is not None and rng.random() < 0.93:
                score = max(35, min(100, round(rng.gauss(81, 9))))
                results.append(ExamResult(exam=exam, enrollment=e, score=Decimal(score)))
    Attendance.objects.bulk_create(marks, batch_size=2000)
    ExamResult.objects.bulk_create(results, batch_size=2000)

    # ---- online learning -------------------------------------------------------------------
    studies = []
    # Branch secretaries study online more often than the average member.
    learners = Member.objects.filter(active, ctx.root.subtree_filter("organization__")).values_list(
        "id", "organization_id", "post"
    )
    for member_id, org_id, post in learners.order_by("id"):
        secretary = post == "党支部书记"
        if member_id != member_of and rng.random() > (0.8 if secretary else 0.2):
            continue
        for _ in range(rng.randint(4, 10) if secretary else rng.randint(1, 5)):
            studies.append(
                StudyRecord(
                    member_id=member_id,
                    organization_id=org_id,
                    on=today - timedelta(days=rng.randint(1, 300)),
                    hours=Decimal(rng.choice(["1", "1.5", "2", "3", "4"])),
                    title=rng.choice(ONLINE_TITLES),
                    source=StudyRecord.Source.ONLINE,
                )
            )
    StudyRecord.objects.bulk_create(studies, batch_size=2000)

    outcome = services.CheckOutcome()
    for year in (today.year - 1, today.year):
        result = services.check_absences(year)
        outcome.demerits += result.demerits
        outcome.notices += result.notices
    return {
        "培训班": len(courses),
        "课次": len(all_sessions),
        "学员": len(enrollments),
        "出勤记录": len(marks),
        "考试成绩": len(results),
        "学习记录": len(studies),
        "缺课通报扣分": outcome.demerits,
    }
