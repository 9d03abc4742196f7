"""A confirmation and a cancellation at the same moment never both win (PostgreSQL, real
concurrent transactions in two threads)."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone

from jiceng.members.models import Member, StatusChange
from jiceng.transfers import services
from jiceng.transfers.models import Transfer, TransferEvent


def race(*actions):
    barrier = threading.Barrier(len(actions))
    results: list[str] = [""] * len(actions)

    def run(i, action):
        try:
            barrier.wait()
            action()
            results[i] = "won"
        except ValidationError as exc:
            results[i] = "refused: " + "；".join(exc.messages)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


@pytest.mark.parametrize("attempt", range(3))
def test_confirm_and_cancel_at_once(transactional_db, county, attempt):
    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent transactions: PostgreSQL only")
    today = timezone.localdate()
    t = services.issue_transfer(
        county.secretary_a, county.member_a, kind="within", to_org=county.branch_b, issued_on=today
    )
    results = race(
        lambda: services.confirm_transfer(county.admin_b, Transfer.objects.get(pk=t.pk), on=today),
        lambda: services.cancel_transfer(county.secretary_a, Transfer.objects.get(pk=t.pk), reason="同时撤销"),
    )
    assert sorted(r.split(":")[0] for r in results) == ["refused", "won"], results
    t.refresh_from_db()
    member = Member.objects.get(pk=county.member_a.pk)
    if t.state == "completed":
        assert member.organization_id == county.branch_b.pk
    else:
        assert t.state == "cancelled" and member.organization_id == county.branch_a.pk
    assert member.status == "full"
    # One closing step in the timeline and in the history: nobody counted twice.
    assert TransferEvent.objects.filter(transfer=t).exclude(action="issue").count() == 1
    assert StatusChange.objects.filter(member=member, from_status="in_transit").count() == 1


def test_two_receivers_confirm_at_once(transactional_db, county):
    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent transactions: PostgreSQL only")
    today = timezone.localdate()
    t = services.issue_transfer(
        county.secretary_a, county.member_a, kind="within", to_org=county.branch_b, issued_on=today
    )
    results = race(
        lambda: services.confirm_transfer(county.admin_b, Transfer.objects.get(pk=t.pk), on=today),
        lambda: services.confirm_transfer(county.county_admin, Transfer.objects.get(pk=t.pk), on=today),
    )
    assert sorted(r.split(":")[0] for r in results) == ["refused", "won"], results
    assert StatusChange.objects.filter(member=county.member_a, to_status="full").count() == 2  # 建档 + receipt


def test_a_stale_step_is_refused(db, county):
    """Even without the lock, the conditional UPDATE refuses a step on a closed transfer."""
    today = timezone.localdate()
    t = services.issue_transfer(
        county.secretary_a, county.member_a, kind="within", to_org=county.branch_b, issued_on=today
    )
    stale = Transfer.objects.get(pk=t.pk)
    services.cancel_transfer(county.secretary_a, t, reason="撤销")
    with pytest.raises(ValidationError, match="已被他人处理"):
        services._claim(stale, state="completed")
