"""Reads about development files shared by pages, API, exports, panels and the reminder job.

Every figure is computed from stored dates against `today` when it is read, so the lists are
right the moment the clock moves; the reminder job only sends notices.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Exists, F, Max, OuterRef, Q, Subquery, Window
from django.db.models.functions import Coalesce, RowNumber, Substr

from jiceng.core.scoping import is_member_role, path_q, visible
from jiceng.members.models import Member
from jiceng.orgs.models import Organization
from jiceng.orgs.rules import SEGMENT

from . import rules
from .models import DevelopmentFile, DevelopmentSettings, Move


def visible_files(user, queryset=None):
    """Files the user may see: their subtree, and nothing at all for plain members (a file
    holds the personal details of people who are not members yet)."""
    queryset = DevelopmentFile.objects.all() if queryset is None else queryset
    if is_member_role(user):
        return queryset.none()
    return visible(user, queryset)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


# ---- due and overdue ---------------------------------------------------------------------

TALK, REVIEW, APPROVAL, PROBATION = "talk", "review", "approval", "probation"
DUE_KINDS = {
    TALK: "申请人一个月内谈话",
    REVIEW: "积极分子每半年考察",
    APPROVAL: "支部大会决议待上级审批",
    PROBATION: "预备期满待讨论转正",
}
OVERDUE, SOON, WAITING, LAPSED = "overdue", "soon", "waiting", "lapsed"
DUE_STATES = {LAPSED: "已超最长期限", OVERDUE: "已逾期", SOON: "即将到期", WAITING: "期限内"}


@dataclass
class DueItem:
    file: DevelopmentFile
    kind: str
    due_on: date
    state: str
    days: int  # days overdue (positive) or left (negative or zero)
    limit_on: date | None = None
    message: str = ""

    @property
    def kind_label(self) -> str:
        return DUE_KINDS[self.kind]

    @property
    def state_label(self) -> str:
        return DUE_STATES[self.state]

    @property
    def is_overdue(self) -> bool:
        return self.state in (OVERDUE, LAPSED)


def due_filter(today: date, soon_days: int) -> Q:
    soon = today + timedelta(days=soon_days)
    return Q(status=DevelopmentFile.Status.OPEN) & (
        Q(talk_due_on__lte=soon)
        | Q(review_due_on__lte=soon)
        | Q(approval_due_on__isnull=False)
        | Q(probation_due_on__lte=max(soon, month_end(today)))
    )


def overdue_filter(today: date) -> Q:
    return Q(status=DevelopmentFile.Status.OPEN) & (
        Q(talk_due_on__lt=today)
        | Q(review_due_on__lt=today)
        | Q(approval_due_on__lt=today)
        | Q(probation_due_on__lt=today)
    )


def _state(due: date, today: date, soon_days: int) -> str:
    if today > due:
        return OVERDUE
    return SOON if (due - today).days <= soon_days else WAITING


def items_of(file: DevelopmentFile, today: date, soon_days: int) -> list[DueItem]:
    """What is due on one file (at most one item per kind)."""
    f = rules.fmt
    out = []
    soon = today + timedelta(days=soon_days)
    if file.talk_due_on and file.talk_due_on <= soon:
        state = _state(file.talk_due_on, today, soon_days)
        out.append(
            DueItem(
                file,
                TALK,
                file.talk_due_on,
                state,
                (today - file.talk_due_on).days,
                message=f"{f(file.applied_on)}递交申请书，应于{f(file.talk_due_on)}前派人谈话（{rules.cite('第七条')}）",
            )
        )
    if file.review_due_on and file.review_due_on <= soon:
        last = file.last_review_on or file.activist_on
        out.append(
            DueItem(
                file,
                REVIEW,
                file.review_due_on,
                _state(file.review_due_on, today, soon_days),
                (today - file.review_due_on).days,
                message=f"上次考察（或确定为积极分子）于{f(last)}，党支部每半年考察一次，应于{f(file.review_due_on)}前考察",
            )
        )
    if file.approval_due_on:
        limit = file.approval_limit_on or file.approval_due_on
        state = LAPSED if today > limit else _state(file.approval_due_on, today, soon_days)
        vote = file.vote_on if file.last_step in (15, 16) else file.full_vote_on
        what = "接收预备党员" if file.last_step in (15, 16) else "预备党员转正"
        if file.last_step in (15, 16):
            tail = f"三个月期限至{f(file.approval_due_on)}，有理由（如换届）最迟{f(limit)}"
        else:
            tail = f"应于{f(file.approval_due_on)}前审批"
        if state == LAPSED:
            tail += "；已超过期限，须重新提交支部大会讨论"
        out.append(
            DueItem(
                file,
                APPROVAL,
                file.approval_due_on,
                state,
                (today - file.approval_due_on).days,
                limit_on=limit,
                message=f"支部大会{f(vote)}讨论{what}，{tail}",
            )
        )
    if file.probation_due_on and file.probation_due_on <= max(soon, month_end(today)):
        end = file.probation_due_on
        state = OVERDUE if today > end else SOON
        message = (
            f"预备期于{f(end)}期满，应及时召开支部大会讨论能否转为正式党员"
            if today > end
            else f"预备期将于{f(end)}期满，期满后召开支部大会讨论转正"
        )
        out.append(DueItem(file, PROBATION, end, state, (today - end).days, message=message))
    return out


@dataclass
class DueSummary:
    organization: Organization | None
    counts: dict = field(default_factory=lambda: defaultdict(int))  # kind -> items
    overdue: dict = field(default_factory=lambda: defaultdict(int))  # kind -> overdue items

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def cells(self) -> list[tuple[str, int, int]]:
        """(kind, items, overdue items) in the order of DUE_KINDS, for tables."""
        return [(k, self.counts.get(k, 0), self.overdue.get(k, 0)) for k in DUE_KINDS]

    @property
    def total_overdue(self) -> int:
        return sum(self.overdue.values())


def due_items(user, root: Organization, today: date, soon_days: int | None = None) -> list[DueItem]:
    """Every due or overdue item of the files in `root`'s subtree that `user` may see (one query)."""
    if soon_days is None:
        soon_days = DevelopmentSettings.current().due_soon_days
    files = (
        visible_files(user)
        .filter(path_q("organization__path", root.path))
        .filter(due_filter(today, soon_days))
        .select_related("organization")
        .order_by("organization__path", "id")
    )
    items = [item for f in files for item in items_of(f, today, soon_days)]
    order = {LAPSED: 0, OVERDUE: 1, SOON: 2, WAITING: 3}
    items.sort(key=lambda i: (order[i.state], i.due_on, i.file.organization.path, i.file.pk))
    return items


def child_of(root: Organization, path: str, children: dict[str, Organization]) -> Organization | None:
    """The child of `root` whose subtree holds `path` (None: `root` itself)."""
    return children.get(path[: len(root.path) + SEGMENT])


def summarize(root: Organization, items: list[DueItem], children: list[Organization]) -> list[DueSummary]:
    """Due items per child organization of `root` (each figure links to the child's own page)."""
    by_path = {c.path: c for c in children}
    rows: dict[int | None, DueSummary] = {c.pk: DueSummary(c) for c in children}
    for item in items:
        child = child_of(root, item.file.organization.path, by_path)
        key = child.pk if child else None
        row = rows.setdefault(key, DueSummary(child))
        row.counts[item.kind] += 1
        if item.is_overdue:
            row.overdue[item.kind] += 1
    return [r for r in rows.values() if r.total]


def panel_figures(root_path: str, today: date) -> dict:
    """Open files by stage and overdue items by kind in a subtree: one aggregate query."""
    open_ = Q(status=DevelopmentFile.Status.OPEN)
    row = DevelopmentFile.objects.filter(path_q("organization__path", root_path)).aggregate(
        **{f"stage{n}": Count("id", filter=open_ & Q(stage=n)) for n in rules.STAGES},
        talk=Count("id", filter=open_ & Q(talk_due_on__lt=today)),
        review=Count("id", filter=open_ & Q(review_due_on__lt=today)),
        approval=Count("id", filter=open_ & Q(approval_due_on__lt=today)),
        probation=Count("id", filter=open_ & Q(probation_due_on__lt=today)),
        # Probations ending this month that wait for the full-membership meeting, including those
        # that ended earlier this month and have not been handled (probation_due_on is cleared
        # once step 23 is recorded).
        probation_month=Count(
            "id",
            filter=open_ & Q(probation_due_on__gte=today.replace(day=1), probation_due_on__lte=month_end(today)),
        ),
    )
    return {
        "stages": {n: row[f"stage{n}"] for n in rules.STAGES},
        "overdue": {k: row[k] for k in (TALK, REVIEW, APPROVAL, PROBATION)},
        "probation_month": row["probation_month"],
    }


# ---- counts by stage ---------------------------------------------------------------------


@dataclass
class StageRow:
    organization: Organization | None  # None: files of the root organization itself
    stages: dict = field(default_factory=lambda: {n: 0 for n in rules.STAGES})
    completed: int = 0
    rejected: int = 0
    cancelled: int = 0
    transferred: int = 0  # closed here as 随组织关系转出县外
    admitted_this_year: int = 0  # approved this year by an organization of this row (`admitted_path`)

    @property
    def open_total(self) -> int:
        return sum(self.stages.values())


def admitted_path():
    """The path of the organization that admitted a file's person (voted at step 15 and approved at
    step 17): the one the file was in before it first followed its member on a transfer (`Move`),
    else its own. An expression for `annotate` (a lookup per file: fine for a year's files); the stage
    table and the list's filter use it, the idle ledger reads the same place from `first_moves`."""
    first_move = Move.objects.filter(file=OuterRef("pk")).order_by("on", "id").values("from_org__path")[:1]
    return Coalesce(Subquery(first_move), F("organization__path"))


def stage_table(root: Organization, today: date) -> tuple[list[StageRow], StageRow]:
    """Files by stage and by how they were closed for each child of `root` (townships when root is
    the county), where the files are now; and the files approved in `today`'s year, where they were
    admitted (`admitted_path`, as the idle ledger counts). Three queries."""
    children = list(Organization.objects.filter(parent=root).order_by("path"))
    width = len(root.path) + SEGMENT
    grouped = (
        DevelopmentFile.objects.filter(path_q("organization__path", root.path))
        .annotate(prefix=Substr("organization__path", 1, width))
        .values("prefix", "status", "stage")
        .annotate(n=Count("id"))
    )
    admitted = (
        DevelopmentFile.objects.filter(approved_on__year=today.year)
        .annotate(admitted=admitted_path())
        .filter(path_q("admitted", root.path))
        .annotate(prefix=Substr("admitted", 1, width))
        .values("prefix")
        .annotate(n=Count("id"))
        .order_by()
    )
    closed = {
        DevelopmentFile.Status.COMPLETED: "completed",
        DevelopmentFile.Status.REJECTED: "rejected",
        DevelopmentFile.Status.CANCELLED: "cancelled",
        DevelopmentFile.Status.TRANSFERRED: "transferred",
    }
    by_path = {c.path: c for c in children}
    rows: dict[str, StageRow] = {c.path: StageRow(c) for c in children}
    total = StageRow(root)

    def row_of(prefix: str) -> StageRow:
        return rows.setdefault(prefix if prefix in by_path else "", StageRow(None))

    for g in grouped:
        for r in (row_of(g["prefix"]), total):
            if g["status"] == DevelopmentFile.Status.OPEN:
                r.stages[g["stage"]] += g["n"]
            else:
                setattr(r, closed[g["status"]], getattr(r, closed[g["status"]]) + g["n"])
    for g in admitted:
        for r in (row_of(g["prefix"]), total):
            r.admitted_this_year += g["n"]
    ordered = ([rows[""]] if "" in rows else []) + [rows[c.path] for c in children]
    return ordered, total


# ---- branches that admitted nobody -------------------------------------------------------


@dataclass
class IdleBranch:
    organization: Organization
    under: Organization | None  # the child of the ledger's root that holds the branch
    full_members: int = 0
    last_join_date: date | None = None
    open_files: int = 0
    candidates: int = 0  # open files at stage 3 or later (someone is on the way)


def idle_window(end_year: int, years: int) -> tuple[int, int]:
    return end_year - years + 1, end_year


def first_moves():
    """The ids of each moved file's first `Move` (the earliest by ``on``, then ``id``), a subquery: one
    ranking of the moves (``ROW_NUMBER``) instead of a lookup per file. Its ``from_org`` is where the
    file was admitted (`admitted_path`)."""
    ranked = Move.objects.annotate(
        rank=Window(RowNumber(), partition_by=F("file_id"), order_by=(F("on").asc(), F("id").asc()))
    )
    return ranked.filter(rank=1).values("id")


def admissions(root_path: str, window: tuple[date, date]) -> dict[str, tuple[date | None, int]]:
    """Admissions (发展党员) by the organization that made them: {path: (last 入党日期, how many in
    `window`)} for the organizations of the subtree at `root_path` that have an admission with a
    date on record. Four queries.

    The date is the 入党日期 throughout — the day of the branch meeting (step 15), which is what a
    member record holds, also for members entered or imported from before the platform. The place:

    - a file approved here (step 17) counts for the organization that held the vote and the approval:
      the one it was in before it first followed its member on a transfer (`Move`), else its own;
    - a member record without such a file counts where the member was before their first transfer
      (the sending organization of the earliest transfer), else where they are now; someone whose
      first transfer brought them in from outside the county was admitted elsewhere and counts nowhere.

    A member who moved in by transfer is therefore never an admission of the receiving branch.
    """
    return _tally(root_path, window)[0]


def _tally(root_path: str, window: tuple[date, date]) -> tuple[dict[str, tuple[date | None, int]], dict[str, int]]:
    """`admissions`, and the full members (正式党员) by organization path, read together: four queries,
    none of them a lookup per row.

    Each of the two sources is split by whether its record ever moved, so that the place is a plain
    column: files never moved and members never transferred are grouped by where they are (one scan
    of the subtree's members gives the full members too); the few moved files and transferred members
    are read from their first move or transfer, ranked once (`first_moves`,
    `transfers.sent_before_first_transfer`). The partition and the ranking give the same place as
    `admitted_path` and the member's earliest transfer, so the same figures.
    """
    from jiceng.transfers import queries as transfers

    start, end = window
    with_file = DevelopmentFile.objects.filter(approved_on__isnull=False, member__isnull=False).values("member_id")
    moved = transfers.members_who_moved()
    # Files never moved count where they are ...
    approved = DevelopmentFile.objects.filter(approved_on__isnull=False)
    files_stayed = (
        approved.filter(path_q("organization__path", root_path))
        .filter(~Exists(Move.objects.filter(file=OuterRef("pk"))))
        .values(admitted=F("organization__path"))
        .annotate(last=Max("vote_on"), n=Count("id", filter=Q(vote_on__gte=start, vote_on__lte=end)))
        .order_by()
    )
    # ... the few moved, where they were before their first move.
    files_moved = (
        Move.objects.filter(pk__in=first_moves(), file__approved_on__isnull=False)
        .filter(path_q("from_org__path", root_path))
        .values(admitted=F("from_org__path"))
        .annotate(
            last=Max("file__vote_on"), n=Count("file_id", filter=Q(file__vote_on__gte=start, file__vote_on__lte=end))
        )
        .order_by()
    )
    # Members without such a file who never moved count where they are; the same scan counts the
    # full members. (Each aggregate that names `stayed` repeats its two lookups: keep them to two.)
    stayed = ~Q(pk__in=with_file) & ~Q(pk__in=moved)
    members = (
        Member.objects.filter(path_q("organization__path", root_path))
        .values("organization__path")
        .annotate(
            full=Count("id", filter=Q(status=Member.Status.FULL)),
            last=Max("join_date", filter=stayed),
            n=Count("id", filter=stayed & Q(join_date__gte=start, join_date__lte=end)),
        )
        .order_by()
    )
    # Members without such a file who moved, where they were before their first transfer.
    members_moved = (
        transfers.sent_before_first_transfer(root_path)
        .filter(~Exists(approved.filter(member=OuterRef("member_id"))))
        .values(admitted=F("first_transfer_from"))
        .annotate(
            last=Max("member__join_date"),
            n=Count("member_id", filter=Q(member__join_date__gte=start, member__join_date__lte=end)),
        )
        .order_by()
    )
    full: dict[str, int] = {}
    rows = [*files_stayed, *files_moved, *members_moved]
    for r in members:
        if r["full"]:
            full[r["organization__path"]] = r["full"]
        rows.append({"admitted": r["organization__path"], "last": r["last"], "n": r["n"]})
    out: dict[str, tuple[date | None, int]] = {}
    for r in rows:
        if r["last"] is None:
            continue  # nobody with a date (`n` counts dates in the window, so it is 0 too)
        last, n = out.get(r["admitted"], (None, 0))
        out[r["admitted"]] = (r["last"] if last is None or r["last"] > last else last, n + r["n"])
    return out, full


def idle_branches(root: Organization, end_year: int, years: int) -> list[IdleBranch]:
    """Branches in `root`'s subtree that admitted nobody in `years` consecutive years ending with
    `end_year` (county practice [C], default two years).

    An admission counts for the branch that made it (its party groups included), dated by the
    入党日期 (the vote), see `admissions`: a member who moved in by transfer does not count for the
    receiving branch. Branches founded inside the window are left out. Seven queries whatever the
    size of the subtree: the branches are read as (path, id), and only the listed ones (with the
    children of the root that hold them) as organizations, by path (`in_bulk`: in batches on SQLite).
    """
    first, last = idle_window(end_year, years)
    window_start = date(first, 1, 1)
    branches = list(
        Organization.objects.filter(path_q("path", root.path), type__in=[Organization.Type.BRANCH, "joint_branch"])
        .filter(Q(founded_on__isnull=True) | Q(founded_on__lte=window_start))
        .order_by("path")
        .values_list("path", "pk")
    )
    if not branches:
        return []
    files = (
        DevelopmentFile.objects.filter(path_q("organization__path", root.path), status=DevelopmentFile.Status.OPEN)
        .values("organization_id")
        .annotate(n=Count("id"), candidates=Count("id", filter=Q(stage__gte=3)))
    )
    files_by_org = {r["organization_id"]: r for r in files}
    pk_of = dict(branches)
    full_members: dict[str, int] = dict.fromkeys(pk_of, 0)
    last_join: dict[str, date | None] = dict.fromkeys(pk_of)

    def branch_of(path: str) -> str | None:
        # The nearest branch at or above `path` (members of a party group belong to its branch).
        for end in range(len(path), len(root.path) - 1, -SEGMENT):
            if path[:end] in pk_of:
                return path[:end]
        return None

    admitted, full = _tally(root.path, (window_start, date(last, 12, 31)))
    busy = set()
    for path, (last_day, n) in admitted.items():
        key = branch_of(path)
        if key is None:
            continue
        if n:
            busy.add(key)
        if last_day and (last_join[key] is None or last_day > last_join[key]):
            last_join[key] = last_day
    for path, n in full.items():
        key = branch_of(path)
        if key is not None:
            full_members[key] += n
    idle = [path for path, _ in branches if path not in busy]
    # The listed branches and the children of the root that hold them, in one read by path.
    width = len(root.path) + SEGMENT
    under = {path: path[:width] for path in idle if len(path) >= width}
    organizations = Organization.objects.in_bulk({*idle, *under.values()}, field_name="path")
    rows = []
    for path in idle:
        f = files_by_org.get(pk_of[path], {})
        rows.append(
            IdleBranch(
                organizations[path],
                organizations.get(under.get(path)),
                full_members=full_members[path],
                last_join_date=last_join[path],
                open_files=f.get("n", 0),
                candidates=f.get("candidates", 0),
            )
        )
    return rows


def members_with_open_files() -> set[int]:
    """Ids of the members whose development file is open (a probationary member's file)."""
    return set(DevelopmentFile.objects.filter(status="open", member__isnull=False).values_list("member_id", flat=True))


# ---- the organization star rating (jiceng.ratings) ----------------------------------------


def schedule_figures(root_path: str, today: date) -> dict[str, tuple[int, int]]:
    """Open development files by the organization that holds them, in the subtree at `root_path`:
    {path: (open files, of them with a step overdue on `today`)} — the file list's
    ``status=open`` and ``due=overdue`` (`overdue_filter`). One grouped query."""
    rows = (
        DevelopmentFile.objects.filter(path_q("organization__path", root_path), status=DevelopmentFile.Status.OPEN)
        .values_list("organization__path")
        .annotate(n=Count("id"), late=Count("id", filter=overdue_filter(today)))
        .order_by()
    )
    return {path: (n, late) for path, n, late in rows}
