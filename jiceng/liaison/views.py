"""Pages of the liaison register, the visit and problem ledgers and the report.

Every queryset goes through `visible()`; every object through `get_visible_or_404()`;
every write through `services`. Members (role 党员) use their own pages, not these.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Max, Min, Prefetch, Q, Sum
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from jiceng.core import pages, params, uploads, xlsx
from jiceng.core.navigation import is_manager
from jiceng.core.pages import paginate
from jiceng.core.scoping import (
    get_visible_or_404,
    page_root,
    path_q,
    require_manager,
    require_staff,
    scope_root,
    visible,
)
from jiceng.orgs.models import Organization

from . import queries, rules, services
from .forms import (
    ProblemForm,
    ProblemFormSet,
    RepresentativeForm,
    SolveForm,
    StationForm,
    TeamForm,
    VisitForm,
    period_from,
    period_problem,
)
from .models import LiaisonStation, Problem, Representative, ServiceTeam, Visit, VisitPhoto

LIAISON_STAFF_ONLY = "党员请在「我的档案」中查看本人参加的走访"


_int = params.int_or_none


def _search(value) -> str | None:
    """A search term; None for one no record can contain (a control character: PostgreSQL
    cannot even compare text holding NUL)."""
    text = (value or "").strip()
    return None if params.has_control_chars(text) else text


def _render(request, template: str, context: dict):
    """A page, with a message (and 400) when its ?start= / ?end= could not be used."""
    problem = period_problem(request)
    if problem:
        messages.error(request, problem)
    return render(request, template, context, status=400 if problem else 200)


# ---- report ---------------------------------------------------------------------------------------


@login_required
def report(request):
    require_staff(request.user, LIAISON_STAFF_ONLY)
    root = page_root(request)
    start, end, form = period_from(request)
    data = queries.report(request.user, root, start, end)
    return _render(
        request,
        "liaison/report.html",
        {
            **data,
            "root": root,
            "start": start,
            "end": end,
            "form": form,
            "labels": rules.FIGURE_LABELS,
            "keys": rules.Figures.keys(),
            "parent": root.parent if root.parent_id and root != scope_root(request.user) else None,
            "active_nav": "liaison",
            "can_manage": is_manager(request.user),
        },
    )


@login_required
def report_export(request):
    require_staff(request.user, LIAISON_STAFF_ONLY)
    root = page_root(request)
    start, end, _ = period_from(request)
    data = queries.report(request.user, root, start, end)
    keys = rules.Figures.keys()
    headers = ["单位"] + [rules.FIGURE_LABELS[k] for k in keys]
    rows = [[row.label] + [getattr(row.figures, k) for k in keys] for row in data["rows"]]
    rows.append([f"合计（{root.short_name or root.name}）"] + [getattr(data["total"], k) for k in keys])
    notes = [
        f"{root.name} {start:%Y-%m-%d} 至 {end:%Y-%m-%d} 党代表联系服务群众情况",
        data["sentence"],
        "党代表（在册）：所属乡镇（单位）在本范围内、目前在册的党代表人数。",
        "参与走访党代表：期间在本范围内有走访记录的党代表人数（一人多次只计一次）。",
        "走访群众（户次）：期间各次走访登记的走访户数之和；同一户多次走访按次累计。",
        "名单登记户（去重）：填写了走访户名单的，同一村（社区）同一户只计一次。",
        "收集问题、当场解决、转交办理、待处理：期间走访收集的问题及其目前的处理结果。",
        "其中转至县直部门：转交的诉求目前由县直部门承办，或已在县直部门办结。",
    ]
    return xlsx.xlsx_response("党代表联系群众报表", xlsx.build_workbook("报表", headers, rows, notes=notes))


# ---- representatives, teams, stations -----------------------------------------------------------


def _representatives(request):
    user = request.user
    g = request.GET
    visited_in = _int(g.get("visited_in"))
    if visited_in:
        root = get_visible_or_404(user, Organization.objects.all(), pk=visited_in)
        start, end, _ = period_from(request)
        qs = queries.participants_in(user, root, start, end)
    else:
        qs = visible(user, Representative.objects.all())
        if _int(g.get("org")):
            root = get_visible_or_404(user, Organization.objects.all(), pk=_int(g["org"]))
            qs = qs.filter(path_q("organization__path", root.path))
    if g.get("active") == "1":
        qs = qs.filter(is_active=True)
    elif g.get("active") == "0":
        qs = qs.filter(is_active=False)
    if g.get("level") in Representative.Level.values:
        qs = qs.filter(level=g["level"])
    if _int(g.get("team")):
        qs = qs.filter(team_id=_int(g["team"]))
    text = _search(g.get("q"))
    if text is None:
        qs = qs.none()
    elif text:
        qs = qs.filter(Q(name__contains=text) | Q(unit_post__contains=text))
    return qs.select_related("organization", "team", "station").annotate(visit_count=Count("visits", distinct=True))


@login_required
def representative_list(request):
    require_staff(request.user, LIAISON_STAFF_ONLY)
    qs = _representatives(request).order_by("organization__path", "team__name", "name", "pk")
    context = {
        "teams": visible(request.user, ServiceTeam.objects.all()),
        "levels": Representative.Level.choices,
        "active_nav": "liaison",
        "can_manage": is_manager(request.user),
        "visible_ids": None,
    }
    context.update(paginate(request, qs))
    if request.GET.get("visited_in"):
        page_ids = [r.pk for r in context["rows"]]
        context["visible_ids"] = set(
            visible(request.user, Representative.objects.filter(pk__in=page_ids)).values_list("pk", flat=True)
        )
    return _render(request, "liaison/representatives.html", context)


@login_required
def representative_export(request):
    require_staff(request.user, LIAISON_STAFF_ONLY)
    qs = _representatives(request).order_by("organization__path", "team__name", "name", "pk")
    headers = [
        "姓名",
        "代表层级",
        "届次",
        "工作单位及职务",
        "联系电话",
        "所属乡镇（单位）",
        "服务队",
        "工作室（联络站）",
        "在册",
        "走访次数",
    ]
    rows = (
        (
            r.name,
            r.get_level_display(),
            r.congress,
            r.unit_post,
            r.masked_phone,
            r.organization.name,
            r.team.name if r.team_id else "",
            r.station.name if r.station_id else "",
            "是" if r.is_active else "否",
            r.visit_count,
        )
        for r in qs.iterator(chunk_size=2000)
    )
    return xlsx.xlsx_response(
        "党代表名册", xlsx.build_workbook("党代表名册", headers, rows, notes=["联系电话已脱敏。"])
    )


@login_required
def representative_detail(request, pk):
    require_staff(request.user, LIAISON_STAFF_ONLY)
    rep = get_visible_or_404(
        request.user, Representative.objects.select_related("organization", "team", "station", "member"), pk=pk
    )
    visits = (
        visible(request.user, rep.visits.all())
        .select_related("organization")
        .annotate(problem_count=Count("problems"))
        .order_by("-date", "-pk")[:50]
    )
    return render(
        request,
        "liaison/representative_detail.html",
        {
            "rep": rep,
            "visits": visits,
            "visit_total": rep.visits.count(),
            "can_manage": is_manager(request.user),
            "active_nav": "liaison",
        },
    )


def _register_form(request, form_class, instance, save, success_url, title, template="liaison/form.html"):
    require_manager(request.user, getattr(instance, "organization", None) if instance and instance.pk else None)
    form = form_class(request.POST or None, instance=instance, user=request.user)

    def run(data):
        values = form.values() if hasattr(form, "values") else dict(data)
        return save(request.user, instance if instance.pk else None, **values)

    if done := pages.form_action(request, form, run, success="已保存", to=success_url):
        return done
    return render(request, template, {"form": form, "title": title, "active_nav": "liaison"})


@login_required
@require_http_methods(["GET", "POST"])
def representative_create(request):
    return _register_form(
        request,
        RepresentativeForm,
        Representative(),
        services.save_representative,
        lambda r: reverse("liaison:representative", args=[r.pk]),
        "登记党代表",
    )


@login_required
@require_http_methods(["GET", "POST"])
def representative_edit(request, pk):
    rep = get_visible_or_404(request.user, Representative.objects.all(), pk=pk)
    return _register_form(
        request,
        RepresentativeForm,
        rep,
        services.save_representative,
        lambda r: reverse("liaison:representative", args=[r.pk]),
        f"修改党代表：{rep.name}",
    )


@login_required
def team_list(request):
    require_staff(request.user, LIAISON_STAFF_ONLY)
    teams = (
        visible(request.user, ServiceTeam.objects.select_related("organization"))
        .annotate(
            active_count=Count("representatives", filter=Q(representatives__is_active=True)),
        )
        .order_by("organization__path", "name")
    )
    stations = (
        visible(request.user, LiaisonStation.objects.select_related("organization"))
        .annotate(rep_count=Count("representatives", filter=Q(representatives__is_active=True)))
        .order_by("organization__path", "name")
    )
    return render(
        request,
        "liaison/teams.html",
        {"teams": teams, "stations": stations, "can_manage": is_manager(request.user), "active_nav": "liaison"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def team_create(request):
    return _register_form(
        request, TeamForm, ServiceTeam(), services.save_team, lambda t: reverse("liaison:teams"), "新建党代表服务队"
    )


@login_required
@require_http_methods(["GET", "POST"])
def team_edit(request, pk):
    team = get_visible_or_404(request.user, ServiceTeam.objects.all(), pk=pk)
    return _register_form(
        request, TeamForm, team, services.save_team, lambda t: reverse("liaison:teams"), f"修改服务队：{team.name}"
    )


@login_required
@require_http_methods(["GET", "POST"])
def station_create(request):
    return _register_form(
        request,
        StationForm,
        LiaisonStation(),
        services.save_station,
        lambda s: reverse("liaison:teams"),
        "新建党代表工作室（联络站）",
    )


@login_required
@require_http_methods(["GET", "POST"])
def station_edit(request, pk):
    station = get_visible_or_404(request.user, LiaisonStation.objects.all(), pk=pk)
    return _register_form(
        request,
        StationForm,
        station,
        services.save_station,
        lambda s: reverse("liaison:teams"),
        f"修改：{station.name}",
    )


# ---- visits ---------------------------------------------------------------------------------------


def _visit_filter(request):
    user, g = request.user, request.GET
    qs = visible(user, Visit.objects.all())
    if _int(g.get("org")):
        root = get_visible_or_404(user, Organization.objects.all(), pk=_int(g["org"]))
        qs = qs.filter(path_q("organization__path", root.path))
    if g.get("start") or g.get("end"):
        start, end, _ = period_from(request)
        qs = qs.filter(date__gte=start, date__lte=end)
    if g.get("kind") in Visit.Kind.values:
        qs = qs.filter(kind=g["kind"])
    if _int(g.get("representative")):
        qs = qs.filter(representatives__id=_int(g["representative"]))
    text = _search(g.get("q"))
    if text is None:
        qs = qs.none()
    elif text:
        qs = qs.filter(Q(note__contains=text) | Q(place__contains=text))
    return qs


def _visits(request):
    return (
        _visit_filter(request)
        .select_related("organization", "organization__parent")
        .annotate(
            problem_count=Count("problems", distinct=True),
            solved_count=Count("problems", filter=Q(problems__outcome=rules.SOLVED), distinct=True),
            passed_count=Count("problems", filter=Q(problems__outcome=rules.PASSED), distinct=True),
            pending_count=Count("problems", filter=Q(problems__outcome=rules.PENDING), distinct=True),
        )
    )


def _with_reps(qs):
    return qs.prefetch_related(Prefetch("representatives", queryset=Representative.objects.only("pk", "name")))


@login_required
def visit_list(request):
    require_staff(request.user, LIAISON_STAFF_ONLY)
    qs = _with_reps(_visits(request)).order_by("-date", "-pk")
    totals = _visit_filter(request).aggregate(visits=Count("pk"), households=Sum("households_reached"))
    context = {
        "kinds": Visit.Kind.choices,
        "totals": totals,
        "active_nav": "liaison",
        "can_manage": is_manager(request.user),
    }
    context.update(paginate(request, qs))
    return _render(request, "liaison/visits.html", context)


@login_required
def visit_export(request):
    require_staff(request.user, LIAISON_STAFF_ONLY)
    qs = _with_reps(_visits(request)).order_by("-date", "-pk")
    headers = [
        "走访日期",
        "走访地",
        "所属乡镇（街道）",
        "形式",
        "参加党代表",
        "走访户数",
        "收集问题",
        "当场解决",
        "转交办理",
        "待处理",
        "地点",
        "走访情况",
    ]
    rows = (
        (
            v.date,
            v.organization.name,
            v.organization.parent.name if v.organization.parent_id else "",
            v.get_kind_display(),
            "、".join(r.name for r in v.representatives.all()),
            v.households_reached,
            v.problem_count,
            v.solved_count,
            v.passed_count,
            v.pending_count,
            v.place,
            v.note,
        )
        for v in qs.iterator(chunk_size=1000)
    )
    return xlsx.xlsx_response("党代表走访台账", xlsx.build_workbook("走访台账", headers, rows))


@login_required
def visit_detail(request, pk):
    require_staff(request.user, LIAISON_STAFF_ONLY)
    visit = get_visible_or_404(
        request.user, Visit.objects.select_related("organization", "station", "recorded_by"), pk=pk
    )
    problems = visit.problems.select_related("category", "request", "request__holder_department", "outcome_by")
    can_manage = is_manager(request.user)
    return render(
        request,
        "liaison/visit_detail.html",
        {
            "visit": visit,
            "reps": visit.representatives.select_related("team").order_by("name"),
            "households": visit.households.all(),
            "photos": visit.photos.all(),
            "problems": problems,
            "can_manage": can_manage,
            "problem_form": ProblemForm(prefix="new"),
            "solve_form": SolveForm(),
            "active_nav": "liaison",
        },
    )


def _visit_form_org(request, default=None):
    pk = params.int_or_none(request.POST.get("organization") or request.GET.get("org"))
    if pk is not None:
        return visible(request.user, Organization.objects.all()).filter(pk=pk).first()
    return default


@login_required
@require_http_methods(["GET", "POST"])
def visit_create(request):
    require_manager(request.user)
    org = _visit_form_org(request)
    from django.utils import timezone

    initial = {"organization": org, "date": timezone.localdate(), "kind": Visit.Kind.HOUSEHOLD}
    form = VisitForm(request.POST or None, request.FILES or None, user=request.user, organization=org, initial=initial)
    formset = ProblemFormSet(request.POST or None, prefix="problems")

    def recorded(visit) -> str:
        passed = visit.problems.filter(outcome=rules.PASSED).count()
        text = f"已登记走访，收集问题 {visit.problems.count()} 个"
        if passed:
            text += f"，其中 {passed} 个已转为群众诉求"
        return text

    # The problems come from the formset: the visit is saved only when it too is valid (an
    # unbound formset, on GET, is not).
    if formset.is_valid() and (
        done := pages.form_action(
            request,
            form,
            lambda data: services.record_visit(
                request.user, problems=[f.cleaned_data for f in formset.forms if f.cleaned_data], **data
            ),
            success=recorded,
            to=lambda visit: reverse("liaison:visit", args=[visit.pk]),
        )
    ):
        return done
    return render(
        request,
        "liaison/visit_form.html",
        {"form": form, "formset": formset, "org": org, "title": "登记党代表走访", "active_nav": "liaison"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def visit_edit(request, pk):
    visit = get_visible_or_404(request.user, Visit.objects.select_related("organization"), pk=pk)
    require_manager(request.user, visit.organization)
    org = _visit_form_org(request, visit.organization)
    initial = {
        "organization": visit.organization,
        "date": visit.date,
        "kind": visit.kind,
        "station": visit.station,
        "representatives": list(visit.representatives.all()),
        "place": visit.place,
        "households_reached": visit.households_reached,
        "household_list": "\n".join(visit.households.values_list("label", flat=True)),
        "note": visit.note,
    }
    form = VisitForm(request.POST or None, request.FILES or None, user=request.user, organization=org, initial=initial)
    # Representatives already on the visit stay selectable even if they left the register.
    form.fields["representatives"].queryset = (
        form.fields["representatives"].queryset | visible(request.user, visit.representatives.all())
    ).distinct()
    if done := pages.form_action(
        request,
        form,
        lambda data: services.update_visit(request.user, visit, **data),
        success="已保存",
        to=reverse("liaison:visit", args=[visit.pk]),
    ):
        return done
    return render(
        request,
        "liaison/visit_form.html",
        {"form": form, "org": org, "visit": visit, "title": "修改走访记录", "active_nav": "liaison"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def visit_delete(request, pk):
    visit = get_visible_or_404(request.user, Visit.objects.select_related("organization"), pk=pk)
    require_manager(request.user, visit.organization)
    if request.method == "POST":
        return pages.button_action(
            request,
            lambda: services.delete_visit(request.user, visit),
            success="已删除该走访记录",
            to="liaison:visits",
            back=reverse("liaison:visit", args=[visit.pk]),
        )
    return render(
        request,
        "liaison/visit_delete.html",
        {"visit": visit, "problem_count": visit.problems.count(), "active_nav": "liaison"},
    )


@login_required
@require_POST
def problem_add(request, pk):
    visit = get_visible_or_404(request.user, Visit.objects.select_related("organization"), pk=pk)
    form = ProblemForm(request.POST, prefix="new")
    if not (form.is_valid() and form.cleaned_data):
        errors = [e for errs in form.errors.values() for e in errs] or ["请填写问题内容"]
        messages.error(request, "；".join(errors))
        return redirect("liaison:visit", pk=visit.pk)
    return pages.button_action(
        request,
        lambda: services.add_problem(request.user, visit, **form.cleaned_data),
        success=lambda problem: (
            f"已添加问题，并转为群众诉求 {problem.request.ticket}" if problem.outcome == rules.PASSED else "已添加问题"
        ),
        to=reverse("liaison:visit", args=[visit.pk]),
    )


@login_required
@require_POST
def problem_solve(request, pk):
    problem = get_visible_or_404(request.user, Problem.objects.select_related("visit"), pk=pk)
    form = SolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请写明怎样解决的")
        return redirect("liaison:visit", pk=problem.visit_id)
    return pages.button_action(
        request,
        lambda: services.solve_problem(request.user, problem, solution=form.cleaned_data["solution"]),
        success="已记为当场解决",
        to=reverse("liaison:visit", args=[problem.visit_id]),
    )


@login_required
@require_POST
def problem_pass_on(request, pk):
    problem = get_visible_or_404(request.user, Problem.objects.select_related("visit"), pk=pk)
    return pages.button_action(
        request,
        lambda: services.pass_on_problem(request.user, problem),
        success=lambda passed: f"已转为群众诉求 {passed.request.ticket}，由诉求系统分派办理",
        to=reverse("liaison:visit", args=[problem.visit_id]),
    )


# ---- problems and households ledgers ------------------------------------------------------------


def _problems(request):
    user, g = request.user, request.GET
    qs = visible(user, Problem.objects.all())
    if _int(g.get("org")):
        root = get_visible_or_404(user, Organization.objects.all(), pk=_int(g["org"]))
        qs = qs.filter(path_q("visit__organization__path", root.path))
    if g.get("start") or g.get("end"):
        start, end, _ = period_from(request)
        qs = qs.filter(visit__date__gte=start, visit__date__lte=end)
    if g.get("outcome") in dict(rules.OUTCOMES):
        qs = qs.filter(outcome=g["outcome"])
    if g.get("to_department") == "1":
        qs = qs.filter(outcome=rules.PASSED).filter(queries.TO_DEPARTMENT_Q)
    if _int(g.get("category")):
        qs = qs.filter(category_id=_int(g["category"]))
    text = _search(g.get("q"))
    if text is None:
        qs = qs.none()
    elif text:
        qs = qs.filter(description__contains=text)
    return qs.select_related(
        "visit", "visit__organization", "category", "request", "request__holder_department", "request__holder_org"
    )


@login_required
def problem_list(request):
    require_staff(request.user, LIAISON_STAFF_ONLY)
    from jiceng.requests.models import Category

    qs = _problems(request).order_by("-visit__date", "-pk")
    context = {
        "outcomes": rules.OUTCOMES,
        "categories": Category.objects.filter(is_active=True),
        "active_nav": "liaison",
    }
    context.update(paginate(request, qs))
    return _render(request, "liaison/problems.html", context)


@login_required
def problem_export(request):
    require_staff(request.user, LIAISON_STAFF_ONLY)
    qs = _problems(request).order_by("-visit__date", "-pk")
    headers = [
        "走访日期",
        "走访地",
        "问题内容",
        "类别",
        "处理结果",
        "解决情况",
        "诉求受理编号",
        "诉求状态",
        "诉求承办单位",
        "群众姓名",
        "联系电话",
    ]
    rows = (
        (
            p.visit.date,
            p.visit.organization.name,
            p.description,
            p.category.name,
            p.get_outcome_display(),
            p.solution,
            p.request.ticket if p.request_id else "",
            p.request.get_state_display() if p.request_id else "",
            p.request.holder_label if p.request_id else "",
            rules.mask_name(p.resident_name),
            p.masked_phone,
        )
        for p in qs.iterator(chunk_size=2000)
    )
    return xlsx.xlsx_response(
        "党代表走访问题台账", xlsx.build_workbook("问题台账", headers, rows, notes=["群众姓名和联系电话已脱敏。"])
    )


@login_required
def household_list(request):
    require_staff(request.user, LIAISON_STAFF_ONLY)
    root = page_root(request)
    start, end, form = period_from(request)
    qs = (
        queries.households_in(request.user, root, start, end)
        .values("key")
        .annotate(label=Min("label"), visits=Count("visit", distinct=True), last=Max("visit__date"))
        .order_by("key")
    )
    context = {"root": root, "start": start, "end": end, "form": form, "active_nav": "liaison"}
    context.update(paginate(request, qs))
    return _render(request, "liaison/households.html", context)


@login_required
def photo(request, pk):
    require_staff(request.user, LIAISON_STAFF_ONLY)
    item = get_visible_or_404(request.user, VisitPhoto.objects.all(), pk=pk)
    return uploads.file_response(item.thumbnail if request.GET.get("thumb") else item.image)


# ---- Excel import of the register -----------------------------------------------------------------

IMPORT_SESSION_KEY = "liaison_import"


@login_required
def representative_template(request):
    require_manager(request.user)
    from . import imports

    return xlsx.xlsx_response("党代表名册导入模板", imports.template())


@login_required
@require_http_methods(["GET", "POST"])
def representative_import(request):
    """Upload → check every row and preview → confirm (the stored file is checked again)."""
    import uuid

    from django.core.files.storage import default_storage

    from jiceng.core.importing import ImportFileError

    from . import imports

    require_manager(request.user)
    context = {"active_nav": "liaison", "columns": imports.COLUMNS}
    if request.method == "POST" and request.POST.get("token"):
        pending = request.session.get(IMPORT_SESSION_KEY, {})
        path = pending.pop(request.POST["token"], None)
        request.session[IMPORT_SESSION_KEY] = pending
        if path is None or not default_storage.exists(path):
            messages.error(request, "导入已过期，请重新上传文件")
            return redirect("liaison:representatives_import")
        try:
            with default_storage.open(path, "rb") as stored:
                outcome = imports.run(stored, request.user, commit=True)
        finally:
            default_storage.delete(path)
        if outcome.ok:
            messages.success(request, f"已导入党代表 {outcome.created} 名")
            return redirect("liaison:representatives")
        context["outcome"] = outcome
        return render(request, "liaison/import.html", context)
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None or not upload.name.lower().endswith(".xlsx") or upload.size > 20 * 1024 * 1024:
            messages.error(request, "请上传不超过 20MB 的 .xlsx 文件（可先下载模板）")
            return redirect("liaison:representatives_import")
        try:
            outcome = imports.run(upload, request.user, commit=False)
        except ImportFileError as exc:
            messages.error(request, str(exc))
            return redirect("liaison:representatives_import")
        context["outcome"] = outcome
        if outcome.ok and outcome.rows:
            token = uuid.uuid4().hex
            upload.seek(0)
            stored = default_storage.save(f"liaison/pending/{token}.xlsx", upload)
            pending = request.session.get(IMPORT_SESSION_KEY, {})
            pending[token] = stored
            request.session[IMPORT_SESSION_KEY] = pending
            context["token"] = token
    return render(request, "liaison/import.html", context)


@login_required
def panel(request):
    """The figures card of the organization page and the command screen (loaded by htmx)."""
    from django.utils import timezone

    from .panels import figures_card

    require_staff(request.user, LIAISON_STAFF_ONLY)
    root = page_root(request)
    today = timezone.localdate()
    return render(
        request,
        "liaison/panel_figures.html",
        {"panel": figures_card(request, root, today), "title": f"党代表联系群众（{today.year}年）"},
    )
