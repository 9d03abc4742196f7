"""Two handlers sign for the same request at the same moment: exactly one wins (real threads
on PostgreSQL; the conditional UPDATE is what decides)."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from jiceng.requests import services
from jiceng.requests.models import Request
from jiceng.requests.testing import file_request

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL (SQLite serializes writers)"
)


@pytest.mark.django_db(transaction=True)
def test_concurrent_accept_has_exactly_one_winner(desk):
    req = file_request(desk)
    users = [desk.village_clerk, desk.county.admin_a, desk.county.county_admin]
    barrier = threading.Barrier(len(users))
    results: dict[str, str] = {}

    def sign(user):
        try:
            copy = Request.objects.get(pk=req.pk)  # each handler's page showed the same version
            barrier.wait()
            services.accept_request(user, copy, version=copy.version)
            results[user.username] = "won"
        except ValidationError as exc:
            results[user.username] = "; ".join(exc.messages)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sign, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    winners = [name for name, outcome in results.items() if outcome == "won"]
    assert len(winners) == 1, results
    assert all("已被他人处理" in outcome for name, outcome in results.items() if name not in winners)
    req.refresh_from_db()
    assert req.state == "accepted" and req.version == 1
    assert req.holder_user.username == winners[0]
    assert req.events.filter(action="accept").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_escalate_and_resolve_never_both_happen(desk):
    req = services.accept_request(desk.village_clerk, file_request(desk))
    barrier = threading.Barrier(2)
    outcomes = []

    def run(fn):
        try:
            copy = Request.objects.get(pk=req.pk)
            barrier.wait()
            fn(copy)
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("lost")
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=(lambda r: services.escalate_request(desk.village_clerk, r, note="上报"),)),
        threading.Thread(target=run, args=(lambda r: services.resolve_request(desk.county.admin_a, r, result="办结"),)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["lost", "ok"]
    req.refresh_from_db()
    assert req.state in ("escalated", "resolved") and req.version == 2
