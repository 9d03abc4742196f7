"""Member points (jiceng.ratings) from developing new members: a step of a development file on
which the member is the sponsor (入党介绍人) or the contact (培养联系人), not revoked, counted on
the step's date. See jiceng/core/point_sources.py."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

from jiceng.core.point_sources import DEDICATION, PointEvent, PointSource

from . import rules
from .models import StepPerson


def _duties(members, first, last):
    rows = (
        StepPerson.objects.filter(
            member_id__in=members,
            role__in=(rules.SPONSOR, rules.CONTACT),
            step__revoked_at=None,
            step__on__gte=first,
            step__on__lte=last,
        )
        .values_list("member_id", "step__on", "pk", "role", "step__number", "step__file__name")
        .order_by()
    )
    roles = dict(StepPerson.Role.choices)
    for member_id, on, pk, role, number, name in rows:
        step = rules.STEPS.get(number, "")
        yield PointEvent(member_id, on, pk, f"{roles[role]}：{name}（{step}）")


def _link(step_person_id: int, member_id: int) -> str:
    person = StepPerson.objects.only("step__file_id").select_related("step").filter(pk=step_person_id).first()
    return reverse("development:detail", args=[person.step.file_id]) if person else ""


SOURCES = [PointSource("development.duty", "履行入党介绍人、培养联系人职责", DEDICATION, Decimal(2), _duties, _link)]
