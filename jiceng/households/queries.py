"""Reads shared by the household pages, their exports and the API. Every figure is a grouped
query (no query per row), and every figure of the coverage page is the count of the list it
links to: both read ``visible(user, Household)`` within the same subtree."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from jiceng.core.scoping import path_q, visible
from jiceng.core.tree import SEGMENT
from jiceng.orgs.models import Organization

from . import rules
from .models import (
    Cadre,
    ExitCheck,
    GuaranteeCheck,
    Household,
    HouseholdMember,
    HouseholdsSettings,
    Income,
    Pair,
    RelapseFlag,
    RelapseReview,
    Visit,
)


def visible_households(user, qs: QuerySet | None = None) -> QuerySet:
    return visible(user, qs if qs is not None else Household.objects.all())


def selectable_cadres(user) -> QuerySet:
    """The cadres a user may name on a pair or a visit: those filed in the user's scope and those
    paired now with a household of it (a township's cadre helping in a village, for the village's
    managers)."""
    if user is None:
        return Cadre.objects.all()
    paired = visible(user, Pair.objects.filter(ends_on__isnull=True)).values("cadre_id")
    mine = visible(user, Cadre.objects.all()).values("pk")
    return Cadre.objects.filter(Q(pk__in=mine) | Q(pk__in=paired))


def open_pair_of(household_ref="pk"):
    return Pair.objects.filter(household=OuterRef(household_ref), ends_on__isnull=True)


def listed(qs: QuerySet) -> QuerySet:
    """The household list's rows: the village, the number of people and the current cadre, in
    the one query of the page (subqueries, not a query per row)."""
    people = (
        HouseholdMember.objects.filter(household=OuterRef("pk"))
        .order_by()
        .values("household")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return qs.select_related("village").annotate(
        person_count=Subquery(people),
        cadre_id=Subquery(open_pair_of().values("cadre_id")[:1]),
        cadre_name=Subquery(open_pair_of().values("cadre__name")[:1]),
        last_visit=Subquery(
            Visit.objects.filter(household=OuterRef("pk")).order_by("-visited_at").values("visited_at")[:1]
        ),
    )


def visited_since(qs: QuerySet, since) -> QuerySet:
    return qs.filter(pk__in=Visit.objects.filter(visited_at__gte=since).values("household_id"))


def visit_windows(now=None, config=None) -> tuple:
    """(start of this month, the overdue instant) for the visit figures and the list's filter."""
    now = timezone.localtime(now or timezone.now())
    every = (config or HouseholdsSettings.current()).visit_every_days
    return rules.month_start(now), rules.overdue_since(now, every)


def visited_this_month(qs: QuerySet, now=None) -> QuerySet:
    return visited_since(qs, visit_windows(now)[0])


def overdue(qs: QuerySet, now=None, since=None) -> QuerySet:
    """Paired households without a visit within the county's visit period."""
    since = since or visit_windows(now)[1]
    return with_open_pair(qs, True).exclude(pk__in=Visit.objects.filter(visited_at__gte=since).values("household_id"))


def with_open_pair(qs: QuerySet, paired: bool) -> QuerySet:
    """Households with (or without) a cadre paired now."""
    ids = Pair.objects.filter(ends_on__isnull=True).values("household_id")
    return qs.filter(pk__in=ids) if paired else qs.exclude(pk__in=ids)


# ---- coverage ----------------------------------------------------------------------------------


@dataclass
class Row:
    org: Organization
    households: int = 0
    paired: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    visited: int = 0
    overdue: int = 0

    @property
    def coverage(self) -> rules.Coverage:
        return rules.Coverage(self.households, self.paired)


def coverage(user, root: Organization, *, config=None, visits: bool = True) -> tuple[list[Row], Row]:
    """Households, paired households and households by status for each child of ``root`` that
    has households in its subtree (townships under a county, villages under a township), and the
    total of the subtree: one grouped query on the households, one for the children."""
    qs = visible_households(user).filter(path_q("village__path", root.path))
    grouped = (
        qs.order_by()
        .values("village__path", "status")
        .annotate(n=Count("pk", distinct=True), paired=Count("pairs", filter=Q(pairs__ends_on__isnull=True)))
    )
    width = len(root.path) + SEGMENT
    prefixes: dict[str, list] = defaultdict(lambda: [0, 0, defaultdict(int)])
    total = Row(root, by_status=defaultdict(int))
    for g in grouped:
        cut = g["village__path"][:width]
        entry = prefixes[cut]
        entry[0] += g["n"]
        entry[1] += g["paired"]
        entry[2][g["status"]] += g["n"]
        total.households += g["n"]
        total.paired += g["paired"]
        total.by_status[g["status"]] += g["n"]
    below = [p for p in prefixes if p != root.path]
    children = {o.path: o for o in Organization.objects.filter(path__in=below).order_by("path")}
    rows = []
    for path, org in children.items():
        n, paired, statuses = prefixes[path]
        rows.append(Row(org, n, paired, dict(statuses)))
    if root.path in prefixes:  # households filed on the root itself (a village's own page)
        n, paired, statuses = prefixes[root.path]
        rows.insert(0, Row(root, n, paired, dict(statuses)))
    by_path = {row.org.path: row for row in rows}
    if not visits:
        return rows, total
    month, since = visit_windows(config=config)
    for attribute, subset in (("visited", visited_since(qs, month)), ("overdue", overdue(qs, since=since))):
        for g in subset.order_by().values("village__path").annotate(n=Count("pk")):
            row = by_path.get(g["village__path"][:width])
            if row is not None:
                setattr(row, attribute, getattr(row, attribute) + g["n"])
            setattr(total, attribute, getattr(total, attribute) + g["n"])
    return rows, total


def causes(user, root: Organization) -> list[tuple[str, str, int]]:
    """(cause, label, households) of the subtree, most frequent first (main cause)."""
    qs = visible_households(user).filter(path_q("village__path", root.path))
    labels = dict(Household.Cause.choices)
    counts = qs.order_by().values("cause").annotate(n=Count("pk"))
    return sorted(((c["cause"], labels.get(c["cause"], c["cause"]), c["n"]) for c in counts), key=lambda t: -t[2])


@dataclass
class CadreLoad:
    cadre: Cadre
    households: int
    cap: int
    overdue: int = 0

    @property
    def over(self) -> bool:
        return rules.over_cap(self.households, self.cap)

    @property
    def full(self) -> bool:
        return self.households >= self.cap


def cadre_loads(user, root: Organization, config=None) -> list[CadreLoad]:
    """Each cadre of the subtree (and each cadre paired with a household of it) with the number of
    its open pairs with the subtree's visible households against the cap, and how many of those
    households are overdue for a visit (as the list's ``visits=overdue``). Four queries."""
    config = config or HouseholdsSettings.current()
    cap = config.pairs_per_cadre
    open_pairs = visible(user, Pair.objects.filter(ends_on__isnull=True)).filter(
        path_q("household__village__path", root.path)
    )
    pairs = open_pairs.order_by().values("cadre").annotate(n=Count("pk"))
    counts = {p["cadre"]: p["n"] for p in pairs}
    since = visit_windows(config=config)[1]
    late = open_pairs.exclude(household__in=Visit.objects.filter(visited_at__gte=since).values("household_id"))
    overdue_counts = {p["cadre"]: p["n"] for p in late.order_by().values("cadre").annotate(n=Count("pk"))}
    cadres = visible(user, Cadre.objects.all()).filter(path_q("organization__path", root.path), is_active=True)
    listed_ids = set(cadres.values_list("pk", flat=True)) | set(counts)
    out = [
        CadreLoad(c, counts.get(c.pk, 0), cap, overdue_counts.get(c.pk, 0))
        for c in Cadre.objects.filter(pk__in=listed_ids).select_related("organization").order_by("name", "pk")
    ]
    return sorted(out, key=lambda load: (-load.households, load.cadre.name))


# ---- one household ------------------------------------------------------------------------------


def latest_checks(household: Household) -> dict[str, GuaranteeCheck]:
    latest: dict[str, GuaranteeCheck] = {}
    for check in household.checks.order_by("item", "-checked_on", "-id"):
        latest.setdefault(check.item, check)
    return latest


@dataclass
class IncomeYear:
    year: int
    by_source: dict[str, Decimal]
    total: Decimal
    per_person: Decimal | None
    below: bool


def income_years(household: Household, persons: int, line: Decimal) -> list[IncomeYear]:
    by_year: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for income in Income.objects.filter(household=household).order_by("-year", "source"):
        by_year[income.year][income.source] = income.amount
    out = []
    for year, sources in sorted(by_year.items(), reverse=True):
        total = sum(sources.values(), Decimal("0"))
        per = rules.income_per_person(total, persons)
        out.append(IncomeYear(year, sources, total, per, rules.below_line(per, line)))
    return out


def total_income(qs: QuerySet, year: int) -> dict[int, Decimal]:
    """Household id → income of ``year`` (one grouped query), for the ledger export."""
    rows = Income.objects.filter(household__in=qs, year=year).order_by().values("household").annotate(t=Sum("amount"))
    return {r["household"]: r["t"] for r in rows}


@dataclass(frozen=True)
class Event:
    on: object
    kind: str
    title: str
    detail: str = ""


def timeline(household: Household) -> list[Event]:
    """The household's whole story, newest first: status changes, checks, measures, visits, pairs,
    expenses, relapse flags and their reviews, exit checks."""
    status = dict(Household.Status.choices)
    events = []
    for c in household.status_changes.all():
        title = f"状态：{status.get(c.from_status, '建档')} → {status[c.to_status]}" if c.from_status else "建档"
        events.append(Event(c.on, "status", title, c.reason))
    for c in household.checks.all():
        events.append(
            Event(
                c.checked_on,
                "check",
                f"核查「{c.get_item_display()}」：{'达标' if c.met else '未达标'}",
                f"核查人 {c.checked_by}" + (f"；{c.note}" if c.note else ""),
            )
        )
    for m in household.measures.all():
        events.append(Event(m.starts_on, "measure", f"帮扶措施（{m.get_category_display()}）：{m.content}", m.owner))
    for v in household.visits.select_related("cadre"):
        day = timezone.localtime(v.visited_at).date()
        late = "（补录）" if v.late else ""
        events.append(Event(day, "visit", f"{v.cadre.name} 走访{late}", v.content[:80]))
    for p in household.pairs.select_related("cadre"):
        events.append(Event(p.starts_on, "pair", f"与 {p.cadre.name}（{p.cadre.unit}）结对", ""))
        if p.ends_on:
            events.append(Event(p.ends_on, "pair", f"与 {p.cadre.name} 的结对结束", p.end_reason))
    for e in household.expenses.all():
        events.append(Event(e.on, "expense", f"突发支出（{e.get_kind_display()}）{rules.yuan(e.amount)} 元", e.note))
    outcomes = dict(RelapseReview.Outcome.choices)
    for f in household.relapse_flags.prefetch_related("reviews"):
        events.append(
            Event(timezone.localtime(f.opened_at).date(), "flag", f"返贫风险预警（{f.get_kind_display()}）", f.reason)
        )
        for r in f.reviews.all():
            events.append(Event(r.reviewed_on, "flag", f"预警核实：{outcomes[r.outcome]}", r.note))
    for x in household.exit_checks.all():
        result = "通过" if x.passed else "未通过：" + "；".join(x.failures)
        events.append(
            Event(x.on, "exit", f"退出核查{'通过' if x.passed else '未通过'}", f"签字 {x.signed_by}；{result}")
        )
    return sorted(events, key=lambda e: e.on, reverse=True)


# ---- relapse watch and exit checks ------------------------------------------------------------------


def visible_flags(user, qs: QuerySet | None = None) -> QuerySet:
    return visible(user, qs if qs is not None else RelapseFlag.objects.all())


def flag_rows(qs: QuerySet) -> QuerySet:
    """The flag list's rows with the household and its village (one query per page)."""
    return qs.select_related("household__village", "household__village__parent")


FLAG_STATES = [value for value, _ in RelapseFlag.State.choices]


def flag_counts(user, root: Organization) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    """Flags by state for each child of ``root`` (by path prefix, as ``coverage``) and in total:
    one grouped query. The counts are of flags, as the flag list counts its rows."""
    qs = visible_flags(user).filter(path_q("household__village__path", root.path))
    width = len(root.path) + SEGMENT
    by_path: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(FLAG_STATES, 0))
    total = dict.fromkeys(FLAG_STATES, 0)
    for g in qs.order_by().values("household__village__path", "state").annotate(n=Count("pk")):
        path = g["household__village__path"]
        cut = path if path == root.path else path[:width]
        by_path[cut][g["state"]] += g["n"]
        total[g["state"]] += g["n"]
    return by_path, total


def _check_records(household_id) -> dict[str, rules.Check]:
    labels = dict(GuaranteeCheck.Item.choices)
    latest: dict[str, rules.Check] = {}
    for c in GuaranteeCheck.objects.filter(household_id=household_id).order_by("item", "-checked_on", "-id"):
        latest.setdefault(c.item, rules.Check(c.pk, c.item, labels[c.item], c.checked_on, c.met, c.note))
    return latest


def household_exit_criteria(household: Household, today=None) -> list[rules.Criterion]:
    today = today or timezone.localdate()
    config = HouseholdsSettings.current()
    persons = HouseholdMember.objects.filter(household=household).count()
    totals = dict(
        Income.objects.filter(household=household, year__lte=today.year)
        .order_by()
        .values("year")
        .annotate(t=Sum("amount"))
        .values_list("year", "t")
    )
    year = max(totals) if totals else None
    per = rules.income_per_person(totals[year], persons) if year is not None else None
    open_flags = RelapseFlag.objects.filter(household=household, state__in=RelapseFlag.OPEN_STATES).count()
    return rules.household_exit_criteria(
        today=today,
        latest_checks=_check_records(household.pk),
        labels=dict(GuaranteeCheck.Item.choices),
        valid_days=config.exit_check_days,
        income_year=year,
        per_person=per,
        line=config.income_line,
        open_flags=open_flags,
    )


def village_exit_criteria(village: Organization) -> list[rules.Criterion]:
    """From the households filed on the village itself (all of them: the check is the county's,
    not a user's view)."""
    config = HouseholdsSettings.current()
    households = Household.objects.filter(village=village)
    counts = households.order_by().aggregate(n=Count("pk"), poor=Count("pk", filter=Q(status=Household.Status.POOR)))
    open_flags = RelapseFlag.objects.filter(household__village=village, state__in=RelapseFlag.OPEN_STATES).count()
    latest = (
        GuaranteeCheck.objects.filter(household=OuterRef("household"), item=OuterRef("item"))
        .order_by("-checked_on", "-id")
        .values("pk")[:1]
    )
    failed = (
        GuaranteeCheck.objects.filter(household__village=village, met=False, pk=Subquery(latest))
        .values("household")
        .distinct()
        .count()
    )
    return rules.village_exit_criteria(
        households=counts["n"],
        poor=counts["poor"],
        open_flags=open_flags,
        failed_checks=failed,
        max_poor_share=config.village_exit_poor_share,
    )


def exit_checks_of(user, org: Organization) -> QuerySet:
    return visible(user, ExitCheck.objects.filter(organization=org, household__isnull=True)).select_related(
        "recorded_by"
    )
