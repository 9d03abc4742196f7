"""Figures of the command screen (党建指挥部), all computed from records for one scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q
from django.urls import reverse

from jiceng.core.scoping import path_q, visible
from jiceng.members import rules as member_rules
from jiceng.members import tally
from jiceng.members.models import Member
from jiceng.orgs import queries as org_queries
from jiceng.orgs import rules as org_rules
from jiceng.orgs.models import Organization


@dataclass
class Figure:
    label: str
    value: int
    url: str  # where a click leads: the records behind the figure


def _choice_figures(rows, field: str, choices, url: str) -> list[Figure]:
    counts = {r[field]: r["n"] for r in rows}
    out = [Figure(label, counts.get(value, 0), f"{url}{field}={value}") for value, label in choices]
    if counts.get("", 0):
        out.append(Figure("未填写", counts[""], ""))
    return out


def _summed(rows, field: str) -> list[dict]:
    counts: dict[str, int] = {}
    for r in rows:
        counts[r[field]] = counts.get(r[field], 0) + r["n"]
    return [{field: value, "n": n} for value, n in counts.items()]


def _bands_from_the_ends(today: date, active_total: int) -> dict[str, int]:
    """The age bands of every active member (the top of the only tree): the bands open at one end
    (the youngest, the oldest) each one range of `member_active_birth_date_idx`, and the band
    between them the rest of the active members (the tally's total; a birth date is never null).
    Half of a province's active members' birth dates are read instead of all of them."""
    out, between = {}, []
    for band in member_rules.AGE_BANDS:
        after, upto = member_rules.birth_range_for_band(band, today)
        if after is not None and upto is not None:
            between.append(band)
            continue
        edge = Q(birth_date__gt=after) if after is not None else Q(birth_date__lte=upto)
        out[f"band_{band}"] = Member.objects.filter(edge, status__in=Member.ACTIVE_STATUSES).count()
    (middle,) = between  # the bands cover every age: one band lies between the two ends
    out[f"band_{middle}"] = active_total - sum(out.values())
    return out


def command_screen(user, root: Organization, today: date, *, warnings: bool = True) -> dict:
    """Everything on the first command screen for `root`'s subtree (`root` is one the user may
    see: the view finds it through the user's scope, so the whole subtree is in scope).

    With `warnings` (the default), also the structure and term warnings (`warning_figures`; the
    page itself leaves them to the card it loads after the page).

    A fixed number of queries whatever the size of the subtree. The member figures are sums of
    the per-organization member tallies (jiceng.members.tally, ADR 0019); only the age bands,
    which move with the calendar, are counted from the members. The structure and term warnings
    are counted in one SQL statement.
    """
    orgs = visible(user, Organization.objects.all()).filter(path_q("path", root.path))
    active = visible(user, Member.objects.all()).filter(
        path_q("organization__path", root.path), status__in=Member.ACTIVE_STATUSES
    )
    # The top of the only tree (a province's administrator): the user may see `root`, so every
    # member and every tally row; the figures and the age bands then skip the join with the
    # organizations' paths (`_bands_from_the_ends`).
    everything = user.role != "member" and org_queries.subtree_is_everything(root.path)
    # This month's join month included: the care card's figures are the same read (the view
    # shows the screen and its cards inside `tally.one_read_per_screen()`).
    tallied = tally.figures(root.path, join_month=today.month, everything=everything)
    by_status = [{"status": value, "n": n} for value, n in tallied["status"].items()]
    by_education = [{"education": value, "n": n} for value, n in tallied["education"].items()]
    org_url = f"{reverse('orgs:list')}?within={root.pk}&"
    member_url = f"{reverse('members:list')}?organization={root.pk}&"
    drill_url = f"{reverse('dashboard:command')}?org="

    # One count of the organizations by type and domain for the two charts.
    grouped = list(orgs.values("type", "domain").annotate(n=Count("id")).order_by())
    by_type = _summed(grouped, "type")
    by_domain = _summed(grouped, "domain")
    bands = {b: member_rules.birth_range_for_band(b, today) for b in member_rules.AGE_BANDS}

    def band_q(band):
        after, upto = bands[band]
        q = Q()
        if after is not None:
            q &= Q(birth_date__gt=after)
        if upto is not None:
            q &= Q(birth_date__lte=upto)
        return q

    if everything:
        totals = _bands_from_the_ends(today, tally.active_total(tallied))
    else:
        # Counting birth dates (never null inside a band) rather than ids: the statement then
        # needs only the columns of `member_active_birth_idx` and reads the index alone.
        totals = active.aggregate(
            **{f"band_{b}": Count("birth_date", filter=band_q(b)) for b in member_rules.AGE_BANDS}
        )
    totals.update(
        total=tally.active_total(tallied),
        male=tallied["gender"].get(Member.Gender.MALE, 0),
        female=tallied["gender"].get(Member.Gender.FEMALE, 0),
        mobile=tallied["mobile"].get("", 0),
        no_post=tallied["no_post"].get("", 0),
    )
    children = list(orgs.filter(parent=root).order_by("path"))
    child_counts = org_queries.active_members_by_child(root)
    active_url = member_url + "active=1&"

    screen = {
        "root": root,
        "org_total": sum(r["n"] for r in by_type),
        "member_total": totals["total"],
        "orgs_by_type": _choice_figures(by_type, "type", Organization.Type.choices, org_url),
        "orgs_by_domain": _choice_figures(by_domain, "domain", Organization.Domain.choices, org_url),
        "members_by_status": _choice_figures(by_status, "status", Member.Status.choices, member_url),
        "members_by_education": _choice_figures(by_education, "education", Member.Education.choices, active_url),
        "members_by_gender": [
            Figure("男", totals["male"], f"{active_url}gender=male"),
            Figure("女", totals["female"], f"{active_url}gender=female"),
        ],
        "members_by_age": [
            Figure(label, totals[f"band_{b}"], f"{active_url}age_band={b}")
            for b, label in member_rules.AGE_BANDS.items()
        ],
        "mobile": Figure("流动党员", totals["mobile"], f"{active_url}klass=mobile"),
        "no_post": Figure("无职党员", totals["no_post"], f"{active_url}klass=no_post"),
        "members_by_child": [
            Figure(c.short_name or c.name, child_counts.get(c.path, 0), f"{drill_url}{c.pk}") for c in children
        ],
    }
    if warnings:
        screen.update(warning_figures(user, root, today))
    return screen


def warning_figures(user, root: Organization, today: date) -> dict:
    """The structure and term warnings of the command screen for `root`'s subtree: one SQL
    statement and the small query it needs first (org_queries.warning_totals_sql, the statute's
    rules of orgs/rules.py, which tests compare with the rules in Python). The page loads them
    after itself (`dashboard:warnings`): at province scale they take half a second on their own."""
    orgs = visible(user, Organization.objects.all()).filter(path_q("path", root.path))
    warning_totals = org_queries.warning_totals_sql(orgs, root.path, today)
    warnings_url = f"{reverse('orgs:warnings')}?org={root.pk}&"
    return {
        "structure_warnings": [
            Figure(org_rules.WARNING_LABELS[code], warning_totals[code], f"{warnings_url}code={code}")
            for code in org_rules.STRUCTURE_CODES
        ],
        "term_warnings": [
            Figure(org_rules.WARNING_LABELS[code], warning_totals[code], f"{warnings_url}code={code}")
            for code in org_rules.TERM_CODES
        ],
    }
