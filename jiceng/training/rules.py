"""Training rules as pure functions (no database).

Source: domain spec §3 "Training" [C], one county's secretary academy (书记学院) rules:
classes of at most 40; two late arrivals or early leaves count as one missed lesson; more
than two unexcused absences in a year → the person's organization is notified and it counts
against that organization's star rating. The numbers are county practice, so they come in
as a `RuleSet` built from the `TrainingSettings` row (defaults 40, 2, 2).

Reading (decision record 0011): "missed lesson" (缺课) and "unexcused absence" (无故缺课)
are kept apart, as the spec words them. Lateness converts to missed lessons (and the
lesson that completes a conversion earns no attendance credit); by default converted
lateness counts toward the notice too (unexcused + ⌊lateness ÷ N⌋), as the academy's rule
reads; a county that counts unexcused absences only unticks `lateness_counts_toward_notice`.
Years are calendar years of the session date.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

PRESENT = "present"
LATE = "late"
EARLY_LEAVE = "early_leave"
EXCUSED = "excused"
UNEXCUSED = "unexcused"
ATTENDED = frozenset({PRESENT, LATE, EARLY_LEAVE})
LATENESS = frozenset({LATE, EARLY_LEAVE})
STATUS_LABELS = {PRESENT: "出席", LATE: "迟到", EARLY_LEAVE: "早退", EXCUSED: "请假", UNEXCUSED: "无故缺课"}

SOURCE_NOTE = "书记学院管理规定（县委组织部）"


@dataclass(frozen=True)
class RuleSet:
    class_size_max: int = 40
    lateness_per_missed_lesson: int = 2
    absence_limit: int = 2
    lateness_counts_toward_notice: bool = True
    credits_per_class_hour: Decimal = Decimal("1")
    credits_per_study_hour: Decimal = Decimal("1")
    credits_per_passed_exam: Decimal = Decimal("2")
    annual_hours_target: int = 32

    @classmethod
    def of(cls, row) -> RuleSet:
        return cls(**{f: getattr(row, f) for f in cls.__dataclass_fields__})


# ---- lateness, missed lessons, the absence notice ----------------------------------------


def missed_from_lateness(lateness: int, per_missed: int) -> int:
    """Missed lessons that `lateness` late arrivals / early leaves add up to (whole ones only)."""
    if per_missed < 1:
        raise ValueError("per_missed must be at least 1")
    return max(0, lateness) // per_missed


def completes_missed_lesson(nth_lateness: int, per_missed: int) -> bool:
    """Whether the n-th late arrival/early leave of the year (1-based) completes a missed lesson."""
    return nth_lateness >= 1 and nth_lateness % per_missed == 0


def missed_lessons(*, excused: int, unexcused: int, lateness: int, per_missed: int) -> int:
    """Lessons missed in a period: every absence, excused or not, plus converted lateness."""
    return excused + unexcused + missed_from_lateness(lateness, per_missed)


def notice_count(unexcused: int, lateness: int, rules: RuleSet) -> int:
    """The count compared with the absence limit."""
    if rules.lateness_counts_toward_notice:
        return unexcused + missed_from_lateness(lateness, rules.lateness_per_missed_lesson)
    return unexcused


def over_limit(count: int, limit: int) -> bool:
    """ "More than two" — the limit itself is still allowed; limit + 1 triggers the notice."""
    return count > limit


def notice_due(unexcused: int, lateness: int, rules: RuleSet) -> bool:
    return over_limit(notice_count(unexcused, lateness, rules), rules.absence_limit)


# ---- class size ---------------------------------------------------------------------------


def class_size_error(enrolled: int, adding: int, limit: int | None) -> str | None:
    """Why `adding` more trainees cannot join a class of `enrolled`, or None if they can."""
    if limit is None or enrolled + adding <= limit:
        return None
    room = max(0, limit - enrolled)
    return (
        f"本班人数上限 {limit} 人，已有 {enrolled} 人，本次报名 {adding} 人，超出 {enrolled + adding - limit} 人"
        f"（还可报名 {room} 人）"
    )


def course_limit_error(kind: str, limit: int | None, rules: RuleSet) -> str | None:
    """The academy teaches in classes of at most `class_size_max` [C]; other courses choose."""
    if kind == "academy":
        if limit is None:
            return f"书记学院须设定每班人数上限（不超过 {rules.class_size_max} 人）"
        if limit > rules.class_size_max:
            return f"书记学院每班不超过 {rules.class_size_max} 人（{SOURCE_NOTE}）"
    if limit is not None and limit < 1:
        return "人数上限至少为 1 人"
    return None


# ---- tests --------------------------------------------------------------------------------


def passed(score: Decimal, pass_mark: Decimal) -> bool:
    """A score at the pass mark passes."""
    return score >= pass_mark


def score_error(score: Decimal, full_mark: Decimal) -> str | None:
    if score < 0:
        return "成绩不能为负数"
    if score > full_mark:
        return f"成绩不能超过满分 {full_mark.normalize():f} 分"
    if score != score.quantize(Decimal("0.1")):
        return "成绩最多保留 1 位小数"
    return None


# ---- the credit card (学分卡) --------------------------------------------------------------


@dataclass(frozen=True)
class AttendanceFact:
    """One recorded attendance, as the credit card needs it."""

    on: date
    order: tuple  # (date, start time, session id): the order in which lateness is counted
    status: str
    class_hours: Decimal
    session_id: int
    course_id: int
    course_title: str
    topic: str
    attendance_id: int
    credit_rate: Decimal | None = None  # the course's credits per class hour, if it sets one


@dataclass(frozen=True)
class StudyFact:
    on: date
    hours: Decimal
    title: str
    source_label: str
    record_id: int


@dataclass(frozen=True)
class ExamFact:
    on: date
    score: Decimal
    pass_mark: Decimal
    exam_id: int
    exam_title: str
    course_id: int
    course_title: str
    result_id: int


@dataclass(frozen=True)
class CreditLine:
    kind: str  # attendance / study / exam
    on: date
    label: str
    hours: Decimal  # class hours that count toward the yearly target
    credits: Decimal
    note: str
    ref: dict  # ids of the record behind the line, for links


@dataclass
class CreditCard:
    year: int
    lines: list[CreditLine] = field(default_factory=list)
    attendance_credits: Decimal = Decimal("0")
    study_credits: Decimal = Decimal("0")
    exam_credits: Decimal = Decimal("0")
    attended_hours: Decimal = Decimal("0")
    study_hours: Decimal = Decimal("0")
    sessions_recorded: int = 0
    sessions_attended: int = 0
    present: int = 0
    lateness: int = 0
    excused: int = 0
    unexcused: int = 0
    missed_lessons: int = 0
    exams_taken: int = 0
    exams_passed: int = 0
    hours_target: int = 0
    notice_count: int = 0
    over_limit: bool = False

    @property
    def total_credits(self) -> Decimal:
        return self.attendance_credits + self.study_credits + self.exam_credits

    @property
    def total_hours(self) -> Decimal:
        return self.attended_hours + self.study_hours

    @property
    def target_met(self) -> bool:
        return self.total_hours >= self.hours_target

    @property
    def attendance_rate(self) -> Decimal | None:
        return rate(self.sessions_attended, self.sessions_recorded)


def class_hour_rate(course_rate: Decimal | None, rules: RuleSet) -> Decimal:
    """A course may set its own credits per class hour; otherwise the county's rule applies."""
    return rules.credits_per_class_hour if course_rate is None else course_rate


def credits(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def rate(part: int, whole: int) -> Decimal | None:
    """A percentage with one decimal, or None when there is nothing to divide by."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def credit_card(
    year: int,
    attendances: Iterable[AttendanceFact],
    studies: Iterable[StudyFact],
    exams: Iterable[ExamFact],
    rules: RuleSet,
    with_lines: bool = True,
) -> CreditCard:
    """One person's credit card for one calendar year, every figure with the line behind it
    (`with_lines=False` for totals only, when thousands of cards are added up).

    - Attendance: hours × credits per class hour (the course's own rate, or the county's) for
      each session attended (present, late or early leave). Lateness is counted through the
      year in session order; the late arrival or early leave that completes a missed lesson
      (the 2nd, 4th… by default) earns nothing.
    - Study: hours × credits per study hour.
    - Tests: credits per passed test (a score at the pass mark passes); the best result
      of each test counts once.
    """
    card = CreditCard(year=year, hours_target=rules.annual_hours_target)
    per = rules.lateness_per_missed_lesson
    nth = 0
    for a in sorted((a for a in attendances if a.on.year == year), key=lambda a: a.order):
        card.sessions_recorded += 1
        hours, earned, note = Decimal("0"), Decimal("0"), STATUS_LABELS.get(a.status, a.status)
        if a.status in ATTENDED:
            card.sessions_attended += 1
            hours = a.class_hours
            earned = credits(a.class_hours * class_hour_rate(a.credit_rate, rules))
            if a.status in LATENESS:
                nth += 1
                card.lateness += 1
                if completes_missed_lesson(nth, per):
                    earned = Decimal("0")
                    hours = Decimal("0")
                    note = f"本年第 {nth} 次迟到/早退，与前 {per - 1} 次合计缺课 1 次，本次不计学时学分"
                else:
                    note = f"{note}（本年第 {nth} 次迟到/早退）"
            else:
                card.present += 1
        elif a.status == EXCUSED:
            card.excused += 1
            note = "请假，不计学时学分"
        elif a.status == UNEXCUSED:
            card.unexcused += 1
            note = f"无故缺课（本年第 {card.unexcused} 次），不计学时学分"
        card.attended_hours += hours
        card.attendance_credits += earned
        if with_lines:
            card.lines.append(
                CreditLine(
                    "attendance",
                    a.on,
                    f"{a.course_title}：{a.topic}",
                    hours,
                    earned,
                    note,
                    {"session": a.session_id, "course": a.course_id, "attendance": a.attendance_id},
                )
            )
    for s in sorted((s for s in studies if s.on.year == year), key=lambda s: (s.on, s.record_id)):
        earned = credits(s.hours * rules.credits_per_study_hour)
        card.study_hours += s.hours
        card.study_credits += earned
        if with_lines:
            card.lines.append(
                CreditLine("study", s.on, s.title, s.hours, earned, s.source_label, {"study": s.record_id})
            )
    best: dict[int, ExamFact] = {}
    for e in exams:
        if e.on.year == year and (e.exam_id not in best or e.score > best[e.exam_id].score):
            best[e.exam_id] = e
    for e in sorted(best.values(), key=lambda e: (e.on, e.exam_id)):
        card.exams_taken += 1
        ok = passed(e.score, e.pass_mark)
        earned = rules.credits_per_passed_exam if ok else Decimal("0")
        card.exams_passed += ok
        card.exam_credits += earned
        if with_lines:
            note = f"{e.score.normalize():f} 分，" + ("及格" if ok else f"未达及格分 {e.pass_mark.normalize():f}")
            card.lines.append(
                CreditLine(
                    "exam",
                    e.on,
                    f"{e.course_title}：{e.exam_title}",
                    Decimal("0"),
                    credits(earned),
                    note,
                    {"exam": e.exam_id, "course": e.course_id, "result": e.result_id},
                )
            )
    card.attendance_credits = credits(card.attendance_credits)
    card.study_credits = credits(card.study_credits)
    card.exam_credits = credits(card.exam_credits)
    card.missed_lessons = missed_lessons(
        excused=card.excused, unexcused=card.unexcused, lateness=card.lateness, per_missed=per
    )
    card.notice_count = notice_count(card.unexcused, card.lateness, rules)
    card.over_limit = over_limit(card.notice_count, rules.absence_limit)
    card.lines.sort(key=lambda line: (line.on, ("attendance", "study", "exam").index(line.kind)))
    return card
