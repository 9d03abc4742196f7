"""Demo data for 发展党员: files at every stage across the demo county, some overdue.

- New people (no member record yet): applicants, activists, development candidates and votes
  awaiting approval, plus files closed as 不予发展. A share of them is overdue: no talk within
  a month, no six-monthly review, approval past three months.
- The probationary members the county generator made get the file that admitted them,
  anchored on their 入党日期 (the branch meeting), up to where they are now; some full
  members who joined in the last few years get a completed file. So the member records and
  the files agree, and the county's member figures do not change.
- A few files end in 取消预备党员资格 with a member record that is kept as removed.
- The demo branch gets one file of each kind, so demo-branch sees them all.

Every date comes out of the same rules the services enforce (`rules.check_step` is run on
each step; a step it refuses ends the file there), relative to `ctx.today`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from jiceng.core import idnumbers
from jiceng.core.calendar import working_day_roller
from jiceng.core.dates import add_years
from jiceng.core.scoping import path_q
from jiceng.core.text import pinyin_keys
from jiceng.core.tree import SEGMENT
from jiceng.members.demo import COUNTY_AREA_PREFIX, FEMALE_CHARS, MALE_CHARS, SURNAME_CUMULATIVE, SURNAME_VALUES
from jiceng.members.models import Member, StatusChange
from jiceng.orgs.models import Organization

from . import rules, services
from .models import DevelopmentFile, Step, StepPerson
from .services.common import store_state

BATCH = 2000
REJECT_REASONS = ("本人撤回入党申请", "政治审查不合格", "考察期间表现不符合党员条件", "工作调动离开本单位")
HIGHER_TALKERS = ("组织员", "委员", "副书记")


@dataclass
class Branch:
    org: Organization
    full: list[Member] = field(default_factory=list)
    probationary: list[Member] = field(default_factory=list)
    recent_full: list[Member] = field(default_factory=list)


@dataclass
class Plan:
    """One file to write: the person, the steps and how it ends."""

    branch: Branch
    steps: list[tuple[int, date, dict]]
    member: Member | None = None
    person: dict = field(default_factory=dict)
    reject: tuple[date, str] | None = None


def _gaps(rng: random.Random) -> dict:
    return {
        2: rng.randint(7, 25),
        3: rng.randint(20, 120),
        4: rng.randint(3, 15),
        5: rng.randint(1, 10),
        "review": rng.randint(150, 178),
        7: rng.randint(0, 60),
        **{n: rng.randint(3, 20) for n in range(8, 15)},
        15: rng.randint(7, 30),
        16: rng.randint(3, 15),
        17: rng.randint(10, 75),
        18: rng.randint(3, 15),
        19: rng.randint(1, 10),
        20: rng.randint(1, 30),
        "review21": rng.randint(80, 100),
        22: rng.randint(5, 25),
        23: rng.randint(0, 20),
        24: rng.randint(10, 60),
        25: rng.randint(5, 30),
    }


def _timeline(start: date, g: dict, outcome: str = rules.TO_FULL) -> list[tuple[int, date]]:
    """Dates of every step (with the repeated reviews) from an application on `start`."""
    d = {1: start}
    d[2] = start + timedelta(days=g[2])
    d[3] = d[2] + timedelta(days=g[3])
    d[4] = d[3] + timedelta(days=g[4])
    d[5] = d[4] + timedelta(days=g[5])
    d[7] = add_years(d[3], 1) + timedelta(days=g[7])
    reviews, r = [], d[3] + timedelta(days=g["review"])
    while r < d[7] and r >= d[5]:
        reviews.append(r)
        r += timedelta(days=g["review"])
    if not reviews:
        reviews = [max(d[5], d[7] - timedelta(days=5))]
    for n in range(8, 21):
        d[n] = d[n - 1] + timedelta(days=g[n])
    end = add_years(d[15], 1)
    close = end - timedelta(days=g[22])
    reviews21, r = [], d[20] + timedelta(days=g["review21"])
    while r < close:
        reviews21.append(r)
        r += timedelta(days=g["review21"])
    if not reviews21:
        reviews21 = [d[20]]
    d[22] = max(close, reviews21[-1])
    d[23] = max(end, d[22]) + timedelta(days=g[23])
    d[24] = d[23] + timedelta(days=g[24])
    d[25] = d[24] + timedelta(days=g[25])
    out = [(n, d[n]) for n in range(1, 6)] + [(6, r) for r in reviews] + [(n, d[n]) for n in range(7, 21)]
    return out + [(21, r) for r in reviews21] + [(n, d[n]) for n in range(22, 26)]


def _anchored(rng: random.Random, anchor: int, on: date) -> list[tuple[int, date]]:
    """A timeline in which step `anchor` falls on `on` (the first review for 6)."""
    g = _gaps(rng)
    start = on - timedelta(days=800)
    for _ in range(3):
        dates = _timeline(start, g)
        actual = next(d for n, d in dates if n == anchor)
        if actual == on:
            break
        start += on - actual
    return _timeline(start, g)


class Writer:
    def __init__(self, ctx, rng: random.Random):
        self.ctx = ctx
        self.rng = rng
        self.today = ctx.today
        self.used_digests = set(Member.objects.values_list("id_number_digest", flat=True))
        self.used_digests |= set(DevelopmentFile.objects.values_list("id_number_digest", flat=True))
        self.area = f"{COUNTY_AREA_PREFIX}21"
        self.plans: list[Plan] = []
        self.roll = working_day_roller()  # deadlines end on working days, as in the services

    # ---- people --------------------------------------------------------------------------

    def name(self, male: bool) -> str:
        rng = self.rng
        surname = rng.choices(SURNAME_VALUES, cum_weights=SURNAME_CUMULATIVE)[0]
        chars = MALE_CHARS if male else FEMALE_CHARS
        return surname + rng.choice(chars) + (rng.choice(chars) if rng.random() < 0.75 else "")

    def person(self, applied: date) -> dict:
        rng = self.rng
        male = rng.random() < 0.55
        gender = "male" if male else "female"
        age = int(rng.triangular(18, 45, 24))
        birth = add_years(applied, -age) - timedelta(days=rng.randint(0, 360))
        adult = rules.eighteenth_birthday(birth)
        if birth > applied or adult > applied:
            birth = add_years(applied, -19)
        while True:
            number = idnumbers.make(self.area, birth, rng.randrange(1000), gender)
            digest = idnumbers.digest(number)
            if digest not in self.used_digests:
                self.used_digests.add(digest)
                break
        name = self.name(male)
        pinyin, initials = pinyin_keys(name)
        return {
            "name": name,
            "name_pinyin": pinyin,
            "name_initials": initials,
            "gender": gender,
            "birth_date": birth,
            "id_number_encrypted": idnumbers.encrypt(number),
            "id_number_digest": digest,
            "id_number_masked": idnumbers.mask(number),
            "phone": rng.choice(("13", "15", "18")) + f"{rng.randrange(10**9):09d}",
            "education": rng.choice(("bachelor", "junior_college", "secondary", "secondary", "junior_high")),
            "occupation": rng.choice(("farmer", "worker", "professional", "other", "manager")),
        }

    def person_of(self, member: Member) -> dict:
        return {
            "name": member.name,
            "name_pinyin": member.name_pinyin,
            "name_initials": member.name_initials,
            "gender": member.gender,
            "birth_date": member.birth_date,
            "ethnicity": member.ethnicity,
            "id_number_encrypted": member.id_number_encrypted,
            "id_number_digest": member.id_number_digest,
            "id_number_masked": member.id_number_masked,
            "phone": member.phone,
            "education": member.education,
            "occupation": member.occupation,
        }

    # ---- step data -------------------------------------------------------------------------

    def data(self, branch: Branch, n: int, on: date, outcome: str = rules.TO_FULL) -> dict | None:
        """What a step records; None when the branch has nobody who may do it on that day."""
        rng = self.rng
        full = [m for m in branch.full if m.full_date and m.full_date <= on]
        if n == 2:
            return {"people": [("talker", rng.choice(full), "")]} if full else None
        if n == 3:
            return {"recommendation": rng.choice(("党员推荐", "群团组织推优", "党员推荐、群团组织推优"))}
        if n == 5:
            if not full:
                return None
            return {"people": [("contact", m, "") for m in rng.sample(full, min(len(full), rng.choice((1, 2))))]}
        if n == 9:
            if len(full) < 2:
                return None
            return {"people": [("sponsor", m, "") for m in rng.sample(full, 2)]}
        if n == 11:
            return {"training_days": rng.choice((3, 3, 4, 5))} if rng.random() < 0.7 else {"training_hours": 24}
        if n in (15, 23):
            entitled = max(len(full), 1)
            attended = min(entitled, max(entitled // 2 + 1, int(entitled * rng.uniform(0.7, 1.0))))
            yes = max(entitled // 2 + 1, attended - rng.randint(0, 2))
            if yes > attended:
                return None
            vote = rules.Vote(entitled=entitled, attended=attended, yes=yes, no=attended - yes)
            return {"vote": vote, **({"outcome": outcome} if n == 23 else {})}
        if n == 16:
            return {
                "people": [("talker", None, f"{self.name(rng.random() < 0.6)}（乡镇党委{rng.choice(HIGHER_TALKERS)}）")]
            }
        return {}

    # ---- plans -----------------------------------------------------------------------------

    def plan(
        self, branch: Branch, anchor: int, on: date, stop: int, *, member=None, outcome=rules.TO_FULL, reject=False
    ):
        dates = _anchored(self.rng, anchor, on)
        steps = []
        for n, d in dates:
            if member is not None and n in (16, 17):
                d = min(d, self.today)  # a member who joined days ago: talk and approval came quickly
            if n > stop or d > self.today:
                break
            data = self.data(branch, n, d, outcome)
            if data is None:
                break
            if n == 19 and member is not None and member.organization.type == Organization.Type.GROUP:
                data["group"] = member.organization
            steps.append((n, d, data))
        if member is not None and 17 not in [n for n, _, _ in steps]:
            return None  # the member record says the approval came; a file that cannot say so is left out
        if not steps:
            return None
        person = self.person_of(member) if member is not None else self.person(steps[0][1])
        closing = None
        if reject:
            last = steps[-1][1]
            closing = (min(self.today, last + timedelta(days=self.rng.randint(1, 40))), self.rng.choice(REJECT_REASONS))
        self.plans.append(Plan(branch, steps, member=member, person=person, reject=closing))
        return self.plans[-1]

    def new_person(self, branch: Branch, kind: str) -> None:
        rng, today = self.rng, self.today
        days = rng.randint
        if kind == "applicant":
            self.plan(branch, 1, today - timedelta(days=days(0, 28)), 2)
        elif kind == "talk_overdue":
            self.plan(branch, 1, today - timedelta(days=days(33, 75)), 1)
        elif kind == "activist":
            self.plan(branch, 3, today - timedelta(days=days(10, 330)), 6)
        elif kind == "review_overdue":
            self.plan(branch, 3, today - timedelta(days=days(200, 300)), 5)
        elif kind == "candidate":
            self.plan(branch, 7, today - timedelta(days=days(0, 90)), rng.randint(7, 13))
        elif kind == "candidate_early":
            self.plan(branch, 7, today - timedelta(days=days(0, 20)), 9)
        elif kind == "awaiting_approval":
            self.plan(branch, 15, today - timedelta(days=days(0, 80)), 16)
        elif kind == "approval_overdue":
            self.plan(branch, 15, today - timedelta(days=days(95, 170)), 16)
        elif kind == "rejected":
            self.plan(branch, 1, today - timedelta(days=days(60, 700)), rng.randint(2, 12), reject=True)

    def admitted(self, branch: Branch, member: Member) -> None:
        """The file of a member the county already has (probationary, or full since recently)."""
        stop = 25 if member.status == Member.Status.FULL else 22
        self.plan(branch, 15, member.join_date, stop, member=member)

    def cancelled(self, branch: Branch) -> None:
        vote = self.today - timedelta(days=self.rng.randint(150, 330))
        plan = self.plan(branch, 15, vote, 20)
        if plan is None or plan.steps[-1][0] < 17:
            if plan is not None:
                self.plans.remove(plan)
            return
        last = plan.steps[-1][1]
        on23 = min(self.today, last + timedelta(days=self.rng.randint(5, 40)))
        on24 = min(self.today, on23 + timedelta(days=self.rng.randint(5, 30)))
        plan.steps.append((23, on23, self.data(branch, 23, on23, rules.CANCEL)))
        plan.steps.append((24, on24, {}))
        if plan.steps[-2][2] is None:
            self.plans.remove(plan)

    # ---- writing ---------------------------------------------------------------------------

    def write(self) -> dict[str, int]:
        files, steps_by_file, removed = [], [], []
        for plan in self.plans:
            file = DevelopmentFile(organization=plan.branch.org, member=plan.member, **plan.person)
            facts, rows = [], []
            state = rules.FileState(birth_date=file.birth_date, roll=self.roll)
            for n, on, data in plan.steps:
                people = tuple(
                    rules.Person(role, m.name, m.pk, m.status, m.full_date) if m else rules.Person(role, text)
                    for role, m, text in data.get("people", [])
                )
                fact = rules.StepFact(
                    n,
                    on,
                    outcome=data.get("outcome", ""),
                    vote=data.get("vote"),
                    training_days=data.get("training_days"),
                    training_hours=data.get("training_hours"),
                    people=people,
                )
                if rules.check_step(state, fact, self.today):
                    break
                state = rules.apply(state, fact)
                facts.append(fact)
                rows.append((n, on, data))
            if not rows or (state.last_step >= 17 and plan.member is None and state.status != rules.CANCELLED):
                continue  # admitted people have a member record; a plan that cannot say how is left out
            if plan.member is not None and state.last_step < 17:
                continue
            if state.status == rules.CANCELLED:
                member = self.cancelled_member(plan, state)
                removed.append(member)
                file.member = member
            if plan.reject and state.status == rules.OPEN and state.last_step < 17:
                on, reason = plan.reject
                state = replace(state, status=rules.REJECTED, closed_on=max(on, state.last_on))
                file.close_reason = reason
            store_state(file, state)
            files.append(file)
            steps_by_file.append(rows)
        if removed:
            Member.objects.bulk_create(removed, batch_size=BATCH)
            StatusChange.objects.bulk_create(
                [
                    StatusChange(member=m, from_status="", to_status=m.status, on=m.join_date, reason="建档")
                    for m in removed
                ],
                batch_size=BATCH,
            )
        DevelopmentFile.objects.bulk_create(files, batch_size=BATCH)
        step_objs, people = [], []
        for file, rows in zip(files, steps_by_file, strict=True):
            for n, on, data in rows:
                vote = data.get("vote")
                step = Step(
                    file=file,
                    number=n,
                    on=on,
                    outcome=data.get("outcome", ""),
                    recommendation=data.get("recommendation", ""),
                    training_days=data.get("training_days"),
                    training_hours=data.get("training_hours"),
                    group=data.get("group"),
                    vote_entitled=vote.entitled if vote else None,
                    vote_attended=vote.attended if vote else None,
                    vote_written=0 if vote else None,
                    vote_yes=vote.yes if vote else None,
                    vote_no=vote.no if vote else None,
                    vote_abstain=0 if vote else None,
                    is_late=n == 2 and on > rules.talk_deadline(file.applied_on, self.roll),
                )
                step_objs.append(step)
                for role, m, title in data.get("people", []):
                    people.append((step, role, m, title))
        Step.objects.bulk_create(step_objs, batch_size=BATCH)
        StepPerson.objects.bulk_create(
            [self.step_person(s, r, m, t) for s, r, m, t in people],
            batch_size=BATCH,
        )
        return {
            "发展党员档案": len(files),
            "其中进行中": sum(1 for f in files if f.status == rules.OPEN),
            "已转正归档": sum(1 for f in files if f.status == rules.COMPLETED),
            "不予发展": sum(1 for f in files if f.status == rules.REJECTED),
            "取消预备党员资格": sum(1 for f in files if f.status == rules.CANCELLED),
            "步骤记录": len(step_objs),
        }

    @staticmethod
    def step_person(step: Step, role: str, member: Member | None, text: str) -> StepPerson:
        if member is not None:
            return StepPerson(step=step, role=role, member=member, name=member.name)
        name, _, title = text.partition("（")
        return StepPerson(step=step, role=role, name=name, title=title.rstrip("）"))

    def cancelled_member(self, plan: Plan, state: rules.FileState) -> Member:
        p = plan.person
        return Member(
            name=p["name"],
            name_pinyin=p["name_pinyin"],
            name_initials=p["name_initials"],
            gender=p["gender"],
            birth_date=p["birth_date"],
            id_number_encrypted=p["id_number_encrypted"],
            id_number_digest=p["id_number_digest"],
            id_number_masked=p["id_number_masked"],
            phone=p["phone"],
            education=p["education"],
            occupation=p["occupation"],
            join_date=state.vote_on,
            organization=plan.branch.org,
            status=Member.Status.REMOVED,
            removal_reason=Member.RemovalReason.PROBATION_CANCELLED,
        )


def _branches(ctx) -> list[Branch]:
    root = ctx.root
    orgs = list(
        Organization.objects.filter(path_q("path", root.path), type__in=services.DEVELOPING_TYPES).order_by("path")
    )
    by_path = {o.path: Branch(o) for o in orgs}
    all_types = dict(Organization.objects.filter(path_q("path", root.path)).values_list("path", "type"))
    members = (
        Member.objects.filter(path_q("organization__path", root.path), status__in=Member.ACTIVE_STATUSES)
        .filter(development_files__isnull=True)
        .select_related("organization")
        .order_by("organization__path", "name_pinyin", "id")
    )
    recent = add_years(ctx.today, -4)
    for m in members:
        path = m.organization.path
        branch = None
        for end in range(len(path), len(root.path) - 1, -SEGMENT):
            if path[:end] in by_path:
                branch = by_path[path[:end]]
                break
        if branch is None or all_types.get(path) not in (*services.DEVELOPING_TYPES, Organization.Type.GROUP):
            continue
        if m.status == Member.Status.FULL:
            branch.full.append(m)
            if m.join_date and m.join_date >= recent and m.full_date and m.full_date <= ctx.today - timedelta(days=130):
                branch.recent_full.append(m)
        else:
            branch.probationary.append(m)
    return [b for b in by_path.values() if len(b.full) >= 3]


NEW_KINDS = (
    ("applicant", 24),
    ("talk_overdue", 5),
    ("activist", 30),
    ("review_overdue", 6),
    ("candidate", 14),
    ("awaiting_approval", 6),
    ("approval_overdue", 3),
    ("rejected", 8),
)


def generate(ctx) -> dict[str, int]:
    rng = ctx.rng("development")
    writer = Writer(ctx, rng)
    branches = _branches(ctx)
    demo = next((b for b in branches if b.org.pk == ctx.branch.pk), None)
    kinds, weights = zip(*NEW_KINDS, strict=True)
    for branch in branches:
        if branch is demo:
            continue
        for _ in range(rng.choices((0, 1, 2, 3, 4), weights=(25, 30, 25, 12, 8))[0]):
            writer.new_person(branch, rng.choices(kinds, weights=weights)[0])
        for member in branch.probationary:
            if rng.random() < 0.85:
                writer.admitted(branch, member)
        for member in branch.recent_full:
            if rng.random() < 0.25:
                writer.admitted(branch, member)
        if rng.random() < 0.01:
            writer.cancelled(branch)
    if demo is not None:
        for kind in ("applicant", "talk_overdue", "activist", "review_overdue", "candidate_early", "awaiting_approval"):
            writer.new_person(demo, kind)
        writer.new_person(demo, "approval_overdue")
        writer.new_person(demo, "rejected")
        done = [m for m in demo.full if m.join_date and m.full_date and m.full_date <= ctx.today - timedelta(days=130)]
        done.sort(key=lambda m: m.join_date, reverse=True)
        for member in demo.probationary + done[:2]:
            writer.admitted(demo, member)
        writer.cancelled(demo)
    figures = writer.write()
    ctx.say(f"  发展党员档案 {figures['发展党员档案']:,} 份（进行中 {figures['其中进行中']:,} 份）")
    return figures
