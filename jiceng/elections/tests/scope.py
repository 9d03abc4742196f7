"""Outsider walk rows for elections (see jiceng/core/tests/scope.py)."""

from __future__ import annotations

from datetime import date


def setup(county):
    from jiceng.elections import services
    from jiceng.orgs.services import update_organization

    update_organization(None, county.branch_b, term_start=date(2023, 1, 1), term_end=date(2026, 1, 1))
    election = services.submit_election(
        None,
        organization=county.branch_b,
        held_on=date(2025, 12, 20),
        kind="renewal",
        has_committee=False,
        secretary_name="乙乡秘密书记",
        seats=[("赵秘密", "secretary", "")],
        note="秘密选举 13900009999",
    )
    postponement = services.request_postponement(
        None, organization=county.branch_b, new_due=date(2026, 6, 1), reason="乙乡秘密理由"
    )
    return {"election": election.pk, "postponement": postponement.pk}


def samples(county, victim):
    return {
        "elections:list": {},
        "elections:export": {},
        "elections:create": {},
        "elections:detail": {"pk": victim["election"]},
        "elections:decide": {"pk": victim["election"]},
        "elections:postponement_create": {},
        "elections:postponement": {"pk": victim["postponement"]},
        "elections:postponement_decide": {"pk": victim["postponement"]},
        "election-list": {},
        "election-detail": {"pk": victim["election"]},
    }


QUERIES = {
    "elections:list": "?org={town_b}",
    "elections:export": "?org={town_b}",
    "elections:create": "?org={branch_b}",
    "elections:postponement_create": "?org={branch_b}",
}
POSTS = {
    "elections:create": {
        "organization": "{branch_b}",
        "kind": "renewal",
        "held_on": "2026-01-02",
        "secretary_name": "外来",
        "seats": "外来 书记",
    },
    "elections:decide": {"decision": "approve"},
    "elections:postponement_create": {"organization": "{branch_b}", "new_due": "2026-09-01", "reason": "外来"},
    "elections:postponement_decide": {"decision": "approve"},
}


def invariants(county):
    from jiceng.elections.models import Election, Postponement
    from jiceng.orgs.models import Organization

    return (
        list(Election.objects.filter(organization=county.branch_b).values("state", "secretary_name")),
        list(Postponement.objects.filter(organization=county.branch_b).values("state", "new_due")),
        list(
            Organization.objects.filter(pk=county.branch_b.pk).values("term_end", "term_postponed_to", "secretary_name")
        ),
    )
