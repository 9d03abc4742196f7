"""What ratings puts on a manager's to-do list (jiceng/core/todo.py): rectification tasks of a
weak organization that are overdue or due soon, talks and warnings after the star review not yet
held, the quarter's star review waiting for the branch, and claims waiting for approval."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse

from jiceng.core.scoping import can_manage, visible
from jiceng.core.todo import Todo

from .models import FollowUp, PointsClaim, RectificationTask, StarReview, WeakOrganization

# Work due within this many days shows before it is late.
SOON_DAYS = 14


def todos(user, organization, today):
    if not can_manage(user, organization):
        return []
    soon = today + timedelta(days=SOON_DAYS)
    subtree = organization.subtree_filter
    out = []
    tasks = visible(
        user,
        RectificationTask.objects.filter(
            subtree("weak__organization__"),
            weak__state__in=WeakOrganization.OPEN,
            done_on__isnull=True,
            deadline__lte=soon,
        ).select_related("weak__organization"),
    )
    for task in tasks[:50]:
        out.append(
            Todo(
                kind="整顿任务",
                title=f"{task.weak.organization.short_name or task.weak.organization.name}：{task.measure}",
                url=reverse("ratings:weak_detail", args=[task.weak_id]),
                due=task.deadline,
                overdue=task.deadline < today,
                note=f"责任人 {task.owner}",
            )
        )
    follow_ups = visible(
        user,
        FollowUp.objects.filter(subtree("review__organization__"), done_on__isnull=True, deadline__lte=soon)
        .select_related("member")
        .order_by("deadline", "pk"),
    )
    for item in follow_ups[:50]:
        out.append(
            Todo(
                kind=item.get_kind_display(),
                title=f"{item.member.name}（评定后 {item.stars} 星）",
                url=reverse("ratings:star_review", args=[item.review_id]),
                due=item.deadline,
                overdue=item.deadline < today,
            )
        )
    for review in StarReview.objects.filter(organization=organization, state=StarReview.State.PROPOSED)[:4]:
        out.append(
            Todo(
                kind="评星定级",
                title=f"{review.quarter.year}年第{(review.quarter.month - 1) // 3 + 1}季度评星建议待支部评定",
                url=reverse("ratings:star_review", args=[review.pk]),
            )
        )
    waiting = visible(
        user, PointsClaim.objects.filter(subtree("member__organization__"), state=PointsClaim.State.SUBMITTED)
    ).exclude(submitted_by=user)
    if count := waiting.count():
        out.append(
            Todo(
                kind="积分申报",
                title=f"{count} 条积分申报待审核",
                url=f"{reverse('ratings:claims')}?org={organization.pk}&state=submitted",
            )
        )
    return out
