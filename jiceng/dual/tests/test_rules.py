"""Dual registration rules (pure)."""

from jiceng.dual import rules


def test_dual_completion_needs_all_three():
    assert not rules.dual_complete({"party_day": 2, "service_project": 1})
    assert rules.dual_complete({"party_day": 1, "service_project": 1, "wish": 3})
