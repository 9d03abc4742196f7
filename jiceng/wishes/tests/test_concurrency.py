"""Two claimants at once never both win (conditional UPDATE on version and state); one
member claiming two wishes at once cannot slip past the open-claims limit (the member row
is locked). Real threads on real PostgreSQL connections."""

from __future__ import annotations

import pytest
from django.db import connection

from jiceng.accounts.models import User
from jiceng.testing import add_member, race
from jiceng.wishes import services
from jiceng.wishes.models import Wish, WishEvent, WishSettings

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")


def member_user(county, name, phone):
    member = add_member(county.branch_a, name, phone=phone)
    user = User.objects.create_user(
        f"m-{phone}", password="x-pass-12345", role="member", organization=county.branch_a, member=member
    )
    return member, user


@pytest.mark.parametrize("attempt", range(3))
def test_two_members_claim_the_same_wish_at_once(transactional_db, county, attempt):
    wish = services.post_wish(None, organization=county.village_a, phone="13812345678", description="书包")
    wish = services.accept_wish(county.admin_a, wish, project="basic")
    m1, u1 = member_user(county, "甲党员", "13600000001")
    m2, u2 = member_user(county, "乙党员", "13600000002")
    won, refused = race(
        lambda: services.claim_wish(u1, Wish.objects.get(pk=wish.pk), member=m1),
        lambda: services.claim_wish(u2, Wish.objects.get(pk=wish.pk), member=m2),
    )
    assert len(won) == 1 and len(refused) == 1
    assert refused[0] in (
        "该心愿刚刚已被他人处理，请刷新后再试",
        "心愿当前为「已认领」，不能认领（仅在已入池（待认领）时可以）",
    )
    wish.refresh_from_db()
    assert wish.state == "claimed" and wish.claimed_member_id == won[0].claimed_member_id
    assert WishEvent.objects.filter(wish=wish, action="claim").count() == 1


def test_one_member_cannot_pass_the_limit_by_claiming_twice_at_once(transactional_db, county):
    WishSettings.objects.create(member_open_claims=1)
    wishes = []
    for phone in ("13812345671", "13812345672"):
        wish = services.post_wish(None, organization=county.village_a, phone=phone, description="书包")
        wishes.append(services.accept_wish(county.admin_a, wish, project="basic"))
    member, user = member_user(county, "丙党员", "13600000003")
    won, refused = race(
        lambda: services.claim_wish(user, Wish.objects.get(pk=wishes[0].pk), member=member),
        lambda: services.claim_wish(user, Wish.objects.get(pk=wishes[1].pk), member=member),
    )
    assert len(won) == 1 and "上限 1 个" in refused[0]
    assert Wish.objects.filter(claimed_member=member).count() == 1
