"""Pure rules of the request system: states and transitions, deadlines, metrics, masking.

Sources: domain spec §5 (county practice [C], "13710", 吹哨报到, 接诉即办); periods follow
《中华人民共和国民法典》第二百零一条、第二百零三条 through `jiceng.core.calendar` (the day of
receipt is not counted; a period ends at 24:00 of its last day). No database access here.
"""

from __future__ import annotations

import re
import secrets
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.utils import timezone

# Public text is masked by one function for every app (phone numbers in any common format).
from jiceng.core.masking import mask_name, mask_phone, mask_text  # noqa: F401  (re-exported)
from jiceng.core.phones import normalize_phone  # noqa: F401  (re-exported)
from jiceng.core.phones import phone_error as _phone_error
from jiceng.core.ranking import rank  # noqa: F401  (moved to core; requests.queries calls rules.rank)

# ---- vocabularies ------------------------------------------------------------------------

KINDS = [
    ("consult", "咨询"),
    ("help", "求助"),
    ("complaint", "投诉"),
    ("report", "举报"),
    ("suggestion", "建议"),
]
# Kinds that can be closed with an answer (答复) instead of a resolution.
ANSWERABLE_KINDS = {"consult", "suggestion"}

CHANNELS = [
    ("qr", "扫码（网页）"),
    ("walk_in", "说事厅来访"),
    ("phone", "电话"),
    ("open311", "Open311 接口"),
    ("liaison", "党代表走访"),
    ("household_visit", "帮扶走访"),
    ("other", "其他"),
]
PUBLIC_CHANNELS = {"qr", "open311"}

PRIORITIES = [
    ("normal", "一般"),
    ("urgent", "紧急求助"),  # someone on site within 10 minutes [C]
    ("emergency", "危及生命财产"),  # within 2 hours [C]
]
TIERS = [
    ("on_spot", "当场办"),
    ("study", "研究办"),
    ("coordinate", "协调办"),
]
LEVELS = [
    ("village", "村（社区）"),
    ("township", "乡镇（街道）"),
    ("county", "县级"),
    ("department", "县直部门"),
]
LEVEL_LABELS = dict(LEVELS)
RATINGS = [
    ("satisfied", "满意"),
    ("basic", "基本满意"),
    ("unsatisfied", "不满意"),
]
SATISFIED_RATINGS = {"satisfied", "basic"}
RATING_CHANNELS = [("online", "群众网上评价"), ("phone", "电话回访")]

STAGES = ("assign", "response", "done")
STAGE_LABELS = {"assign": "签收", "response": "反馈（联系群众）", "done": "办结"}

UNITS = [
    ("working_days", "个工作日"),
    ("days", "天（自然日）"),
    ("hours", "小时"),
    ("minutes", "分钟"),
]
UNIT_LABELS = dict(UNITS)


class State(models.TextChoices):
    RECEIVED = "received", "已受理"
    ASSIGNED = "assigned", "已派单"
    TRANSFERRED = "transferred", "已转办"
    ESCALATED = "escalated", "已上报"
    RETURNED = "returned", "已退回"
    ACCEPTED = "accepted", "已签收"
    IN_PROGRESS = "in_progress", "办理中"
    REOPENED = "reopened", "重新办理"
    RESOLVED = "resolved", "已办结"
    ANSWERED = "answered", "已答复"
    CLOSED = "closed", "已关闭"
    DISMISSED = "dismissed", "不予受理"


S = State
# Waiting for the holder to sign for it (签收).
WAITING = frozenset({S.RECEIVED, S.ASSIGNED, S.TRANSFERRED, S.ESCALATED, S.RETURNED, S.REOPENED})
WORKING = frozenset({S.ACCEPTED, S.IN_PROGRESS})
DONE = frozenset({S.RESOLVED, S.ANSWERED})
FINAL = frozenset({S.CLOSED, S.DISMISSED})
OPEN_STATES = WAITING | WORKING


def open311_status(state: str) -> str:
    """GeoReport v2 knows only open and closed: a request is closed once it is resolved."""
    return "open" if state in OPEN_STATES else "closed"


# What a resident reads on the follow-up page (no staff names, only roles).
RESIDENT_STATE_TEXT = {
    S.RECEIVED: "已受理，等待工作人员签收",
    S.ASSIGNED: "已派给承办单位，等待签收",
    S.TRANSFERRED: "已转交承办单位，等待签收",
    S.ESCALATED: "已上报上级协调办理",
    S.RETURNED: "承办单位退回，正在重新分派",
    S.ACCEPTED: "承办单位已签收",
    S.IN_PROGRESS: "正在办理",
    S.REOPENED: "根据您的评价，正在重新办理",
    S.RESOLVED: "已办结，请您评价",
    S.ANSWERED: "已答复，请您评价",
    S.CLOSED: "已办结并关闭",
    S.DISMISSED: "不予受理",
}

# ---- transitions (FixMyStreet style: data, one evaluator) -------------------------------

HOLDER = "holder"  # the holding organization's or department's handlers (and levels above)
MANAGER = "manager"  # staff who can see it and may change data
SUPERVISOR = "supervisor"  # township level and above
RESIDENT = "resident"
SYSTEM = "system"


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: frozenset
    target: str | None  # None: the workflow state does not change
    who: str
    note_required: bool = False
    note_label: str = "说明"


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition("assign", "派单", frozenset({S.RECEIVED, S.RETURNED, S.ACCEPTED}), S.ASSIGNED, HOLDER),
        Transition("accept", "签收", WAITING, S.ACCEPTED, HOLDER),
        Transition(
            "return",
            "退回",
            frozenset({S.ASSIGNED, S.TRANSFERRED, S.ESCALATED, S.ACCEPTED}),
            S.RETURNED,
            HOLDER,
            note_required=True,
            note_label="退回理由",
        ),
        Transition("transfer", "转办", OPEN_STATES, S.TRANSFERRED, HOLDER, note_required=True, note_label="转办说明"),
        Transition(
            "escalate", "上报（吹哨）", OPEN_STATES, S.ESCALATED, HOLDER, note_required=True, note_label="上报理由"
        ),
        Transition("start", "开始办理", frozenset({S.ACCEPTED}), S.IN_PROGRESS, HOLDER),
        Transition("contact", "联系群众", WORKING, None, HOLDER, note_required=True, note_label="联系情况（群众可见）"),
        Transition("resolve", "办结", WORKING, S.RESOLVED, HOLDER, note_required=True, note_label="办理结果"),
        Transition("answer", "答复", WORKING, S.ANSWERED, HOLDER, note_required=True, note_label="答复内容"),
        Transition("rate", "群众评价", DONE, S.CLOSED, RESIDENT),
        Transition("callback", "电话回访", DONE, S.CLOSED, MANAGER),
        Transition("reopen", "重新办理", DONE, S.REOPENED, RESIDENT),
        Transition("close", "关闭", DONE, S.CLOSED, MANAGER, note_required=True, note_label="关闭说明"),
        Transition(
            "dismiss", "不予受理", OPEN_STATES, S.DISMISSED, SUPERVISOR, note_required=True, note_label="不予受理理由"
        ),
        Transition("publish", "公开", DONE | {S.CLOSED}, None, MANAGER),
        Transition("unpublish", "撤销公开", DONE | {S.CLOSED}, None, MANAGER),
    ]
}

# Actions that change who holds the request: every open stage gets a new deadline.
REASSIGNING = {"assign", "transfer", "escalate", "return", "reopen"}

ACTIONS = [("receive", "受理")] + [(t.action, t.label) for t in TRANSITIONS.values()] + [("remind", "超期提醒")]
ACTION_LABELS = dict(ACTIONS)


def check_transition(action: str, state: str) -> str | None:
    """Why `action` is not allowed in `state` (a Chinese message), or None when it is."""
    t = TRANSITIONS[action]
    if state in t.sources:
        return None
    allowed = "、".join(State(s).label for s in State.values if s in t.sources)
    return f"当前状态为「{State(state).label}」，不能{t.label}（仅在{allowed}时可以）"


def target_state(action: str, state: str) -> str:
    t = TRANSITIONS[action]
    return state if t.target is None else t.target


# ---- the escalation ladder --------------------------------------------------------------


def org_level(depth: int, township_depth: int) -> str:
    """Rung of an organization: below the township is village level (村/社区 and their
    branches), the township itself, and anything above is county level."""
    if depth > township_depth:
        return "village"
    if depth == township_depth:
        return "township"
    return "county"


def ancestor_path(path: str, depth: int) -> str:
    """Path of the ancestor at `depth` (paths are 4-character segments from the root)."""
    return path[: 4 * (depth + 1)]


def escalation_target_level(level: str) -> str | None:
    """village → township → county department (吹哨报到); a department is the top rung."""
    return {"village": "township", "township": "department", "county": "department"}.get(level)


# ---- deadlines --------------------------------------------------------------------------


@dataclass(frozen=True)
class DeadlineRuleData:
    pk: int | None
    category_id: int | None
    tier: str
    priority: str
    stages: dict[str, tuple[int, str]] = field(default_factory=dict)


# Used only if the rules table has no row for a stage at all: "13710" (assign 1, feedback 3,
# done 7 working days).
FALLBACK = {"assign": (1, "working_days"), "response": (3, "working_days"), "done": (7, "working_days")}


def rule_score(rule: DeadlineRuleData, category_id: int | None, tier: str, priority: str) -> int | None:
    """How specifically `rule` matches (higher wins), or None when it does not match.

    Priority beats category beats tier: an emergency is an emergency whatever the category;
    a utilities matter keeps its 24 hours whatever the tier.
    """
    if rule.priority and rule.priority != priority:
        return None
    if rule.category_id is not None and rule.category_id != category_id:
        return None
    if rule.tier and rule.tier != tier:
        return None
    return 4 * bool(rule.priority) + 2 * (rule.category_id is not None) + bool(rule.tier)


def pick_deadlines(
    rules: list[DeadlineRuleData], category_id: int | None, tier: str, priority: str
) -> dict[str, tuple[int, str, int | None]]:
    """Per stage: (amount, unit, rule pk) from the most specific matching rule with a value."""
    out = {}
    for stage in STAGES:
        best = None
        for rule in rules:
            if stage not in rule.stages:
                continue
            score = rule_score(rule, category_id, tier, priority)
            if score is None:
                continue
            key = (score, -(rule.pk or 0))
            if best is None or key > best[0]:
                best = (key, rule)
        if best is None:
            amount, unit = FALLBACK[stage]
            out[stage] = (amount, unit, None)
        else:
            amount, unit = best[1].stages[stage]
            out[stage] = (amount, unit, best[1].pk)
    return out


def stage_due(start: datetime, amount: int, unit: str, calendar) -> tuple[datetime, bool]:
    """When a stage of `amount` `unit` that starts at `start` is due; and whether the date
    is estimated (a year on the way has no holiday schedule).

    Working days and calendar days end at 24:00 of the last day, the day of `start` not
    counted (民法典 第二百零一条、第二百零三条); hours and minutes are clock time.
    """
    if unit == "working_days":
        deadline = calendar.deadline(start, amount)
        return deadline.at, deadline.estimated
    if unit == "days":
        local = timezone.localtime(start)
        end = timezone.make_aware(datetime.combine(local.date() + timedelta(days=amount + 1), time.min))
        return end, False
    if unit == "hours":
        return start + timedelta(hours=amount), False
    if unit == "minutes":
        return start + timedelta(minutes=amount), False
    raise ValueError(f"unknown unit {unit}")


def due_dates(
    start: datetime, picked: dict[str, tuple[int, str, int | None]], calendar, stages=STAGES
) -> tuple[dict[str, datetime], bool]:
    """Due dates of `stages` from `start`; a stage is never due after the stages that follow
    it (a utilities repair due in 24 hours must also be signed for and reported within 24 hours)."""
    dues, estimated = {}, False
    for stage in STAGES:
        amount, unit, _ = picked[stage]
        dues[stage], est = stage_due(start, amount, unit, calendar)
        estimated = estimated or est
    dues["response"] = min(dues["response"], dues["done"])
    dues["assign"] = min(dues["assign"], dues["response"])
    return {s: dues[s] for s in stages}, estimated


def describe_deadline(amount: int, unit: str) -> str:
    return f"{amount} {UNIT_LABELS.get(unit, unit)}"


def overdue_stages(
    now: datetime,
    *,
    state: str,
    accepted_at: datetime | None,
    responded_at: datetime | None,
    resolved_at: datetime | None,
    dues: dict[str, datetime | None],
) -> list[str]:
    """Stages still open whose deadline has passed."""
    if state not in OPEN_STATES:
        return []
    done_at = {"assign": accepted_at, "response": responded_at, "done": resolved_at}
    return [s for s in STAGES if done_at[s] is None and dues.get(s) is not None and now > dues[s]]


def late_on_completion(completed_at: datetime, due: datetime | None) -> bool:
    """A stage completed exactly at its deadline is on time; a moment later is late."""
    return due is not None and completed_at > due


# ---- metrics (ADR 0013) -----------------------------------------------------------------

METRIC_LABELS = {
    "response": "响应率",
    "resolution": "解决率",
    "satisfaction": "满意率",
    "ontime": "按时办结率",
    "village": "村级化解率",
}
DEFAULT_WEIGHTS = {"response": 30, "resolution": 35, "satisfaction": 35}
VILLAGE_TARGET = Decimal("0.80")  # "over 80%" resolved at village/community level [C]


@dataclass
class Figures:
    """Counts behind the rates of one unit (organization, department or handler) and period."""

    received: int = 0
    response_settled: int = 0  # responded, or response deadline passed
    response_ok: int = 0  # accepted and resident contacted in time
    resolved: int = 0  # resolved or answered (办结)
    done_settled: int = 0  # resolved, or done deadline passed
    done_ok: int = 0  # resolved in time, never late
    village_resolved: int = 0
    rated: int = 0  # callbacks answered (online rating or phone callback)
    satisfied: int = 0  # satisfied or basically satisfied
    solved: int = 0  # the resident says it was really solved
    overdue_open: int = 0  # open now with a passed deadline
    durations: list[float] = field(default_factory=list)  # hours from receipt to resolution
    median_hours: float | None = None  # when the database computed the median itself


def ratio(numerator: int, denominator: int) -> Decimal | None:
    """Exact (28 significant digits); rounded only for display, so the composite score is not
    skewed by rounding its parts."""
    if not denominator:
        return None
    return Decimal(numerator) / Decimal(denominator)


def rates(f: Figures) -> dict[str, Decimal | None]:
    return {
        "response": ratio(f.response_ok, f.response_settled),
        "resolution": ratio(f.solved, f.rated),
        "satisfaction": ratio(f.satisfied, f.rated),
        "ontime": ratio(f.done_ok, f.done_settled),
        "village": ratio(f.village_resolved, f.resolved),
    }


def median_hours(durations: list[float], computed: float | None = None) -> Decimal | None:
    """Median hours to resolution, to 0.1 h (half up); `computed` when the database did it."""
    value = computed if computed is not None else (statistics.median(durations) if durations else None)
    if value is None:
        return None
    return Decimal(repr(round(value, 6))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def composite(rate_values: dict[str, Decimal | None], weights: dict[str, int]) -> Decimal | None:
    """Weighted score out of 100. A rate without any record behind it (e.g. no callback yet)
    does not count as zero: its weight is shared among the rates that exist. None when no
    weighted rate exists."""
    used = {k: w for k, w in weights.items() if w and rate_values.get(k) is not None}
    total = sum(used.values())
    if not total:
        return None
    score = sum(rate_values[k] * w for k, w in used.items()) * 100 / Decimal(total)
    return score.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def validate_weights(weights: dict[str, int]) -> str | None:
    if sum(weights.values()) != 100:
        return f"三项权重之和应为 100%，现为 {sum(weights.values())}%"
    return None


# ---- residents' details -----------------------------------------------------------------


def phone_error(raw: str) -> str | None:
    """A request needs a contact phone: mobile or landline (jiceng.core.phones)."""
    return _phone_error(raw, required=True)


def public_name(name: str) -> str:
    """The resident's name as the request shows it: 张三 → 张*; no name → 「匿名」."""
    return mask_name(name) or "匿名"


TICKET_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out over the phone


def new_ticket(day: date) -> str:
    """Date of receipt and six random characters: 32**6 ≈ 10**9 per day, not guessable."""
    return f"{day:%y%m%d}" + "".join(secrets.choice(TICKET_ALPHABET) for _ in range(6))


def normalize_ticket(raw: str) -> str:
    return re.sub(r"[\s\-]", "", raw or "").upper()
