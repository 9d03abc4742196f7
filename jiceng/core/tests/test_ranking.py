"""Competition ranking (pure)."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from jiceng.core.ranking import rank


def test_ties_share_a_rank_and_the_next_rank_skips():
    assert rank([("a", 90.0), ("b", 95.0), ("c", 90.0), ("d", None), ("e", 80.0)]) == {
        "a": 2,
        "b": 1,
        "c": 2,
        "d": None,
        "e": 4,
    }
    assert rank([("x", Decimal("0.0")), ("y", Decimal("0"))]) == {"x": 1, "y": 1}
    assert rank([]) == {}


@given(st.lists(st.one_of(st.none(), st.integers(0, 5)), max_size=12))
def test_rank_is_one_plus_the_number_of_better_scores(values):
    ranks = rank(list(enumerate(values)))
    for key, score in enumerate(values):
        expected = None if score is None else 1 + sum(1 for v in values if v is not None and v > score)
        assert ranks[key] == expected
