"""Reads shared by the training pages, exports, API, panels and jobs.

Every function takes querysets that already went through `visible_training()`, or a scope path, so
that a figure never counts a record its viewer may not see. The card and summary readers
make a fixed number of queries whatever the number of people (they group in Python).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from jiceng.core.scoping import has_full_scope, is_member_role, path_q, scope_root, visible
from jiceng.orgs.rules import SEGMENT

from . import rules
from .models import Attendance, Course, Enrollment, ExamResult, OrganizationDemerit, StudyRecord, TrainingSettings

# Records that belong to one trainee: a user with the member role sees only their own.
OWN_RECORDS = {
    "members.Member": "pk",
    "training.Enrollment": "member_id",
    "training.Attendance": "enrollment__member_id",
    "training.ExamResult": "enrollment__member_id",
    "training.StudyRecord": "member_id",
}


def visible_training(user, queryset: QuerySet) -> QuerySet:
    """What `user` may see of a training queryset (courses, sessions, rosters, demerits, venues,
    and the members and organizations the training pages offer): `visible()`, and for a plain
    member only their own trainee records (no courses, rosters or demerits: those are the
    organizers' pages)."""
    queryset = visible(user, queryset)
    if is_member_role(user):
        own = OWN_RECORDS.get(queryset.model._meta.label)
        if own is None or not user.member_id:
            return queryset.none()
        queryset = queryset.filter(**{own: user.member_id})
    return queryset


# Records on a credit card, by whom they belong to: the member, whose organization *now*
# decides who sees the card (ADR 0011). Roster pages keep `visible_training()` (the enrollment's
# organization).
CARD_FIELDS = {
    "training.Attendance": ("enrollment__member__organization", "enrollment__member_id"),
    "training.ExamResult": ("enrollment__member__organization", "enrollment__member_id"),
    "training.StudyRecord": ("member__organization", "member_id"),
}


def visible_card_records(user, queryset: QuerySet) -> QuerySet:
    """The records of credit cards that `user` may see: those of members whose current
    organization lies in the user's subtree (a member who moved takes the card along, and the
    old organization keeps only its session rows); a plain member sees their own."""
    org_field, member_field = CARD_FIELDS[queryset.model._meta.label]
    if has_full_scope(user):
        return queryset
    root = scope_root(user)
    if root is None:
        return queryset.none()
    queryset = queryset.filter(path_q(f"{org_field}__path", root.path))
    if getattr(user, "role", None) == "member":
        return queryset.filter(**{member_field: user.member_id}) if user.member_id else queryset.none()
    return queryset


def in_card_subtree(model_label: str, path: str) -> Q:
    """Records of members whose current organization lies in `path`'s subtree."""
    return path_q(f"{CARD_FIELDS[model_label][0]}__path", path)


def year_range(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def current_settings() -> rules.RuleSet:
    """The county's `TrainingSettings`, as the `RuleSet` that rules.py reads."""
    return rules.RuleSet.of(TrainingSettings.current())


# ---- courses ------------------------------------------------------------------------------


def with_counts(courses: QuerySet) -> QuerySet:
    """Courses with their session and trainee counts (subqueries: no row multiplication)."""
    from .models import Session

    sessions = (
        Session.objects.filter(course=OuterRef("pk")).order_by().values("course").annotate(n=Count("id")).values("n")
    )
    trainees = (
        Enrollment.objects.filter(course=OuterRef("pk")).order_by().values("course").annotate(n=Count("id")).values("n")
    )
    first = Session.objects.filter(course=OuterRef("pk")).order_by("on", "start_time").values("on")[:1]
    return courses.select_related("organizer").annotate(
        session_count=Coalesce(Subquery(sessions), 0),
        trainee_count=Coalesce(Subquery(trainees), 0),
        first_session=Subquery(first),
    )


@dataclass
class Matrix:
    sessions: list
    exams: list
    rows: list  # MatrixRow per enrollment


@dataclass
class MatrixRow:
    enrollment: Enrollment
    cells: list  # Attendance or None per session
    scores: list  # ExamResult or None per exam
    attended: int = 0
    lateness: int = 0
    excused: int = 0
    unexcused: int = 0
    missed: int = 0
    hours: Decimal = Decimal("0")


def course_matrix(course: Course, enrollments: QuerySet, rule_set: rules.RuleSet) -> Matrix:
    """Roster × sessions (attendance) and roster × tests (scores) of one course.

    Five queries whatever the size. The per-row figures apply the card's rules to this
    course alone (lateness converts within the course); the yearly figures, which the
    notice uses, are on each person's credit card.
    """
    sessions = list(course.sessions.select_related("venue"))
    exams = list(course.exams.all())
    enrollments = list(enrollments.select_related("member", "organization"))
    marks = {(a.enrollment_id, a.session_id): a for a in Attendance.objects.filter(session__course=course)}
    scores = {(r.enrollment_id, r.exam_id): r for r in ExamResult.objects.filter(exam__course=course)}
    rows = []
    for e in enrollments:
        row = MatrixRow(e, [marks.get((e.pk, s.pk)) for s in sessions], [scores.get((e.pk, x.pk)) for x in exams])
        for s, a in zip(sessions, row.cells, strict=True):
            if a is None:
                continue
            if a.status in rules.ATTENDED:
                row.attended += 1
                row.hours += s.class_hours
            if a.status in rules.LATENESS:
                row.lateness += 1
                if rules.completes_missed_lesson(row.lateness, rule_set.lateness_per_missed_lesson):
                    row.hours -= s.class_hours  # as on the credit card: that lesson counts as missed
            elif a.status == rules.EXCUSED:
                row.excused += 1
            elif a.status == rules.UNEXCUSED:
                row.unexcused += 1
        row.missed = rules.missed_lessons(
            excused=row.excused,
            unexcused=row.unexcused,
            lateness=row.lateness,
            per_missed=rule_set.lateness_per_missed_lesson,
        )
        rows.append(row)
    return Matrix(sessions, exams, rows)


# ---- credit cards -------------------------------------------------------------------------


@dataclass
class Person:
    member_id: int
    name: str
    org_id: int
    org_name: str
    org_path: str
    last_on: date | None = None
    card: rules.CreditCard | None = None


@dataclass
class Facts:
    attendances: dict = field(default_factory=lambda: defaultdict(list))
    studies: dict = field(default_factory=lambda: defaultdict(list))
    exams: dict = field(default_factory=lambda: defaultdict(list))
    people: dict = field(default_factory=dict)  # member id -> Person (in their organization now)


def load_facts(attendances: QuerySet, studies: QuerySet, results: QuerySet, year: int) -> Facts:
    """Three queries: the year's attendance, study and test records (already filtered by
    `visible_card_records`). Each person is placed in their organization now."""
    first, last = year_range(year)
    facts = Facts()

    def person(mid, name, oid, oname, opath, on):
        p = facts.people.get(mid)
        if p is None or on >= p.last_on:
            facts.people[mid] = Person(mid, name, oid, oname, opath, on)

    for row in (
        attendances.filter(session__on__gte=first, session__on__lte=last)
        .order_by()
        .values_list(
            "id",
            "status",
            "session_id",
            "session__on",
            "session__start_time",
            "session__class_hours",
            "session__topic",
            "session__course_id",
            "session__course__title",
            "session__course__credits_per_class_hour",
            "enrollment__member_id",
            "enrollment__member__name",
            "enrollment__member__organization_id",
            "enrollment__member__organization__name",
            "enrollment__member__organization__path",
        )
    ):
        (aid, status, sid, on, start, hours, topic, cid, ctitle, rate, mid, name, oid, oname, opath) = row
        facts.attendances[mid].append(
            rules.AttendanceFact(on, (on, start, sid), status, hours, sid, cid, ctitle, topic, aid, rate)
        )
        person(mid, name, oid, oname, opath, on)
    labels = dict(StudyRecord.Source.choices)
    for rid, on, hours, title, source, mid, name, oid, oname, opath in (
        studies.filter(on__gte=first, on__lte=last)
        .order_by()
        .values_list(
            "id",
            "on",
            "hours",
            "title",
            "source",
            "member_id",
            "member__name",
            "member__organization_id",
            "member__organization__name",
            "member__organization__path",
        )
    ):
        facts.studies[mid].append(rules.StudyFact(on, hours, title, labels.get(source, source), rid))
        person(mid, name, oid, oname, opath, on)
    for row in (
        results.filter(exam__held_on__gte=first, exam__held_on__lte=last)
        .order_by()
        .values_list(
            "id",
            "score",
            "exam_id",
            "exam__title",
            "exam__held_on",
            "exam__pass_mark",
            "exam__course_id",
            "exam__course__title",
            "enrollment__member_id",
            "enrollment__member__name",
            "enrollment__member__organization_id",
            "enrollment__member__organization__name",
            "enrollment__member__organization__path",
        )
    ):
        rid, score, eid, etitle, on, pass_mark, cid, ctitle, mid, name, oid, oname, opath = row
        facts.exams[mid].append(rules.ExamFact(on, score, pass_mark, eid, etitle, cid, ctitle, rid))
        person(mid, name, oid, oname, opath, on)
    return facts


def cards_from(
    facts: Facts, year: int, rule_set: rules.RuleSet, with_lines: bool = True
) -> dict[int, rules.CreditCard]:
    return {
        mid: rules.credit_card(
            year,
            facts.attendances.get(mid, ()),
            facts.studies.get(mid, ()),
            facts.exams.get(mid, ()),
            rule_set,
            with_lines=with_lines,
        )
        for mid in facts.people
    }


def member_card(user, member, year: int, rule_set: rules.RuleSet | None = None) -> rules.CreditCard:
    """One person's credit card from the records `user` may see."""
    rule_set = rule_set or current_settings()
    facts = load_facts(
        visible_card_records(user, Attendance.objects.filter(enrollment__member=member)),
        visible_card_records(user, StudyRecord.objects.filter(member=member)),
        visible_card_records(user, ExamResult.objects.filter(enrollment__member=member)),
        year,
    )
    return rules.credit_card(
        year,
        facts.attendances.get(member.pk, ()),
        facts.studies.get(member.pk, ()),
        facts.exams.get(member.pk, ()),
        rule_set,
    )


def cards_for_members(user, member_ids: list[int], year: int, rule_set: rules.RuleSet) -> dict[int, rules.CreditCard]:
    facts = load_facts(
        visible_card_records(user, Attendance.objects.filter(enrollment__member_id__in=member_ids)),
        visible_card_records(user, StudyRecord.objects.filter(member_id__in=member_ids)),
        visible_card_records(user, ExamResult.objects.filter(enrollment__member_id__in=member_ids)),
        year,
    )
    return cards_from(facts, year, rule_set)


def facts_in_subtree(user, path: str, year: int) -> Facts:
    """The cards of the members who belong to `path`'s subtree now."""
    return load_facts(
        visible_card_records(user, Attendance.objects.filter(in_card_subtree("training.Attendance", path))),
        visible_card_records(user, StudyRecord.objects.filter(in_card_subtree("training.StudyRecord", path))),
        visible_card_records(user, ExamResult.objects.filter(in_card_subtree("training.ExamResult", path))),
        year,
    )


# ---- per-organization summary ----------------------------------------------------------------


@dataclass
class Totals:
    trainees: int = 0
    recorded: int = 0
    attended: int = 0
    present: int = 0
    lateness: int = 0
    excused: int = 0
    unexcused: int = 0
    missed_lessons: int = 0
    attended_hours: Decimal = Decimal("0")
    study_hours: Decimal = Decimal("0")
    credits: Decimal = Decimal("0")
    target_met: int = 0
    over_limit: int = 0
    exams_taken: int = 0
    exams_passed: int = 0

    def add(self, card: rules.CreditCard) -> None:
        self.trainees += 1
        self.recorded += card.sessions_recorded
        self.attended += card.sessions_attended
        self.present += card.present
        self.lateness += card.lateness
        self.excused += card.excused
        self.unexcused += card.unexcused
        self.missed_lessons += card.missed_lessons
        self.attended_hours += card.attended_hours
        self.study_hours += card.study_hours
        self.credits += card.total_credits
        self.target_met += card.target_met
        self.over_limit += card.over_limit
        self.exams_taken += card.exams_taken
        self.exams_passed += card.exams_passed

    @property
    def attendance_rate(self) -> Decimal | None:
        return rules.rate(self.attended, self.recorded)

    @property
    def pass_rate(self) -> Decimal | None:
        return rules.rate(self.exams_passed, self.exams_taken)


@dataclass
class Summary:
    year: int
    totals: Totals
    children: list  # (Organization, Totals) for each child organization
    people: list  # Person with .card, those with most missed lessons first
    demerits: list


def org_summary(user, org, year: int, rule_set: rules.RuleSet | None = None) -> Summary:
    """Training figures of `org`'s subtree for a year; a fixed number of queries."""
    from jiceng.orgs.models import Organization

    rule_set = rule_set or current_settings()
    facts = facts_in_subtree(user, org.path, year)
    cards = cards_from(facts, year, rule_set, with_lines=False)
    children = list(visible(user, Organization.objects.filter(parent=org)).order_by("path"))
    by_child = {c.path: Totals() for c in children}
    totals = Totals()
    people = []
    for mid, card in cards.items():
        person = facts.people[mid]
        person.card = card
        people.append(person)
        totals.add(card)
        child = by_child.get(person.org_path[: len(org.path) + SEGMENT])
        if child is not None:
            child.add(card)
    people.sort(key=lambda p: (-p.card.notice_count, -p.card.missed_lessons, p.org_path, p.name))
    demerits = list(
        visible_training(user, OrganizationDemerit.objects.filter(path_q("organization__path", org.path), year=year))
        .select_related("organization", "member")
        .order_by("organization__path", "created_at")
    )
    return Summary(year, totals, [(c, by_child[c.path]) for c in children], people, demerits)


# ---- absences for the notice ------------------------------------------------------------------


@dataclass
class AbsenceTally:
    member_id: int
    unexcused: int
    lateness: int
    organization_id: int  # the enrollment organization of the latest counted record


def absence_tallies(year: int, member_ids: list[int] | None = None) -> dict[int, AbsenceTally]:
    """Unexcused absences and lateness per person in a calendar year (whole database: the
    notice is the system's duty, not a viewer's figure). One query."""
    first, last = year_range(year)
    qs = Attendance.objects.filter(
        session__on__gte=first,
        session__on__lte=last,
        status__in=[rules.UNEXCUSED, rules.LATE, rules.EARLY_LEAVE],
    )
    if member_ids is not None:
        qs = qs.filter(enrollment__member_id__in=member_ids)
    out: dict[int, AbsenceTally] = {}
    latest: dict[int, tuple] = {}
    for mid, status, oid, on, start, sid in qs.order_by().values_list(
        "enrollment__member_id",
        "status",
        "enrollment__organization_id",
        "session__on",
        "session__start_time",
        "session_id",
    ):
        t = out.setdefault(mid, AbsenceTally(mid, 0, 0, oid))
        if status == rules.UNEXCUSED:
            t.unexcused += 1
        else:
            t.lateness += 1
        if mid not in latest or (on, start, sid) > latest[mid]:
            latest[mid] = (on, start, sid)
            t.organization_id = oid
    return out


# ---- the command screen ---------------------------------------------------------------------


def scope_totals(user, path: str, year: int, rule_set: rules.RuleSet) -> Totals:
    """The same totals as adding up every person's credit card (`Totals.add`), but grouped in
    the database: five queries, whatever the number of people. Only late arrivals, early
    leaves and unexcused absences come back row by row, to apply the per-person rules
    (lateness conversion, the absence limit). `target_met` is not computed here."""
    first, last = year_range(year)
    att = visible_card_records(user, Attendance.objects.filter(in_card_subtree("training.Attendance", path))).filter(
        session__on__gte=first, session__on__lte=last
    )
    studies = visible_card_records(
        user, StudyRecord.objects.filter(in_card_subtree("training.StudyRecord", path))
    ).filter(on__gte=first, on__lte=last)
    results = visible_card_records(
        user, ExamResult.objects.filter(in_card_subtree("training.ExamResult", path))
    ).filter(exam__held_on__gte=first, exam__held_on__lte=last)
    t = Totals()
    attendance_credits = Decimal("0")
    for status, hours, rate, n in (
        att.order_by()
        .values_list("status", "session__class_hours", "session__course__credits_per_class_hour")
        .annotate(n=Count("id"))
        .values_list("status", "session__class_hours", "session__course__credits_per_class_hour", "n")
    ):
        t.recorded += n
        if status in rules.ATTENDED:
            t.attended += n
            t.attended_hours += hours * n
            attendance_credits += rules.credits(hours * rules.class_hour_rate(rate, rule_set)) * n
        t.present += n if status == rules.PRESENT else 0
        t.excused += n if status == rules.EXCUSED else 0
    # Per person, in session order: which late arrival completes a missed lesson, and who
    # is over the absence limit.
    people: dict[int, list] = defaultdict(lambda: [0, 0])  # member -> [lateness, unexcused]
    per = rule_set.lateness_per_missed_lesson
    for mid, status, hours, rate in (
        att.filter(status__in=[*rules.LATENESS, rules.UNEXCUSED])
        .order_by("enrollment__member_id", "session__on", "session__start_time", "session_id")
        .values_list(
            "enrollment__member_id", "status", "session__class_hours", "session__course__credits_per_class_hour"
        )
    ):
        tally = people[mid]
        if status == rules.UNEXCUSED:
            tally[1] += 1
            continue
        tally[0] += 1
        if rules.completes_missed_lesson(tally[0], per):
            t.attended_hours -= hours
            attendance_credits -= rules.credits(hours * rules.class_hour_rate(rate, rule_set))
    for lateness, unexcused in people.values():
        t.lateness += lateness
        t.unexcused += unexcused
        t.missed_lessons += unexcused + rules.missed_from_lateness(lateness, per)
        t.over_limit += rules.notice_due(unexcused, lateness, rule_set)
    t.missed_lessons += t.excused
    study_credits = Decimal("0")
    for hours, n in studies.order_by().values_list("hours").annotate(n=Count("id")).values_list("hours", "n"):
        t.study_hours += hours * n
        study_credits += rules.credits(hours * rule_set.credits_per_study_hour) * n
    exam_counts = results.aggregate(taken=Count("id"), passed=Count("id", filter=Q(score__gte=F("exam__pass_mark"))))
    t.exams_taken, t.exams_passed = exam_counts["taken"], exam_counts["passed"]
    t.credits = attendance_credits + study_credits + rules.credits(rule_set.credits_per_passed_exam) * t.exams_passed
    members = (
        att.order_by()
        .values_list("enrollment__member_id", flat=True)
        .union(
            studies.order_by().values_list("member_id", flat=True),
            results.order_by().values_list("enrollment__member_id", flat=True),
        )
    )
    t.trainees = members.count()
    return t


def command_figures(user, root, today: date, rule_set: rules.RuleSet | None = None) -> dict:
    """Training figures for the command screen: a fixed number of queries (eight with the rules)."""
    rule_set = rule_set or current_settings()
    year = today.year
    totals = scope_totals(user, root.path, year, rule_set)
    courses = visible_training(user, Course.objects.filter(path_q("organizer__path", root.path), year=year)).count()
    demerits = (
        visible_training(user, OrganizationDemerit.objects.filter(path_q("organization__path", root.path), year=year))
        .filter(withdrawn_at=None)
        .count()
    )
    return {"year": year, "totals": totals, "courses": courses, "demerits": demerits}


def panel_figures(user, org, year: int, rule_set: rules.RuleSet | None = None) -> dict:
    """The organization page's card: the subtree's year in figures and the demerits
    recorded against the organization itself. Eight queries with the rules."""
    rule_set = rule_set or current_settings()
    totals = scope_totals(user, org.path, year, rule_set)
    demerits = list(
        visible_training(user, OrganizationDemerit.objects.filter(organization=org, year=year))
        .select_related("member")
        .order_by("created_at")
    )
    subtree_demerits = (
        visible_training(user, OrganizationDemerit.objects.filter(path_q("organization__path", org.path), year=year))
        .filter(withdrawn_at=None)
        .count()
    )
    return {"totals": totals, "demerits": demerits, "subtree_demerits": subtree_demerits}


# ---- the organization star rating (jiceng.ratings) ----------------------------------------


def trainees_with_demerits(root_path: str, year: int) -> dict[str, tuple[int, int]]:
    """{organization path: (trainees, of them with a demerit)} in the subtree at `root_path`: the
    members with an attendance, study or test record of the year, placed in their organization
    now — the trainees (参训人数) of the summary page (`org_summary`, `scope_totals`) — and how many
    of them have a demerit of the year not withdrawn (`OrganizationDemerit`: unexcused absences
    over the county's limit), wherever it was recorded (one a member and year). Two queries,
    one row per trainee; no user's scope (the system computes it for the whole subtree)."""
    first, last = year_range(year)
    attendances = Attendance.objects.filter(
        in_card_subtree("training.Attendance", root_path), session__on__gte=first, session__on__lte=last
    ).values_list("enrollment__member__organization__path", "enrollment__member_id")
    studies = StudyRecord.objects.filter(
        in_card_subtree("training.StudyRecord", root_path), on__gte=first, on__lte=last
    ).values_list("member__organization__path", "member_id")
    results = ExamResult.objects.filter(
        in_card_subtree("training.ExamResult", root_path), exam__held_on__gte=first, exam__held_on__lte=last
    ).values_list("enrollment__member__organization__path", "enrollment__member_id")
    marked = set(
        OrganizationDemerit.objects.filter(year=year, withdrawn_at=None)
        .filter(path_q("member__organization__path", root_path))
        .values_list("member_id", flat=True)
    )
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for path, member_id in attendances.order_by().union(studies.order_by(), results.order_by()):
        out[path][0] += 1
        out[path][1] += member_id in marked
    return {path: (n, d) for path, (n, d) in out.items()}
