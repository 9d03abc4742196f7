"""Pure rules of party representatives' liaison (党代表联系服务群众, "先锋基层行").

Source: domain spec §5 (county practice [C]): representatives are grouped in service teams by
township, staff liaison stations (党代表工作室/站) and visit households; each visit records
the households reached and the problems collected; each problem is solved on the spot or
passed on as a request. No database access here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import date

from jiceng.core.masking import mask_name, mask_phone  # noqa: F401  (re-exported)
from jiceng.core.phones import normalize_phone, phone_error  # noqa: F401  (re-exported)

HOUSEHOLD_LINE_MAX = 100
DESCRIPTION_MAX = 2000


# ---- households -------------------------------------------------------------------------------


def household_key(label: str) -> str:
    """What makes two list lines the same household within one village: the text without
    spaces and punctuation, so 「王大山 3组12号」 and 「王大山，3组12号」 match."""
    return re.sub(r"[\s,，、.。;；:：()（）\-—_/]", "", label or "").lower()


def parse_household_list(text: str) -> tuple[list[str], list[str]]:
    """Lines of the optional household list → (labels, errors). Blank lines are skipped; the
    same household twice in one visit is an error (it would count twice)."""
    labels, errors, seen = [], [], {}
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if len(line) > HOUSEHOLD_LINE_MAX:
            errors.append(f"第 {number} 行超过 {HOUSEHOLD_LINE_MAX} 个字")
            continue
        key = household_key(line)
        if not key:
            errors.append(f"第 {number} 行没有内容")
            continue
        if key in seen:
            errors.append(f"第 {number} 行与第 {seen[key]} 行是同一户")
            continue
        seen[key] = number
        labels.append(line)
    return labels, errors


def households_error(reached: int | None, listed: int) -> str | None:
    """The number reached counts every household, listed or not, so it is never below the list."""
    if reached is None:
        return None if listed else "请填写走访户数（或填写走访户名单）"
    if reached < 0:
        return "走访户数不能为负数"
    if reached < listed:
        return f"走访户数（{reached}）少于名单中的户数（{listed}）"
    return None


def visit_date_error(day: date | None, today: date) -> str | None:
    if day is None:
        return "请填写走访日期"
    if day > today:
        return "走访日期不能晚于今天"
    if day.year < 2000:
        return "走访日期不正确"
    return None


# ---- problem outcomes ---------------------------------------------------------------------------

PENDING, SOLVED, PASSED = "pending", "solved", "passed"
OUTCOMES = [(PENDING, "待处理"), (SOLVED, "当场解决"), (PASSED, "转交办理")]


def outcome_change_error(current: str, target: str) -> str | None:
    """A pending problem may be solved or passed on; a solved or passed one is final (a passed
    problem is followed in the request system, where it can be reopened)."""
    if current == target:
        return f"该问题已是「{dict(OUTCOMES)[current]}」"
    if current != PENDING:
        return f"该问题已「{dict(OUTCOMES)[current]}」，不能再改为「{dict(OUTCOMES)[target]}」"
    return None


def source_label(representative_names: list[str]) -> str:
    """How the request system shows where a passed-on problem came from (max 100 characters)."""
    names = "、".join(representative_names) or "党代表"
    label = f"党代表走访：{names}"
    return label if len(label) <= 100 else label[:99] + "…"


# ---- report figures ---------------------------------------------------------------------------


@dataclass
class Figures:
    """The county's report figures for one subtree and period (ADR 0014)."""

    representatives: int = 0  # active representatives on the register
    participants: int = 0  # distinct representatives with at least one visit in the period
    visits: int = 0
    households: int = 0  # sum of households reached (户次)
    listed_households: int = 0  # distinct households among the lists
    problems: int = 0
    solved: int = 0
    passed: int = 0
    to_department: int = 0  # of the passed: held or resolved by a county department now
    pending: int = 0

    @classmethod
    def keys(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    @property
    def solved_share(self) -> str:
        return share(self.solved, self.problems)


FIGURE_LABELS = {
    "representatives": "党代表（在册）",
    "participants": "参与走访党代表",
    "visits": "走访次数",
    "households": "走访群众（户次）",
    "listed_households": "名单登记户（去重）",
    "problems": "收集问题",
    "solved": "当场解决",
    "passed": "转交办理",
    "to_department": "其中转至县直部门",
    "pending": "待处理",
}


def _n(value: int) -> str:
    return f"{value:,}"


def summary_sentence(scope_label: str, f: Figures) -> str:
    """The sentence a county writes into its report, generated from the figures, e.g.
    「全县 1,229 名党代表中 1,100 名参与走访，走访群众 890 户，收集问题 1,063 个，当场解决 750 个，
    转交相关部门办理 300 个（其中转至县直部门 40 个）。」"""
    if f.participants == f.representatives:
        parts = [f"{scope_label} {_n(f.representatives)} 名党代表走访群众 {_n(f.households)} 户"]
    elif f.participants < f.representatives:
        parts = [f"{scope_label} {_n(f.representatives)} 名党代表中 {_n(f.participants)} 名参与走访"]
        parts.append(f"走访群众 {_n(f.households)} 户")
    else:
        # A village or community has no register of its own (representatives are registered
        # by township), or representatives from elsewhere took part.
        registered = f"（在册 {_n(f.representatives)} 名）" if f.representatives else ""
        parts = [f"{scope_label}共有 {_n(f.participants)} 名党代表参与走访{registered}"]
        parts.append(f"走访群众 {_n(f.households)} 户")
    parts.append(f"收集问题 {_n(f.problems)} 个")
    parts.append(f"当场解决 {_n(f.solved)} 个")
    passed = f"转交相关部门办理 {_n(f.passed)} 个"
    if f.to_department:
        passed += f"（其中转至县直部门 {_n(f.to_department)} 个）"
    parts.append(passed)
    if f.pending:
        parts.append(f"尚待处理 {_n(f.pending)} 个")
    return "，".join(parts) + "。"


def share(part: int, whole: int) -> str:
    """A percentage for display; "—" when there is nothing to divide by."""
    if not whole:
        return "—"
    return f"{part * 100 / whole:.1f}%"
