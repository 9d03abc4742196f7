"""Organization star ratings (星级党组织评定): a year's ratings in scope with the 0–5 star
distribution and the county's five-star target, an organization's rating item by item (each
figure linked to its records, the reviewer's scores with evidence), the review and confirmation
by the level above, and the county admin's checklist editor (a new version from a year)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from jiceng.core import pages, params, xlsx
from jiceng.core.pages import style_form
from jiceng.core.scoping import (
    can_manage,
    can_review,
    get_visible_or_404,
    has_full_scope,
    page_root,
    require_county_admin,
    require_staff,
)
from jiceng.core.uploads import MultiplePhotoField
from jiceng.orgs.models import Organization

from .. import queries, rules, services
from ..models import OrgChecklist, OrgRating, OrgRatingPhoto, RatingsSettings
from .points import STAFF_ONLY, children, crumbs, year_of, years_offered

NAV = "ratings-orgratings"


def _county_admin(user) -> bool:
    return has_full_scope(user) or bool(getattr(user, "is_county_admin", False))


def _filters(request) -> queries.OrgRatingFilters:
    stars = params.int_or_none(request.GET.get("stars"))
    domain = request.GET.get("domain", "")
    state = request.GET.get("state", "")
    return queries.OrgRatingFilters(
        township=params.int_or_none(request.GET.get("township")),
        domain=domain if domain in Organization.Domain.values else "",
        stars=stars if stars in queries.STARS else None,
        state=state if state in OrgRating.State.values else "",
    )


def _list(request):
    require_staff(request.user, STAFF_ONLY)
    root = page_root(request)
    year = year_of(request)
    f = _filters(request)
    return root, year, f


def _query(**values) -> str:
    from urllib.parse import urlencode

    return urlencode({k: v for k, v in values.items() if v not in (None, "")})


@login_required
def rating_list(request):
    root, year, f = _list(request)
    base = queries.org_ratings(request.user, root, year, f, with_stars=False)
    dist = queries.star_distribution(base)
    listed = (base.filter(stars=f.stars) if f.stars is not None else base).defer("items", "checklist__standards")
    page = pages.paginate(request, listed)
    towns = {o.path: o for o in children(request.user, root)}
    for row in page["rows"]:
        row.town = towns.get(row.organization.path[: len(root.path) + 4])
    here = reverse("ratings:orgratings")
    common = {"org": root.pk, "year": year, "township": f.township, "domain": f.domain, "state": f.state}
    context = {
        "root": root,
        "crumbs": crumbs(request.user, root),
        "year": year,
        "years": years_offered(),
        "f": f,
        "towns": list(towns.values()),
        "domains": Organization.Domain.choices,
        "states": OrgRating.State.choices,
        "stars_choices": list(queries.STARS),
        "dist": [(s, n, f"{here}?{_query(**common, stars=s)}") for s, n in dist.counts],
        "summary": dist,
        **page,
        "export_query": _query(**common, stars=f.stars),
        "can_propose": can_manage(request.user, root),
        "county_admin": _county_admin(request.user),
        "active_nav": NAV,
    }
    return render(request, "ratings/orgrating_list.html", context)


@login_required
def rating_export(request):
    root, year, f = _list(request)
    rows = list(queries.org_ratings(request.user, root, year, f))
    standards = ["标准一", "标准二", "标准三", "标准四", "标准五"]
    headers = ["党组织", "领域", "评定标准", "星级", "状态", *standards]
    data = []
    for r in rows:
        met = set(rules.standards_met(r.items))
        names = []
        for s in r.checklist.standards:
            names.append(f"{s['name']}：{'达标' if s['code'] in met else '未达标'}")
        data.append(
            [
                r.organization.name,
                r.organization.get_domain_display(),
                str(r.checklist),
                r.stars,
                r.get_state_display(),
                *names,
            ]
        )
    dist = queries.star_distribution(queries.org_ratings(request.user, root, year, f, with_stars=False))
    notes = [
        f"{root.name} {year}年党组织星级评定",
        f"五星党组织 {dist.five}/{dist.total}，占 {dist.share if dist.share is not None else '—'}%，目标 {dist.target}%",
    ]
    return xlsx.xlsx_response(f"星级评定-{year}", xlsx.build_workbook("星级评定", headers, data, notes))


@login_required
@require_POST
def rating_propose(request):
    require_staff(request.user, STAFF_ONLY)
    root = page_root(request, posted=True)
    year = params.int_or_none(request.POST.get("year")) or timezone.localdate().year
    here = f"{reverse('ratings:orgratings')}?org={root.pk}&year={year}"
    if not can_manage(request.user, root):
        raise PermissionDenied("只有本组织的管理员可以生成评定")
    return pages.button_action(
        request,
        lambda: services.propose_org_ratings(request.user, root, year),
        success=lambda n: f"已按最新记录计算 {n} 个党支部的星级评定（已确认的不变）",
        to=here,
    )


class ScoreForm(forms.Form):
    item = forms.CharField(widget=forms.HiddenInput)
    passed = forms.TypedChoiceField(
        label="评审结果",
        choices=[("yes", "达标"), ("no", "未达标")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "请选择达标或未达标"},
    )
    note = forms.CharField(
        label="评审依据",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "请写明评审依据（查看了哪些材料、发现了什么）"},
    )
    photos = MultiplePhotoField(label="佐证照片", help_text="可选，最多 6 张")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


def _rating(request, pk) -> OrgRating:
    require_staff(request.user, STAFF_ONLY)
    return get_visible_or_404(request.user, OrgRating.objects.select_related("organization", "checklist"), pk=pk)


def _may_score(user, rating) -> bool:
    if not can_review(user, rating.organization):
        return False
    return rating.state == OrgRating.State.PROPOSED or _county_admin(user)


@login_required
def rating_detail(request, pk):
    rating = _rating(request, pk)
    may_score = _may_score(request.user, rating)
    photos: dict[str, list] = {}
    for photo in rating.photos.all():
        photos.setdefault(photo.item, []).append(photo)
    met = set(rules.standards_met(rating.items))
    standards = []
    for s in rating.checklist.standards:
        items = [i for i in rating.items if i["standard"] == s["code"]]
        for i in items:
            i["photos"] = photos.get(i["code"], [])
            i["scorable"] = may_score and (i["mode"] == rules.MANUAL or i["value"] is None)
        standards.append({"code": s["code"], "name": s["name"], "met": s["code"] in met, "items": items})
    context = {
        "rating": rating,
        "standards": standards,
        "may_score": may_score,
        "form": ScoreForm(),
        "undecided": sum(i["passed"] is None for i in rating.items),
        "can_confirm": may_score and rating.state == OrgRating.State.PROPOSED,
        "active_nav": NAV,
    }
    return render(request, "ratings/orgrating_detail.html", context)


@login_required
@require_POST
def rating_score(request, pk):
    rating = _rating(request, pk)
    here = reverse("ratings:orgrating", args=[rating.pk])
    form = ScoreForm(request.POST, request.FILES)
    if not form.is_valid():
        from django.contrib import messages

        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
        from django.shortcuts import redirect

        return redirect(here)
    data = form.cleaned_data
    return pages.button_action(
        request,
        lambda: services.score_org_item(
            request.user,
            rating,
            data["item"],
            passed=data["passed"],
            note=data["note"],
            photos=request.FILES.getlist("photos"),
        ),
        success=lambda r: f"已保存评审结果，当前 {r.stars} 星",
        to=here,
    )


@login_required
@require_POST
def rating_confirm(request, pk):
    rating = _rating(request, pk)
    return pages.button_action(
        request,
        lambda: services.confirm_org_rating(request.user, rating),
        success=lambda r: f"已确认 {r.organization.name} {r.year}年评定：{r.stars} 星",
        to=reverse("ratings:orgrating", args=[rating.pk]),
    )


@login_required
def rating_photo(request, pk):
    photo = get_visible_or_404(request.user, OrgRatingPhoto.objects.all(), pk=pk)
    field = photo.thumbnail if request.GET.get("thumb") else photo.image
    return FileResponse(field.open("rb"), content_type="image/jpeg")


class ChecklistForm(forms.Form):
    kind = forms.ChoiceField(label="适用类别", choices=OrgChecklist.Kind.choices)
    valid_from = forms.IntegerField(
        label="起用年度",
        min_value=2000,
        max_value=2100,
        error_messages={"required": "请填写起用年度", "invalid": "起用年度应为四位数年份"},
    )
    name = forms.CharField(label="名称", max_length=100, error_messages={"required": "请填写标准名称"})
    text = forms.CharField(
        label="标准与细则",
        widget=forms.Textarea(attrs={"rows": 16, "class": "font-monospace"}),
        help_text="每条标准一行“【标准名称】”，其下每行一条细则：评审细则直接写名称；"
        "按记录自动计算的写“细则名称 = 组成项代码 >= 门槛(%)”。共 5 条标准，每条标准的细则全部达标得一星。",
        error_messages={"required": "请填写标准与细则"},
    )
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


@login_required
def checklists(request):
    require_staff(request.user, STAFF_ONLY)
    admin = _county_admin(request.user)
    year = timezone.localdate().year
    in_force = queries.org_checklists_in_force(year)
    kind = request.GET.get("kind", "")
    kind = kind if kind in OrgChecklist.Kind.values else OrgChecklist.Kind.FIVE_GOOD
    start = in_force.get(kind)
    form = None
    if admin or request.method == "POST":
        if request.method == "POST":
            require_county_admin(request.user)
        form = ChecklistForm(
            request.POST or None,
            initial={
                "kind": kind,
                "valid_from": year + 1,
                "name": start.name if start else "",
                "text": rules.checklist_text(start.standards) if start else rules.default_checklist_text(kind),
            },
        )
        if done := pages.form_action(
            request,
            form,
            lambda data: services.save_org_checklist(request.user, **data),
            success=lambda c: f"已保存“{c.name}”，{c.valid_from}年起的评定按此版本",
            to=reverse("ratings:orgrating_checklists"),
        ):
            return done
    versions = list(OrgChecklist.objects.order_by("kind", "-valid_from"))
    used = set(OrgRating.objects.values_list("checklist_id", flat=True).distinct())
    for v in versions:
        v.in_force = in_force.get(v.kind) == v
        v.used = v.pk in used
    context = {
        "versions": versions,
        "components": queries.orgrating_components().values(),
        "form": form,
        "kind": kind,
        "kinds": OrgChecklist.Kind.choices,
        "domains": [
            (label, OrgChecklist.Kind(rules.checklist_kind(code)).label) for code, label in Organization.Domain.choices
        ],
        "year": year,
        "target": RatingsSettings.current().org_star_target,
        "county_admin": admin,
        "active_nav": NAV,
    }
    return render(request, "ratings/orgrating_checklists.html", context)


@login_required
@require_POST
def target(request):
    require_county_admin(request.user)
    value = params.int_or_none(request.POST.get("org_star_target"))
    here = reverse("ratings:orgrating_checklists")
    if value is None:
        from django.contrib import messages
        from django.shortcuts import redirect

        messages.error(request, "请填写 0–100 之间的整数")
        return redirect(here)
    return pages.button_action(
        request,
        lambda: services.set_org_star_target(request.user, value),
        success=lambda c: f"五星党组织目标比例已设为 {c.org_star_target}%",
        to=here,
    )
