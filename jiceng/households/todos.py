"""What the relapse watch puts on a manager's to-do list (jiceng/core/todo.py): the flags of the
organization's subtree waiting for review. Two queries."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from jiceng.core.scoping import can_manage, path_q
from jiceng.core.todo import Todo

from . import queries
from .models import RelapseFlag


def todos(user, organization, today):
    if not can_manage(user, organization):
        return []
    flags = queries.visible_flags(user).filter(
        path_q("household__village__path", organization.path), state=RelapseFlag.State.OPEN
    )
    count = flags.count()
    if not count:
        return []
    oldest = flags.order_by("opened_at").values_list("opened_at", flat=True).first()
    return [
        Todo(
            kind="返贫风险预警",
            title=f"{count} 条返贫风险预警待核实",
            url=f"{reverse('households:flags')}?org={organization.pk}&state=open",
            note=f"最早的预警于 {timezone.localtime(oldest):%Y-%m-%d}",
        )
    ]
