"""The statute as pure functions: every boundary, with hypothesis where there is a number."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiceng.development import rules
from jiceng.development.rules import FileState, Person, StepFact, Vote
from jiceng.members.rules import age_on
from jiceng.orgs.rules import add_months, add_years

days = st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31))
births = st.dates(min_value=date(1940, 1, 1), max_value=date(2060, 12, 31))


def state_after(*steps: StepFact, birth=date(2000, 1, 1)) -> FileState:
    return rules.fold(birth, list(steps))


def walk_to(last: int, dates: dict[int, date], roll=rules.same_day, **overrides) -> FileState:
    """A state with steps 1..last done on `dates` (valid data where a step needs it)."""
    facts = []
    for n in range(1, last + 1):
        kw = {}
        if n in (15, 23):
            kw["vote"] = Vote(entitled=3, attended=3, yes=3)
        if n == 23:
            kw["outcome"] = overrides.get("outcome", rules.TO_FULL)
            kw["extension_months"] = overrides.get("extension_months", 0)
        facts.append(StepFact(n, dates[n], **kw))
    return rules.fold(date(2000, 1, 1), facts, roll=roll)


def seq_dates(start: date, gap_days: int = 1, **fixed: date) -> dict[int, date]:
    out, d = {}, start
    for n in range(1, 26):
        out[n] = fixed.get(f"s{n}", d)
        d = out[n] + timedelta(days=gap_days)
    return out


def refused(state, step, today):
    return rules.check_step(state, step, today)


# ---- 18th birthday -------------------------------------------------------------------------


@given(births)
def test_eighteenth_birthday_is_the_first_day_of_age_18(birth):
    adult = rules.eighteenth_birthday(birth)
    assert age_on(birth, adult) == 18
    assert age_on(birth, adult - timedelta(days=1)) == 17


@given(births)
def test_applying_on_the_18th_birthday_is_allowed_the_day_before_refused(birth):
    adult = rules.eighteenth_birthday(birth)
    state = FileState(birth_date=birth)
    today = adult + timedelta(days=400)
    assert refused(state, StepFact(1, adult), today) == []
    (r,) = refused(state, StepFact(1, adult - timedelta(days=1)), today)
    assert r.earliest == adult
    assert f"最早可于{adult:%Y-%m-%d}递交入党申请书" in r.message
    assert "年满十八周岁" in r.message and "《中国共产党章程》第一条" in r.message


def test_born_on_29_february_turns_18_on_1_march_in_a_common_year():
    assert rules.eighteenth_birthday(date(2008, 2, 29)) == date(2026, 3, 1)
    assert rules.eighteenth_birthday(date(2006, 2, 28)) == date(2024, 2, 28)
    assert rules.eighteenth_birthday(date(2004, 2, 29)) == date(2022, 3, 1)
    assert rules.eighteenth_birthday(date(1998, 2, 29 - 1)) == date(2016, 2, 28)


# ---- one month to talk ---------------------------------------------------------------------


@given(days)
def test_talk_deadline_is_one_calendar_month_with_month_end_clipping(applied):
    deadline = rules.talk_deadline(applied)
    assert deadline == add_months(applied, 1)
    state = state_after(StepFact(1, applied))
    assert state.talk_due_on == deadline
    on_time = rules.apply(state, StepFact(2, deadline, people=(Person(rules.TALKER, "甲"),)))
    late = rules.apply(state, StepFact(2, deadline + timedelta(days=1), people=(Person(rules.TALKER, "甲"),)))
    assert not on_time.talk_late and late.talk_late
    assert on_time.talk_due_on is None


def test_talk_deadline_month_ends():
    assert rules.talk_deadline(date(2025, 1, 31)) == date(2025, 2, 28)
    assert rules.talk_deadline(date(2024, 1, 31)) == date(2024, 2, 29)
    assert rules.talk_deadline(date(2025, 3, 31)) == date(2025, 4, 30)
    assert rules.talk_deadline(date(2025, 12, 15)) == date(2026, 1, 15)


def test_a_late_talk_is_recorded_not_refused():
    state = state_after(StepFact(1, date(2025, 1, 31)))
    step = StepFact(2, date(2025, 6, 1), people=(Person(rules.TALKER, "组织委员"),))
    assert refused(state, step, date(2025, 6, 1)) == []
    assert refused(state, StepFact(2, date(2025, 6, 1)), date(2025, 6, 1))[0].field == "talkers"


# ---- six-monthly review --------------------------------------------------------------------


@given(days)
def test_review_is_due_six_months_after_the_activist_day_then_after_each_review(start):
    d = seq_dates(start - timedelta(days=10), s3=start)
    state = walk_to(5, d)
    assert state.review_due_on == add_months(start, 6)
    review = add_months(start, 6)
    state = rules.apply(state, StepFact(6, review))
    assert state.review_due_on == add_months(review, 6)
    state = rules.apply(state, StepFact(7, add_years(start, 1)))
    assert state.review_due_on is None


def test_review_month_ends():
    assert rules.next_review_due(date(2025, 8, 31)) == date(2026, 2, 28)
    assert rules.next_review_due(date(2023, 8, 31)) == date(2024, 2, 29)


# ---- one year as an activist ---------------------------------------------------------------


@given(days)
def test_candidate_one_year_to_the_day_allowed_the_day_before_refused(activist_on):
    d = seq_dates(activist_on - timedelta(days=2), s3=activist_on, s4=activist_on, s5=activist_on, s6=activist_on)
    state = walk_to(6, d)
    first = add_years(activist_on, 1)
    today = first + timedelta(days=30)
    assert refused(state, StepFact(7, first), today) == []
    (r,) = refused(state, StepFact(7, first - timedelta(days=1)), today)
    assert r.earliest == first
    assert r.message == (
        "确定为发展对象须经过一年以上培养考察（《中国共产党发展党员工作细则》第十三条）："
        f"该积极分子于{activist_on:%Y-%m-%d}确定，最早可于{first:%Y-%m-%d}确定为发展对象"
    )


def test_one_year_from_29_february():
    assert rules.earliest_candidate_day(date(2024, 2, 29)) == date(2025, 2, 28)


# ---- votes ---------------------------------------------------------------------------------


@given(st.integers(min_value=1, max_value=500), st.data())
def test_quorum_needs_more_than_half_of_those_entitled(entitled, data):
    attended = data.draw(st.integers(min_value=0, max_value=entitled))
    vote = Vote(entitled=entitled, attended=attended, yes=attended)
    assert rules.is_quorate(vote) == (attended > entitled / 2)
    errors = rules.vote_errors(vote)
    if attended * 2 <= entitled:
        assert "不足法定人数" in errors["vote_attended"]
        assert f"至少须 {entitled // 2 + 1} 人到会" in errors["vote_attended"]


@given(st.integers(min_value=1, max_value=500), st.data())
def test_passing_needs_more_than_half_of_all_entitled_not_of_those_present(entitled, data):
    attended = data.draw(st.integers(min_value=entitled // 2 + 1, max_value=entitled))
    yes = data.draw(st.integers(min_value=0, max_value=attended))
    vote = Vote(entitled=entitled, attended=attended, yes=yes, no=attended - yes)
    errors = rules.vote_errors(vote)
    assert (errors == {}) == (yes * 2 > entitled)
    if yes * 2 <= entitled:
        assert "而不是到会人数的半数" in errors["vote_yes"]


@pytest.mark.parametrize("entitled", [2, 4, 10, 30, 100])
def test_exactly_half_fails_and_half_plus_one_passes(entitled):
    half = entitled // 2
    assert rules.vote_errors(Vote(entitled, entitled, yes=half, no=entitled - half))["vote_yes"]
    assert rules.vote_errors(Vote(entitled, entitled, yes=half + 1, no=entitled - half - 1)) == {}
    assert "不足法定人数" in rules.vote_errors(Vote(entitled, half, yes=half))["vote_attended"]
    assert rules.votes_needed(entitled) == half + 1


def test_majority_of_those_present_is_not_enough():
    # 10 entitled, 6 present, 5 yes: a majority of those present but not of all entitled.
    errors = rules.vote_errors(Vote(entitled=10, attended=6, yes=5, no=1))
    assert "至少须 6 票赞成，实得 5 票" in errors["vote_yes"]
    assert "第二十一条" in errors["vote_yes"]


def test_written_opinions_count_in_the_votes_not_in_the_quorum():
    # 10 entitled, 5 present (not quorate whatever the written opinions).
    assert "不足法定人数" in rules.vote_errors(Vote(10, 5, yes=8, written=3))["vote_attended"]
    # 6 present + 2 written, 6 yes: passes.
    assert rules.vote_errors(Vote(10, 6, yes=6, written=2)) == {}
    assert "超过了到会和提交书面意见的人数" in rules.vote_errors(Vote(10, 6, yes=7, written=0))["vote_yes"]
    assert rules.vote_errors(Vote(10, 11, yes=6))["vote_attended"].startswith("实到会有表决权人数")
    assert rules.vote_errors(Vote(0, 0, yes=0)) == {"vote_entitled": "应到会有表决权的正式党员人数至少为1人"}


def test_odd_numbers():
    assert rules.vote_errors(Vote(7, 4, yes=4)) == {}  # 4 of 7 present and yes
    assert rules.vote_errors(Vote(7, 3, yes=3))  # 3 of 7 present: no quorum
    assert rules.vote_errors(Vote(7, 7, yes=3, no=4))  # 3 of 7


# ---- approval within 3 months (6 with a reason) --------------------------------------------


def vote_state(vote_on: date) -> FileState:
    d = seq_dates(vote_on - timedelta(days=20), s15=vote_on, s16=vote_on)
    return walk_to(16, d)


@given(days)
def test_admission_approval_boundaries(vote_on):
    state = vote_state(vote_on)
    three, six = add_months(vote_on, 3), add_months(vote_on, 6)
    today = six + timedelta(days=10)
    assert state.approval_due_on == three and state.approval_limit_on == six
    assert refused(state, StepFact(17, three), today) == []
    (r,) = refused(state, StepFact(17, three + timedelta(days=1)), today)
    assert r.field == "late_reason" and "须注明理由" in r.message
    assert refused(state, StepFact(17, six, late_reason="遇乡镇党委换届"), today) == []
    (r,) = refused(state, StepFact(17, six + timedelta(days=1), late_reason="遇乡镇党委换届"), today)
    assert "不得超过六个月" in r.message and f"最迟应于{six:%Y-%m-%d}审批" in r.message


def test_approval_month_ends():
    assert rules.approval_deadline(date(2025, 11, 30)) == date(2026, 2, 28)
    assert rules.approval_limit(date(2025, 8, 31)) == date(2026, 2, 28)
    assert rules.approval_deadline(date(2023, 11, 30)) == date(2024, 2, 29)


def test_a_lapsed_vote_can_be_held_again_and_restarts_the_clock():
    vote_on = date(2024, 1, 10)
    state = vote_state(vote_on)
    limit = add_months(vote_on, 6)
    # Before the limit passes, the vote cannot be repeated.
    (r,) = refused(state, StepFact(15, limit, vote=Vote(3, 3, 3)), limit)
    assert "审批期限" in r.message and "未过" in r.message
    nxt = rules.next_steps(state, limit + timedelta(days=1))
    assert [s.number for s in nxt] == [17, 15]
    assert nxt[1].earliest == limit + timedelta(days=1)
    again = StepFact(15, limit + timedelta(days=3), vote=Vote(3, 3, 3))
    assert refused(state, again, limit + timedelta(days=3)) == []
    state = rules.apply(state, again)
    assert state.vote_on == again.on and state.approval_due_on == add_months(again.on, 3)


@given(days)
def test_full_membership_approval_within_3_months_without_extension(vote23):
    d = seq_dates(date(2000, 1, 1))
    state = walk_to(22, d)
    state = rules.apply(state, StepFact(23, vote23, outcome=rules.TO_FULL, vote=Vote(3, 3, 3)))
    three = add_months(vote23, 3)
    today = three + timedelta(days=5)
    assert refused(state, StepFact(24, three), today) == []
    (r,) = refused(state, StepFact(24, three + timedelta(days=1)), today)
    assert "三个月内审批" in r.message and "重新记录第23步" in r.message


# ---- probation -----------------------------------------------------------------------------


@given(days)
def test_probation_is_one_year_from_the_vote_and_ends_on_the_anniversary(vote_on):
    d = seq_dates(vote_on - timedelta(days=20), s15=vote_on, s16=vote_on, s17=vote_on, s18=vote_on)
    for n in range(19, 23):
        d[n] = vote_on
    state = walk_to(22, d)
    end = add_years(vote_on, 1)
    assert state.probation_end_on == end == state.probation_due_on
    today = end + timedelta(days=10)
    full = StepFact(23, end, outcome=rules.TO_FULL, vote=Vote(3, 3, 3))
    assert refused(state, full, today) == []
    early = StepFact(23, end - timedelta(days=1), outcome=rules.TO_FULL, vote=Vote(3, 3, 3))
    (r,) = refused(state, early, today)
    assert r.earliest == end and f"最早可于{end:%Y-%m-%d}讨论转正" in r.message and "第七条" in r.message
    # Cancelling does not wait for the end of probation.
    cancel = StepFact(23, vote_on, outcome=rules.CANCEL, vote=Vote(3, 3, 3))
    assert refused(state, cancel, today) == []
    state = rules.apply(rules.apply(state, full), StepFact(24, end))
    assert state.full_on == end and state.identity == rules.FULL


def test_probation_from_29_february_ends_28_february():
    assert rules.probation_end(date(2024, 2, 29)) == date(2025, 2, 28)
    assert rules.probation_end(date(2024, 8, 31), 6) == date(2026, 2, 28)


@given(days, st.integers(min_value=0, max_value=24))
def test_extension_between_six_months_and_one_year_once(vote_on, months):
    d = seq_dates(vote_on - timedelta(days=20), s15=vote_on, s16=vote_on, s17=vote_on)
    for n in range(18, 23):
        d[n] = vote_on
    state = walk_to(22, d)
    end = add_years(vote_on, 1)
    step = StepFact(23, end, outcome=rules.EXTEND, extension_months=months, vote=Vote(3, 3, 3))
    found = refused(state, step, end)
    if 6 <= months <= 12:
        assert found == []
        state = rules.apply(rules.apply(state, step), StepFact(24, end))
        assert state.extension_months == months
        assert state.probation_end_on == add_months(end, months)
        assert state.last_step == 21 and state.identity == rules.PROBATIONARY
        # The second extension is refused, whatever its length.
        state = rules.apply(state, StepFact(22, end))
        new_end = state.probation_end_on
        again = StepFact(23, new_end, outcome=rules.EXTEND, extension_months=6, vote=Vote(3, 3, 3))
        (r,) = refused(state, again, new_end)
        assert "只能延长一次" in r.message
        full = StepFact(23, new_end, outcome=rules.TO_FULL, vote=Vote(3, 3, 3))
        assert refused(state, full, new_end) == []
        early = StepFact(23, new_end - timedelta(days=1), outcome=rules.TO_FULL, vote=Vote(3, 3, 3))
        assert refused(state, early, new_end)[0].earliest == new_end
        state = rules.apply(rules.apply(state, full), StepFact(24, new_end))
        assert state.full_on == new_end
    else:
        (r,) = found
        assert r.field == "extension_months"
        assert "不能少于半年" in r.message and "最长不超过一年" in r.message


# ---- order, dates and people ---------------------------------------------------------------


def test_steps_happen_in_order_and_name_the_missing_step():
    state = state_after(StepFact(1, date(2025, 1, 1)))
    (r,) = refused(state, StepFact(5, date(2025, 2, 1)), date(2025, 3, 1))
    assert r.message == "步骤须依次进行：记录第5步「指定培养联系人」前，须先完成第2步「党组织派人谈话」"
    d = seq_dates(date(2020, 1, 1))
    state = walk_to(6, d)
    (r,) = refused(state, StepFact(9, date(2021, 6, 1)), date(2025, 1, 1))
    assert "须先完成第7步「确定发展对象」" in r.message
    (r,) = refused(state, StepFact(3, date(2021, 6, 1)), date(2025, 1, 1))
    assert r.message == "第3步「推荐和确定入党积极分子」已经完成，不能重复记录"


def test_dates_cannot_be_in_the_future_or_before_the_previous_step():
    state = state_after(StepFact(1, date(2025, 1, 10)))
    talker = (Person(rules.TALKER, "甲"),)
    (r,) = refused(state, StepFact(2, date(2025, 1, 11), people=talker), date(2025, 1, 10))
    assert r.message == "日期（2025-01-11）不能晚于今天（2025-01-10）"
    (r,) = refused(state, StepFact(2, date(2025, 1, 9), people=talker), date(2025, 2, 1))
    assert r.message == "日期不能早于上一步（第1步「递交入党申请书」，2025-01-10）" and r.earliest == date(2025, 1, 10)
    assert refused(state, StepFact(2, date(2025, 1, 10), people=talker), date(2025, 2, 1)) == []


def full(name, since=date(2010, 1, 1), member_id=None, role=rules.SPONSOR):
    return Person(role, name, member_id=member_id or hash(name) % 1000 + 1, status="full", full_date=since)


def test_sponsors_two_full_members_on_the_day():
    day = date(2025, 5, 1)
    assert rules.sponsor_errors([full("甲"), full("乙")], day) == []
    (m,) = rules.sponsor_errors([full("甲")], day)
    assert "两名正式党员作入党介绍人" in m and "第十四条" in m and "现为 1 名" in m
    (m,) = rules.sponsor_errors([full("甲"), full("甲")], day)
    assert "现为 1 名" in m
    assert "现为 3 名" in rules.sponsor_errors([full("甲"), full("乙"), full("丙")], day)[0]
    prob = Person(rules.SPONSOR, "丁", member_id=9, status="probationary")
    assert "丁在2025-05-01不是正式党员" in rules.sponsor_errors([full("甲"), prob], day)[0]
    # Full since the day itself: allowed; since the day after: not yet full on the day.
    assert rules.sponsor_errors([full("甲"), full("乙", since=day)], day) == []
    (m,) = rules.sponsor_errors([full("甲"), full("乙", since=day + timedelta(days=1))], day)
    assert "2025-05-02转为正式党员" in m
    named = Person(rules.SPONSOR, "外人")
    assert "须从党员名册中选择" in rules.sponsor_errors([full("甲"), named], day)[0]
    outside = Person(rules.SPONSOR, "乙", member_id=5, status="full", full_date=date(2000, 1, 1), in_scope=False)
    (m,) = rules.sponsor_errors([full("甲"), outside], day)
    assert rules.NOT_IN_SCOPE in m and "乙" not in m  # never the name of someone out of scope


# ---- full ON THE STEP'S DATE, from the status history ----------------------------------------

JOIN = date(2010, 7, 1)
offsets = st.integers(min_value=-800, max_value=800)


def on_the_day(name, history, day, current, full_date, role=rules.SPONSOR):
    status = rules.status_on(history, day, current)
    return Person(role, name, member_id=hash(name) % 1000 + 1, status=status, full_date=full_date)


@given(offsets, offsets)
def test_a_sponsor_is_judged_on_the_step_date_not_today(full_offset, death_offset):
    """Full from the full date on, until the day they died (or left): a sponsor who died after the
    step's date was a full member that day; one who became full the day after was not."""
    day = date(2024, 3, 20)
    full_on, died_on = day + timedelta(days=full_offset), day + timedelta(days=full_offset + abs(death_offset) + 1)
    history = [(JOIN, "", "probationary"), (full_on, "probationary", "full"), (died_on, "full", "deceased")]
    sponsor = on_the_day("乙", history, day, "deceased", full_on)
    errors = rules.sponsor_errors([full("甲"), sponsor], day)
    assert (errors == []) == (full_on <= day < died_on)
    if full_on > day:
        (m,) = errors
        assert f"于{full_on:%Y-%m-%d}转为正式党员，2024-03-20时尚不是正式党员" in m
    elif died_on <= day:
        (m,) = errors
        assert "乙在2024-03-20不是正式党员" in m


@given(offsets, st.integers(min_value=0, max_value=400), st.sampled_from(["full", "probationary"]))
def test_in_transit_counts_as_the_status_the_member_left_with(issued_offset, days_in_transit, left_as):
    day = date(2024, 3, 20)
    issued = day + timedelta(days=issued_offset)
    back = issued + timedelta(days=days_in_transit)
    history = [(JOIN, "", left_as), (issued, left_as, "in_transit"), (back, "in_transit", left_as)]
    assert rules.status_on(history, day, "in_transit") == left_as
    # Still in transit today: the same.
    assert rules.status_on(history[:2], day, "in_transit") == left_as
    full_date = date(2011, 7, 1) if left_as == "full" else None
    contact = on_the_day("乙", history[:2], day, "in_transit", full_date, role=rules.CONTACT)
    assert (rules.contact_errors([contact], day) == []) == (left_as == "full")


def test_status_before_the_first_row_and_without_history():
    day = date(2024, 3, 20)
    # Received from outside the county after the day: entered with the status they arrived with.
    assert rules.status_on([(date(2025, 1, 1), "", "full")], day, "full") == "full"
    assert rules.status_on([(date(2025, 1, 1), "probationary", "full")], day, "full") == "probationary"
    assert rules.status_on([], day, "deceased") == "deceased"
    # Several rows on one day: the last recorded wins.
    rows = [(JOIN, "", "full"), (day, "full", "in_transit"), (day, "in_transit", "full"), (day, "full", "deceased")]
    assert rules.status_on(rows, day, "deceased") == "deceased"
    assert rules.status_on(rows, day - timedelta(days=1), "deceased") == "full"


def test_contacts_one_or_two_full_members():
    day = date(2025, 5, 1)
    c = rules.CONTACT
    assert rules.contact_errors([full("甲", role=c)], day) == []
    assert rules.contact_errors([full("甲", role=c), full("乙", role=c)], day) == []
    assert "一至两名正式党员" in rules.contact_errors([], day)[0]
    three = [full("甲", role=c), full("乙", role=c), full("丙", role=c)]
    assert "现为 3 名" in rules.contact_errors(three, day)[0]


@pytest.mark.parametrize(
    "days_, hours, ok",
    [(3, None, True), (2, 24, True), (2, 23, False), (None, 24, True), (0, 0, False), (2, None, False)],
)
def test_training_three_days_or_24_class_hours(days_, hours, ok):
    d = seq_dates(date(2020, 1, 1))
    state = walk_to(10, d)
    found = refused(state, StepFact(11, d[11], training_days=days_, training_hours=hours), date(2025, 1, 1))
    assert (found == []) == ok
    if not ok:
        assert "不少于三天（或不少于二十四个学时）" in found[0].message and "第十七条" in found[0].message


def test_identities_and_stages_along_the_way():
    d = seq_dates(date(2020, 1, 1))
    expected = {1: ("applicant", 1), 3: ("activist", 2), 7: ("candidate", 3), 15: ("candidate", 4)}
    expected |= {17: ("probationary", 4), 19: ("probationary", 5), 24: ("full", 5), 25: ("full", 5)}
    for last, (identity, stage) in expected.items():
        state = walk_to(last, d)
        assert (state.identity, state.stage) == (identity, stage), last
    assert walk_to(25, d).status == rules.COMPLETED


def test_cancellation_closes_the_file():
    d = seq_dates(date(2020, 1, 1))
    state = walk_to(20, d)
    state = rules.apply(state, StepFact(23, d[20], outcome=rules.CANCEL, vote=Vote(3, 3, 2)))
    assert state.pending_outcome == rules.CANCEL and state.approval_due_on == add_months(d[20], 3)
    state = rules.apply(state, StepFact(24, d[20]))
    assert state.status == rules.CANCELLED and rules.next_steps(state, date(2030, 1, 1)) == []
    (r,) = refused(state, StepFact(25, d[20]), date(2030, 1, 1))
    assert r.message == "该档案已结束，不能再记录步骤"


def test_full_membership_before_probation_ends_names_the_date_and_the_missing_step():
    d = seq_dates(date(2020, 1, 1))
    state = walk_to(20, d)
    (r1, r2) = refused(state, StepFact(23, d[20], outcome=rules.TO_FULL, vote=Vote(3, 3, 3)), date(2030, 1, 1))
    assert "预备期未满" in r1.message and r1.earliest == state.probation_end_on
    assert "须先完成第21步「继续教育考察」" in r2.message


# ---- holidays: deadlines roll, minimum periods do not (民法典第二百零三条) ----------------------


def days_off(raw: date, run: int, others: frozenset = frozenset()):
    """A calendar where `run` days from `raw` on are days off (plus `others`): the roll function
    the services get from the working-day calendar, and the first working day on or after `raw`."""
    off = {raw + timedelta(days=i) for i in range(run)} | set(others)

    def roll(day: date) -> date:
        while day in off:
            day += timedelta(days=1)
        return day

    return roll, roll(raw)


holiday_runs = st.integers(min_value=0, max_value=9)  # up to a National Day week and a weekend


@given(days, holiday_runs)
def test_talk_deadline_on_a_holiday_ends_on_the_next_working_day(applied, run):
    roll, last = days_off(add_months(applied, 1), run)
    state = rules.fold(date(2000, 1, 1), [StepFact(1, applied)], roll=roll)
    assert state.talk_due_on == last == rules.talk_deadline(applied, roll)
    talker = (Person(rules.TALKER, "甲"),)
    assert not rules.apply(state, StepFact(2, last, people=talker)).talk_late
    assert rules.apply(state, StepFact(2, last + timedelta(days=1), people=talker)).talk_late


@given(days, holiday_runs)
def test_review_due_on_a_holiday_ends_on_the_next_working_day(start, run):
    roll, last = days_off(add_months(start, 6), run)
    state = walk_to(5, seq_dates(start - timedelta(days=10), s3=start), roll=roll)
    assert state.review_due_on == last


@given(days, holiday_runs, holiday_runs)
def test_admission_approval_deadlines_roll_past_holidays(vote_on, run3, run6):
    roll3, three = days_off(add_months(vote_on, 3), run3)
    roll, six = days_off(
        add_months(vote_on, 6), run6, frozenset(add_months(vote_on, 3) + timedelta(days=i) for i in range(run3))
    )
    state = walk_to(16, seq_dates(vote_on - timedelta(days=20), s15=vote_on, s16=vote_on), roll=roll)
    assert (state.approval_due_on, state.approval_limit_on) == (three, six)
    today = six + timedelta(days=10)
    assert refused(state, StepFact(17, three), today) == []  # the rolled last day needs no reason
    (r,) = refused(state, StepFact(17, three + timedelta(days=1)), today)
    assert r.field == "late_reason" and f"三个月期限至{three:%Y-%m-%d}" in r.message
    if three != add_months(vote_on, 3):
        assert "顺延" in r.message and "《中华人民共和国民法典》第二百零三条" in r.message
    assert refused(state, StepFact(17, six, late_reason="换届"), today) == []
    (r,) = refused(state, StepFact(17, six + timedelta(days=1), late_reason="换届"), today)
    assert f"最迟应于{six:%Y-%m-%d}审批" in r.message and r.rule == "《中国共产党发展党员工作细则》"
    # The vote may be held again only after the rolled limit.
    assert [s.number for s in rules.next_steps(state, six)] == [17]
    assert rules.next_steps(state, six + timedelta(days=1))[1].earliest == six + timedelta(days=1)


@given(days, holiday_runs)
def test_full_membership_approval_deadline_rolls_past_holidays(vote23, run):
    roll, three = days_off(add_months(vote23, 3), run)
    state = walk_to(22, seq_dates(date(2000, 1, 1)), roll=roll)
    state = rules.apply(state, StepFact(23, vote23, outcome=rules.TO_FULL, vote=Vote(3, 3, 3)))
    assert state.approval_due_on == state.approval_limit_on == three
    today = three + timedelta(days=5)
    assert refused(state, StepFact(24, three), today) == []
    (r,) = refused(state, StepFact(24, three + timedelta(days=1)), today)
    assert f"最迟应于{three:%Y-%m-%d}审批" in r.message


@given(days, st.integers(min_value=1, max_value=9), births)
def test_minimum_periods_do_not_roll(day, run, birth):
    """One year as an activist, one year of probation (and its extension) and the 18th birthday
    end on their calendar day even when that day is a holiday: a holiday never shortens or
    lengthens a minimum period."""
    # Every day of the run starting at the boundary is a day off.
    first = add_years(day, 1)
    roll, _ = days_off(first, run)
    activist = walk_to(6, seq_dates(day - timedelta(days=4), s3=day, s4=day, s5=day, s6=day), roll=roll)
    today = first + timedelta(days=30)
    assert refused(activist, StepFact(7, first), today) == []
    (r,) = refused(activist, StepFact(7, first - timedelta(days=1)), today)
    assert r.earliest == first

    on = {n: day for n in range(15, 23)}
    probation = walk_to(22, seq_dates(day - timedelta(days=40), **{f"s{n}": d for n, d in on.items()}), roll=roll)
    assert probation.probation_end_on == first
    vote = Vote(3, 3, 3)
    assert refused(probation, StepFact(23, first, outcome=rules.TO_FULL, vote=vote), today) == []
    (r, *_) = refused(probation, StepFact(23, first - timedelta(days=1), outcome=rules.TO_FULL, vote=vote), today)
    assert r.earliest == first
    assert rules.probation_end(day, 6) == add_months(first, 6)  # the extension too

    adult = rules.eighteenth_birthday(birth)
    roll, _ = days_off(adult, run)
    applicant = FileState(birth_date=birth, roll=roll)
    assert refused(applicant, StepFact(1, adult), adult + timedelta(days=1)) == []


def test_29_february_convention():
    """A period counted from 29 February ends on 28 February in a common year (add_years clips
    to the month's end); the 18th birthday of someone born on 29 February is 1 March."""
    assert rules.probation_end(date(2024, 2, 29)) == date(2025, 2, 28)
    assert rules.earliest_candidate_day(date(2024, 2, 29)) == date(2025, 2, 28)
    assert rules.probation_end(date(2024, 2, 29)) == date(2025, 2, 28)
    assert rules.next_review_due(date(2023, 8, 29)) == date(2024, 2, 29)
    assert rules.talk_deadline(date(2024, 1, 29)) == date(2024, 2, 29)
    assert rules.eighteenth_birthday(date(2008, 2, 29)) == date(2026, 3, 1)
    # A holiday on 28 February moves a deadline, not a minimum period.
    roll, last = days_off(date(2025, 2, 28), 3)
    assert rules.approval_deadline(date(2024, 11, 29), roll) == last == date(2025, 3, 3)
    assert rules.probation_end(date(2024, 2, 29)) == date(2025, 2, 28)


def test_refusals_name_their_rule():
    r = rules.Refusal("on", "确定为发展对象须经过一年以上培养考察（《中国共产党发展党员工作细则》第十三条）：…")
    assert r.rule == "《中国共产党发展党员工作细则》第十三条"
    assert rules.Refusal(None, "日期不能晚于今天").rule == ""
