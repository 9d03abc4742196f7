"""The structure and term warnings counted in SQL (`queries.warning_totals_sql`, the command
screen of a city or province) give what the statute's rules in Python give (`rules.
structure_warnings` through `queries.warnings_in` / `warning_totals_in`, the reference): for every
organization of a grid that crosses each threshold of each rule with each organization type and
each branch of the term rule, and on the demo county with every warning kind present."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiceng.core.models import CountySettings
from jiceng.core.scoping import path_q
from jiceng.core.tree import child_path
from jiceng.members.models import MemberTally
from jiceng.orgs import queries, rules
from jiceng.orgs.models import Organization

pytestmark = pytest.mark.django_db

TODAY = date(2026, 5, 10)
TYPES = [value for value, _ in Organization.Type.choices]

# (full, probationary) members of a case organization's whole subtree, around every threshold:
# 3 full members, 7 members, more than 50, 100 (rules.MIN_FULL_MEMBERS, COMMITTEE_FROM, ...).
COUNTS = [
    (0, 0),
    (2, 0),
    (1, 1),
    (0, 3),
    (2, 5),
    (3, 0),
    (3, 3),
    (6, 0),
    (4, 3),
    (7, 0),
    (50, 0),
    (48, 2),
    (51, 0),
    (30, 21),
    (99, 0),
    (97, 2),
    (100, 0),
    (60, 40),
    (101, 0),
    (150, 7),
]


def term_cases(today: date, lead_months: int) -> list[tuple[date | None, date | None]]:
    """(term_end, term_postponed_to) on each side of each edge of the term rule."""
    day = timedelta(days=1)
    lead = rules.add_months(today, lead_months)
    return [
        (None, None),
        (None, today + 10 * day),  # a postponement without a term: nothing
        (today - day, None),  # expired
        (today, None),  # ends today: expiring, not expired
        (today + day, None),
        (lead, None),  # the last day of the lead time
        (lead + day, None),  # beyond it: nothing
        (today - 30 * day, today - day),  # the postponement has passed: expired
        (today - 30 * day, today),  # postponed to today: still postponed
        (today - 30 * day, today + day),
        (today - 30 * day, lead + 5 * day),
        (today - 30 * day, today - 30 * day),  # "postponed" to the term's own end: not a postponement
        (today + 5 * day, today - 5 * day),  # to before the end: not a postponement (expiring)
        (lead + 10 * day, lead + 40 * day),  # postponed before the term is near its end
        (today - 400 * day, today - 200 * day),
    ]


class Tree:
    """Organizations with explicit paths under one root, and their direct member counts written
    to the member tallies (which both the rules' roll-up and the SQL read; the tally's own
    equality with the members is tested in jiceng/members/tests/test_tally.py)."""

    def __init__(self):
        self.root = self.add(None, "committee")
        self.towns = [self.add(self.root, "committee"), self.add(self.root, "committee")]

    def add(self, parent, type_, has_committee=False, term_end=None, postponed_to=None):
        if parent is None:
            path = "7001"
        else:
            parent.children_made = getattr(parent, "children_made", 0) + 1
            path = child_path(parent.path, parent.children_made)
        org = Organization.objects.create(
            code=f"W{path}",
            name=f"组织{path}",
            type=type_,
            domain="rural",
            parent=parent,
            path=path,
            depth=len(path) // rules.SEGMENT - 1,
            has_committee=has_committee,
            term_end=term_end,
        )
        if postponed_to is not None:  # set only by an approved postponement (not editable)
            Organization.objects.filter(pk=org.pk).update(term_postponed_to=postponed_to)
        return org

    @staticmethod
    def members(org, full: int, probationary: int) -> None:
        """Direct counts of `org`, with members of other statuses beside them (never counted)."""
        for status, n in (("full", full), ("probationary", probationary), ("in_transit", 2), ("deceased", 1)):
            if n:
                MemberTally.objects.update_or_create(
                    organization=org, dimension="status", value=status, defaults={"n": n}
                )

    def counted_case(self, i: int, type_: str, has_committee: bool, full: int, probationary: int):
        """A case organization whose subtree's counts are `full` and `probationary`, spread over
        the organization itself, a party group below it and a group below that group."""
        town = self.towns[i % 2]
        org = self.add(town, type_, has_committee=has_committee)
        group = self.add(org, "group")
        below = self.add(group, "group")
        parts = [(full // 2, probationary // 3), (full // 3, probationary // 2)]
        parts.append((full - parts[0][0] - parts[1][0], probationary - parts[0][1] - parts[1][1]))
        for where, (f, p) in zip((org, group, below), parts, strict=True):
            self.members(where, f, p)
        return org


def python_codes(root: Organization, today: date, config: CountySettings) -> dict[int, set[str]]:
    orgs = Organization.objects.filter(path_q("path", root.path))
    found = {
        item.organization.id: {w.code for w in item.warnings}
        for item in queries.warnings_in(orgs, root.path, today, config)
    }
    return {org_id: codes for org_id, codes in found.items() if codes}


def sql_codes(root: Organization, today: date, config: CountySettings) -> dict[int, set[str]]:
    orgs = Organization.objects.filter(path_q("path", root.path))
    return {
        org_id: codes for org_id, codes in queries.warning_codes_sql(orgs, root.path, today, config).items() if codes
    }


@pytest.mark.parametrize("lead_months", [3, 1, 6])
def test_the_sql_gives_each_organization_the_warnings_of_the_rules(lead_months):
    config = CountySettings(term_warning_months=lead_months)
    tree = Tree()
    i = itertools.count()
    for type_, (full, probationary) in itertools.product(TYPES, COUNTS):
        n = next(i)
        tree.counted_case(n, type_, has_committee=n % 2 == 0, full=full, probationary=probationary)
    for type_ in TYPES:  # 7 members and more, with and without a committee
        for has_committee in (False, True):
            tree.counted_case(next(i), type_, has_committee=has_committee, full=5, probationary=2)
    for type_, (term_end, postponed_to) in itertools.product(TYPES, term_cases(TODAY, lead_months)):
        n = next(i)
        org = tree.add(tree.towns[n % 2], type_, has_committee=True, term_end=term_end, postponed_to=postponed_to)
        tree.members(org, 4, 1)

    want = python_codes(tree.root, TODAY, config)
    assert sql_codes(tree.root, TODAY, config) == want
    # Every warning kind occurs in the grid (the comparison is not 0 = 0 for any of them).
    assert set().union(*want.values()) == set(rules.WARNING_LABELS)
    # From any root: a town, a case organization with its groups.
    for root in [*tree.towns, *Organization.objects.filter(depth=2).order_by("?")[:10]]:
        assert sql_codes(root, TODAY, config) == python_codes(root, TODAY, config), root.path
        orgs = Organization.objects.filter(path_q("path", root.path))
        assert queries.warning_totals_sql(orgs, root.path, TODAY, config) == queries.warning_totals_in(
            orgs, root.path, TODAY, config
        )


def test_the_totals_are_one_statement_and_count_only_the_given_organizations():
    """One statement given the counted widths; a narrower set of organizations (as a user's
    scope narrows it) counts only its own organizations, each with its whole subtree's members."""
    tree = Tree()
    for n, (full, probationary) in enumerate(COUNTS):
        tree.counted_case(n, "branch", has_committee=False, full=full, probationary=probationary)
    config = CountySettings()
    everything = Organization.objects.filter(path_q("path", tree.root.path))
    # A narrower queryset (as a user's scope narrows it): counts still of whole subtrees.
    town = tree.towns[0]
    narrower = everything.filter(path_q("path", town.path))
    widths = queries.counted_widths(narrower)
    with CaptureQueriesContext(connection) as captured:
        totals = queries.warning_totals_sql(narrower, tree.root.path, TODAY, config, widths=widths)
    assert len(captured.captured_queries) == 1
    # Without the widths, one query more finds them.
    assert queries.warning_totals_sql(narrower, tree.root.path, TODAY, config) == totals
    assert totals == queries.warning_totals_in(narrower, tree.root.path, TODAY, config)
    assert totals != queries.warning_totals_in(everything, tree.root.path, TODAY, config)


def test_an_empty_subtree_has_no_warnings():
    tree = Tree()
    orgs = Organization.objects.filter(pk=tree.towns[1].pk)
    assert queries.warning_totals_sql(orgs, tree.towns[1].path, TODAY) == dict.fromkeys(rules.WARNING_LABELS, 0)
    assert queries.warning_totals_sql(Organization.objects.none(), tree.root.path, TODAY) == dict.fromkeys(
        rules.WARNING_LABELS, 0
    )


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_the_statement_runs_no_subquery_per_organization():
    """The plan: the subtree counts are a grouped join, never a subquery run once per
    organization (SubPlan), which is what makes 163,000 organizations slow."""
    from jiceng.orgs.queries import _warning_conditions, _warning_rows_sql

    tree = Tree()
    tree.counted_case(0, "branch", has_committee=False, full=5, probationary=2)
    orgs = Organization.objects.filter(path_q("path", tree.root.path))
    rows_sql, rows_params = _warning_rows_sql(orgs, tree.root.path, queries.counted_widths(orgs))
    conditions = _warning_conditions(TODAY, 3)
    columns = ", ".join(f"SUM(CASE WHEN {c} THEN 1 ELSE 0 END)" for c, _ in conditions.values())
    params = [p for _, ps in conditions.values() for p in ps]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN SELECT {columns} FROM ({rows_sql}) w", [*params, *rows_params])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "SubPlan" not in plan, plan
