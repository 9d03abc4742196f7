"""The dues half of the six-month watch (see jiceng/members/watch.py): consecutive whole months
without dues up to the end of last month (《中国共产党章程》第九条; 《关于中国共产党党费收缴、
使用和管理的规定》第十三条). The watch lists; it never changes a member's status."""

from jiceng.members.watch import WatchSource

from .queries import months_without_dues

SOURCES = [WatchSource("dues", "未交党费", months_without_dues)]
