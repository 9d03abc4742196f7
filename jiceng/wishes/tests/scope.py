"""Rows of the outsider walk for the wish pages and API (format: jiceng/core/tests/scope.py).

Victims in township 乙 (requester 赵秘密, phone 13900009999, 「秘密心愿」 in every private
text): a posted wish, a pooled wish whose public text is harmless, a wish claimed by member
赵秘密, and a fulfilled, published wish with a photo that is not public. The public pages
(post, pool, follow) are open to anyone and may name township 乙's villages, never the
requester's name, phone or private text.
"""

from __future__ import annotations


def setup(county):
    from jiceng.wishes import services
    from jiceng.wishes.models import WishPhoto

    def wish(description, **extra):
        return services.post_wish(
            None,
            organization=county.branch_b,
            phone="13900009999",
            requester_name="赵秘密",
            description=description,
            address="乙乡秘密村1组",
            **extra,
        )

    posted = wish("秘密心愿：需要一台轮椅")
    pooled = services.accept_wish(None, wish("秘密心愿：收音机"), project="basic", public_description="需要一台收音机")
    claimed = services.accept_wish(None, wish("秘密心愿：书包"), project="basic", public_description="需要书包")
    claimed = services.claim_wish(county.admin_b, claimed, member=county.member_b)
    done = services.accept_wish(None, wish("秘密心愿：修屋顶"), project="key", public_description="修屋顶")
    done = services.claim_wish(county.admin_b, done, organization=county.branch_b)
    done = services.fulfil_wish(None, done, note="秘密完成情况")
    # A photo row only: nobody outside may reach it, so no file is ever opened.
    photo = WishPhoto.objects.create(wish=done, kind="fulfilment", image="wishes/secret.jpg", thumbnail="wishes/s.jpg")
    services.publish_wish(None, done, photo_ids=[])
    return {
        "wish_posted": posted.pk,
        "wish_pooled": pooled.pk,
        "wish_claimed": claimed.pk,
        "wish_done": done.pk,
        "wish_photo": photo.pk,
        "wish_ticket": posted.ticket,
    }


def samples(county, victim):
    return {
        "wishes:list": {},
        "wishes:export": {},
        "wishes:report": {},
        "wishes:report_export": {},
        "wishes:panel": {},
        "wishes:create": {},
        "wishes:settings": {},
        "wishes:detail": {"pk": victim["wish_posted"]},
        "wishes:act": {"pk": victim["wish_pooled"], "action": "reject"},
        "wishes:photo": {"pk": victim["wish_photo"]},
        "wishes:qr": {"org_id": county.branch_b.pk},
        "wishes:qr_png": {"org_id": county.branch_b.pk},
        "wishes:post": {"org_id": county.branch_b.pk},
        "wishes:post_done": {},
        "wishes:pool": {},
        "wishes:public_photo": {"pk": victim["wish_photo"]},
        "wishes:follow": {},
        "wishes:follow_photo": {"pk": victim["wish_photo"]},
        "wishes:claim_pool": {},
        "wishes:claim": {"pk": victim["wish_pooled"]},
        "wishes:mine": {},
        "wishes:mine_act": {"pk": victim["wish_claimed"], "action": "release"},
        "wishes:mine_photo": {"pk": victim["wish_photo"]},
        "wish-list": {},
        "wish-detail": {"pk": victim["wish_posted"]},
        "wishes-figures": {},
        "wishes-pool": {},
    }


QUERIES = {
    "wishes:list": "?org={town_b}",
    "wishes:export": "?q=赵秘密",
    "wishes:report": "?org={town_b}",
    "wishes:report_export": "?org={town_b}",
    "wishes:panel": "?org={town_b}",
    "wishes:create": "?org={branch_b}",
    "wishes:pool": "?area={town_b}",
    "wishes:follow": "?w={wish_posted}",
    "wish-list": "?org={town_b}",
    "wishes-figures": "?org={town_b}",
    "wishes-pool": "?area={town_b}",
}
POSTS = {
    "wishes:act": {"note": "外来不予采纳", "version": "1"},
    "wishes:create": {
        "organization": "{branch_b}",
        "description": "外来",
        "category": "other",
        "phone": "13800000000",
        "channel": "staff",
    },
    "wishes:settings": {
        "accept_working_days": "9",
        "claim_days": "9",
        "fulfil_days": "9",
        "member_open_claims": "9",
        "max_photos": "9",
    },
    # A wrong phone: the lookup must not open the victim's wish.
    "wishes:follow": {"step": "lookup", "ticket": "{wish_ticket}", "phone": "13800000000"},
    "wishes:claim": {"version": "1"},
    "wishes:mine_act": {"note": "外来放弃"},
}
ANONYMOUS_OPEN = {
    "wishes:post",
    "wishes:post_done",
    "wishes:pool",
    "wishes:public_photo",
    "wishes:follow",
    "wishes:follow_photo",
    "wishes-pool",
}
PUBLIC = ANONYMOUS_OPEN

# The county's wish pool is open to every member of the county: claiming township 乙's pooled
# wish (and then seeing it in 「我认领的心愿」) is what the pool is for.
COUNTY_WIDE_FOR_MEMBERS = {"wishes:claim"}


def invariants(county):
    from jiceng.wishes.models import Wish, WishSettings

    return (
        list(
            Wish.objects.filter(county.town_b.subtree_filter("organization__")).values(
                "ticket", "state", "version", "public_description", "published", "claimed_member_id"
            )
        ),
        Wish.objects.count(),
        WishSettings.current().fulfil_days,
    )
