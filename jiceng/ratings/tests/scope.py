"""Rows of the outsider walk for the ratings pages and API (format: jiceng/core/tests/scope.py).

Victims in township 乙: member 赵秘密's points (a claim 「秘密申报」 approved, so a ledger line
with that text) and a claim still waiting (「秘密待审」) with a photo."""

from __future__ import annotations


def setup(county):
    from django.utils import timezone

    from jiceng.ratings import services
    from jiceng.ratings.models import ClaimPhoto

    on = timezone.localdate().replace(day=1)
    post = services.scheme_for(on).items.get(code="post")
    done = services.submit_claim(county.admin_b, member=county.member_b, item=post, on=on, note="秘密申报")
    services.decide_claim(county.admin_b, done, approve=True)
    waiting = services.submit_claim(county.admin_b, member=county.member_b, item=post, on=on, note="秘密待审")
    # A photo row only: nobody outside may reach it, so no file is ever opened.
    photo = ClaimPhoto.objects.create(claim=waiting, image="ratings/secret.jpg", thumbnail="ratings/s.jpg")
    return {
        "claim_done": done.pk,
        "claim_waiting": waiting.pk,
        "claim_photo": photo.pk,
        "member_b": county.member_b.pk,
        "post_item": post.pk,
    }


def samples(county, victim):
    return {
        "ratings:index": {},
        "ratings:ranking": {},
        "ratings:ranking_export": {},
        "ratings:mine": {},
        "ratings:member": {"pk": county.member_b.pk},
        "ratings:unqualified": {},
        "ratings:unqualified_export": {},
        "ratings:recompute": {},
        "ratings:panel": {},
        "ratings:claims": {},
        "ratings:claim_create": {},
        "ratings:claim": {"pk": victim["claim_waiting"]},
        "ratings:claim_decide": {"pk": victim["claim_waiting"]},
        "ratings:claim_photo": {"pk": victim["claim_photo"]},
        "ratings:scheme": {},
        "ratings:scheme_new": {},
        "ratings-points": {},
        "ratings-member-points": {"pk": county.member_b.pk},
    }


QUERIES = {
    "ratings:ranking": "?org={town_b}",
    "ratings:panel": "?org={town_b}",
    "ratings:ranking_export": "?org={town_b}",
    "ratings:unqualified": "?org={town_b}",
    "ratings:unqualified_export": "?org={town_b}",
    "ratings:claims": "?state=",
    "ratings:claim_create": "?member={member_b}",
    "ratings-points": "?org={town_b}",
}
POSTS = {
    "ratings:recompute": {"org": "{town_b}", "month": "2026-11"},
    "ratings:claim_create": {"item": "{post_item}", "on": "2026-11-02", "note": "外来申报"},
    "ratings:claim_decide": {"decision": "approve"},
    "ratings:scheme_new": {"valid_from": "2099-01", "name": "外来"},
}
ANONYMOUS_OPEN: set[str] = set()
PUBLIC: set[str] = set()


def invariants(county):
    from jiceng.ratings.models import PointsClaim, PointsEntry, PointsScheme

    return (
        list(PointsClaim.objects.filter(member=county.member_b).values("state", "note")),
        PointsEntry.objects.filter(member=county.member_b).count(),
        PointsScheme.objects.count(),
    )
