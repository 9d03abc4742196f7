"""Reads shared by the household pages, their exports and the API. Every figure is a grouped
query (no query per row), and every figure of the coverage page is the count of the list it
links to: both read ``visible(user, Household)`` within the same subtree."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import TruncDate
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
    VisitCadence,
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


# ---- a cadre's own households (我的帮扶户, ADR 0027) -------------------------------------------------


def own_cadres(user) -> QuerySet:
    """The active cadres that are the user: linked to the user's member record (a member cadre's
    own account) or to the user directly (a non-member cadre's resident account, ADR 0033).
    This reach is the cadre's open pairs, not the organization scope (``visible``): a cadre
    filed under a township, who is a member of a branch elsewhere, reaches exactly the households
    paired with them now, and nothing else of the village."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Cadre.objects.none()
    who = Q(user_id=user.pk)
    if user.member_id:
        who |= Q(member_id=user.member_id)
    return Cadre.objects.filter(who, is_active=True)


def my_households(user) -> QuerySet:
    """我的帮扶户: the households paired now with one of the user's own cadres."""
    pairs = Pair.objects.filter(ends_on__isnull=True, cadre__in=own_cadres(user))
    return Household.objects.filter(pk__in=pairs.values("household_id"))


def own_cadre_for(user, household) -> Cadre | None:
    """The user's own cadre paired now with ``household``, if any."""
    if user is None:
        return None
    return own_cadres(user).filter(pairs__household=household, pairs__ends_on__isnull=True).first()


def my_visits(user) -> QuerySet:
    """The visits a cadre made to the households paired with them now."""
    return Visit.objects.filter(cadre__in=own_cadres(user), household__in=my_households(user))


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


def _visit_since(since):
    return Exists(Visit.objects.filter(household=OuterRef("pk"), visited_at__gte=since))


def visited_since(qs: QuerySet, since) -> QuerySet:
    # EXISTS, not IN: SQLite probes the (household, visited_at) index per household instead of
    # joining every organization of the county with a list (the county's coverage page: 140 → 6 ms).
    return qs.filter(_visit_since(since))


def pair_cadence() -> VisitCadence | None:
    """The active pair rule the visit figures read (the one of the shortest period)."""
    rules_ = VisitCadence.objects.filter(
        is_active=True, applies_to=VisitCadence.Applies.PAIR, kind=VisitCadence.Kind.EACH_HOUSEHOLD
    )
    order = {rules.WEEK: 0, rules.MONTH: 1, rules.QUARTER: 2}
    return min(rules_, key=lambda r: (order[r.period], r.pk), default=None)


_UNSET = object()


def visit_windows(now=None, config=None, rule=_UNSET) -> tuple:
    """(start of this month, the overdue instant) for the visit figures and the list's filter.
    Overdue: no visit since the start of the pair rule's previous period (monthly when no pair
    rule is active), so a whole period of the rule has passed without one."""
    now = timezone.localtime(now or timezone.now())
    rule = pair_cadence() if rule is _UNSET else rule
    since = rules.overdue_since(rule.period if rule else rules.MONTH, now.date())
    start = datetime.combine(since, datetime.min.time(), tzinfo=now.tzinfo)
    return rules.month_start(now), start


def visited_this_month(qs: QuerySet, now=None) -> QuerySet:
    return visited_since(qs, visit_windows(now)[0])


def overdue(qs: QuerySet, now=None, since=None) -> QuerySet:
    """Paired households without a visit within the county's visit period."""
    since = since or visit_windows(now)[1]
    return with_open_pair(qs, True).filter(~_visit_since(since))


def with_open_pair(qs: QuerySet, paired: bool) -> QuerySet:
    """Households with (or without) a cadre paired now."""
    has_pair = Exists(Pair.objects.filter(household=OuterRef("pk"), ends_on__isnull=True))
    return qs.filter(has_pair if paired else ~has_pair)


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


def coverage(user, root: Organization, *, config=None, visits: bool = True, rule=_UNSET) -> tuple[list[Row], Row]:
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
    month, since = visit_windows(config=config, rule=rule)
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


def cadre_loads(user, root: Organization, config=None, rule=_UNSET) -> list[CadreLoad]:
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
    since = visit_windows(config=config, rule=rule)[1]
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


# ---- visit compliance (走访落实情况) ----------------------------------------------------------------
#
# A rule's duties in one period, for the subtree of the page's organization: (cadre, household)
# for a rule of each household (the pair open for the whole period, or every village cadre with
# every household of the village), or one per village cadre for a rule of days and households.
# The table's figures and the lists they open are both read from ``duties()``: a figure is the
# length of the list its link opens, by construction. Four or five queries, none per row.


@dataclass
class Duty:
    cadre_id: int
    cadre_name: str
    path: str  # the household's village (or, for a rule of days and households, the cadre's organization)
    household_id: int | None = None
    visits: int = 0
    days: int = 0
    households: int = 0
    met: bool = False


def village_cadres(user, root: Organization) -> QuerySet:
    """The cadres filed under a village or community of the subtree (the "village cadres" of
    the cadence rules until issue 15's village cadres exist; ADR 0027)."""
    from jiceng.orgs.queries import PLACE_DOMAINS

    return visible(user, Cadre.objects.filter(is_active=True)).filter(
        path_q("organization__path", root.path),
        organization__domain__in=PLACE_DOMAINS,
        organization__parent__domain__in=PLACE_DOMAINS,
    )


def _period_visits(user, root: Organization, period: rules.Period) -> QuerySet:
    start, end = period.bounds(timezone.get_current_timezone())
    return visible(user, Visit.objects.filter(visited_at__gte=start, visited_at__lt=end)).filter(
        path_q("household__village__path", root.path)
    )


def duties(user, rule: VisitCadence, period: rules.Period, root: Organization) -> list[Duty]:
    """Every duty of ``rule`` in ``period`` under ``root``, with its visits and whether it is met."""
    out: list[Duty] = []
    if period.last < rule.effective_from:  # a rule is judged from the period containing that day
        return out
    if rule.kind == VisitCadence.Kind.CADRE_ACTIVITY:
        cadres = village_cadres(user, root).values_list("pk", "name", "organization__path")
        start, end = period.bounds(timezone.get_current_timezone())
        done = (
            visible(user, Visit.objects.filter(visited_at__gte=start, visited_at__lt=end))
            .filter(cadre__in=village_cadres(user, root))
            .order_by()
            .values("cadre_id")
            .annotate(
                days=Count(TruncDate("visited_at", tzinfo=timezone.get_current_timezone()), distinct=True),
                households=Count("household", distinct=True),
            )
        )
        counts = {d["cadre_id"]: (d["days"], d["households"]) for d in done}
        for pk, name, path in cadres:
            days, households = counts.get(pk, (0, 0))
            met = rules.activity_met(days, households, rule.min_days or 0, rule.min_households or 0)
            out.append(Duty(pk, name, path, days=days, households=households, met=met))
        return sorted(out, key=lambda d: (d.path, d.cadre_name, d.cadre_id))
    if rule.applies_to == VisitCadence.Applies.PAIR:
        pairs = (
            visible(user, Pair.objects.filter(starts_on__lte=period.first))
            .filter(path_q("household__village__path", root.path))
            .exclude(ends_on__lt=period.last)
            .values_list("cadre_id", "cadre__name", "household__village__path", "household_id")
        )
        pairs = list(pairs)
    else:
        households: dict[int, list] = defaultdict(list)
        for pk, village, path in (
            visible_households(user)
            .filter(path_q("village__path", root.path))
            .values_list("pk", "village_id", "village__path")
        ):
            households[village].append((pk, path))
        pairs = [
            (cadre, name, path, household)
            for cadre, name, org in village_cadres(user, root).values_list("pk", "name", "organization_id")
            for household, path in households.get(org, [])
        ]
    visits = _period_visits(user, root, period).order_by().values("cadre_id", "household_id").annotate(n=Count("pk"))
    counts = {(v["cadre_id"], v["household_id"]): v["n"] for v in visits}
    for cadre, name, path, household in pairs:
        n = counts.get((cadre, household), 0)
        out.append(Duty(cadre, name, path, household, visits=n, met=rules.household_met(n, rule.visits_per_household)))
    return sorted(out, key=lambda d: (d.path, d.cadre_name, d.cadre_id, d.household_id))


@dataclass
class ComplianceRow:
    org: Organization | None
    cadre_id: int | None = None
    cadre_name: str = ""
    owed: int = 0
    met: int = 0

    @property
    def missing(self) -> int:
        return self.owed - self.met

    @property
    def rate(self) -> float | None:
        return rules.rate(self.met, self.owed)


def compliance(user, rule: VisitCadence, period: rules.Period, root: Organization, found=None):
    """(rows, total): one row per child of ``root`` with duties in its subtree, and one per cadre
    for the duties filed on ``root`` itself (a village's page); the total of the subtree."""
    found = duties(user, rule, period, root) if found is None else found
    width = len(root.path) + SEGMENT
    total = ComplianceRow(root)
    by_child: dict[str, ComplianceRow] = {}
    by_cadre: dict[int, ComplianceRow] = {}
    for duty in found:
        if duty.path == root.path:
            row = by_cadre.setdefault(duty.cadre_id, ComplianceRow(root, duty.cadre_id, duty.cadre_name))
        else:
            row = by_child.setdefault(duty.path[:width], ComplianceRow(None))
        for r in (row, total):
            r.owed += 1
            r.met += duty.met
    names = {o.path: o for o in Organization.objects.filter(path__in=list(by_child))}
    rows = []
    for path in sorted(by_child):
        by_child[path].org = names.get(path)
        if by_child[path].org is not None:
            rows.append(by_child[path])
    rows += sorted(by_cadre.values(), key=lambda r: (r.cadre_name, r.cadre_id))
    return rows, total


def select_duties(found: list[Duty], root: Organization, *, org: Organization | None, cadre: int | None,
                  exact: bool, status: str) -> list[Duty]:  # fmt: skip
    """The duties a figure counts: within ``org``'s subtree (or on ``org`` itself with
    ``exact``), of one cadre, and met (``visited``), not met (``missing``) or all (``owed``)."""
    org = org or root
    out = []
    for duty in found:
        if exact and duty.path != org.path:
            continue
        if not duty.path.startswith(org.path):
            continue
        if cadre is not None and duty.cadre_id != cadre:
            continue
        if (status == "visited" and not duty.met) or (status == "missing" and duty.met):
            continue
        out.append(duty)
    return out
