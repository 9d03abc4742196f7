"""Ranking shared by the tables that rank units (requests, organizational life)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any


def rank(scores: Iterable[tuple[Hashable, Any]]) -> dict[Hashable, int | None]:
    """Competition ranking (1, 2, 2, 4) by score, highest first; units without a score are unranked.

    Scores must be comparable with each other (Decimal, float, int); equal scores share a rank."""
    scores = list(scores)
    ordered = sorted((s for s in scores if s[1] is not None), key=lambda s: s[1], reverse=True)
    out: dict[Hashable, int | None] = {key: None for key, _ in scores}
    previous, position = None, 0
    for index, (key, score) in enumerate(ordered, start=1):
        if score != previous:
            position, previous = index, score
        out[key] = position
    return out
