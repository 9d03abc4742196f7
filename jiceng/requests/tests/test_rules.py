"""Pure rules: transitions, deadline evaluation, metrics formulas, masking (no database)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiceng.core import masking
from jiceng.core.calendar import WorkingCalendar, library_days
from jiceng.requests import rules
from jiceng.requests.rules import DeadlineRuleData, Figures, State

TZ = ZoneInfo("Asia/Shanghai")
CAL_2026 = WorkingCalendar({d: w for d, w, _ in library_days(2026)}, {2026})
DEFAULTS = [
    DeadlineRuleData(
        1, None, "", "", {"assign": (1, "working_days"), "response": (3, "working_days"), "done": (7, "working_days")}
    ),
    DeadlineRuleData(2, None, "on_spot", "", {"done": (0, "working_days")}),
    DeadlineRuleData(3, None, "coordinate", "", {"done": (30, "days")}),
    DeadlineRuleData(4, 99, "", "", {"done": (24, "hours")}),  # utilities
    DeadlineRuleData(5, None, "", "urgent", {"response": (10, "minutes")}),
    DeadlineRuleData(6, None, "", "emergency", {"response": (2, "hours")}),
]


def at(*args) -> datetime:
    return datetime(*args, tzinfo=TZ)


# ---- transitions --------------------------------------------------------------------------


def test_every_transition_names_real_states():
    for t in rules.TRANSITIONS.values():
        assert t.sources <= set(State.values)
        assert t.target is None or t.target in State.values


def test_refused_step_names_the_state_and_where_it_is_allowed():
    message = rules.check_transition("resolve", State.RECEIVED)
    assert message == "当前状态为「已受理」，不能办结（仅在已签收、办理中时可以）"
    assert rules.check_transition("resolve", State.IN_PROGRESS) is None
    assert rules.check_transition("accept", State.CLOSED).startswith("当前状态为「已关闭」")


def test_final_states_allow_no_handling_steps():
    for action in ("accept", "transfer", "escalate", "resolve", "return", "dismiss"):
        assert rules.check_transition(action, State.CLOSED)
        assert rules.check_transition(action, State.DISMISSED)


@pytest.mark.parametrize(
    "state,status",
    [("received", "open"), ("escalated", "open"), ("reopened", "open"), ("resolved", "closed"), ("closed", "closed")],
)
def test_open311_has_only_open_and_closed(state, status):
    assert rules.open311_status(state) == status


def test_ladder_levels():
    assert rules.org_level(2, 1) == "village" and rules.org_level(4, 1) == "village"
    assert rules.org_level(1, 1) == "township"
    assert rules.org_level(0, 1) == "county"
    assert rules.escalation_target_level("village") == "township"
    assert rules.escalation_target_level("township") == "department"
    assert rules.escalation_target_level("department") is None
    assert rules.ancestor_path("000100030012", 1) == "00010003"


# ---- deadline rules -------------------------------------------------------------------------


def test_most_specific_rule_wins_per_stage():
    # Utilities (category 99), on the spot, urgent: priority beats category beats tier.
    picked = rules.pick_deadlines(DEFAULTS, 99, "on_spot", "urgent")
    assert picked["response"] == (10, "minutes", 5)
    assert picked["done"] == (24, "hours", 4)
    assert picked["assign"] == (1, "working_days", 1)
    picked = rules.pick_deadlines(DEFAULTS, 7, "coordinate", "normal")
    assert picked["done"] == (30, "days", 3) and picked["response"] == (3, "working_days", 1)


def test_without_any_rule_the_13710_fallback_applies():
    picked = rules.pick_deadlines([], 1, "study", "normal")
    assert {s: picked[s][:2] for s in rules.STAGES} == {
        "assign": (1, "working_days"),
        "response": (3, "working_days"),
        "done": (7, "working_days"),
    }


def test_equal_specificity_goes_to_the_older_rule():
    newer = DeadlineRuleData(9, None, "", "", {"done": (5, "working_days")})
    assert rules.pick_deadlines([newer, *DEFAULTS], 1, "study", "normal")["done"] == (7, "working_days", 1)


def test_national_day_2026_with_make_up_saturday():
    # Wednesday 30 September 10:00: 1–7 October off, Thursday 8 is the 1st working day,
    # Saturday 10 (调休上班) the 3rd; done on the 7th working day, Thursday 15 October, 24:00.
    dues, estimated = rules.due_dates(
        at(2026, 9, 30, 10), rules.pick_deadlines(DEFAULTS, 1, "study", "normal"), CAL_2026
    )
    assert dues == {"assign": at(2026, 10, 9), "response": at(2026, 10, 11), "done": at(2026, 10, 16)}
    assert not estimated


def test_received_at_2359_counts_from_the_next_day():
    dues, _ = rules.due_dates(at(2026, 9, 29, 23, 59), rules.pick_deadlines(DEFAULTS, 1, "study", "normal"), CAL_2026)
    # Tuesday 29 Sep 23:59: the 1st working day is Wednesday 30 Sep, then 8 and 9 October.
    assert dues["assign"] == at(2026, 10, 1)
    assert dues["response"] == at(2026, 10, 10)


def test_received_on_a_holiday_and_before_a_make_up_sunday():
    picked = rules.pick_deadlines(DEFAULTS, 1, "study", "normal")
    dues, _ = rules.due_dates(at(2026, 10, 3, 10), picked, CAL_2026)
    assert dues["assign"] == at(2026, 10, 9)  # Saturday 3 Oct (National Day) → Thursday 8 Oct 24:00
    dues, _ = rules.due_dates(at(2026, 9, 18, 17), picked, CAL_2026)
    assert dues["assign"] == at(2026, 9, 21)  # Friday 18 Sep → Sunday 20 Sep is a make-up working day


def test_on_the_spot_is_due_the_same_working_day():
    picked = rules.pick_deadlines(DEFAULTS, 1, "on_spot", "normal")
    dues, _ = rules.due_dates(at(2026, 11, 24, 9), picked, CAL_2026)
    assert dues == {"assign": at(2026, 11, 25), "response": at(2026, 11, 25), "done": at(2026, 11, 25)}
    dues, _ = rules.due_dates(at(2026, 10, 2, 9), picked, CAL_2026)
    assert dues["done"] == at(2026, 10, 9)  # received on a holiday: by the end of the next working day


def test_clock_time_tiers():
    start = at(2026, 10, 2, 22, 50)  # a holiday night: clock time ignores the calendar
    dues, _ = rules.due_dates(start, rules.pick_deadlines(DEFAULTS, 1, "study", "urgent"), CAL_2026)
    assert dues["response"] == start + timedelta(minutes=10)
    assert dues["assign"] == start + timedelta(minutes=10)  # never after the response
    dues, _ = rules.due_dates(start, rules.pick_deadlines(DEFAULTS, 1, "study", "emergency"), CAL_2026)
    assert dues["response"] == start + timedelta(hours=2)
    dues, _ = rules.due_dates(start, rules.pick_deadlines(DEFAULTS, 99, "study", "normal"), CAL_2026)
    assert dues["done"] == start + timedelta(hours=24)
    assert dues["response"] == dues["assign"] == start + timedelta(hours=24)


def test_major_matters_take_thirty_calendar_days():
    dues, _ = rules.due_dates(at(2026, 9, 30, 10), rules.pick_deadlines(DEFAULTS, 1, "coordinate", "normal"), CAL_2026)
    assert dues["done"] == at(2026, 10, 31)  # 30 October is the 30th day; ends at 24:00


def test_a_year_without_a_schedule_is_estimated():
    cal = WorkingCalendar({d: w for d, w, _ in library_days(2026)}, {2026})
    _, estimated = rules.due_dates(at(2026, 12, 30, 10), rules.pick_deadlines(DEFAULTS, 1, "study", "normal"), cal)
    assert estimated


@given(start=st.datetimes(datetime(2026, 1, 1), datetime(2026, 12, 15)), days=st.integers(0, 20))
def test_working_day_deadlines_end_at_midnight_after_a_working_day(start, days):
    due, _ = rules.stage_due(start.replace(tzinfo=TZ), days, "working_days", CAL_2026)
    last = (due - timedelta(days=1)).date()
    assert due.hour == 0 and due.minute == 0
    assert CAL_2026.is_workday(last)
    assert last > start.date() or (days == 0 and last >= start.date())


@given(due=st.datetimes(datetime(2026, 1, 1), datetime(2026, 12, 31)), delta=st.integers(-(10**6), 10**6))
def test_completing_at_the_deadline_is_on_time_a_moment_later_is_late(due, delta):
    due = due.replace(tzinfo=TZ)
    done = due + timedelta(microseconds=delta)
    assert rules.late_on_completion(done, due) == (delta > 0)


def test_overdue_stages_only_for_open_requests():
    dues = {"assign": at(2026, 10, 9), "response": at(2026, 10, 11), "done": at(2026, 10, 16)}
    kwargs = dict(accepted_at=None, responded_at=None, resolved_at=None, dues=dues)
    assert rules.overdue_stages(at(2026, 10, 9), state="received", **kwargs) == []
    assert rules.overdue_stages(at(2026, 10, 9, 0, 0, 1), state="received", **kwargs) == ["assign"]
    assert rules.overdue_stages(at(2026, 10, 20), state="received", **kwargs) == ["assign", "response", "done"]
    assert rules.overdue_stages(at(2026, 10, 20), state="resolved", **kwargs) == []
    kwargs["accepted_at"] = at(2026, 10, 8)
    assert rules.overdue_stages(at(2026, 10, 12), state="accepted", **kwargs) == ["response"]


# ---- metrics ---------------------------------------------------------------------------------


def test_rates_leave_out_what_has_no_data():
    f = Figures(received=10, response_settled=8, response_ok=6, rated=0, resolved=4, village_resolved=3)
    r = rules.rates(f)
    assert r["response"] == Decimal("0.7500")
    assert r["resolution"] is None and r["satisfaction"] is None
    assert r["village"] == Decimal("0.7500")
    assert rules.composite(r, rules.DEFAULT_WEIGHTS) == Decimal("75.00")  # only the response rate counts


def test_composite_default_weights():
    r = {"response": Decimal("0.8"), "resolution": Decimal("0.9"), "satisfaction": Decimal("1")}
    # 0.8×30 + 0.9×35 + 1×35 = 24 + 31.5 + 35 = 90.5
    assert rules.composite(r, rules.DEFAULT_WEIGHTS) == Decimal("90.50")
    assert rules.composite(r, {"response": 100, "resolution": 0, "satisfaction": 0}) == Decimal("80.00")
    assert rules.composite({"response": None, "resolution": None, "satisfaction": None}, rules.DEFAULT_WEIGHTS) is None


def test_competition_ranking():
    ranks = rules.rank(
        [("a", Decimal("90")), ("b", Decimal("95")), ("c", Decimal("90")), ("d", None), ("e", Decimal("80"))]
    )
    assert ranks == {"b": 1, "a": 2, "c": 2, "e": 4, "d": None}


def test_weights_must_sum_to_100():
    assert rules.validate_weights({"response": 30, "resolution": 35, "satisfaction": 35}) is None
    assert "100%" in rules.validate_weights({"response": 30, "resolution": 35, "satisfaction": 36})


def test_median_hours():
    assert rules.median_hours([1, 2, 30]) == Decimal("2.0")
    assert rules.median_hours([1, 2]) == Decimal("1.5")
    assert rules.median_hours([]) is None


# ---- residents' details ----------------------------------------------------------------------


@pytest.mark.parametrize("phone", ["13900009999", "139 0000 9999", "+8613900009999", "0731-12345678", "010-1234567"])
def test_valid_phones(phone):
    assert rules.phone_error(phone) is None


@pytest.mark.parametrize("phone", ["", "12900009999", "1390000999", "139000099990", "731-12345678", "abc", "0731-123"])
def test_invalid_phones(phone):
    assert rules.phone_error(phone)


@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_eleven_digits_are_a_mobile_or_a_landline_with_area_code(digits):
    mobile = digits[0] == "1" and digits[1] in "3456789"
    landline = digits[0] == "0"  # 0 + 2–3 digit area code + 7–8 digits
    assert (rules.phone_error(digits) is None) == (mobile or landline)


def test_masking():
    assert rules.mask_phone("13900009999") == "139****9999"
    assert rules.mask_name("赵秘密") == "赵**"
    assert rules.mask_name("王五") == "王*"
    assert rules.mask_name("") == ""
    assert rules.public_name("") == "匿名" and rules.public_name("王五") == "王*"
    text = "联系人赵秘密，电话 13900009999 或 0731-12345678，身份证 420101198005171234"
    masked = rules.mask_text(text, name="赵秘密", phone="13900009999")
    assert "赵秘密" not in masked and "13900009999" not in masked and "12345678" not in masked
    assert "420101198005171234" not in masked and "赵**" in masked and "139****9999" in masked


@pytest.mark.parametrize(
    "typed,shown",
    [
        ("电话 138-1234-5678", "电话 138****5678"),
        ("电话 138 1234 5678", "电话 138****5678"),
        ("电话 138 - 1234 - 5678。", "电话 138****5678。"),
        ("电话 +86 13812345678", "电话 +86 138****5678"),
        ("电话+8613812345678", "电话+86138****5678"),
        ("电话 (+86) 138 1234 5678", "电话 (+86) 138****5678"),
        ("手机13812345678号", "手机138****5678号"),
        ("手机１３８１２３４５６７８", "手机138****5678"),
        ("座机 0731 12345678", "座机 073****5678"),
        ("座机 0731-12345678", "座机 073****5678"),
        ("座机 (0731)12345678", "座机 073****5678"),
        ("座机（0731）1234 5678", "座机073****5678"),
        ("座机 010-1234-5678 转 801", "座机 010****5678 转 801"),
        ("3组 13812345678", "3组 138****5678"),
        ("房号 3 13812345678", "房号 3 138****5678"),
        ("身份证 420101198005171234", "身份证 4201**********1234"),
    ],
)
def test_phone_numbers_are_masked_however_they_are_typed(typed, shown):
    assert rules.mask_text(typed) == shown


@pytest.mark.parametrize(
    "text",
    [
        "2026-10-13 上午 9:30，3 组 12 号",
        "订单号 513812345678",  # glued to more digits: not a phone number
        "金额 1380.50 元，面积 12345678 平方米",
        "已修复 138****5678",
    ],
)
def test_other_numbers_are_left_alone(text):
    assert rules.mask_text(text) == text


SEPARATORS = st.sampled_from(["", "", " ", "-", "  ", " - ", "－", "\u3000", "."])
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
NO_DIGITS = st.characters().filter(lambda c: masking.digit_value(c) is None)
# Characters that end a run of digits: not a digit (Arabic, full-width or Chinese numeral), not
# a separator the masking reads through (core/masking.py: spaces, dashes, underscores, slashes,
# dots, brackets, …), not the X of an ID number.
BREAKS = st.characters().filter(
    lambda c: masking.digit_value(c) is None and not masking.is_separator(c) and c not in masking.CHECK_CHARACTERS
)


@st.composite
def typed_mobiles(draw):
    """(number, as typed): 11 digits, spaces or dashes anywhere between them, maybe full width."""
    number = "1" + draw(st.sampled_from("3456789")) + draw(st.text(alphabet="0123456789", min_size=9, max_size=9))
    separators = draw(st.lists(SEPARATORS, min_size=10, max_size=10)) + [""]
    typed = "".join(d + s for d, s in zip(number, separators, strict=True))
    return number, typed.translate(FULL_WIDTH) if draw(st.booleans()) else typed


@given(typed_mobiles(), st.text(max_size=30), BREAKS, BREAKS, st.text(max_size=30))
def test_any_mobile_number_in_any_text_is_masked(mobile, prefix, before, after, suffix):
    """Whatever surrounds it, a mobile number typed with spaces or dashes is shown as
    138****5678 and the text around it is masked as if it were not there."""
    number, typed = mobile
    masked = rules.mask_text(prefix + before + typed + after + suffix)
    shown = number[:3] + "****" + number[-4:]
    assert masked == rules.mask_text(prefix + before) + shown + rules.mask_text(after + suffix)


@given(typed_mobiles(), st.text(NO_DIGITS, max_size=30), st.text(NO_DIGITS, max_size=30))
def test_a_mobile_number_next_to_spaces_and_dashes_is_masked(mobile, prefix, suffix):
    number, typed = mobile
    masked = rules.mask_text(prefix + typed + suffix)
    assert number[:3] + "****" + number[-4:] in masked
    readable = re.sub(r"[\s\-－.]", "", masked.translate(str.maketrans("０１２３４５６７８９", "0123456789")))
    assert number not in readable


def test_tickets():
    ticket = rules.new_ticket(date(2026, 10, 1))
    assert len(ticket) == 12 and ticket.startswith("261001")
    assert not set(ticket[6:]) & set("01OI")
    assert rules.normalize_ticket(" 261001-abcd ef") == "261001ABCDEF"
