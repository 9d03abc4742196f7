"""Demo data: transfers in flight (within and out of the county, some overdue), transfers
completed in the past year (within, out, in), a few returned or cancelled, and the registration
dates of in-office members registered with communities (their service projects:
jiceng/dual/demo.py). Political birthdays come from the join dates.

Members are never created or lost here: a member in flight moves from 在册 to 转接途中 (so
"counted + in transit" stays the generator's member count), a completed transfer out is
attached to a member the generator already made 已转出, and a completed transfer in is attached
to an existing member, whose creation row in the status history then names the letter.
"""

from __future__ import annotations

from datetime import date, timedelta

from jiceng.core import idnumbers
from jiceng.core.calendar import working_day_roller
from jiceng.core.scoping import path_q
from jiceng.development import queries as development
from jiceng.development import services as development_services
from jiceng.members.models import LeadHousehold, Member, StatusChange
from jiceng.orgs.models import Organization
from jiceng.orgs.rules import BRANCH_TYPES, add_years

from . import rules
from .models import Transfer, TransferEvent

PLACES = [
    ("湖南省长沙市岳麓区", "岳麓区麓山街道机关党支部"),
    ("湖北省武汉市洪山区", "洪山区关山街道第二社区党委"),
    ("广东省深圳市南山区", "南山区粤海街道某科技公司党支部"),
    ("广东省广州市天河区", "天河区石牌街道华师社区党委"),
    ("浙江省杭州市西湖区", "西湖区文新街道机关党支部"),
    ("江苏省南京市鼓楼区", "鼓楼区宁海路街道党工委"),
    ("上海市浦东新区", "浦东新区张江镇某企业党支部"),
    ("北京市海淀区", "海淀区中关村街道某社区党委"),
    ("重庆市渝中区", "渝中区解放碑街道党工委"),
    ("湖南省株洲市天元区", "天元区嵩山路街道第一党支部"),
]
OUT_AREAS = ("430104", "420111", "440305", "440106", "330106", "320106", "500103", "110108")
REASONS = ["work", "work", "work", "home", "study", "retired", "military", "other"]


def generate(ctx) -> dict[str, int]:
    rng = ctx.rng("transfers")
    today = ctx.today
    roll = working_day_roller()  # deadlines end on working days, as in the services
    say = ctx.say

    counted = Member.objects.filter(status__in=Member.ACTIVE_STATUSES)
    n = counted.count()
    if n == 0:
        return {}
    targets = list(
        Organization.objects.filter(type__in=BRANCH_TYPES).order_by("path").values_list("id", "path", "name")
    )
    guard = _WarningGuard(ctx.root.path)
    # A probationary member's open development file follows them (as confirm_transfer does), so
    # such members only move to organizations that admit members.
    with_open_file = development.members_with_open_files()
    admitting = set(Organization.objects.filter(type__in=["branch", "joint_branch"]).values_list("id", flat=True))
    followed: list[tuple[Member, Transfer]] = []
    blocked = set(LeadHousehold.objects.values_list("member_id", flat=True))
    blocked |= set(Member.objects.filter(user__isnull=False).values_list("id", flat=True))
    # Candidates in a random order, loaded in small batches as they are needed (a city has
    # hundreds of thousands of members; only a few percent move).
    candidate_ids = [
        pk
        for pk in counted.filter(post="")
        .exclude(path_q("organization__path", ctx.branch.path))
        .order_by("pk")
        .values_list("pk", flat=True)
        if pk not in blocked
    ]
    rng.shuffle(candidate_ids)
    movable = _Candidates(candidate_ids)
    left = list(Member.objects.filter(status=Member.Status.TRANSFERRED_OUT).order_by("pk"))
    rng.shuffle(left)

    plan = {
        "within_done": max(3, n // 60),
        "out_done": min(len(left), max(1, n // 150)),
        "in_done": max(2, n // 200),
        "within_open": max(3, n // 400),
        "out_open": max(2, n // 900),
        "in_open": max(2, n // 1200),
        "returned": max(1, n // 1000),
        "cancelled": max(1, n // 1000),
    }
    transfers: list[Transfer] = []
    events: list[tuple[Transfer, str, date, str]] = []
    history: list[StatusChange] = []
    moved: list[Member] = []

    def take(counted_after: bool = False) -> Member | None:
        """The next member whose leaving changes no structure warning (the demo county's
        warnings are planned by the generator); `counted_after`: the member stays counted."""
        while (m := movable.pop()) is not None:
            if counted_after or guard.leave(m):
                return m
        return None

    def target_for(member: Member):
        for _ in range(200):
            org_id, path, name = rng.choice(targets)
            if member.pk in with_open_file and org_id not in admitting:
                continue
            if org_id != member.organization_id and guard.join(org_id, member):
                return org_id, name
        return None

    def letter(member: Member, kind: str, issued: date, valid_days: int, **fields) -> Transfer:
        valid_until = issued + timedelta(days=valid_days)
        values = {
            "kind": kind,
            "member": member,
            "member_name": member.name,
            "gender": member.gender,
            "birth_date": member.birth_date,
            "id_number_masked": member.id_number_masked,
            "id_number_digest": member.id_number_digest,
            "phone": member.phone,
            "member_status": member.status,
            "join_date": member.join_date,
            "full_date": member.full_date,
            "from_org_id": member.organization_id,
            "issued_on": issued,
            "valid_until": valid_until,
            "due_on": rules.due_on(kind, valid_until, 1, roll),
            "reason": rng.choice(REASONS),
            "letter_number": "",
        }
        values.update(fields)
        t = Transfer(**values)
        transfers.append(t)
        return t

    def issue_date(member: Member, days_ago: int) -> date | None:
        """`days_ago` before today, but never before the member joined; None if impossible."""
        issued = max(today - timedelta(days=days_ago), member.join_date + timedelta(days=1))
        return issued if issued <= today else None

    def out_place():
        region, name = rng.choice(PLACES)
        return {"region": region, "to_name": name}

    # ---- completed in the past year: within the county ----------------------------------
    for _ in range(plan["within_done"]):
        m = take()
        if m is None:
            break
        issued = issue_date(m, rng.randint(30, 360))
        target = target_for(m) if issued else None
        if target is None:
            guard.undo_leave(m)
            continue
        to_id, to_name = target
        t = letter(m, Transfer.Kind.WITHIN, issued, 30, to_org_id=to_id, state=Transfer.State.COMPLETED)
        t.completed_on = t.receipt_on = min(issued + timedelta(days=rng.randint(1, 25)), today)
        events += [
            (t, "issue", issued, f"有效期至{t.valid_until:%Y-%m-%d}"),
            (t, "confirm", t.completed_on, f"{to_name}确认接收"),
        ]
        history += _transit(m, issued, t.completed_on, m.status, f"组织关系转入{to_name}")
        if m.pk in with_open_file:
            followed.append((m, t))
        m.organization_id = to_id
        moved.append(m)

    # ---- completed: out of the county (members the generator made 已转出) -------------------
    left_ids = []
    for m in left[: plan["out_done"]]:
        issued = issue_date(m, rng.randint(40, 360))
        if issued is None:
            continue
        left_ids.append(m.pk)
        place = out_place()
        t = letter(
            m, Transfer.Kind.OUT, issued, 30, member_status=Member.Status.FULL, state=Transfer.State.COMPLETED, **place
        )
        t.completed_on = min(issued + timedelta(days=rng.randint(3, 28)), today)
        t.receipt_on = min(t.completed_on + timedelta(days=rng.randint(5, 30)), today)
        events += [
            (t, "issue", issued, ""),
            (t, "receipt", t.receipt_on, f"{place['to_name']}于{t.completed_on:%Y-%m-%d}接收"),
        ]
        # The generator created them as 已转出; their history now shows how they left.
        history += _transit(
            m,
            issued,
            t.completed_on,
            Member.Status.FULL,
            f"组织关系转出县外：{place['to_name']}（回执{t.receipt_on:%Y-%m-%d}收到）",
            to_status=Member.Status.TRANSFERRED_OUT,
        )

    # ---- completed: into the county (existing members; their creation row names the letter) --
    came_in: list[tuple[Member, Transfer]] = []
    for _ in range(plan["in_done"]):
        m = take(counted_after=True)
        if m is None:
            break
        issued = issue_date(m, rng.randint(30, 360))
        if issued is None:
            continue
        region, name = rng.choice(PLACES)
        t = letter(
            m,
            Transfer.Kind.IN,
            issued,
            30,
            state=Transfer.State.COMPLETED,
            from_org_id=None,
            from_name=name,
            region=region,
            to_org_id=m.organization_id,
        )
        t.letter_number = f"{region[:2]}组转〔{issued.year}〕{rng.randint(10, 400)}号"
        t.completed_on = t.receipt_on = min(issued + timedelta(days=rng.randint(2, 25)), today)
        events += [(t, "record", issued, f"来自{name}"), (t, "confirm", t.completed_on, "确认接收")]
        came_in.append((m, t))

    # ---- in flight: within the county, a fifth of them overdue -----------------------------
    for i in range(plan["within_open"]):
        m = take()
        if m is None:
            break
        overdue = i % 5 == 0
        issued = issue_date(m, rng.randint(35, 70) if overdue else rng.randint(0, 25))
        target = _any_target(rng, targets, m)
        if issued is None:
            guard.undo_leave(m)
            continue
        to_id = target
        t = letter(m, Transfer.Kind.WITHIN, issued, 30, to_org_id=to_id)
        events.append((t, "issue", issued, f"有效期至{t.valid_until:%Y-%m-%d}"))
        history.append(_into_transit(m, issued, t))
        m.status = Member.Status.IN_TRANSIT
        moved.append(m)

    # ---- in flight: out of the county (overdue once the receipt period has passed too) -------
    for i in range(plan["out_open"]):
        m = take()
        if m is None:
            break
        overdue = i % 4 == 0
        issued = issue_date(m, rng.randint(65, 90) if overdue else rng.randint(0, 40))
        if issued is None:
            guard.undo_leave(m)
            continue
        t = letter(m, Transfer.Kind.OUT, issued, 30, **out_place())
        events.append((t, "issue", issued, ""))
        history.append(_into_transit(m, issued, t))
        m.status = Member.Status.IN_TRANSIT
        moved.append(m)

    # ---- returned and cancelled in the past year (the member stayed) ------------------------
    for state, count in ((Transfer.State.RETURNED, plan["returned"]), (Transfer.State.CANCELLED, plan["cancelled"])):
        for _ in range(count):
            m = take(counted_after=True)
            if m is None:
                break
            issued = issue_date(m, rng.randint(30, 300))
            if issued is None:
                continue
            to_id = _any_target(rng, targets, m)
            t = letter(m, Transfer.Kind.WITHIN, issued, 30, to_org_id=to_id, state=state)
            t.closed_on = min(issued + timedelta(days=rng.randint(1, 20)), today)
            t.closed_reason = "接收单位不是党员实际工作单位" if state == Transfer.State.RETURNED else "党员工作调动取消"
            action = "return" if state == Transfer.State.RETURNED else "cancel"
            events += [(t, "issue", issued, ""), (t, action, t.closed_on, t.closed_reason)]
            history += _transit(m, issued, t.closed_on, m.status, f"组织关系转接已{t.get_state_display()}")

    # ---- incoming letters not yet confirmed (people not yet members anywhere here) ----------
    used = set(Member.objects.values_list("id_number_digest", flat=True))
    for i in range(plan["in_open"]):
        overdue = i % 5 == 0
        issued = today - timedelta(days=rng.randint(35, 60) if overdue else rng.randint(0, 20))
        gender = rng.choice(("male", "female"))
        birth = add_years(today, -rng.randint(24, 55)) - timedelta(days=rng.randint(0, 364))
        number = _unused_number(rng, birth, gender, used)
        join = add_years(birth, rng.randint(19, 23))
        region, name = rng.choice(PLACES)
        org_id, _, _ = rng.choice(targets)
        if i == 0:
            org_id = ctx.branch.pk  # the demo branch has a letter waiting
        valid_until = issued + timedelta(days=30)
        t = Transfer(
            kind=Transfer.Kind.IN,
            member_name=_name(rng, gender),
            gender=gender,
            birth_date=birth,
            id_number_masked=idnumbers.mask(number),
            id_number_digest=idnumbers.digest(number),
            id_number_encrypted=idnumbers.encrypt(number),
            phone=f"139{rng.randrange(10**8):08d}",
            member_status=Member.Status.FULL,
            join_date=join,
            full_date=add_years(join, 1),
            from_name=name,
            region=region,
            to_org_id=org_id,
            letter_number=f"{region[:2]}组转〔{issued.year}〕{rng.randint(10, 400)}号",
            issued_on=issued,
            valid_until=valid_until,
            due_on=rules.due_on(Transfer.Kind.IN, valid_until, 0, roll),
            reason=rng.choice(REASONS),
        )
        transfers.append(t)
        events.append((t, "record", issued, f"来自{name}"))

    _number_letters(transfers)
    Transfer.objects.bulk_create(transfers, batch_size=1000)
    TransferEvent.objects.bulk_create(
        [TransferEvent(transfer=t, action=a, on=on, note=note[:255]) for t, a, on, note in events], batch_size=2000
    )
    StatusChange.objects.bulk_create(history, batch_size=2000)
    Member.objects.bulk_update(moved, ["organization", "status"], batch_size=1000)
    development_services.files_follow_in_bulk(
        [(member.pk, t.to_org_id, t.completed_on, t.letter_number) for member, t in followed]
    )
    StatusChange.objects.filter(member_id__in=left_ids, from_status="").update(to_status=Member.Status.FULL)
    for m, t in came_in:
        StatusChange.objects.filter(member=m, from_status="").update(
            on=t.completed_on, reason=f"县外转入：来自{t.from_name}（介绍信{t.letter_number}）"
        )

    _registration_dates(rng, today)
    state_counts = {s: sum(1 for t in transfers if t.state == s) for s in Transfer.State.values}
    overdue = sum(1 for t in transfers if t.state == Transfer.State.IN_TRANSIT and t.due_on < today)
    say(
        f"  组织关系转接：在途 {state_counts['in_transit']} 件（超期 {overdue}），近一年完成 {state_counts['completed']} 件"
    )
    return {
        "转接在途": state_counts["in_transit"],
        "其中超期": overdue,
        "近一年完成转接": state_counts["completed"],
        "退回或撤销": state_counts["returned"] + state_counts["cancelled"],
    }


class _Candidates:
    """Members popped in the shuffled order, fetched 500 at a time."""

    def __init__(self, ids: list[int]):
        self.ids, self.batch = ids, []

    def pop(self) -> Member | None:
        if not self.batch:
            chunk, self.ids = self.ids[-500:], self.ids[:-500]
            by_id = Member.objects.select_related("organization").in_bulk(chunk)
            self.batch = [by_id[pk] for pk in chunk if pk in by_id]
        return self.batch.pop() if self.batch else None


def _any_target(rng, targets, member: Member) -> int:
    while True:
        org_id = rng.choice(targets)[0]
        if org_id != member.organization_id:
            return org_id


class _WarningGuard:
    """Running counts of counted members per organization subtree, to refuse a demo move that
    would add or remove a structure warning (thresholds of 《中国共产党支部工作条例（试行）》:
    fewer than 3 full members; 7, more than 50 and 100 members)."""

    def __init__(self, root_path: str):
        from jiceng.orgs.queries import subtree_counts

        self.counts = {k: [c.members, c.full] for k, c in subtree_counts(root_path).items()}
        self.root_width = len(root_path)  # ancestors of the root (a city above a county) are not counted
        rows = Organization.objects.values_list("id", "path")
        self.path_of = dict(rows)
        self.by_path = {path: org_id for org_id, path in rows}

    def _chain(self, org_id: int) -> list[int]:
        path = self.path_of[org_id]
        return [
            self.by_path[path[:end]] for end in range(self.root_width, len(path) + 1, 4) if path[:end] in self.by_path
        ]

    @staticmethod
    def _crosses(before: list[int], after: list[int]) -> bool:
        (m0, f0), (m1, f1) = before, after
        return (m0 >= 7) != (m1 >= 7) or (m0 > 50) != (m1 > 50) or (m0 >= 100) != (m1 >= 100) or (f0 < 3) != (f1 < 3)

    def _apply(self, org_id: int, member: Member, sign: int) -> bool:
        full = 1 if member.status == Member.Status.FULL else 0
        chain = self._chain(org_id)
        if any(
            self._crosses(self.counts[o], [self.counts[o][0] + sign, self.counts[o][1] + sign * full]) for o in chain
        ):
            return False
        for o in chain:
            self.counts[o][0] += sign
            self.counts[o][1] += sign * full
        return True

    def leave(self, member: Member) -> bool:
        return self._apply(member.organization_id, member, -1)

    def undo_leave(self, member: Member) -> None:
        chain = self._chain(member.organization_id)
        full = 1 if member.status == Member.Status.FULL else 0
        for o in chain:
            self.counts[o][0] += 1
            self.counts[o][1] += full

    def join(self, org_id: int, member: Member) -> bool:
        return self._apply(org_id, member, +1)


def _transit(
    member: Member, start: date, end: date, status: str, reason: str, to_status: str | None = None
) -> list[StatusChange]:
    return [
        StatusChange(
            member=member, from_status=status, to_status=Member.Status.IN_TRANSIT, on=start, reason="组织关系转出"
        ),
        StatusChange(
            member=member, from_status=Member.Status.IN_TRANSIT, to_status=to_status or status, on=end, reason=reason
        ),
    ]


def _into_transit(member: Member, start: date, t: Transfer) -> StatusChange:
    return StatusChange(
        member=member,
        from_status=member.status,
        to_status=Member.Status.IN_TRANSIT,
        on=start,
        reason="组织关系转出（介绍信开具）",
    )


def _number_letters(transfers: list[Transfer]) -> None:
    """The county's letters are numbered per year in the order they were issued."""
    seq: dict[int, int] = {}
    for t in sorted((t for t in transfers if t.kind != Transfer.Kind.IN), key=lambda t: (t.issued_on, id(t))):
        seq[t.issued_on.year] = seq.get(t.issued_on.year, 0) + 1
        t.letter_number = f"{t.issued_on.year}-{seq[t.issued_on.year]:04d}"


def _unused_number(rng, birth: date, gender: str, used: set[str]) -> str:
    while True:
        number = idnumbers.make(rng.choice(OUT_AREAS), birth, rng.randrange(100), gender)
        digest = idnumbers.digest(number)
        if digest not in used:
            used.add(digest)
            return number


def _name(rng, gender: str) -> str:
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐"
    chars = "伟强磊军勇杰涛明超华平刚" if gender == "male" else "芳娜敏静丽艳娟霞燕玲婷慧"
    return rng.choice(surnames) + rng.choice(chars) + (rng.choice(chars) if rng.random() < 0.6 else "")


def _registration_dates(rng, today: date) -> None:
    """Registration dates for the members the generator registered with a community (在职党员到
    社区报到): the member's own record, set here, before the life and wishes demos add the
    attendances at the communities' themed party days and the claimed wishes that count for
    them. The service projects the communities entered are jiceng/dual/demo.py's."""
    members = list(
        Member.objects.filter(registered_community__isnull=False, status__in=Member.ACTIVE_STATUSES).order_by("pk")
    )
    for m in members:
        m.registered_on = max(
            today - timedelta(days=rng.randint(200, 1500)), (m.join_date or today) + timedelta(days=1)
        )
        if m.registered_on >= today:
            m.registered_on = today
    Member.objects.bulk_update(members, ["registered_on"], batch_size=1000)
