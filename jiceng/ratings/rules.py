"""Pure rules of member points (no database): months, caps, the year's verdict.

The scheme is county practice [C] (domain spec §4): "at most 10 points a month; a year-end
total out of 120; below 60 in a year = unqualified; unqualified three years running → the
branch advises the member to leave". The numbers come from the scheme version in force.

How a month is counted (`count_month`): the month's events in date order (then by source and
record, so the order never depends on the database); each award counts its item's points,
cut to what the item's monthly and yearly caps and the scheme's monthly cap leave; deductions
count in full and are not cut. The cut is written on the line ("本月已达上限"), so a member
sees why an event counted less than its value.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from operator import itemgetter
from typing import NamedTuple

ZERO = Decimal(0)


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(month: date) -> date:
    following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def months_of(year: int) -> list[date]:
    return [date(year, m, 1) for m in range(1, 13)]


@dataclass(frozen=True)
class Item:
    """What counting needs of an item (`PointItem`)."""

    id: int
    code: str
    points: Decimal
    cap_month: Decimal | None = None
    cap_year: Decimal | None = None


class Event(NamedTuple):
    """One event of a member's month. Events and lines are named tuples: a county's month has
    80,000 of each and a city's over a million, and a tuple is built several times faster than
    a frozen dataclass."""

    item: Item
    source: str
    record_id: int
    on: date
    text: str
    quantity: Decimal = Decimal(1)


class Line(NamedTuple):
    event: Event
    raw_points: Decimal
    points: Decimal
    note: str = ""


_ORDER = itemgetter(3, 1, 2)  # (on, source, record_id): never the database's order


def count_month(events: Iterable[Event], monthly_cap: Decimal, year_before: dict[str, Decimal]) -> list[Line]:
    """The lines of one member's month. ``year_before``: points counted per item code in the
    same year's earlier months (for the items' yearly caps)."""
    lines = []
    month_awards = ZERO
    per_item: dict[str, Decimal] = {}
    for event in sorted(events, key=_ORDER):
        item = event.item
        raw = item.points * event.quantity
        if raw < 0:
            lines.append(Line(event, raw, raw))
            continue
        code = item.code
        used = per_item.get(code, ZERO)
        room, note = raw, ""
        if item.cap_month is not None and used + room > item.cap_month:
            room, note = max(ZERO, item.cap_month - used), "本项本月已达上限"
        if item.cap_year is not None:
            used_year = year_before.get(code, ZERO) + used
            if used_year + room > item.cap_year:
                room, note = max(ZERO, item.cap_year - used_year), "本项全年已达上限"
        if month_awards + room > monthly_cap:
            room, note = max(ZERO, monthly_cap - month_awards), "本月积分已达上限"
        per_item[code] = used + room
        month_awards += room
        lines.append(Line(event, raw, room, note))
    return lines


def prorated_line(unqualified_below: Decimal, year: int, join_date: date | None) -> Decimal:
    """The qualifying line of a member who joined during the year: the line times the months on
    record over 12 (a member who joined in October is held to a quarter of it)."""
    if join_date is None or join_date.year != year:
        return unqualified_below
    months = 12 - join_date.month + 1
    return (unqualified_below * months / 12).quantize(Decimal("0.1"))


def unqualified_run(totals: dict[int, Decimal], lines: dict[int, Decimal], year: int) -> int:
    """How many years running, ending with ``year``, the member was below the line (0 if not in
    ``year``). Years without a total (not on record) break the run."""
    run = 0
    while year in totals and totals[year] < lines[year]:
        run += 1
        year -= 1
    return run


# ---- stars (评星定级) ---------------------------------------------------------------------------

GRANT, KEEP, REMOVE, NONE = "grant", "keep", "remove", "none"


def quarter_start(day: date) -> date:
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def quarter_months(quarter: date) -> list[date]:
    return [date(quarter.year, quarter.month + k, 1) for k in range(3)]


def star_proposal(points: Decimal, threshold: Decimal, held: bool) -> str:
    """What the platform proposes for one star: the quarter's points of its category reach the
    threshold → grant (or keep, if held); below it → remove (if held) or nothing."""
    earned = points >= threshold
    if earned:
        return KEEP if held else GRANT
    return REMOVE if held else NONE


def follow_up_kind(stars: int, talk_at_or_below: int, warning_at_or_below: int) -> str | None:
    """Three stars or fewer → a talk; fewer still (default: one or none) → a formal warning."""
    if stars <= warning_at_or_below:
        return "warning"
    if stars <= talk_at_or_below:
        return "talk"
    return None


# ---- weak organizations -------------------------------------------------------------------------

DESIGNATED, RECTIFYING, APPLIED, ACCEPTED, EXTENDED = "designated", "rectifying", "applied", "accepted", "extended"

# (from, to) → who may make the move: "manager" (the organization's own managers and those above)
# or "county" (the county organization department: acceptance and extension are its decisions).
MOVES = {
    (DESIGNATED, RECTIFYING): "manager",
    (RECTIFYING, APPLIED): "manager",
    (EXTENDED, APPLIED): "manager",
    (APPLIED, ACCEPTED): "county",
    (APPLIED, RECTIFYING): "county",  # returned: not yet up to standard
    (RECTIFYING, EXTENDED): "county",
    (APPLIED, EXTENDED): "county",
}


def proposal_size(branches: int, share_percent: int) -> int:
    """How many branches to propose as weak: the share rounded up (10% of 25 → 3), at least one
    when there are any."""
    if branches <= 0 or share_percent <= 0:
        return 0
    return max(1, -(-branches * share_percent // 100))


# The weak-organization proposal reads the index and the organization star ratings (issue 13
# item 8). An organization rated at or below WEAK_STARS stars is proposed first: a branch that
# met at most one of its five standards is weak by the county's own review, whatever its index.
# The rest of the share is filled from the bottom of the index, fewer stars first among equal
# indices. The size stays the county's share of the organizations that can be judged (an index or
# a confirmed rating), rounded up.
WEAK_STARS = 1
BY_RATING, BY_INDEX = "rating", "index"


@dataclass(frozen=True)
class WeakCandidate:
    key: object  # the organization's id
    path: str
    index: Decimal | None  # the year's stored fortress index; None: not computed or nothing judged
    stars: int | None  # the confirmed star rating; None: not rated


def weak_proposal(candidates: Iterable[WeakCandidate], share_percent: int) -> list[tuple[WeakCandidate, str]]:
    """The organizations to propose as weak, weakest first, each with why (BY_RATING: rated
    WEAK_STARS stars or fewer; BY_INDEX: the bottom of the index). Organizations with neither an
    index nor a rating cannot be judged and are neither counted nor proposed."""
    judged = [c for c in candidates if c.index is not None or c.stars is not None]
    size = proposal_size(len(judged), share_percent)
    no_index = Decimal("Infinity")

    def low_rated(c: WeakCandidate) -> bool:
        return c.stars is not None and c.stars <= WEAK_STARS

    first = sorted(
        (c for c in judged if low_rated(c)),
        key=lambda c: (c.stars, c.index if c.index is not None else no_index, c.path),
    )
    then = sorted(
        (c for c in judged if not low_rated(c) and c.index is not None),
        key=lambda c: (c.index, c.stars if c.stars is not None else STANDARDS_PER_CHECKLIST + 1, c.path),
    )
    chosen = [(c, BY_RATING) for c in first] + [(c, BY_INDEX) for c in then]
    return chosen[:size]


# ---- secretaries' appraisal (书记抓基层党建述职评议考核) --------------------------------------
# The four grades of the appraisal (中共中央办公厅《关于进一步加强基层党组织书记抓基层党建工作
# 述职评议考核的意见》: 好、较好、一般、差). How votes make a grade is county practice [C]; the
# defaults are on AppraisalRound and the rule is `appraisal_grade` below.

GRADES = ("good", "fair", "average", "poor")
GRADE_LABELS = {"good": "好", "fair": "较好", "average": "一般", "poor": "差"}


@dataclass(frozen=True)
class Tally:
    counts: dict  # grade → votes (online and paper together)
    total: int
    satisfaction: Decimal | None  # (好 + 较好) ÷ total × 100, one decimal
    grade: str  # a key of GRADES, or "" without votes


def appraisal_grade(counts: dict, *, good_at_least: int, fair_at_least: int, poor_over: int) -> str:
    """The overall grade from the votes (county practice [C]), checked in this order:
    差 when 差 votes are more than `poor_over`% of the votes; 好 when 好 votes are at least
    `good_at_least`%; 较好 when 好 + 较好 are at least `fair_at_least`%; else 一般. No votes, no grade.
    Compared in integers (votes × 100 against share × total), so no rounding decides a boundary."""
    total = sum(counts.get(g, 0) for g in GRADES)
    if not total:
        return ""
    if counts.get("poor", 0) * 100 > poor_over * total:
        return "poor"
    if counts.get("good", 0) * 100 >= good_at_least * total:
        return "good"
    if (counts.get("good", 0) + counts.get("fair", 0)) * 100 >= fair_at_least * total:
        return "fair"
    return "average"


def appraisal_tally(counts: dict, *, good_at_least: int, fair_at_least: int, poor_over: int) -> Tally:
    counts = {g: int(counts.get(g, 0) or 0) for g in GRADES}
    total = sum(counts.values())
    satisfaction = None
    if total:
        satisfaction = (Decimal(counts["good"] + counts["fair"]) * 100 / total).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )
    grade = appraisal_grade(counts, good_at_least=good_at_least, fair_at_least=fair_at_least, poor_over=poor_over)
    return Tally(counts, total, satisfaction, grade)


# ---- inspections (督查) -------------------------------------------------------------------------

BOTTOM = 3  # 末位：排名后三位
ORGANIZER_RULE = "督查由县委组织部或乡镇（街道）党委组织"


def competition_ranks(totals: dict, *, descending: bool = True) -> dict:
    """Ranks where ties share a rank and the next rank skips (100, 90, 90, 80 → 1, 2, 2, 4)."""
    ordered = sorted(totals.values(), reverse=descending)
    first = {}
    for n, value in enumerate(ordered, start=1):
        first.setdefault(value, n)
    return {key: first[value] for key, value in totals.items()}


def bottom_three(totals: dict) -> set:
    """The bottom 3 of a round (``totals``: organization → total score): those with fewer than
    three organizations scoring strictly lower, so ties at place 3 from the bottom are all in.
    A round that inspected three organizations or fewer has no bottom 3 (it would name every
    organization inspected), so it flags nobody."""
    if len(totals) <= BOTTOM:
        return set()
    from_bottom = competition_ranks(totals, descending=False)
    return {key for key, rank in from_bottom.items() if rank <= BOTTOM}


def bottom_three_twice(rounds: list[tuple[object, dict]]) -> list[tuple[object, object, object]]:
    """The bottom-3-twice rule over one organizer's closed rounds, given in date order as
    (round, totals). "Consecutive" is counted per organization: among the rounds in which the
    organization was inspected, each round and the one before it. A round that did not inspect
    the organization neither breaks nor continues its run. Returns (organization, earlier
    round, later round) for every organization in the bottom 3 of both."""
    last_seen: dict = {}  # organization → (round, was in the bottom 3)
    flagged = []
    for round_, totals in rounds:
        bottom = bottom_three(totals)
        for org in totals:
            before = last_seen.get(org)
            if org in bottom and before is not None and before[1]:
                flagged.append((org, before[0], round_))
            last_seen[org] = (round_, org in bottom)
    return flagged


def parse_checklist(text: str) -> list[dict]:
    """A checklist written one item a line as 「项目名称 分值」 (or 「名称|分值」, 「名称，分值」) into
    ``[{"code": "i1", "name", "max"}]``; a line without a positive number is refused by name."""
    import re

    items = []
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        match = re.match(r"^(.*?)[\s|｜,，:：]+(\d+(?:\.\d)?)\s*分?$", line)
        if not match or not match.group(1).strip() or Decimal(match.group(2)) <= 0:
            raise ValueError(f"第{n}行“{line}”应写成“项目名称 分值”，分值为正数")
        items.append({"code": f"i{len(items) + 1}", "name": match.group(1).strip(), "max": match.group(2)})
    if not items:
        raise ValueError("请至少填写一个评分项目")
    return items


# ---- organization star ratings (星级党组织评定) ---------------------------------------------------
# County practice [C] (domain spec §4, Ratings): organizations are rated up to five stars against
# a checklist of five standards; the common one is the "five-good" (五个好), with per-domain
# standards for villages (五强), agencies, schools and hospitals (五优) and non-public
# organizations (五有). The texts below are the defaults; the county edits them as data.

FIVE_GOOD, FIVE_STRONG, FIVE_EXCELLENT, FIVE_HAVES = "five_good", "five_strong", "five_excellent", "five_haves"
STANDARDS_PER_CHECKLIST = 5

# Organization domain (orgs.Organization.Domain) → checklist kind; any other domain (community,
# state enterprise) is rated on the common five-good checklist.
CHECKLIST_OF_DOMAIN = {
    "rural": FIVE_STRONG,
    "agency": FIVE_EXCELLENT,
    "school": FIVE_EXCELLENT,
    "hospital": FIVE_EXCELLENT,
    "institution": FIVE_EXCELLENT,
    "private_enterprise": FIVE_HAVES,
    "social_org": FIVE_HAVES,
}


def checklist_kind(domain: str) -> str:
    return CHECKLIST_OF_DOMAIN.get(domain, FIVE_GOOD)


AUTO, MANUAL = "auto", "manual"


def _auto(name, component, threshold):
    return f"{name} = {component} >= {threshold}"


# One text a kind, in the editor's format (parse_org_checklist).
_COMMON_AUTO = {
    "points": _auto("党员积分达到合格进度", "ratings.points", 80),
    "dues": _auto("党费按月足额交纳", "dues.completion", 95),
    "compliance": _auto("“三会一课”等组织生活按期落实", "life.compliance", 90),
    "attendance": _auto("党员参加组织生活出勤", "life.attendance", 80),
    "inspection": _auto("年度督查得分", "ratings.inspections", 80),
    # From FIGURES_FROM (migration ratings 0014): the figures of the apps that own the records.
    "training": _auto("党员参加培训，无故缺课不超限", "training.no_demerits", 95),
    "development": _auto("发展党员程序规范、无逾期事项", "development.on_schedule", 90),
    "on_time": _auto("群众诉求按时办结", "requests.on_time", 90),
    "satisfaction": _auto("群众对诉求办理满意", "requests.satisfaction", 90),
}
# The year from which the default checklists read the recruitment, requests and training figures
# (migration ratings 0014 stores that version for installs still on the defaults of 0009; the
# versions before it stay as they were, so past ratings keep what they were computed with).
FIGURES_FROM = 2027
DEFAULT_CHECKLISTS = {
    FIVE_GOOD: (
        "“五个好”党组织评定标准",
        [
            ("领导班子好", ["班子健全、团结，书记履职尽责"]),
            ("党员队伍好", [_COMMON_AUTO["points"], _COMMON_AUTO["dues"], _COMMON_AUTO["training"]]),
            ("制度建设好", [_COMMON_AUTO["compliance"], _COMMON_AUTO["attendance"]]),
            ("工作业绩好", [_COMMON_AUTO["inspection"], _COMMON_AUTO["development"], "完成年度党建重点任务"]),
            (
                "群众反映好",
                [_COMMON_AUTO["on_time"], _COMMON_AUTO["satisfaction"], "群众满意度高，无重大信访和负面舆情"],
            ),
        ],
    ),
    FIVE_STRONG: (
        "村党组织“五强”评定标准",
        [
            ("支部班子强", ["村“两委”班子健全，书记带头致富、带领致富能力强"]),
            (
                "党员队伍强",
                [_COMMON_AUTO["points"], _COMMON_AUTO["dues"], _COMMON_AUTO["training"], _COMMON_AUTO["development"]],
            ),
            ("制度机制强", [_COMMON_AUTO["compliance"], _COMMON_AUTO["attendance"]]),
            ("发展能力强", ["村集体经济收入稳定增长", _COMMON_AUTO["inspection"]]),
            ("服务群众强", [_COMMON_AUTO["on_time"], _COMMON_AUTO["satisfaction"], "为民服务事项办理及时，群众满意"]),
        ],
    ),
    FIVE_EXCELLENT: (
        "机关、学校、医院党组织“五优”评定标准",
        [
            ("班子建设优", ["班子团结，落实党建工作责任制"]),
            (
                "党员队伍优",
                [_COMMON_AUTO["points"], _COMMON_AUTO["dues"], _COMMON_AUTO["training"], _COMMON_AUTO["development"]],
            ),
            ("组织生活优", [_COMMON_AUTO["compliance"], _COMMON_AUTO["attendance"]]),
            ("制度落实优", [_COMMON_AUTO["inspection"]]),
            ("作用发挥优", ["党建与业务深度融合，服务对象满意"]),
        ],
    ),
    FIVE_HAVES: (
        "非公企业和社会组织党组织“五有”评定标准",
        [
            ("有组织班子", ["党组织书记和委员配备到位"]),
            (
                "有党员队伍",
                [_COMMON_AUTO["points"], _COMMON_AUTO["dues"], _COMMON_AUTO["training"], _COMMON_AUTO["development"]],
            ),
            ("有活动阵地", ["有固定的党员活动场所和标识"]),
            ("有工作制度", [_COMMON_AUTO["compliance"], _COMMON_AUTO["attendance"]]),
            ("有作用发挥", ["在企业（组织）发展中发挥政治引领作用", _COMMON_AUTO["inspection"]]),
        ],
    ),
}


def default_checklist_text(kind: str) -> str:
    _, standards = DEFAULT_CHECKLISTS[kind]
    return "\n".join(f"【{name}】\n" + "\n".join(items) for name, items in standards)


def parse_org_checklist(text: str, components: Iterable[str]) -> list[dict]:
    """The editor's text into standards and items. A standard is a line 「【名称】」; under it one
    item a line: 「名称」 is scored by the reviewer, 「名称 = 组成项代码 >= 门槛」 is computed from
    the records (the component's figure, as a percentage, at or above the threshold). Exactly
    five standards, each with at least one item; a line that cannot be read is refused by
    number."""
    import re

    known = set(components)
    standards: list[dict] = []
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        head = re.match(r"^【(.+)】$", line)
        if head:
            standards.append({"code": f"s{len(standards) + 1}", "name": head.group(1).strip(), "items": []})
            continue
        if not standards:
            raise ValueError(f"第{n}行：请先写一条标准，如“【领导班子好】”")
        standard = standards[-1]
        code = f"{standard['code']}i{len(standard['items']) + 1}"
        if "=" in line:
            name, _, expr = line.partition("=")
            match = re.match(r"^\s*([a-z_.]+)\s*(?:>=|≥)\s*(\d+(?:\.\d+)?)\s*%?\s*$", expr)
            if not name.strip() or not match:
                raise ValueError(f"第{n}行“{line}”应写成“细则名称 = 组成项代码 >= 门槛”")
            if match.group(1) not in known:
                raise ValueError(f"第{n}行：没有组成项“{match.group(1)}”，可用的有：{'、'.join(sorted(known))}")
            threshold = Decimal(match.group(2))
            if threshold > 100:
                raise ValueError(f"第{n}行：门槛是百分比，不能超过 100")
            item = {"code": code, "name": name.strip(), "mode": AUTO, "component": match.group(1)}
            item["threshold"] = f"{threshold.normalize():f}"
        else:
            item = {"code": code, "name": line, "mode": MANUAL, "component": "", "threshold": ""}
        standard["items"].append(item)
    if len(standards) != STANDARDS_PER_CHECKLIST:
        raise ValueError(f"应有 {STANDARDS_PER_CHECKLIST} 条标准（现有 {len(standards)} 条）")
    for standard in standards:
        if not standard["items"]:
            raise ValueError(f"标准“{standard['name']}”下至少要有一条细则")
    return standards


def checklist_text(standards: list[dict]) -> str:
    """The inverse of parse_org_checklist, to start the editor from the version in force."""
    lines = []
    for standard in standards:
        lines.append(f"【{standard['name']}】")
        for item in standard["items"]:
            if item["mode"] == AUTO:
                lines.append(_auto(item["name"], item["component"], item["threshold"]))
            else:
                lines.append(item["name"])
    return "\n".join(lines)


def auto_passes(value: Decimal | None, threshold: str) -> bool | None:
    """An automatic item: the figure (0–1) as a percentage at or above the threshold; None when
    the component could not judge the organization (nothing owed, no round): the reviewer decides."""
    if value is None:
        return None
    return value * 100 >= Decimal(threshold)


def standards_met(items: list[dict]) -> list[str]:
    """The standards (codes, in order) all of whose items pass; an item not yet decided
    (``passed`` None) keeps its standard unmet."""
    order: list[str] = []
    met: dict[str, bool] = {}
    for item in items:
        code = item["standard"]
        if code not in met:
            order.append(code)
            met[code] = True
        met[code] = met[code] and item.get("passed") is True
    return [code for code in order if met[code]]


def count_stars(items: list[dict]) -> int:
    return min(STANDARDS_PER_CHECKLIST, len(standards_met(items)))


def share_percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"))
