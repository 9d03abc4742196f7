"""Pure rules of small wishes (微心愿): states and transitions, deadlines, masking.

Source: domain spec §5 (county practice [C]): residents in need post small wishes; the
organization collects and sorts them into a wish pool (individual needs → basic projects
claimed by members, common needs → key projects claimed by organizations); a member or an
organization claims one, fulfils it, and the requester confirms; photos are published with
the requester masked. No database access here.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import models
from django.utils import timezone

from jiceng.core.masking import (  # noqa: F401  (re-exported)
    mask_name,
    mask_phone,
    mask_text,  # noqa: F401  (re-exported: one masking function for every app)
)
from jiceng.core.phones import normalize_phone, phone_error  # noqa: F401  (re-exported)

DESCRIPTION_MAX = 500
PUBLIC_TEXT_MAX = 300
NOTE_MAX = 1000


class State(models.TextChoices):
    POSTED = "posted", "待审核"
    POOLED = "pooled", "已入池（待认领）"
    CLAIMED = "claimed", "已认领"
    FULFILLED = "fulfilled", "已实现（待确认）"
    CONFIRMED = "confirmed", "群众已确认"
    REJECTED = "rejected", "未采纳"
    WITHDRAWN = "withdrawn", "已撤回"


S = State
OPEN_STATES = frozenset({S.POSTED, S.POOLED, S.CLAIMED})
CLOSED_STATES = frozenset({S.REJECTED, S.WITHDRAWN})
DONE_STATES = frozenset({S.FULFILLED, S.CONFIRMED})


class Project(models.TextChoices):
    """How staff sort a wish into the pool (spec §5): an individual need is a basic project
    claimed by members; a common need is a key project claimed by organizations."""

    BASIC = "basic", "基础项目（个人需求）"
    KEY = "key", "重点项目（共性需求）"


class ClaimantType(models.TextChoices):
    MEMBER = "member", "党员"
    PARTY_ORG = "party_org", "党组织"
    SOCIAL_ORG = "social_org", "社会组织（企业）"


class Category(models.TextChoices):
    GOODS = "goods", "生活物资"
    STUDY = "study", "助学圆梦"
    HEALTH = "health", "健康关爱"
    ELDERLY = "elderly", "敬老助老"
    REPAIR = "repair", "维修帮办"
    JOB = "job", "就业技能"
    CULTURE = "culture", "文化娱乐"
    OTHER = "other", "其他"


class Channel(models.TextChoices):
    QR = "qr", "扫码提交"
    STAFF = "staff", "工作人员代录"
    LIAISON = "liaison", "党代表收集"


class Rating(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASIC = "basic", "基本满意"
    UNSATISFIED = "unsatisfied", "不满意"


# ---- transitions (data, one evaluator) --------------------------------------------------------

MANAGER = "manager"  # staff who manage the wish's organization
CLAIMANT = "claimant"  # the member who claimed it (or staff for an organization's claim)
REQUESTER = "requester"  # the resident, with ticket and phone
MEMBER_OR_MANAGER = "member_or_manager"  # a member claims for themself; staff for anyone


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: frozenset
    target: str | None
    who: tuple[str, ...]
    note_required: bool = False
    note_label: str = "说明"


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition("accept", "审核入池", frozenset({S.POSTED}), S.POOLED, (MANAGER,)),
        Transition(
            "reject",
            "不予采纳",
            frozenset({S.POSTED, S.POOLED}),
            S.REJECTED,
            (MANAGER,),
            note_required=True,
            note_label="不予采纳的理由（群众可见）",
        ),
        Transition("claim", "认领", frozenset({S.POOLED}), S.CLAIMED, (MEMBER_OR_MANAGER,)),
        Transition(
            "release",
            "放弃认领",
            frozenset({S.CLAIMED}),
            S.POOLED,
            (CLAIMANT, MANAGER),
            note_required=True,
            note_label="放弃的原因",
        ),
        Transition(
            "fulfil",
            "完成心愿",
            frozenset({S.CLAIMED}),
            S.FULFILLED,
            (CLAIMANT, MANAGER),
            note_required=True,
            note_label="完成情况",
        ),
        Transition("confirm", "确认实现", frozenset({S.FULFILLED}), S.CONFIRMED, (REQUESTER, MANAGER)),
        Transition(
            "dispute",
            "尚未实现",
            frozenset({S.FULFILLED}),
            S.CLAIMED,
            (REQUESTER, MANAGER),
            note_required=True,
            note_label="还差什么",
        ),
        Transition(
            "withdraw",
            "撤回心愿",
            frozenset({S.POSTED, S.POOLED, S.CLAIMED}),
            S.WITHDRAWN,
            (REQUESTER, MANAGER),
            note_required=True,
            note_label="撤回原因",
        ),
        Transition("publish", "公开展示", DONE_STATES, None, (MANAGER,)),
        Transition("unpublish", "撤下展示", DONE_STATES, None, (MANAGER,)),
        Transition("edit", "修改公开内容", OPEN_STATES | DONE_STATES, None, (MANAGER,)),
    ]
}

ACTIONS = [("post", "提交心愿")] + [(t.action, t.label) for t in TRANSITIONS.values()] + [("remind", "超期提醒")]
ACTION_LABELS = dict(ACTIONS)


def check_transition(action: str, state: str) -> str | None:
    """Why `action` is not allowed in `state` (a Chinese message), or None when it is."""
    t = TRANSITIONS[action]
    if state in t.sources:
        return None
    allowed = "、".join(State(s).label for s in State.values if s in t.sources)
    return f"心愿当前为「{State(state).label}」，不能{t.label}（仅在{allowed}时可以）"


def target_state(action: str, state: str) -> str:
    t = TRANSITIONS[action]
    return state if t.target is None else t.target


def claim_error(*, project: str, claimant_type: str) -> str | None:
    """Spec §5: individual needs (basic projects) are claimed by members; common needs (key
    projects) by organizations. Organizations may also take basic projects."""
    if project == Project.KEY and claimant_type == ClaimantType.MEMBER:
        return "重点项目（共性需求）由党组织或社会组织认领，党员个人请认领基础项目"
    return None


def open_claims_error(open_claims: int, limit: int) -> str | None:
    """A member may hold at most `limit` claimed wishes that are not yet fulfilled [C]."""
    if limit and open_claims >= limit:
        return f"您已认领 {open_claims} 个尚未完成的心愿（上限 {limit} 个），请先完成后再认领"
    return None


# ---- deadlines -------------------------------------------------------------------------------------


def end_of_day(day: date) -> datetime:
    """24:00 of `day` (the start of the next day), local time."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def fulfil_due(claimed_at: datetime, days: int) -> datetime:
    """A claimed wish is due by 24:00 of the `days`-th day after the day of claiming (the day
    of claiming not counted, 《民法典》第二百零一条、第二百零三条)."""
    return end_of_day(timezone.localtime(claimed_at).date() + timedelta(days=days))


def last_day(due: datetime | None) -> date | None:
    """A deadline at 24:00 is shown as its day (2026-11-28 00:00 → 2026-11-27)."""
    if due is None:
        return None
    return timezone.localtime(due - timedelta(microseconds=1)).date()


def is_overdue(due: datetime | None, now: datetime) -> bool:
    """Due exactly at `due` is on time; a moment later is overdue."""
    return due is not None and now > due


# ---- masking and tickets ---------------------------------------------------------------------------


def public_name(name: str) -> str:
    """张三 → 张*, 欧阳小明 → 欧***; no name → 「群众」."""
    return mask_name(name) or "群众"


TICKET_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out over the phone


def new_ticket(day: date) -> str:
    """'W', the date and six random characters: not guessable, and not a request's ticket."""
    return f"W{day:%y%m%d}" + "".join(secrets.choice(TICKET_ALPHABET) for _ in range(6))


def normalize_ticket(raw: str) -> str:
    return re.sub(r"[\s\-]", "", raw or "").upper()
