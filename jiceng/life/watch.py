"""The organizational-life half of the six-month watch (see jiceng/members/watch.py).

A month counts as missed when the member was on the roster of at least one held activity of
that month and took part in none (present, or absent with leave, which is a proper reason).
A month in which no held activity expected the member ends the run: the compliance table
reports the branch's missing meetings instead. See docs/decisions/0009-organizational-life.md."""

from jiceng.members.watch import WatchSource

from .queries import months_without_life

SOURCES = [WatchSource("life", "未参加组织生活", months_without_life)]
