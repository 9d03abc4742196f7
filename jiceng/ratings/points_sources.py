"""Member points (jiceng.ratings) from the ratings app's own records: a post's duties fulfilled in
a month, as confirmed by the branch (设岗定责, `PostDuty`), and a pledge the branch found kept
(承诺践诺, `Pledge`: fulfilled counts once, partly fulfilled half), on the day of its check. See
jiceng/core/point_sources.py; the default scheme counts its items 「履行岗位职责」 and
「兑现承诺事项」 from these sources from January 2027 (ratings/defaults.py, migration 0007)."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

from jiceng.core.point_sources import DEDICATION, EFFICIENCY, PointEvent, PointSource

POST_DUTY = "ratings.post_duty"
PLEDGE_KEPT = "ratings.pledge_kept"
HALF = Decimal("0.5")


def _post_duties(members, first, last):
    from .models import PostDuty

    rows = (
        PostDuty.objects.filter(
            holding__member_id__in=members, state=PostDuty.State.FULFILLED, month__gte=first, month__lte=last
        )
        .values_list("holding__member_id", "month", "pk", "holding__post__name")
        .order_by()
    )
    for member_id, month, pk, name in rows:
        yield PointEvent(member_id, month, pk, f"履行岗位职责：{name}（{month:%Y年%-m月}）")


def _duty_link(duty_id: int, member_id: int) -> str:
    return reverse("ratings:post_duty", args=[duty_id])


def _pledges(members, first, last):
    from .models import Pledge

    rows = (
        Pledge.objects.filter(
            member_id__in=members,
            state__in=(Pledge.State.FULFILLED, Pledge.State.PARTLY),
            checked_on__gte=first,
            checked_on__lte=last,
        )
        .values_list("member_id", "checked_on", "pk", "content", "state")
        .order_by()
    )
    for member_id, on, pk, content, state in rows:
        partly = state == Pledge.State.PARTLY
        text = f"兑现承诺{'（部分兑现）' if partly else ''}：{content}"
        yield PointEvent(member_id, on, pk, text[:300], HALF if partly else Decimal(1))


def _pledge_link(pledge_id: int, member_id: int) -> str:
    return reverse("ratings:pledge", args=[pledge_id])


SOURCES = [
    PointSource(POST_DUTY, "履行岗位职责（设岗定责）", DEDICATION, Decimal(2), _post_duties, _duty_link, unit="月"),
    PointSource(PLEDGE_KEPT, "兑现承诺事项（承诺践诺）", EFFICIENCY, Decimal(2), _pledges, _pledge_link, unit="项"),
]
