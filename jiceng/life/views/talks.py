"""Heart-to-heart talks (谈心谈话): log one, and the year's talks of an organization with how many
members had one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from jiceng.core import pages
from jiceng.core.navigation import is_manager
from jiceng.core.pages import paginate
from jiceng.core.scoping import is_member_role, page_root, visible
from jiceng.members.models import Member

from .. import rules, services
from ..forms import TalkForm
from ..models import Talk
from ._common import manageable_orgs, year_asked

TALK_FORM_MAX_MEMBERS = 300


@login_required
def talks(request):
    if is_member_role(request.user):
        raise PermissionDenied("党员不能查看谈心谈话记录")
    root = page_root(request, posted=True)
    year, year_error = year_asked(request)
    if year_error and request.method == "GET":
        messages.error(request, f"{year_error}，下面显示{year}年")
    orgs = manageable_orgs(request.user)
    members = visible(
        request.user, Member.objects.filter(root.subtree_filter("organization__"), status__in=Member.ACTIVE_STATUSES)
    )
    form = TalkForm(
        request.POST or None,
        organizations=orgs,
        members=members,
        initial={"organization": root.pk, "held_on": timezone.localdate()},
    )
    if done := pages.form_action(
        request,
        form,
        lambda data: services.log_talk(request.user, **data),
        success="已登记谈心谈话",
        to=reverse("life:talks") + f"?org={root.pk}&year={year}",
    ):
        return done
    qs = visible(
        request.user, Talk.objects.filter(root.subtree_filter("organization__"), held_on__year=year)
    ).select_related("organization", "member")
    talked = qs.exclude(member=None).values("member_id").distinct().count()
    total = members.count()
    context = {
        "root": root,
        "year": year,
        "form": form,
        # A list of every member of a county is no form to pick from (and seconds to render):
        # above this size the page asks for the branch first.
        "form_fits": total <= TALK_FORM_MAX_MEMBERS or (request.method == "POST" and form.errors),
        "children": root.children.order_by("path") if total > TALK_FORM_MAX_MEMBERS else [],
        "talked": talked,
        "total": total,
        "rate": rules.rate(talked, total),
        "can_manage": is_manager(request.user),
        "active_nav": "life_yearly",
    }
    context.update(paginate(request, qs))
    return render(request, "life/talks.html", context)
