"""The members' pages: the claim pool of the areas a member looks in, claiming, and their own
claims (report fulfilment, give a claim back, the photos)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from jiceng.core import pages, params, uploads
from jiceng.core.pages import paginate
from jiceng.orgs.models import Organization
from jiceng.orgs.queries import scope_label

from .. import queries, rules, services
from ..forms import FulfilForm, NoteForm
from ..models import Wish, WishPhoto, WishSettings
from ._common import township_like

S = rules.State


_int = params.int_or_none


def _member_of(user):
    if not user.member_id:
        raise PermissionDenied("您的账号没有关联党员档案，不能以党员身份认领心愿")
    return user.member


def member_areas(member) -> list[tuple[str, Organization]]:
    """Where a member looks for wishes: their registered community's township (dual
    registration, 在职党员到社区报到), their own organization's township, the whole county."""
    out = []
    seen = set()

    def township(org):
        return (
            township_like().filter(path__in=[org.path[:end] for end in range(4, len(org.path) + 1, 4)]).first() or org
        )

    if member.registered_community_id:
        t = township(member.registered_community)
        out.append(("报到社区所在乡镇（街道）", t))
        seen.add(t.pk)
    t = township(member.organization)
    if t.pk not in seen and t.domain in services.WISH_DOMAINS:
        out.append(("本人所在乡镇（街道）", t))
        seen.add(t.pk)
    county = Organization.objects.filter(path=member.organization.path[:4]).first()
    if county is not None:
        out.append((scope_label(county), county))
    return out


@login_required
def claim_pool(request):
    member = _member_of(request.user)
    areas = member_areas(member)
    raw = request.GET.get("area", "")
    area = next((a for _, a in areas if str(a.pk) == raw), areas[0][1] if areas else None)
    qs = queries.public_pool(area).filter(project=rules.Project.BASIC)
    config = WishSettings.current()
    open_claims = Wish.objects.filter(claimed_member=member, state=S.CLAIMED).count()
    context = {
        "areas": areas,
        "area": area,
        "open_claims": open_claims,
        "limit": config.member_open_claims,
        "active_nav": "wishes-claim",
    }
    context.update(paginate(request, qs, per_page=20))
    return render(request, "wishes/claim_pool.html", context)


@login_required
@require_POST
def claim(request, pk):
    member = _member_of(request.user)
    wish = Wish.objects.filter(pk=pk, state__in=[S.POOLED, S.CLAIMED]).select_related("organization").first()
    if wish is None:
        raise Http404("心愿不在心愿池中")
    return pages.button_action(
        request,
        lambda: services.claim_wish(request.user, wish, member=member, version=request.POST.get("version")),
        success="认领成功！请尽快联系群众，完成后在这里报告",
        to="wishes:mine",
        back=reverse("wishes:claim_pool")
        + (f"?area={_int(request.POST['area'])}" if _int(request.POST.get("area")) is not None else ""),
    )


@login_required
def mine(request):
    member = _member_of(request.user)
    rows = list(queries.member_claims(member).prefetch_related("photos"))
    return render(
        request,
        "wishes/mine.html",
        {
            "rows": rows,
            "fulfil_form": FulfilForm(prefix="fulfil"),
            "note_form": NoteForm(),
            "now": timezone.now(),
            "active_nav": "wishes-mine",
        },
    )


@login_required
@require_POST
def mine_act(request, pk, action):
    member = _member_of(request.user)
    wish = Wish.objects.filter(pk=pk, claimed_member=member).select_related("organization").first()
    if wish is None:
        raise Http404("这不是您认领的心愿")
    if action not in ("fulfil", "release"):
        raise Http404("未知的操作")

    def act() -> str:
        if action == "fulfil":
            form = FulfilForm(request.POST, request.FILES, prefix="fulfil")
            if not form.is_valid():
                raise ValidationError([e for errs in form.errors.values() for e in errs])
            services.fulfil_wish(request.user, wish, version=request.POST.get("version"), **form.cleaned_data)
            return "已报告完成，等待群众确认"
        form = NoteForm(request.POST)
        if not form.is_valid():
            raise ValidationError("请填写放弃的原因")
        services.release_wish(request.user, wish, note=form.cleaned_data["note"], version=request.POST.get("version"))
        return "已放弃认领，心愿回到心愿池"

    return pages.button_action(request, act, success=lambda text: text, to="wishes:mine")


@login_required
def mine_photo(request, pk):
    """Photos of a wish the member claimed (the requester's photos help to prepare)."""
    member = _member_of(request.user)
    item = WishPhoto.objects.filter(pk=pk, wish__claimed_member=member).first()
    if item is None:
        raise Http404("没有这张照片")
    return uploads.file_response(item.thumbnail if request.GET.get("thumb") else item.image)
