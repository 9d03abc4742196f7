from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiceng.orgs import rules

TODAY = date(2026, 11, 23)


def codes(type_="branch", committee=False, full=5, members=5, term_end=None, lead=3):
    facts = rules.OrgFacts(type=type_, has_committee=committee, full_members=full, members=members, term_end=term_end)
    return {w.code for w in rules.structure_warnings(facts, TODAY, lead_months=lead)}


def test_three_full_members_is_the_boundary():
    assert rules.FEW_FULL in codes(full=2, members=4)
    assert rules.FEW_FULL not in codes(full=3, members=3)


def test_seven_members_need_a_committee():
    assert rules.NO_COMMITTEE not in codes(full=6, members=6)
    assert rules.NO_COMMITTEE in codes(full=7, members=7)
    assert rules.NO_COMMITTEE not in codes(full=7, members=7, committee=True)


def test_size_suggestions_at_50_and_100():
    assert rules.SUGGEST_GENERAL_BRANCH not in codes(full=50, members=50, committee=True)
    assert rules.SUGGEST_GENERAL_BRANCH in codes(full=51, members=51, committee=True)
    assert rules.SUGGEST_COMMITTEE not in codes(full=99, members=99, committee=True)
    assert codes(full=100, members=100, committee=True) == {rules.SUGGEST_COMMITTEE}
    assert rules.SUGGEST_COMMITTEE in codes("general_branch", True, 100, 100)


def test_suggestions_are_info_not_errors():
    facts = rules.OrgFacts("branch", True, 60, 60, None)
    assert [w.level for w in rules.structure_warnings(facts, TODAY)] == ["info"]


def test_groups_and_committees_get_no_branch_warnings():
    assert codes("group", full=0, members=0) == set()
    assert codes("committee", full=1, members=1) == set()


def test_term_warnings_lead_time_and_expiry():
    assert codes(term_end=date(2027, 2, 23), committee=True) == {rules.TERM_EXPIRING}
    assert codes(term_end=date(2027, 2, 24), committee=True) == set()
    assert codes(term_end=TODAY, committee=True) == {rules.TERM_EXPIRING}
    assert codes(term_end=date(2026, 11, 22), committee=True) == {rules.TERM_EXPIRED}
    assert codes(term_end=date(2027, 5, 23), committee=True, lead=6) == {rules.TERM_EXPIRING}


def test_warning_messages_cite_the_regulation():
    facts = rules.OrgFacts("branch", False, 2, 8, None)
    assert all("支部工作条例" in w.message for w in rules.structure_warnings(facts, TODAY))


def test_term_years_defaults():
    assert rules.term_years("committee", False) == 5
    assert rules.term_years("branch", True) == 5
    assert rules.term_years("general_branch", False) == 3
    assert rules.term_years("branch", False, branch_years=2) == 2


@given(st.lists(st.integers(1, 9998), min_size=1, max_size=5), st.lists(st.integers(1, 9998), max_size=3))
def test_path_range_contains_exactly_the_subtree(parent_segments, tail):
    parent = "".join(f"{s:04d}" for s in parent_segments)
    lower, upper = parent, rules.path_upper_bound(parent)
    descendant = parent + "".join(f"{s:04d}" for s in tail)
    assert lower <= descendant < upper
    sibling = parent[:-4] + f"{parent_segments[-1] + 1:04d}" if parent_segments[-1] < 9998 else None
    if sibling:
        assert not (lower <= sibling + "0001" < upper)


def test_child_path_refuses_out_of_range():
    with pytest.raises(ValueError):
        rules.child_path("0001", 9999)


def test_add_months_clips_to_month_end():
    assert rules.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert rules.add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)
