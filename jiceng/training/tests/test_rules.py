"""The training rules as pure functions, at their boundaries (hypothesis where there are numbers)."""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiceng.training import rules
from jiceng.training.rules import RuleSet

DEFAULT = RuleSet()


def att(day: date, status: str, hours="3", sid=None) -> rules.AttendanceFact:
    sid = sid if sid is not None else day.toordinal()
    return rules.AttendanceFact(day, (day, time(9), sid), status, Decimal(hours), sid, 1, "书记学院", "第一讲", sid)


# ---- lateness → missed lessons --------------------------------------------------------------


@pytest.mark.parametrize(("lateness", "missed"), [(0, 0), (1, 0), (2, 1), (3, 1), (4, 2), (5, 2)])
def test_two_late_or_early_count_as_one_missed_lesson(lateness, missed):
    assert rules.missed_from_lateness(lateness, 2) == missed


@given(lateness=st.integers(0, 500), per=st.integers(1, 20))
def test_missed_from_lateness_is_whole_conversions_only(lateness, per):
    missed = rules.missed_from_lateness(lateness, per)
    assert missed * per <= lateness < (missed + 1) * per


@given(n=st.integers(1, 200), per=st.integers(1, 10))
def test_the_lateness_that_completes_a_missed_lesson(n, per):
    completes = rules.completes_missed_lesson(n, per)
    assert completes == (rules.missed_from_lateness(n, per) > rules.missed_from_lateness(n - 1, per))


def test_per_missed_must_be_positive():
    with pytest.raises(ValueError):
        rules.missed_from_lateness(3, 0)


# ---- the absence notice: "more than two" ------------------------------------------------------


@pytest.mark.parametrize(("unexcused", "due"), [(0, False), (1, False), (2, False), (3, True), (4, True)])
def test_more_than_two_unexcused_absences_triggers_the_notice(unexcused, due):
    assert rules.notice_due(unexcused, 0, DEFAULT) is due


@given(unexcused=st.integers(0, 50), limit=st.integers(0, 20))
def test_the_limit_itself_is_allowed(unexcused, limit):
    assert rules.over_limit(unexcused, limit) == (unexcused >= limit + 1)


@pytest.mark.parametrize(("lateness", "due"), [(0, False), (1, False), (2, True), (3, True)])
def test_lateness_counts_toward_the_notice_by_default(lateness, due):
    # 2 unexcused absences + every 2 late arrivals / early leaves as one more (spec §3).
    assert rules.notice_due(2, lateness, DEFAULT) is due


@given(lateness=st.integers(0, 40))
def test_a_county_may_count_unexcused_absences_only(lateness):
    county = RuleSet(lateness_counts_toward_notice=False)
    assert rules.notice_count(2, lateness, county) == 2
    assert not rules.notice_due(2, lateness, county)


# ---- class size ---------------------------------------------------------------------------


@given(enrolled=st.integers(0, 60), adding=st.integers(1, 60))
def test_class_limit_is_inclusive(enrolled, adding):
    error = rules.class_size_error(enrolled, adding, 40)
    assert (error is None) == (enrolled + adding <= 40)
    if error:
        assert "上限 40 人" in error and f"超出 {enrolled + adding - 40} 人" in error


def test_no_limit_means_no_limit():
    assert rules.class_size_error(500, 500, None) is None


@pytest.mark.parametrize(("limit", "ok"), [(None, False), (39, True), (40, True), (41, False)])
def test_academy_classes_have_at_most_forty(limit, ok):
    assert (rules.course_limit_error("academy", limit, DEFAULT) is None) is ok
    assert rules.course_limit_error("winter", limit, DEFAULT) is None or limit == 0


# ---- tests ----------------------------------------------------------------------------------


@given(score=st.decimals(0, 100, places=1), pass_mark=st.decimals(0, 100, places=1))
def test_pass_mark_itself_passes(score, pass_mark):
    assert rules.passed(score, pass_mark) == (score >= pass_mark)


@pytest.mark.parametrize(
    ("score", "problem"),
    [("0", None), ("100", None), ("100.1", "满分"), ("-1", "负数"), ("59.95", "1 位小数"), ("59.5", None)],
)
def test_score_errors(score, problem):
    error = rules.score_error(Decimal(score), Decimal("100"))
    assert (error is None) if problem is None else (problem in error)


# ---- the credit card ------------------------------------------------------------------------


def test_credit_card_lines_explain_every_figure():
    facts = [
        att(date(2026, 3, 1), "present"),
        att(date(2026, 3, 8), "late"),
        att(date(2026, 3, 15), "early_leave"),  # 2nd lateness: one missed lesson, no credit
        att(date(2026, 3, 22), "excused"),
        att(date(2026, 3, 29), "unexcused"),
        att(date(2025, 12, 20), "present"),  # last year: not on this card
    ]
    studies = [rules.StudyFact(date(2026, 4, 1), Decimal("2.5"), "学习强国", "网上学习", 7)]
    exams = [
        rules.ExamFact(date(2026, 4, 2), Decimal("60"), Decimal("60"), 1, "结业测试", 1, "书记学院", 11),
        rules.ExamFact(date(2026, 4, 3), Decimal("59.5"), Decimal("60"), 2, "补充测试", 1, "书记学院", 12),
    ]
    card = rules.credit_card(2026, facts, studies, exams, DEFAULT)
    assert card.sessions_recorded == 5 and card.sessions_attended == 3
    assert card.lateness == 2 and card.excused == 1 and card.unexcused == 1
    assert card.missed_lessons == 3  # excused + unexcused + 2 lateness → 1
    assert card.attended_hours == Decimal("6")  # present 3 + late 3; the early leave completed a missed lesson
    assert card.attendance_credits == Decimal("6.00")
    assert card.study_credits == Decimal("2.50")
    assert card.exam_credits == Decimal("2.00")  # 60 passes (the pass mark itself), 59.5 does not
    assert card.total_credits == sum((ln.credits for ln in card.lines), Decimal("0"))
    assert card.total_hours == sum((ln.hours for ln in card.lines), Decimal("0"))
    forfeited = next(ln for ln in card.lines if ln.on == date(2026, 3, 15))
    assert forfeited.credits == 0 and "合计缺课 1 次" in forfeited.note
    assert not card.over_limit and card.notice_count == 2  # 1 unexcused + 2 lateness → 1 (the default)
    assert card.attendance_rate == Decimal("60.0")


@given(statuses=st.lists(st.sampled_from(sorted(rules.STATUS_LABELS)), max_size=30), per=st.integers(1, 4))
def test_card_totals_are_the_sum_of_their_lines(statuses, per):
    start = date(2026, 1, 5)
    facts = [att(start + timedelta(days=7 * i), s, hours="2.5", sid=i) for i, s in enumerate(statuses)]
    rule_set = RuleSet(lateness_per_missed_lesson=per, credits_per_class_hour=Decimal("1.25"))
    card = rules.credit_card(2026, facts, [], [], rule_set)
    lateness = sum(1 for s in statuses if s in rules.LATENESS)
    assert card.attendance_credits == sum((ln.credits for ln in card.lines), Decimal("0"))
    assert card.sessions_attended == sum(1 for s in statuses if s in rules.ATTENDED)
    forfeits = lateness // per
    assert card.attended_hours == Decimal("2.5") * (card.sessions_attended - forfeits)
    assert card.missed_lessons == statuses.count("excused") + statuses.count("unexcused") + forfeits


def test_year_boundary_splits_the_counts():
    """Absences on 31 December and 1 January belong to different years."""
    facts = [
        att(date(2025, 12, 30), "unexcused"),
        att(date(2025, 12, 31), "unexcused"),
        att(date(2026, 1, 1), "unexcused"),
        att(date(2026, 1, 2), "unexcused"),
    ]
    assert rules.credit_card(2025, facts, [], [], DEFAULT).unexcused == 2
    assert rules.credit_card(2026, facts, [], [], DEFAULT).unexcused == 2
    assert not rules.credit_card(2026, facts, [], [], DEFAULT).over_limit
    facts.append(att(date(2026, 12, 31), "unexcused"))
    assert rules.credit_card(2026, facts, [], [], DEFAULT).over_limit


def test_rate_rounds_half_up_and_handles_zero():
    assert rules.rate(2, 3) == Decimal("66.7")
    assert rules.rate(1, 8) == Decimal("12.5")
    assert rules.rate(0, 0) is None


def test_a_course_may_set_its_own_credit_rate():
    own = rules.AttendanceFact(
        date(2026, 5, 1), (date(2026, 5, 1), time(9), 1), "present", Decimal("2"), 1, 1, "专题", "x", 1, Decimal("1.5")
    )
    county = att(date(2026, 5, 2), "present", hours="2", sid=2)
    card = rules.credit_card(2026, [own, county], [], [], DEFAULT)
    assert [ln.credits for ln in card.lines] == [Decimal("3.00"), Decimal("2.00")]
