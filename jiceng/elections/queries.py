"""Reads of elections that other apps use: organizational life needs which committees stood
when (a committee's meetings are due only while there is one) and who sat on one on a day (the
roster of a committee meeting)."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from jiceng.core.scoping import path_q

from .models import Election, Seat


def approved_terms(root_path: str) -> list[tuple]:
    """Approved elections in the subtree, as rows of (organization id, term start, has a
    committee, is a by-election, had a committee before)."""
    rows = Election.objects.filter(path_q("organization__path", root_path), state=Election.State.APPROVED).values_list(
        "organization_id", "term_start", "has_committee", "kind", "had_committee_before"
    )
    return [
        (org_id, start, has, kind == Election.Kind.BY_ELECTION, before) for org_id, start, has, kind, before in rows
    ]


def committee_seats(organization, day: date) -> tuple[QuerySet | None, QuerySet]:
    """Who sat on the organization's committee on `day`, as member-id subqueries: the seats of
    the latest approved renewal (换届) on or before the day (None when there is none), and the
    seats filled by by-elections (补选) since that renewal."""
    approved = Election.objects.filter(organization=organization, state=Election.State.APPROVED, term_start__lte=day)
    renewal = approved.filter(kind=Election.Kind.RENEWAL).order_by("-term_start", "-id").first()
    by_elections = approved.filter(kind=Election.Kind.BY_ELECTION)
    seated = None
    if renewal is not None:
        by_elections = by_elections.filter(term_start__gte=renewal.term_start)
        seated = Seat.objects.filter(election=renewal, member__isnull=False).values("member_id")
    filled = Seat.objects.filter(election__in=by_elections, member__isnull=False).values("member_id")
    return seated, filled
