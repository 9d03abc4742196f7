"""The organization tree's path arithmetic, shared by every layer (ADR 0002, materialized path).

A path is fixed-width digit segments (`SEGMENT` digits each), so a subtree is the range
`path <= p < path_upper_bound(path)`: a plain B-tree range scan on any database and collation.
"""

from __future__ import annotations

SEGMENT = 4


def path_upper_bound(path: str) -> str:
    """Smallest digit string of the same length greater than every path starting with `path`."""
    return str(int(path) + 1).zfill(len(path))


def child_path(parent_path: str, index: int) -> str:
    # 9999 is never used, so incrementing a path never carries into the parent's segments.
    if not 1 <= index < 10**SEGMENT - 1:
        raise ValueError("子组织序号超出范围")
    return f"{parent_path}{index:0{SEGMENT}d}"


def sum_up_the_tree(root_path: str, rows) -> dict[str, list]:
    """Pairs of counts of the organizations of a subtree, added up to ``root_path``: each row
    ``(path, a, b)`` counts for its organization and for every organization above it within the
    subtree. Returns {path: [Σa, Σb]} (a figure's numerator and denominator, say)."""
    from collections import defaultdict

    totals: dict[str, list] = defaultdict(lambda: [0, 0])
    for path, a, b in rows:
        for end in range(len(root_path), len(path) + 1, SEGMENT):
            totals[path[:end]][0] += a
            totals[path[:end]][1] += b
    return totals
