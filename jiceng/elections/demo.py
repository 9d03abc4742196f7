"""Elections for the demo county: the current term of every organization with a term is on
record as an approved election; two expired terms got an approved postponement, one a pending
request; one branch of the demo township has reported an election awaiting approval."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q

from jiceng.core.dates import add_months
from jiceng.members.models import Member
from jiceng.orgs.models import Organization
from jiceng.orgs.rules import TERM_TYPES

from .models import Election, Postponement, Seat


def generate(ctx) -> dict[str, int]:
    rng = ctx.rng("elections")
    today = ctx.today
    orgs = list(
        Organization.objects.filter(
            ctx.root.subtree_filter(), type__in=TERM_TYPES, term_start__isnull=False
        ).values_list("id", "term_start", "term_end", "has_committee", "secretary_name")
    )
    leaders = {}
    for mid, org_id, name, post in (
        Member.objects.filter(ctx.root.subtree_filter("organization__"), status__in=Member.ACTIVE_STATUSES)
        .exclude(post="")
        .values_list("id", "organization_id", "name", "post")
    ):
        if "书记" in post or "委员" in post:
            leaders.setdefault(org_id, []).append((mid, name, post))
    elections = []
    for org_id, start, end, has_committee, secretary in orgs:
        elections.append(
            Election(
                organization_id=org_id,
                kind=Election.Kind.RENEWAL,
                held_on=start,
                has_committee=has_committee,
                secretary_name=secretary or "（未登记）",
                term_start=start,
                term_end=end,
                state=Election.State.APPROVED,
                had_committee_before=has_committee,
                decision_note="同意",
            )
        )
    Election.objects.bulk_create(elections, batch_size=2000)
    seats = []
    for e in elections:
        for mid, name, post in leaders.get(e.organization_id, [])[:5]:
            kind = (
                Seat.Post.SECRETARY
                if post.endswith("书记") and "副" not in post
                else Seat.Post.DEPUTY
                if "副书记" in post
                else Seat.Post.MEMBER
            )
            seats.append(Seat(election_id=e.pk, member_id=mid, name=name, post=kind, duty=post))
    Seat.objects.bulk_create(seats, batch_size=5000)

    expired = list(
        Organization.objects.filter(ctx.root.subtree_filter(), type__in=TERM_TYPES, term_end__lt=today).order_by(
            "path"
        )[:4]
    )
    postponements = 0
    # The first expired term stays overdue (the warnings list shows one of each kind); the next
    # two got an approved postponement, the fourth asked for one.
    for i, org in enumerate(expired[1:]):
        p = Postponement.objects.create(
            organization=org,
            term_end=org.term_end,
            new_due=max(add_months(org.term_end, 6), today + timedelta(days=rng.randint(40, 100))),
            reason="与村（社区）“两委”换届统一安排，经乡镇党委研究申请延期。",
            state=Postponement.State.APPROVED if i < 2 else Postponement.State.SUBMITTED,
            decision_note="同意延期" if i < 2 else "",
        )
        if p.state == Postponement.State.APPROVED:
            Organization.objects.filter(pk=org.pk).update(term_postponed_to=p.new_due)
        postponements += 1
    pending = (
        Organization.objects.filter(ctx.township.subtree_filter(), type="branch")
        .filter(Q(term_end__lt=add_months(today, 3)) | Q(term_end__isnull=True))
        .order_by("path")
        .first()
    )
    if pending is not None:
        names = [n for _, n, _ in leaders.get(pending.pk, [])] or ["（待填）"]
        e = Election.objects.create(
            organization=pending,
            held_on=today - timedelta(days=3),
            has_committee=pending.has_committee,
            secretary_name=names[0],
            term_start=today - timedelta(days=3),
            term_end=add_months(today - timedelta(days=3), 36),
            note="按期换届，请乡镇党委批复。",
        )
        Seat.objects.bulk_create(
            [
                Seat(election=e, name=n, post=Seat.Post.SECRETARY if i == 0 else Seat.Post.MEMBER)
                for i, n in enumerate(names[:5])
            ]
        )
    return {"换届选举": len(elections) + (pending is not None), "委员": len(seats), "延期换届": postponements}
