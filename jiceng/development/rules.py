"""Development of new members (发展党员) — the statute as pure functions, no database.

Sources, named in every message a user sees:
- 《中国共产党章程》第一条 (age 18), 第五条 (two full members as sponsors, branch meeting,
  approval by the higher organization), 第七条 (one year of probation counted from the branch
  meeting; one extension of at most a year; party age from full membership).
- 《中国共产党发展党员工作细则》(2014): 第五条 (18 or older), 第七条 (talk within one month),
  第八条 (activists chosen by the branch committee, filed with the higher committee), 第十三条
  (candidate only after more than a year as an activist), 第十四条 (two full members as
  sponsors), 第十七条 (training of at least 3 days or 24 class hours), 第十九条 (branch
  committee review, pre-review), 第二十条 (quorum), 第二十一条 (majority of all entitled
  members), 第三十三条 (the full-membership meeting follows the same vote rules). Where we are
  not sure of the article (contacts, six-monthly review, approval within 3 / 6 months, the
  minimum extension of six months) only the regulation is named.

Date arithmetic (decision record 0006): periods are calendar months and years counted with
`jiceng.core.dates.add_months` / `add_years` (31 January + 1 month = 28/29 February):
- "within one month / 3 months / 6 months" of day D: the last allowed day is D + n months
  (the boundary day itself is allowed);
- "at least one year" after D: the first allowed day is D + 1 year (allowed);
- "every six months": the next review is due on D + 6 months (on time if held that day);
- probation: ends on vote day + 1 year (+ the extension); the full-membership vote and the
  full-membership date are that day, not the day after;
- age 18: the 18th birthday itself is allowed; someone born on 29 February turns 18 on
  1 March in a common year (as `members.rules.age_on` counts ages).
- 29 February: a period counted from 29 February ends on 28 February in a common year
  (`add_years` clips to the month's end), so a vote on 29 February 2024 ends probation on
  28 February 2025 and an activist chosen that day may become a candidate on 28 February 2025.

Holidays (民法典第二百零三条): when the last day of a DEADLINE ("within one month / 3 / 6
months", "every six months") is a statutory holiday or rest day, the deadline is the first
working day after it. The rules take that as a function `roll` (date -> date); the services
pass the working-day calendar (`jiceng.core.calendar.working_day_roller`), the pure tests pass
their own. MINIMUM periods never roll: the 18th birthday, one year as an activist, one year of
probation (and its extension) end on their calendar day whatever the weekday.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from jiceng.core.dates import add_months, add_years

REGULATION = "《中国共产党发展党员工作细则》"
CONSTITUTION = "《中国共产党章程》"


def cite(article: str = "") -> str:
    return f"{REGULATION}{article}"


# ---- the five stages and 25 steps ----------------------------------------------------------

STAGES = {
    1: "入党申请人的确定",
    2: "入党积极分子的确定和教育培养",
    3: "发展对象的确定和考察",
    4: "预备党员的接收",
    5: "预备党员的教育考察和转正",
}
STAGE_NUMERALS = {1: "一", 2: "二", 3: "三", 4: "四", 5: "五"}
STAGE_SHORT = {1: "申请人", 2: "积极分子", 3: "发展对象", 4: "接收预备党员", 5: "考察和转正"}

STEPS = {
    1: "递交入党申请书",
    2: "党组织派人谈话",
    3: "推荐和确定入党积极分子",
    4: "上级党委备案",
    5: "指定培养联系人",
    6: "培养教育考察",
    7: "确定发展对象",
    8: "报上级党委备案",
    9: "确定入党介绍人",
    10: "进行政治审查",
    11: "开展集中培训",
    12: "支部委员会审查",
    13: "上级党委预审",
    14: "填写入党志愿书",
    15: "支部大会讨论",
    16: "上级党委派人谈话",
    17: "上级党委审批",
    18: "再上一级党委组织部门备案",
    19: "编入党支部和党小组",
    20: "入党宣誓",
    21: "继续教育考察",
    22: "提出转正申请",
    23: "支部大会讨论",
    24: "上级党委审批",
    25: "材料归档",
}
STEP_STAGE = {n: 1 if n <= 2 else 2 if n <= 6 else 3 if n <= 11 else 4 if n <= 18 else 5 for n in STEPS}
REPEATABLE = {6, 21}  # six-monthly reviews of activists; continued review of probationary members

# What the person is while the file stands at a step (身份), for lists and counts.
APPLICANT, ACTIVIST, CANDIDATE, PROBATIONARY, FULL = "applicant", "activist", "candidate", "probationary", "full"
IDENTITIES = {
    APPLICANT: "入党申请人",
    ACTIVIST: "入党积极分子",
    CANDIDATE: "发展对象",
    PROBATIONARY: "预备党员",
    FULL: "正式党员",
}

# File status.
OPEN, COMPLETED, REJECTED, CANCELLED = "open", "completed", "rejected", "cancelled"
# The member's organizational relationship left the county; the file went with them (no step).
TRANSFERRED = "transferred"

# Outcomes of the full-membership meeting (step 23), approved at step 24.
TO_FULL, EXTEND, CANCEL = "full", "extend", "cancel"
OUTCOMES = {TO_FULL: "按期转为正式党员", EXTEND: "延长预备期", CANCEL: "取消预备党员资格"}

# People on a step.
CONTACT, SPONSOR, TALKER = "contact", "sponsor", "talker"


def step_label(number: int) -> str:
    return f"第{number}步「{STEPS[number]}」"


def identity_at(last_step: int, status: str = OPEN, outcome_approved: str = "") -> str:
    if status == COMPLETED or (last_step >= 24 and outcome_approved == TO_FULL):
        return FULL
    if last_step >= 17:
        return PROBATIONARY
    if last_step >= 7:
        return CANDIDATE
    if last_step >= 3:
        return ACTIVIST
    return APPLICANT


def fmt(day: date) -> str:
    return f"{day:%Y-%m-%d}"


# ---- boundaries ---------------------------------------------------------------------------

Roll = Callable[[date], date]


def same_day(day: date) -> date:
    """No calendar: a deadline stays on its calendar day (the services pass the working-day calendar)."""
    return day


CIVIL_CODE_203 = "《中华人民共和国民法典》第二百零三条"


def holiday_note(raw: date, rolled: date) -> str:
    """Why a deadline is later than the calendar count, for messages ('' when it is not)."""
    if rolled == raw:
        return ""
    return f"（期限最后一日{fmt(raw)}为法定节假日或休息日，顺延至{fmt(rolled)}，{CIVIL_CODE_203}）"


def eighteenth_birthday(birth: date) -> date:
    """The first day on which someone born on `birth` is 18 (29 Feb → 1 Mar in a common year)."""
    try:
        return birth.replace(year=birth.year + 18)
    except ValueError:  # 29 February, and the 18th year is a common year
        return date(birth.year + 18, 3, 1)


def talk_deadline(applied_on: date, roll: Roll = same_day) -> date:
    """细则第七条: talk within one month of receiving the application (last allowed day, rolled
    past a holiday)."""
    return roll(add_months(applied_on, 1))


def next_review_due(last_review_or_start: date, roll: Roll = same_day) -> date:
    """The branch reviews an activist every six months (《发展党员工作细则》); rolled past a holiday."""
    return roll(add_months(last_review_or_start, 6))


def earliest_candidate_day(activist_on: date) -> date:
    """细则第十三条: more than a year as an activist; the anniversary itself is allowed."""
    return add_years(activist_on, 1)


def approval_deadline(vote_on: date, roll: Roll = same_day) -> date:
    """The higher committee approves within 3 months of the branch meeting (last allowed day,
    rolled past a holiday)."""
    return roll(add_months(vote_on, 3))


def approval_limit(vote_on: date, roll: Roll = same_day) -> date:
    """Extended for an intervening election (or another recorded reason), never beyond 6 months
    (rolled past a holiday)."""
    return roll(add_months(vote_on, 6))


def probation_end(vote_on: date, extension_months: int = 0) -> date:
    """党章第七条: one year from the day of the branch meeting; plus the one extension.

    The end is also the full-membership date (转正日期) and the first day of the vote. A minimum
    period: it never rolls past a holiday."""
    end = add_years(vote_on, 1)
    return add_months(end, extension_months) if extension_months else end


MIN_EXTENSION_MONTHS, MAX_EXTENSION_MONTHS = 6, 12
MIN_TRAINING_DAYS, MIN_TRAINING_HOURS = 3, 24
MIN_CONTACTS, MAX_CONTACTS = 1, 2
# Plausibility bounds of what is typed in (not statute): a training longer than a year, a branch
# meeting of more than ten thousand members are typing errors. They also keep the numbers within
# the columns (PositiveSmallIntegerField, at most 32767 on PostgreSQL).
MAX_TRAINING_DAYS, MAX_TRAINING_HOURS, MAX_VOTES = 365, 2000, 10000
SPONSORS = 2


# ---- votes --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Vote:
    """A branch general meeting's vote (支部大会表决).

    entitled: full members with a vote who should attend (应到会有表决权的正式党员);
    attended: those of them present; written: absent ones who sent a written opinion
    before the meeting (counted in the votes, 细则第二十一条, but not in the quorum).
    """

    entitled: int
    attended: int
    yes: int
    no: int = 0
    abstain: int = 0
    written: int = 0


def votes_needed(entitled: int) -> int:
    """Smallest number that is MORE than half of `entitled` (exactly half is not enough)."""
    return entitled // 2 + 1


def is_quorate(vote: Vote) -> bool:
    return vote.attended * 2 > vote.entitled


def is_passed(vote: Vote) -> bool:
    return vote.yes * 2 > vote.entitled


def vote_errors(vote: Vote, *, articles: str = "第二十条、第二十一条") -> dict[str, str]:
    """{field: message}; empty when the meeting was valid and the resolution passed."""
    errors: dict[str, str] = {}
    if vote.entitled < 1:
        return {"vote_entitled": "应到会有表决权的正式党员人数至少为1人"}
    if vote.attended > vote.entitled:
        errors["vote_attended"] = f"实到会有表决权人数（{vote.attended}）不能超过应到会人数（{vote.entitled}）"
    if vote.attended + vote.written > vote.entitled:
        errors["vote_written"] = "到会人数与提交书面意见人数之和不能超过应到会人数"
    cast = vote.yes + vote.no + vote.abstain
    if cast > vote.attended + vote.written:
        errors["vote_yes"] = (
            f"赞成、反对、弃权合计 {cast} 票，超过了到会和提交书面意见的人数（{vote.attended + vote.written}）"
        )
    if errors:
        return errors
    need = votes_needed(vote.entitled)
    if not is_quorate(vote):
        quorum_article = "第二十条" if "第二十条" in articles else articles
        errors["vote_attended"] = (
            f"支部大会不足法定人数：有表决权的到会人数须超过应到会有表决权人数的半数"
            f"（{cite(quorum_article)}）。应到 {vote.entitled} 人，至少须 {need} 人到会，实到 {vote.attended} 人"
        )
    elif not is_passed(vote):
        pass_article = "第二十一条" if "第二十一条" in articles else articles
        errors["vote_yes"] = (
            f"决议未通过：赞成人数须超过应到会有表决权的正式党员的半数，而不是到会人数的半数"
            f"（{cite(pass_article)}）。应到 {vote.entitled} 人，至少须 {need} 票赞成，实得 {vote.yes} 票"
        )
    return errors


# ---- people on a step ----------------------------------------------------------------------


# Refusal for a member id the acting user may not see (or that does not exist): the same words for
# both, and never the person's name, so that ids cannot be used to read the roster of another
# organization.
NOT_IN_SCOPE = "所选党员不存在或不在您的管理范围内"

# Member statuses the rules need (jiceng.members.models.Member.Status).
FULL_MEMBER, IN_TRANSIT = "full", "in_transit"

# A row of a member's status history (jiceng.members.models.StatusChange): (on, from_status, to_status).
StatusRow = tuple[date, str, str]


def status_on(history: list[StatusRow], day: date, current: str) -> str:
    """The member's status on `day`, replayed from their status history (rows oldest first; rows of
    the same day in the order they were recorded).

    In transit (组织关系转接途中) counts as the status the member left with: the transfer keeps it
    (Transfer.member_status) and gives it back on receipt, return or cancellation, so a full member
    in transit is still a full member. Before the first row, the record's first status (a member
    received from outside the county is entered with the status they arrived with; the full date
    still decides since when); with no history at all, the current status."""
    if not history:
        return current
    status = history[0][1] or history[0][2]
    for on, before, after in history:
        if on > day:
            break
        status = before if after == IN_TRANSIT and before else after
    return status


@dataclass(frozen=True)
class Person:
    """A member (or a named person) on a step, with what the rules need to know."""

    role: str
    name: str
    member_id: int | None = None
    # The member's status ON THE STEP'S DATE ("full", "probationary", ...), as `status_on` replays
    # it from the history: a sponsor who has since died, moved away or is in transit was still a
    # full member that day.
    status: str = ""
    full_date: date | None = None
    in_scope: bool = True


def is_full_on(person: Person, day: date) -> bool:
    """A full member on `day`: full since then (转正日期) and still full that day (`person.status`
    is the status on the step's date)."""
    return person.status == FULL_MEMBER and person.full_date is not None and person.full_date <= day


def _full_member_errors(people: list[Person], day: date, what: str, article: str) -> list[str]:
    errors = []
    for p in people:
        if p.member_id is None:
            errors.append(f"{what}须从党员名册中选择（{p.name}不是在册党员）")
        elif not p.in_scope:
            errors.append(f"{what}：{NOT_IN_SCOPE}")
        elif p.full_date is not None and p.full_date > day:
            errors.append(
                f"{what}须为正式党员：{p.name}于{fmt(p.full_date)}转为正式党员，"
                f"{fmt(day)}时尚不是正式党员（{cite(article)}）"
            )
        elif not is_full_on(p, day):
            errors.append(f"{what}须为正式党员：{p.name}在{fmt(day)}不是正式党员（{cite(article)}）")
    return errors


def contact_errors(people: list[Person], day: date) -> list[str]:
    contacts = [p for p in people if p.role == CONTACT]
    if not MIN_CONTACTS <= len({p.member_id or p.name for p in contacts}) <= MAX_CONTACTS:
        return [f"培养联系人应为一至两名正式党员（{REGULATION}），现为 {len(contacts)} 名"]
    return _full_member_errors(contacts, day, "培养联系人", "")


def sponsor_errors(people: list[Person], day: date) -> list[str]:
    sponsors = [p for p in people if p.role == SPONSOR]
    distinct = {p.member_id or p.name for p in sponsors}
    if len(distinct) != SPONSORS:
        return [
            f"发展对象应当有两名正式党员作入党介绍人（{cite('第十四条')}、{CONSTITUTION}第五条），"
            f"现为 {len(distinct)} 名"
        ]
    return _full_member_errors(sponsors, day, "入党介绍人", "第十四条")


def talker_errors(people: list[Person]) -> list[str]:
    if not any(p.role == TALKER and p.name.strip() for p in people):
        return ["请填写谈话人（党员或上级党委指派的人员）"]
    return []


# ---- the file as a fold over its steps -----------------------------------------------------


@dataclass(frozen=True)
class StepFact:
    """What the rules need of a recorded (or proposed) step."""

    number: int
    on: date
    outcome: str = ""  # step 23: full / extend / cancel
    extension_months: int = 0
    late_reason: str = ""
    vote: Vote | None = None
    training_days: int | None = None
    training_hours: int | None = None
    people: tuple[Person, ...] = ()


@dataclass(frozen=True)
class FileState:
    """A development file as its steps leave it; `fold()` builds it, services store it."""

    birth_date: date
    status: str = OPEN
    last_step: int = 0  # position in the procedure (back to 21 after an approved extension)
    last_on: date | None = None  # date of the latest step
    last_number: int = 0  # number of the latest recorded step
    applied_on: date | None = None
    talked_on: date | None = None
    talk_late: bool = False
    activist_on: date | None = None
    last_review_on: date | None = None
    candidate_on: date | None = None
    vote_on: date | None = None  # step 15: the admission meeting = 入党日期
    approved_on: date | None = None  # step 17
    extension_months: int = 0
    probation_end_on: date | None = None
    full_vote_on: date | None = None  # the latest step 23
    pending_outcome: str = ""  # step 23's resolution awaiting approval
    pending_extension_months: int = 0
    approved_outcome: str = ""  # the latest step 24's
    full_on: date | None = None  # 转正日期 = the day probation ends
    closed_on: date | None = None
    done: frozenset = field(default_factory=frozenset)
    # How a deadline's last day moves past holidays (the working-day calendar in the services).
    roll: Roll = field(default=same_day, compare=False, repr=False)

    @property
    def stage(self) -> int:
        return STEP_STAGE.get(self.last_step, 1)

    @property
    def identity(self) -> str:
        return identity_at(self.last_step, self.status, self.approved_outcome)

    # Deadlines pending right now; None when nothing waits. Stored on the file so that the
    # due lists are indexed queries (overdue is still decided at read time against today).
    @property
    def talk_due_on(self) -> date | None:
        return talk_deadline(self.applied_on, self.roll) if self.status == OPEN and self.last_step == 1 else None

    @property
    def review_due_on(self) -> date | None:
        if self.status != OPEN or not 3 <= self.last_step <= 6:
            return None
        return next_review_due(self.last_review_on or self.activist_on, self.roll)

    @property
    def approval_due_on(self) -> date | None:
        if self.status == OPEN and self.last_step in (15, 16):
            return approval_deadline(self.vote_on, self.roll)
        if self.status == OPEN and self.last_step == 23:
            return approval_deadline(self.full_vote_on, self.roll)
        return None

    @property
    def approval_limit_on(self) -> date | None:
        """Last possible day of approval: 6 months (with a reason) for admission, 3 for full membership."""
        if self.status == OPEN and self.last_step in (15, 16):
            return approval_limit(self.vote_on, self.roll)
        return self.approval_due_on

    @property
    def probation_due_on(self) -> date | None:
        """End of probation while the full-membership meeting has not been held yet."""
        if self.status == OPEN and 17 <= self.last_step <= 22:
            return self.probation_end_on
        return None


def apply(state: FileState, step: StepFact) -> FileState:
    """The file after `step` (already checked)."""
    n, on = step.number, step.on
    s = replace(state, last_on=on, last_number=n, done=state.done | {n}, last_step=n)
    if n == 1:
        return replace(s, applied_on=on)
    if n == 2:
        return replace(s, talked_on=on, talk_late=on > talk_deadline(s.applied_on, s.roll))
    if n == 3:
        return replace(s, activist_on=on)
    if n == 6:
        return replace(s, last_review_on=on)
    if n == 7:
        return replace(s, candidate_on=on)
    if n == 15:
        return replace(s, vote_on=on)
    if n == 17:
        return replace(s, approved_on=on, probation_end_on=probation_end(s.vote_on))
    if n == 23:
        outcome = step.outcome or TO_FULL
        months = step.extension_months if outcome == EXTEND else 0
        return replace(s, full_vote_on=on, pending_outcome=outcome, pending_extension_months=months)
    if n == 24:
        outcome = state.pending_outcome or TO_FULL
        s = replace(s, approved_outcome=outcome, pending_outcome="", pending_extension_months=0)
        if outcome == TO_FULL:
            return replace(s, full_on=s.probation_end_on)
        if outcome == EXTEND:
            months = state.pending_extension_months
            # Probation goes on: the member is reviewed again (step 21) until the new end.
            return replace(s, extension_months=months, probation_end_on=probation_end(s.vote_on, months), last_step=21)
        return replace(s, status=CANCELLED, closed_on=on)
    if n == 25:
        return replace(s, status=COMPLETED, closed_on=on)
    return s


def fold(birth_date: date, steps: list[StepFact], roll: Roll = same_day) -> FileState:
    state = FileState(birth_date=birth_date, roll=roll)
    for step in steps:
        state = apply(state, step)
    return state


# ---- what may come next --------------------------------------------------------------------


@dataclass(frozen=True)
class NextStep:
    number: int
    earliest: date | None  # first day it may be recorded
    latest: date | None = None  # last day allowed by a time rule (None: no limit)
    hint: str = ""
    only_outcome: str = ""  # step 23 before probation ends: only cancellation

    @property
    def label(self) -> str:
        return step_label(self.number)

    @property
    def name(self) -> str:
        return STEPS[self.number]


def next_steps(state: FileState, today: date) -> list[NextStep]:
    """The steps that may be recorded now or later, each with its first and last allowed day."""
    if state.status != OPEN:
        return []
    last, after = state.last_step, state.last_on
    out: list[NextStep] = []
    if last == 0:
        return [NextStep(1, eighteenth_birthday(state.birth_date), hint="申请人须年满十八周岁")]
    if last == 1:
        deadline = talk_deadline(state.applied_on, state.roll)
        out.append(NextStep(2, after, hint=f"应在收到申请书后一个月内（{fmt(deadline)}前）谈话（{cite('第七条')}）"))
    elif last == 6:
        due = state.review_due_on
        out.append(NextStep(6, after, hint=f"党支部每半年考察一次，下次考察应于{fmt(due)}前（{REGULATION}）"))
        first = max(after, earliest_candidate_day(state.activist_on))
        out.append(NextStep(7, first, hint=f"须经过一年以上培养考察（{cite('第十三条')}）"))
    elif last in (15, 16):
        deadline, limit = approval_deadline(state.vote_on, state.roll), approval_limit(state.vote_on, state.roll)
        if last == 15:
            out.append(NextStep(16, after))
        else:
            hint = f"应在{fmt(deadline)}前审批；超过三个月须注明理由，最迟{fmt(limit)}（{REGULATION}）"
            out.append(NextStep(17, after, latest=limit, hint=hint))
        if today > limit:
            out.append(NextStep(15, limit + timedelta(days=1), hint="审批期限已过，须重新提交支部大会讨论"))
    elif last in (20, 21):
        end = fmt(state.probation_end_on)
        out.append(NextStep(21, after, hint=f"继续教育考察，可多次记录；预备期于{end}期满"))
        if last == 21:
            out.append(NextStep(22, after, hint=f"预备期于{end}期满，期满前由本人提出转正申请"))
    elif last == 22:
        end = state.probation_end_on
        out.append(NextStep(23, max(after, end), hint=f"预备期于{fmt(end)}期满，满后讨论转正（{CONSTITUTION}第七条）"))
    elif last == 23:
        deadline = approval_deadline(state.full_vote_on, state.roll)
        out.append(NextStep(24, after, latest=deadline, hint=f"上级党委应在{fmt(deadline)}前审批（{REGULATION}）"))
        if today > deadline:
            out.append(NextStep(23, deadline + timedelta(days=1), hint="审批期限已过，须重新提交支部大会讨论"))
    elif last == 24:
        out.append(NextStep(25, after))
    else:  # steps without a time rule follow each other
        out.append(NextStep(last + 1, after))
    if 17 <= last <= 22:
        out.append(NextStep(23, after, only_outcome=CANCEL, hint="不具备党员条件的，可随时讨论取消预备党员资格"))
    return out


# ---- checking a proposed step --------------------------------------------------------------


CITATION = re.compile(r"《[^》]+》(?:第[一二三四五六七八九十百零]+条)?")


@dataclass(frozen=True)
class Refusal:
    field: str | None  # form field the message belongs to, None for the whole step
    message: str
    earliest: date | None = None  # first day the step becomes possible, for time rules

    @property
    def rules(self) -> list[str]:
        """The regulations (and articles) the message cites, in order: the broken rule first."""
        return CITATION.findall(self.message)

    @property
    def rule(self) -> str:
        return self.rules[0] if self.rules else ""


def _order_refusal(state: FileState, step: StepFact, allowed: list[NextStep]) -> list[Refusal]:
    n, outcome = step.number, step.outcome or TO_FULL
    fits = [a for a in allowed if a.number == n and (not a.only_outcome or a.only_outcome == outcome)]
    if fits:
        return []
    if state.status != OPEN:
        return [Refusal(None, "该档案已结束，不能再记录步骤")]
    if n == 15 and state.last_step in (15, 16) or n == 23 and state.last_step == 23:
        return [
            Refusal(
                None,
                f"{step_label(n)}已完成，上级党委审批期限（至{fmt(state.approval_limit_on)}）未过，"
                f"不能重新讨论；请先记录{step_label(n + 2 if n == 15 else 24)}",
            )
        ]
    if n in state.done and n <= state.last_step:
        return [Refusal(None, f"{step_label(n)}已经完成，不能重复记录")]
    needed = sorted(a.number for a in allowed if a.number != n and not a.only_outcome)
    ahead = [a for a in needed if a > state.last_step] or needed
    missing = ahead[0] if ahead else state.last_step + 1
    refusals = [Refusal(None, f"步骤须依次进行：记录{step_label(n)}前，须先完成{step_label(missing)}")]
    end = state.probation_end_on
    if n == 23 and end is not None and step.on < end:
        refusals.insert(0, _probation_refusal(state))
    return refusals


def _probation_refusal(state: FileState) -> Refusal:
    end = state.probation_end_on
    return Refusal(
        "on",
        f"预备期未满：预备党员的预备期为一年，从支部大会通过其为预备党员之日（{fmt(state.vote_on)}）算起"
        f"（{CONSTITUTION}第七条）；预备期于{fmt(end)}期满，最早可于{fmt(end)}讨论转正",
        earliest=end,
    )


def check_step(state: FileState, step: StepFact, today: date) -> list[Refusal]:
    """Every rule the proposed step breaks; empty when it may be recorded."""
    n, on = step.number, step.on
    if on > today:
        return [Refusal("on", f"日期（{fmt(on)}）不能晚于今天（{fmt(today)}）")]
    order = _order_refusal(state, step, next_steps(state, today))
    if order:
        return order
    if state.last_on is not None and on < state.last_on:
        return [
            Refusal(
                "on",
                f"日期不能早于上一步（{step_label(state.last_number)}，{fmt(state.last_on)}）",
                earliest=state.last_on,
            )
        ]
    refusals: list[Refusal] = []
    people = list(step.people)
    revote = (n == 15 and state.last_step in (15, 16)) or (n == 23 and state.last_step == 23)
    if revote and on <= state.approval_limit_on:
        return [
            Refusal(
                "on",
                f"{step_label(n)}已于{fmt(state.full_vote_on if n == 23 else state.vote_on)}完成，上级党委审批期限"
                f"（至{fmt(state.approval_limit_on)}）届满前不能重新讨论",
                earliest=state.approval_limit_on + timedelta(days=1),
            )
        ]
    if n == 1:
        adult = eighteenth_birthday(state.birth_date)
        if on < adult:
            refusals.append(
                Refusal(
                    "on",
                    f"入党申请人须年满十八周岁（{CONSTITUTION}第一条、{cite('第五条')}）：申请人生于"
                    f"{fmt(state.birth_date)}，于{fmt(adult)}年满十八周岁，最早可于{fmt(adult)}递交入党申请书",
                    earliest=adult,
                )
            )
    elif n in (2, 16):
        refusals += [Refusal("talkers", m) for m in talker_errors(people)]
    elif n == 5:
        refusals += [Refusal("contacts", m) for m in contact_errors(people, on)]
    elif n == 7:
        first = earliest_candidate_day(state.activist_on)
        if on < first:
            refusals.append(
                Refusal(
                    "on",
                    f"确定为发展对象须经过一年以上培养考察（{cite('第十三条')}）：该积极分子于"
                    f"{fmt(state.activist_on)}确定，最早可于{fmt(first)}确定为发展对象",
                    earliest=first,
                )
            )
    elif n == 9:
        refusals += [Refusal("sponsors", m) for m in sponsor_errors(people, on)]
    elif n == 11:
        days, hours = step.training_days or 0, step.training_hours or 0
        if days < MIN_TRAINING_DAYS and hours < MIN_TRAINING_HOURS:
            refusals.append(
                Refusal(
                    "training_days",
                    f"集中培训时间一般不少于三天（或不少于二十四个学时）（{cite('第十七条')}）："
                    f"本次记录为 {days} 天、{hours} 学时",
                )
            )
    elif n == 15:
        refusals += _vote_refusals(step, "第二十条、第二十一条")
    elif n == 17:
        refusals += _approval_refusals(state, step)
    elif n == 23:
        refusals += _full_membership_refusals(state, step)
    elif n == 24:
        deadline = approval_deadline(state.full_vote_on, state.roll)
        if on > deadline:
            note = holiday_note(approval_deadline(state.full_vote_on), deadline)
            refusals.append(
                Refusal(
                    "on",
                    f"上级党委应在支部大会讨论后三个月内审批（{REGULATION}）：支部大会于{fmt(state.full_vote_on)}"
                    f"讨论，最迟应于{fmt(deadline)}审批{note}。已超过期限，应重新提交支部大会讨论"
                    f"（重新记录{step_label(23)}）",
                )
            )
    return refusals


def _vote_refusals(step: StepFact, articles: str) -> list[Refusal]:
    if step.vote is None:
        return [Refusal("vote_entitled", "请填写支部大会表决情况")]
    return [Refusal(f, m) for f, m in vote_errors(step.vote, articles=articles).items()]


def _approval_refusals(state: FileState, step: StepFact) -> list[Refusal]:
    vote_on, on = state.vote_on, step.on
    deadline, limit = approval_deadline(vote_on, state.roll), approval_limit(vote_on, state.roll)
    if on <= deadline:
        return []
    if on > limit:
        note = holiday_note(approval_limit(vote_on), limit)
        return [
            Refusal(
                "on",
                f"上级党委审批发展党员不得超过六个月（{REGULATION}）：支部大会于{fmt(vote_on)}讨论，"
                f"最迟应于{fmt(limit)}审批{note}。已超过期限，应重新提交支部大会讨论（重新记录{step_label(15)}）",
            )
        ]
    if not step.late_reason.strip():
        note = holiday_note(approval_deadline(vote_on), deadline)
        return [
            Refusal(
                "late_reason",
                f"上级党委应在支部大会讨论后三个月内审批（{REGULATION}）：支部大会于{fmt(vote_on)}讨论，"
                f"三个月期限至{fmt(deadline)}{note}。遇有党组织换届等特殊情况可适当延长，但须注明理由，"
                f"且不得超过六个月（至{fmt(limit)}）",
            )
        ]
    return []


def _full_membership_refusals(state: FileState, step: StepFact) -> list[Refusal]:
    outcome, on = step.outcome, step.on
    if outcome not in OUTCOMES:
        return [Refusal("outcome", "请选择支部大会决议：按期转正、延长预备期或取消预备党员资格")]
    refusals = _vote_refusals(step, "第三十三条")
    if outcome in (TO_FULL, EXTEND) and on < state.probation_end_on:
        refusals.append(_probation_refusal(state))
    if outcome == EXTEND:
        months = step.extension_months
        if state.extension_months:
            refusals.append(
                Refusal(
                    "outcome",
                    f"预备期只能延长一次（{CONSTITUTION}第七条）：已延长 {state.extension_months} 个月，"
                    f"延长期满后只能转为正式党员或取消预备党员资格",
                )
            )
        elif not MIN_EXTENSION_MONTHS <= months <= MAX_EXTENSION_MONTHS:
            refusals.append(
                Refusal(
                    "extension_months",
                    f"延长预备期不能少于半年（6个月），最长不超过一年（12个月）（{CONSTITUTION}第七条、{REGULATION}）："
                    f"填写为 {months} 个月",
                )
            )
    return refusals
