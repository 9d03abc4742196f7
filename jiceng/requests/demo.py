"""Demo data for residents' requests: a year of requests across the county's villages and
communities — mixed channels, categories and tiers; most handled at village level, some
escalated to the township and whistled to departments, some late and some still overdue,
most rated, a few published — plus county departments, routing rules and the demo account
`demo-department` (部门经办人 of the housing department).

Written with bulk_create and one preloaded working-day calendar, so a county's ~15,000
requests and their timelines take a few seconds on SQLite. Every random choice comes from
``ctx.rng("requests")``; the only other input is ``ctx.today``.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from jiceng.core.calendar import WorkingCalendar
from jiceng.orgs.models import Organization

from . import rules
from .models import (
    Category,
    DeadlineRule,
    Department,
    DepartmentStaff,
    Request,
    RequestEvent,
    RequestSettings,
    RoutingRule,
)

DEFAULT_PASSWORD = "demo12345"
PER_VILLAGE = {"tiny": 18, "county": 72}
BATCH = 2000

DEPARTMENTS = [
    # code, name (the county's short name is put in front), categories whistled to it
    ("ZJJ", "住房和城乡建设局", ["road"]),
    ("JTJ", "交通运输局", []),
    ("SLJ", "水利局", ["utilities"]),
    ("CGJ", "城市管理和综合执法局", ["sanitation"]),
    ("MZJ", "民政局", ["welfare"]),
    ("RSJ", "人力资源和社会保障局", []),
    ("SFJ", "司法局", ["dispute"]),
    ("NYJ", "农业农村局", ["other"]),
    ("WJJ", "卫生健康局", []),
    ("YJJ", "应急管理局", []),
    ("SJJ", "市场监督管理局", []),
    ("HBJ", "生态环境分局", []),
]

TEMPLATES = {
    "road": [
        ("help", "{place}到组上的水泥路有一段塌陷，雨天积水，摩托车经过容易摔倒，请尽快修补。"),
        ("complaint", "{place}的路灯坏了半个多月，晚上出行很不方便，老人孩子不敢出门。"),
        ("suggestion", "建议在{place}学校门口加装减速带和警示牌，上下学时车速太快。"),
        ("help", "{place}桥头护栏被车撞坏，存在安全隐患，请派人维修。"),
    ],
    "utilities": [
        ("help", "{place}停水两天了，家里有老人，请尽快恢复供水。"),
        ("complaint", "{place}电压不稳，晚上经常跳闸，冰箱都烧坏了。"),
        ("help", "{place}自来水管爆裂，水流到路面上，请派人关阀抢修。"),
        ("consult", "想咨询{place}天然气管道什么时候能通到组里，怎么申请安装。"),
    ],
    "sanitation": [
        ("complaint", "{place}垃圾池好几天没人清运，气味很大，蚊蝇多。"),
        ("complaint", "{place}附近养殖场污水直排小河，河水发黑发臭。"),
        ("suggestion", "建议在{place}多放几个分类垃圾桶，现在垃圾乱扔的多。"),
        ("report", "有人夜里在{place}偷倒建筑垃圾，请查处。"),
    ],
    "dispute": [
        ("help", "和邻居因为{place}的宅基地界线有争议，多次协商不成，请村里帮忙调解。"),
        ("help", "邻居在{place}修围墙挡了我家排水沟，下雨就淹，请帮忙协调。"),
        ("complaint", "{place}有户人家狗不拴，咬伤过人，说了也不听。"),
    ],
    "welfare": [
        ("consult", "想咨询低保怎么申请，需要准备哪些材料。"),
        ("help", "家里老人瘫痪在床，子女在外务工，想申请临时救助和上门照护。"),
        ("consult", "新农合今年缴费标准是多少，在哪里缴，能不能手机上缴。"),
        ("help", "残疾证到期了要换证，行动不便，能否上门办理。"),
    ],
    "other": [
        ("suggestion", "建议在{place}建一个小广场，晚上大家有地方跳舞健身。"),
        ("consult", "想了解村里今年有没有种植补贴，怎么申报。"),
        ("help", "{place}有棵大树枯死了，刮风怕倒下砸到房子，请派人处理。"),
    ],
}
RESULTS = {
    "road": "已安排人员现场查看并修复，修复后已回访群众。",
    "utilities": "已联系供水（供电）单位抢修，当日恢复正常。",
    "sanitation": "已清运并安排专人定期巡查，督促责任方整改。",
    "dispute": "村调解委员会组织双方现场调解，已达成一致并签订调解协议。",
    "welfare": "已讲解政策并协助准备材料，申请已受理。",
    "other": "已答复群众并按程序办理。",
}
ANSWERS = {
    "consult": "已电话详细答复政策规定和办理流程，群众表示清楚。",
    "suggestion": "建议已收悉，已纳入村（社区）议事会讨论，将按程序推进。",
}
PLACES = ["村口", "三组", "五组", "老街", "学校旁", "村委会附近", "河边", "桥头", "小区东门", "菜市场旁"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董"
GIVEN = "秀英桂兰玉珍建国志强春梅海燕红霞明华德明小红丽娟文华国庆伟军"

CATEGORY_WEIGHTS = {"road": 18, "utilities": 12, "sanitation": 20, "dispute": 14, "welfare": 22, "other": 14}
# No "liaison" here: requests of that channel come only from representatives' recorded visits
# (jiceng/liaison/demo.py), so that every liaison figure has its visit behind it.
CHANNEL_WEIGHTS = {"qr": 44, "walk_in": 27, "phone": 23, "open311": 6}
TIER_WEIGHTS = {"on_spot": 35, "study": 55, "coordinate": 10}


def _pick(rng, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _aware(day: date, hour: int, minute: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _ticket(rng, day: date, used: set) -> str:
    while True:
        ticket = f"{day:%y%m%d}" + "".join(rng.choice(rules.TICKET_ALPHABET) for _ in range(6))
        if ticket not in used:
            used.add(ticket)
            return ticket


def generate(ctx) -> dict[str, int]:
    rng = ctx.rng("requests")
    township_depth = ctx.township.depth
    county = ctx.township.parent or ctx.root
    config = RequestSettings.current()
    config.township_depth = township_depth
    config.save()
    short = county.short_name or county.name.removesuffix("委")

    departments = {}
    whistle = {}
    for order, (code, name, categories) in enumerate(DEPARTMENTS, start=1):
        dept = Department.objects.create(
            code=f"{county.code}-{code}", name=f"{short}{name}", county=county, order=order
        )
        departments[code] = dept
        for category in categories:
            whistle[category] = dept
    categories = {c.code: c for c in Category.objects.filter(is_active=True)}
    RoutingRule.objects.bulk_create(
        [
            RoutingRule(organization=county, category=categories[code], target_department=dept, mode="whistle")
            for code, dept in whistle.items()
            if code in categories
        ]
        + [
            RoutingRule(
                organization=ctx.township,
                category=categories["welfare"],
                target_org=ctx.township,
                mode="intake",
                note="社会保障类由乡镇社保所直接受理",
            )
        ]
    )
    User = get_user_model()
    password = getattr(ctx, "password", None)
    # The handler works in the housing department, so their own organization is its party
    # branch when the county has one (they then have a command screen of their own unit).
    unit = Organization.objects.filter(
        name=f"{short}住房和城乡建设局党支部", path__gte=county.path, path__lt=county.path_end
    ).first()
    handler = User.objects.filter(username="demo-department").first()
    if handler is None:
        handler = User(
            username="demo-department", role="department_handler", display_name="住建局经办人", organization=unit
        )
        if password:
            handler.set_password(password)
        else:
            # An older generator does not hand the password over: the demo accounts share one,
            # so take demo-county's (hashed) password as it is.
            county_user = ctx.users.get("demo-county")
            handler.password = county_user.password if county_user else make_password(DEFAULT_PASSWORD)
        handler.save()
    DepartmentStaff.objects.update_or_create(user=handler, defaults={"department": departments["ZJJ"]})
    staff = (handler, departments["ZJJ"])

    townships = list(
        Organization.objects.filter(depth=township_depth, domain__in=["rural", "community"])
        .filter(path__gte=county.path, path__lt=county.path_end)
        .order_by("path")
    )
    villages = list(
        Organization.objects.filter(depth=township_depth + 1, domain__in=["rural", "community"])
        .filter(path__gte=county.path, path__lt=county.path_end)
        .order_by("path")
    )
    if not villages:
        return {"县直部门": len(departments)}
    township_by_path = {t.path: t for t in townships}
    branch = ctx.branch
    users = ctx.users
    township_user = users.get("demo-township")
    branch_user = users.get("demo-branch")

    per_village = PER_VILLAGE.get(ctx.scale, 40)
    total = per_village * len(villages)
    today = ctx.today
    start_day = today - timedelta(days=364)
    calendar = WorkingCalendar.load(start_day.year, today.year + 1)
    rule_rows = [r.as_rule() for r in DeadlineRule.objects.all()]
    now = timezone.now()
    used: set[str] = set()
    requests: list[Request] = []
    plans: list[list] = []
    for _ in range(total):
        offset = int(364 * rng.random() ** 0.85)
        day = start_day + timedelta(days=offset)
        received = _aware(day, rng.choice([8, 9, 9, 10, 10, 11, 14, 15, 16, 17, 19, 21]), rng.randint(0, 59))
        if received > now:
            received = now - timedelta(minutes=rng.randint(5, 600))
        place_org = branch if rng.random() < 0.01 and branch is not None else rng.choice(villages)
        town = township_by_path.get(rules.ancestor_path(place_org.path, township_depth))
        code = _pick(rng, CATEGORY_WEIGHTS)
        if code not in categories:
            code = next(iter(categories))
        kind, text = rng.choice(TEMPLATES.get(code, TEMPLATES["other"]))
        channel = _pick(rng, CHANNEL_WEIGHTS)
        priority = "urgent" if rng.random() < 0.03 else ("emergency" if rng.random() < 0.01 else "normal")
        tier = _pick(rng, TIER_WEIGHTS)
        picked = rules.pick_deadlines(rule_rows, categories[code].pk, tier, priority)
        dues, estimated = rules.due_dates(received, picked, calendar)
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
        req = Request(
            ticket=_ticket(rng, timezone.localtime(received).date(), used),
            kind=kind,
            category=categories[code],
            priority=priority,
            tier=tier,
            channel=channel,
            source_label="12345热线" if channel == "open311" else "",
            description=text.format(place=f"{place_org.short_name or place_org.name}{rng.choice(PLACES)}"),
            place=rng.choice(PLACES),
            name=name if rng.random() < 0.8 else "",
            phone=f"1{rng.choice('3456789')}{rng.randint(0, 999999999):09d}",
            organization=place_org,
            state=rules.State.RECEIVED,
            level="village",
            holder_org=place_org,
            received_at=received,
            held_since=received,
            assign_due_at=dues["assign"],
            response_due_at=dues["response"],
            done_due_at=dues["done"],
            deadline_estimated=estimated,
        )
        requests.append(req)
        plans.append([req, town, code])

    events: list[tuple[Request, dict]] = []
    for req, town, code in plans:
        _simulate(rng, req, town, code, whistle, calendar, rule_rows, now, events, township_user, branch_user, staff)
    now_stamp = timezone.now()
    for req in requests:
        req.updated_at = now_stamp
    fast_insert(Request, [_values(req) for req in requests])
    ids = dict(Request.objects.filter(ticket__in=used).values_list("ticket", "pk"))
    event_rows = []
    for req, fields in events:
        row = {f"{k}_id" if k in EVENT_FKS else k: _pk(v) if k in EVENT_FKS else v for k, v in fields.items()}
        row.update(request_id=ids[req.ticket], public=True)
        event_rows.append(row)
    fast_insert(RequestEvent, event_rows)
    return {
        "县直部门": len(departments),
        "群众诉求": len(requests),
        "办理记录": len(events),
        "在办诉求": sum(1 for r in requests if r.state in rules.OPEN_STATES),
        "公开诉求": sum(1 for r in requests if r.published),
    }


EVENT_FKS = {"actor", "target_org", "target_department"}


def _pk(obj):
    return None if obj is None else obj.pk


def _values(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if not f.primary_key}


def fast_insert(model, rows: list[dict]) -> None:
    """INSERT many rows with executemany: the demo's ~90,000 rows in a second or two, where
    bulk_create spends most of its time compiling SQL for SQLite's small batches. Values are
    adapted per column type once (datetimes and decimals as the backend stores them)."""
    from django.db import connection

    if not rows:
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    ops = connection.ops
    adapters = []
    for f in fields:
        internal = f.get_internal_type()
        if internal == "DateTimeField":
            adapters.append(ops.adapt_datetimefield_value)
        elif internal == "DecimalField":
            adapters.append(lambda v, f=f: ops.adapt_decimalfield_value(v, f.max_digits, f.decimal_places))
        else:
            adapters.append(None)
    defaults = {f.attname: f.get_default() for f in fields}
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({columns}) VALUES ({marks})"
    data = []
    for row in rows:
        values = []
        for f, adapt in zip(fields, adapters, strict=True):
            value = row.get(f.attname, defaults[f.attname])
            values.append(adapt(value) if adapt is not None and value is not None else value)
        data.append(values)
    with connection.cursor() as cursor:
        for start in range(0, len(data), 5000):
            cursor.executemany(sql, data[start : start + 5000])


def _delay(rng, start: datetime, hours_low: float, hours_high: float) -> datetime:
    return start + timedelta(hours=rng.uniform(hours_low, hours_high))


def _simulate(rng, req, town, code, whistle, calendar, rule_rows, now, events, township_user, branch_user, staff):
    """Play one request's life forward from its receipt until `now`, writing its events."""
    handler, handler_department = staff

    def event(at, action, from_state, to_state, role, note="", actor=None, target_org=None, target_department=None):
        events.append(
            (
                req,
                {
                    "at": at,
                    "actor": actor,
                    "actor_role": role,
                    "action": action,
                    "from_state": from_state,
                    "to_state": to_state,
                    "note": note,
                    "target_org": target_org,
                    "target_department": target_department,
                },
            )
        )

    channel_label = dict(rules.CHANNELS)[req.channel]
    event(
        req.received_at,
        "receive",
        "",
        "received",
        "群众" if req.channel in rules.PUBLIC_CHANNELS else "村（社区）工作人员",
        f"通过「{channel_label}」受理",
        target_org=req.organization,
    )
    is_branch_request = branch_user is not None and req.organization_id == branch_user.organization_id
    village_role = "村（社区）工作人员"

    # Recent requests are often still being handled: stop their story at some step.
    recent = (now - req.received_at).days < 21
    stop_at = (
        rng.choice(["accept", "contact", "escalate", "resolve", "resolve"]) if recent and rng.random() < 0.45 else ""
    )

    # Sign for it: mostly within hours, sometimes late.
    t = _delay(rng, req.received_at, 0.2, 30 if rng.random() < 0.9 else 60)
    if t > now or stop_at == "accept":
        return
    req.accepted_at = t
    req.assign_late = t > req.assign_due_at
    req.state = "accepted"
    if is_branch_request:
        req.holder_user = branch_user
    event(t, "accept", "received", "accepted", village_role, actor=req.holder_user)
    t = _delay(rng, t, 0.1, 50 if rng.random() < 0.92 else 100)
    if t > now or stop_at == "contact":
        return
    req.responded_at = t
    req.response_late = t > req.response_due_at
    event(t, "contact", "accepted", "accepted", village_role, "已电话联系群众，了解具体情况")

    roll = rng.random()
    if stop_at == "escalate":
        roll = roll * 0.16
    if roll < 0.16 and town is not None:
        # Escalated to the township (大事不出镇), and some of those whistled to a department.
        t = _delay(rng, t, 1, 40)
        if t > now:
            return
        _reassign(req, t, calendar, rule_rows, town=town)
        event(
            t,
            "escalate",
            "accepted",
            "escalated",
            village_role,
            f"上报至 {town.name}：村里协调不了，需乡镇出面",
            target_org=town,
        )
        t2 = _delay(rng, t, 0.5, 20)
        if t2 > now or (stop_at == "escalate" and roll > 0.055):
            return
        req.state, req.accepted_at = "accepted", t2
        req.assign_late = req.assign_late or t2 > req.assign_due_at
        req.holder_user = township_user if town.pk == getattr(township_user, "organization_id", None) else None
        event(t2, "accept", "escalated", "accepted", "乡镇（街道）工作人员", actor=req.holder_user)
        t = t2
        department = whistle.get(code)
        if roll < 0.055 and department is not None:
            t = _delay(rng, t, 2, 48)
            if t > now:
                return
            _reassign(req, t, calendar, rule_rows, department=department)
            event(
                t,
                "escalate",
                "accepted",
                "escalated",
                "乡镇（街道）工作人员",
                f"吹哨至 {department.name}：涉及部门职责",
                target_department=department,
            )
            t2 = _delay(rng, t, 1, 40)
            if t2 > now or (stop_at == "escalate" and rng.random() < 0.5):
                return
            req.state, req.accepted_at = "accepted", t2
            req.assign_late = req.assign_late or t2 > req.assign_due_at
            req.holder_user = handler if department.pk == handler_department.pk else None
            event(t2, "accept", "escalated", "accepted", "县直部门", actor=req.holder_user)
            t = t2

    # Resolve: the tier decides how long it usually takes; a few run late or stay open.
    span = {"on_spot": (0.3, 10), "study": (8, 150), "coordinate": (48, 600)}[req.tier]
    if req.category.code == "utilities":
        span = (1, 30)
    if rng.random() < 0.07:
        span = (span[1], span[1] * 3)
    t = _delay(rng, t, *span)
    if t > now or stop_at == "resolve":
        if rng.random() < 0.6:
            req.state = "in_progress"
            event(min(t, now), "start", "accepted", "in_progress", village_role)
        return
    answer = req.kind in rules.ANSWERABLE_KINDS and rng.random() < 0.7
    req.state = "answered" if answer else "resolved"
    req.resolved_at = t
    req.done_late = req.done_late or t > req.done_due_at
    req.resolved_level = req.level
    req.resolved_org = req.holder_org
    req.result = ANSWERS[req.kind] if answer else RESULTS.get(req.category.code, RESULTS["other"])
    role = {"village": village_role, "township": "乡镇（街道）工作人员", "department": "县直部门"}.get(
        req.level, "工作人员"
    )
    event(t, "answer" if answer else "resolve", "accepted", req.state, role, req.result, actor=req.holder_user)

    # Callback: most residents rate within a few days; some never do.
    if rng.random() > 0.78:
        if t + timedelta(days=15) < now:
            req.state, req.closed_at = "closed", t + timedelta(days=15)
            event(req.closed_at, "close", "resolved", "closed", "系统", "办结后 15 天群众未评价，系统自动关闭")
        return
    t = _delay(rng, t, 2, 120)
    if t > now:
        return
    late = req.done_late
    r = rng.random()
    rating = "unsatisfied" if r < (0.2 if late else 0.06) else ("basic" if r < 0.25 else "satisfied")
    solved = rng.random() < {"satisfied": 0.97, "basic": 0.8, "unsatisfied": 0.2}[rating]
    req.rating, req.solved, req.rated_at = rating, solved, t
    req.rating_channel = "online" if req.channel in rules.PUBLIC_CHANNELS else "phone"
    req.state, req.closed_at = "closed", t
    text = f"{dict(rules.RATINGS)[rating]}；问题{'已' if solved else '未'}解决"
    action = "rate" if req.rating_channel == "online" else "callback"
    event(t, action, "resolved", "closed", "群众" if action == "rate" else "村（社区）工作人员", text)
    if rating == "satisfied" and req.kind != "report" and rng.random() < 0.03:
        req.published, req.published_at = True, t + timedelta(hours=2)
        req.public_description = rules.mask_text(req.description, name=req.name, phone=req.phone)
        req.public_result = req.result
        event(req.published_at, "publish", "closed", "closed", village_role, "在公开栏公开（已隐去姓名和电话）")


def _reassign(req, at, calendar, rule_rows, *, town=None, department=None):
    """What services.engine._reassignment does, for the demo's in-memory requests."""
    for stage, done_at in (("response", req.responded_at), ("done", req.resolved_at)):
        due = getattr(req, f"{stage}_due_at")
        if done_at is None and due and at > due:
            setattr(req, f"{stage}_late", True)
    req.sent_by_org, req.sent_by_department = req.holder_org, req.holder_department
    if department is not None:
        req.holder_org, req.holder_department, req.level, req.tier = None, department, "department", "coordinate"
    else:
        req.holder_org, req.level = town, "township"
        if req.tier == "on_spot":
            req.tier = "study"
    req.holder_user = None
    req.state, req.accepted_at, req.held_since = "escalated", None, at
    req.escalations += 1
    picked = rules.pick_deadlines(rule_rows, req.category_id, req.tier, req.priority)
    stages = ["assign"] + (["response"] if req.responded_at is None else []) + ["done"]
    dues, estimated = rules.due_dates(at, picked, calendar, stages=stages)
    for stage, due in dues.items():
        setattr(req, f"{stage}_due_at", due)
    req.deadline_estimated = req.deadline_estimated or estimated
