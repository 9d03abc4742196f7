"""Pages of organizational life. Thin: scope through visible(), writes through services."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from jiceng.core import pages, qr, xlsx
from jiceng.core.navigation import is_manager
from jiceng.core.pages import paginate
from jiceng.core.scoping import can_manage, get_visible_or_404, is_member_role, page_root, require_county_admin, visible
from jiceng.core.uploads import file_response
from jiceng.members.models import Member
from jiceng.orgs.models import Organization

from . import queries, rules, services
from .forms import ActivityTypeForm, PhotoForm, RecordForm, ReviewForm, TalkForm
from .models import ActivityType, Appraisal, Attendance, Record, RecordPhoto, Talk

SIGN_SALT = "jiceng.life.sign-in"


def _records(request):
    qs = visible(request.user, Record.objects.select_related("organization", "activity_type"))
    if not is_manager(request.user):  # members and department handlers see what was published
        qs = qs.filter(state=Record.State.PUBLISHED)
    return qs


def _pk(text: str) -> int:
    """An id from a query or form parameter: ASCII digits only ("²".isdigit() is true, and
    int("²") raises), else 404."""
    text = (text or "").strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 18):
        raise Http404("未找到")
    return int(text)


def _window(request, default_kind: str = "quarter", *, strict: bool = False) -> rules.Period:
    """?period= (2026, 2026-Q3, 2026-07), else the last whole window of `default_kind`.

    A period that cannot be used (not a period, or a year outside rules.MIN_YEAR..MAX_YEAR) is
    said on the page, which shows the default window instead; with `strict` (exports) it raises
    ValueError, so that no file of another period is handed out."""
    default = rules.previous_window(default_kind, timezone.localdate())
    text = request.GET.get("period")
    if not text:
        return default
    try:
        return rules.parse_period(text)
    except ValueError as exc:
        if strict:
            raise
        messages.error(request, f"{exc}。下面显示{default.label}。")
        return default


def _refused(exc: Exception) -> HttpResponseBadRequest:
    return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")


def _period_choices(today) -> list[rules.Period]:
    out = [rules.month_of(today), rules.previous_window("month", today)]
    q = rules.quarter_of(today)
    for _ in range(4):
        out.append(q)
        q = rules.quarter_of(q.start - timedelta(days=1))
    out += [rules.year_of(today), rules.year_of(today.replace(year=today.year - 1, day=1))]
    return out


def _filter_records(request, qs):
    g = request.GET
    if g.get("within"):
        org = get_visible_or_404(request.user, Organization.objects.all(), pk=_pk(g["within"]))
        qs = qs.filter(org.subtree_filter("organization__"))
    if g.get("type"):
        qs = qs.filter(Q(activity_type__code=g["type"]) | Q(activity_type__counts_for__code=g["type"]))
    if g.get("member") and not is_member_role(request.user):
        # The activities a member was expected at (from the attendance report).
        member = get_visible_or_404(request.user, Member.objects.all(), pk=_pk(g["member"]))
        qs = qs.filter(attendance__member=member)
        if g.get("status") in Attendance.Status.values:
            qs = qs.filter(attendance__member=member, attendance__status=g["status"])
    if g.get("state") in Record.State.values:
        qs = qs.filter(state=g["state"])
    if g.get("late") == "1":
        qs = qs.filter(is_late=True)
    if g.get("period"):
        try:
            p = rules.parse_period(g["period"])
            qs = qs.filter(Q(held_on__range=(p.start, p.end)) | Q(held_on=None, planned_on__range=(p.start, p.end)))
        except ValueError:
            pass
    if g.get("q"):
        qs = qs.filter(Q(topic__icontains=g["q"]) | Q(organization__name__icontains=g["q"]))
    return qs


@login_required
def record_list(request):
    qs = _filter_records(request, _records(request)).order_by("-held_on", "-planned_on", "-id")
    context = {
        "types": ActivityType.objects.filter(is_active=True),
        "states": Record.State.choices,
        "periods": _period_choices(timezone.localdate()),
        "can_create": is_manager(request.user),
        "member_view": is_member_role(request.user),
        "active_nav": "life",
    }
    context.update(paginate(request, qs))
    return render(request, "life/list.html", context)


@login_required
def record_export(request):
    qs = _filter_records(request, _records(request)).order_by("organization__path", "held_on", "id")
    member_view = is_member_role(request.user)
    headers = [
        "组织",
        "类型",
        "主题",
        "状态",
        "计划日期",
        "活动日期",
        "地点",
        "应到",
        "实到",
        "请假",
        "缺席",
        "出席率%",
        "照片",
        "逾期纪实",
    ]
    rows = (
        (
            r.organization.name,
            r.activity_type.name,
            r.topic,
            r.get_state_display(),
            r.planned_on,
            r.held_on,
            r.place,
            r.expected_count,
            r.present_count,
            r.leave_count,
            r.absent_count,
            r.attendance_rate,
            r.photo_count,
            "是" if r.is_late else "",
        )
        for r in qs.iterator(chunk_size=2000)
    )
    notes = ["仅含已公示的活动。"] if member_view else None
    return xlsx.xlsx_response("组织生活纪实", xlsx.build_workbook("组织生活纪实", headers, rows, notes=notes))


def _manageable_orgs(user):
    return visible(user, Organization.objects.filter(type__in=queries.EVALUATED_TYPES)).order_by("path")


@login_required
def record_create(request):
    if not is_manager(request.user):
        raise PermissionDenied("当前角色只能查看")
    plan_only = request.GET.get("plan") == "1" or request.POST.get("plan_only") == "1"
    orgs = _manageable_orgs(request.user)
    initial = {"held_on": timezone.localdate(), "planned_on": timezone.localdate()}
    if request.GET.get("org"):
        initial["organization"] = request.GET["org"]
    if request.GET.get("type"):
        initial["activity_type"] = ActivityType.objects.filter(code=request.GET["type"]).first()
    form = RecordForm(request.POST or None, organizations=orgs, initial=initial)

    def create(data) -> Record:
        data = dict(data)
        org, t = data.pop("organization"), data.pop("activity_type")
        record = services.create_record(request.user, organization=org, activity_type=t, plan_only=plan_only, **data)
        for upload in request.FILES.getlist("photos"):
            try:
                services.add_photo(request.user, record, upload)
            except ValidationError as exc:
                messages.error(request, "；".join(exc.messages))
        return record

    if done := pages.form_action(
        request,
        form,
        create,
        success="已报备计划" if plan_only else "已保存纪实，请登记出勤",
        to=lambda record: reverse("life:detail", args=[record.pk]),
    ):
        return done
    return render(
        request,
        "life/form.html",
        {"form": form, "plan_only": plan_only, "creating": True, "photo_form": PhotoForm(), "active_nav": "life"},
    )


def _record(request, pk) -> Record:
    record = get_visible_or_404(request.user, Record.objects.select_related("organization", "activity_type"), pk=pk)
    if record.state != Record.State.PUBLISHED and not is_manager(request.user):
        raise Http404("未找到或无权查看")
    return record


def _can_review(user, org) -> bool:
    try:
        services.require_level_above(user, org)
    except PermissionDenied:
        return False
    return True


@login_required
def record_detail(request, pk):
    record = _record(request, pk)
    member_view = is_member_role(request.user)
    attendance = (
        []
        if member_view
        # In the roster's order: by pinyin, as the member lists are.
        else list(record.attendance.select_related("member__organization").order_by("member__name_pinyin", "member_id"))
    )
    return render(
        request,
        "life/detail.html",
        {
            "r": record,
            "photos": record.photos.all(),
            "attendance": attendance,
            "statuses": Attendance.Status.choices,
            "member_view": member_view,
            "can_manage": not member_view and can_manage(request.user, record.organization),
            "can_review": not member_view and _can_review(request.user, record.organization),
            "review_form": ReviewForm(initial={"review_comment": record.review_comment, "score": record.score}),
            "photo_form": PhotoForm(),
            "active_nav": "life",
        },
    )


@login_required
def record_edit(request, pk):
    record = _record(request, pk)
    services.require_manager(request.user, record.organization)
    form = RecordForm(request.POST or None, instance=record, editing=True)

    def save(cleaned) -> str:
        data = {f: cleaned[f] for f in services.RECORD_FIELDS if f in cleaned}
        if record.state == Record.State.PLANNED and request.POST.get("hold") == "1":
            services.record_held(request.user, record, **data)
            return "已记为开展，请登记出勤"
        services.update_record(request.user, record, **data)
        return "已保存"

    if done := pages.form_action(
        request, form, save, success=lambda text: text, to=reverse("life:detail", args=[record.pk])
    ):
        return done
    return render(request, "life/form.html", {"form": form, "r": record, "active_nav": "life"})


@login_required
def record_delete(request, pk):
    record = _record(request, pk)
    services.require_manager(request.user, record.organization)
    if request.method == "POST":
        return pages.button_action(
            request,
            lambda: services.delete_record(request.user, record),
            success="已删除",
            to="life:list",
            back=reverse("life:detail", args=[record.pk]),
        )
    return render(request, "life/confirm_delete.html", {"r": record, "active_nav": "life"})


@login_required
@require_POST
def record_attendance(request, pk):
    record = _record(request, pk)
    # 「全部出席」: everyone present but those marked on leave in the form, in one click.
    all_present = request.POST.get("all_present") == "1"
    marks = {}
    for a in record.attendance.all():
        status = request.POST.get(f"s-{a.member_id}")
        if all_present:
            status = Attendance.Status.LEAVE if status == Attendance.Status.LEAVE else Attendance.Status.PRESENT
        if status is None:
            continue
        marks[a.member_id] = (
            status,
            request.POST.get(f"late-{a.member_id}") == "1",
            request.POST.get(f"early-{a.member_id}") == "1",
        )
    return pages.button_action(
        request,
        lambda: services.set_attendance(request.user, record, marks),
        success=lambda n: f"已登记出勤（{n} 人有变化）",
        to=reverse("life:detail", args=[record.pk]) + "#attendance",
    )


@login_required
@require_POST
def photo_upload(request, pk):
    record = _record(request, pk)
    uploads = request.FILES.getlist("photos")
    if not uploads:
        messages.error(request, "请选择照片")
    for upload in uploads:
        try:
            services.add_photo(request.user, record, upload, request.POST.get("caption", ""))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, f"已上传「{upload.name}」")
    return redirect(reverse("life:detail", args=[record.pk]) + "#photos")


def _photo(request, pk) -> RecordPhoto:
    photo = get_visible_or_404(request.user, RecordPhoto.objects.select_related("record"), pk=pk)
    _record(request, photo.record_id)  # members only see photos of published records
    return photo


@login_required
def photo(request, pk):
    return file_response(_photo(request, pk).image)


@login_required
def photo_thumb(request, pk):
    return file_response(_photo(request, pk).thumbnail)


@login_required
@require_POST
def photo_delete(request, pk):
    p = _photo(request, pk)
    return pages.button_action(
        request,
        lambda: services.delete_photo(request.user, p),
        success=None,
        to=reverse("life:detail", args=[p.record_id]) + "#photos",
    )


def sign_token(record: Record) -> str:
    return signing.dumps({"r": record.pk}, salt=SIGN_SALT)


@login_required
def record_qr(request, pk):
    record = _record(request, pk)
    services.require_manager(request.user, record.organization)
    url = request.build_absolute_uri(reverse("life:sign", args=[sign_token(record)]))
    opens = closes = None
    if record.starts_at and record.ends_at:
        opens, closes = rules.sign_in_window(record.starts_at, record.ends_at, services.sign_in_early_minutes())
    return render(
        request,
        "life/qr.html",
        {"r": record, "svg": qr.svg(url), "url": url, "opens": opens, "closes": closes, "active_nav": "life"},
    )


@login_required
def sign(request, token):
    """The page a member's phone opens from the QR code; signing in is a POST from it."""
    try:
        pk = signing.loads(token, salt=SIGN_SALT)["r"]
        record = Record.objects.select_related("organization", "activity_type").get(pk=pk)
    except (signing.BadSignature, KeyError, TypeError, Record.DoesNotExist) as exc:
        raise Http404("签到码无效") from exc
    on_roster = bool(request.user.member_id) and record.attendance.filter(member_id=request.user.member_id).exists()
    if not on_roster:
        # Nothing about the meeting is shown to someone who is not expected at it.
        return render(
            request,
            "life/sign.html",
            {"error": "您不在本次活动的应到名单中，无法签到。如有疑问请联系记录人。"},
            status=403,
        )
    done = error = None
    if request.method == "POST":
        try:
            done = services.sign_in(request.user, record)
        except (ValidationError, PermissionDenied) as exc:
            error = "；".join(getattr(exc, "messages", None) or [str(exc)])
    attendance = record.attendance.get(member_id=request.user.member_id)
    return render(request, "life/sign.html", {"r": record, "a": attendance, "done": done, "error": error})


@login_required
@require_POST
def record_review(request, pk):
    record = _record(request, pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写点评意见；评分应在0到100之间")
        return redirect("life:detail", pk=record.pk)
    return pages.button_action(
        request,
        lambda: services.review(
            request.user, record, comment=form.cleaned_data["review_comment"], score=form.cleaned_data["score"]
        ),
        success="已审阅点评",
        to=reverse("life:detail", args=[record.pk]),
    )


@login_required
@require_POST
def record_publish(request, pk):
    record = _record(request, pk)
    return pages.button_action(
        request,
        lambda: services.publish(request.user, record),
        success="已公示：本组织党员可以看到活动主题、时间、地点、照片和出席人数",
        to=reverse("life:detail", args=[record.pk]),
    )


# ---- compliance --------------------------------------------------------------------------


def _type_columns(data, rows):
    used = {tid for r in rows for tid in r.types}
    return [t for t in data.types if t.id in used]


@login_required
def compliance(request):
    if is_member_role(request.user):
        raise PermissionDenied("党员不能查看组织生活落实情况")
    root = page_root(request, posted=True)
    window = _window(request)
    today = timezone.localdate()
    rows, data = queries.compliance_table(root, window, today)
    if request.GET.get("missing") == "1":
        return _compliance_missing(request, root, window, data)
    rows = [r for r in rows if r.orgs_evaluated]
    own = data.results.get(root.pk)
    if not rows and root.type in queries.EVALUATED_TYPES:
        return redirect(reverse("life:compliance_org", args=[root.pk]) + f"?period={window.code}")
    return render(
        request,
        "life/compliance.html",
        {
            "root": root,
            "window": window,
            "rows": sorted(rows, key=lambda r: (r.rank or 10**6, r.org.path)),
            "columns": _type_columns(data, rows),
            "own": own,
            "periods": _period_choices(today),
            "active_nav": "life_compliance",
        },
    )


def _compliance_missing(request, root, window, data):
    """?missing=1: the organizations of the subtree (the root's own record included) with a
    missing period in the window — the command screen's 「N 个有缺失」 opens this list."""
    missing = sorted((r for r in data.results.values() if r.missing), key=lambda r: r.org.path)
    context = {"root": root, "window": window, "periods": _period_choices(timezone.localdate())}
    context.update(paginate(request, missing))
    context["active_nav"] = "life_compliance"
    return render(request, "life/compliance_missing.html", context)


@login_required
def compliance_export(request):
    if is_member_role(request.user):
        raise PermissionDenied("党员不能查看组织生活落实情况")
    root = page_root(request, posted=True)
    try:
        window = _window(request, strict=True)
    except ValueError as exc:
        return _refused(exc)
    rows, data = queries.compliance_table(root, window, timezone.localdate())
    rows = [r for r in rows if r.orgs_evaluated]
    columns = _type_columns(data, rows)
    headers = ["排名", "组织", "应开展组织数", "存在缺失的组织数", "得分"]
    for t in columns:
        headers += [f"{t.name}应开展", f"{t.name}已开展", f"{t.name}逾期纪实", f"{t.name}缺失"]

    def cells(r):
        out = [r.rank, r.org.name, r.orgs_evaluated, r.orgs_missing, r.score]
        for t in columns:
            tt = r.types.get(t.id) or queries.TypeTotals()
            out += [tt.required, tt.held, tt.late, tt.missing]
        return out

    wb = xlsx.build_workbook(
        f"组织生活落实情况{window.code}",
        headers,
        (cells(r) for r in sorted(rows, key=lambda r: (r.rank or 10**6, r.org.path))),
        notes=[f"{root.name} · {window.label}；得分=按时完成的周期×1+逾期纪实的周期×0.5，除以应开展的已结束周期数。"],
    )
    return xlsx.xlsx_response(f"组织生活落实情况{window.code}", wb)


@login_required
def compliance_org(request, pk):
    if is_member_role(request.user):
        raise PermissionDenied("党员不能查看组织生活落实情况")
    org = get_visible_or_404(request.user, Organization.objects.select_related("parent"), pk=pk)
    window = _window(request)
    today = timezone.localdate()
    result, by_type = queries.org_compliance(org, window, today)
    types = {t.id: t for t in queries.active_types()}
    items = []
    if result is not None:
        for type_id, r in result.types.items():
            recs = by_type.get(type_id, [])
            periods = [(p, [x for x in recs if x.held_on and x.held_on in p.period]) for p in r.periods]
            items.append((types[type_id], r, periods))
    return render(
        request,
        "life/compliance_org.html",
        {
            "org": org,
            "window": window,
            "result": result,
            "items": items,
            "periods": _period_choices(today),
            "labels": rules.STATUS_LABELS,
            "levels": rules.STATUS_LEVELS,
            "active_nav": "life_compliance",
        },
    )


CADENCES_SHOWN = {"month": ("weekly", "monthly"), "quarter": ("quarterly",), "year": ("yearly",)}


@login_required
def todo(request):
    """A branch's "to do this month": this month's, this quarter's and this year's items."""
    if is_member_role(request.user):
        raise PermissionDenied("党员不能查看组织生活落实情况")
    orgs = list(_manageable_orgs(request.user)[:200])
    org = page_root(request, posted=True) if request.GET.get("org") else next(iter(orgs), None)
    if org is not None and org.type not in queries.EVALUATED_TYPES:
        org = next((o for o in orgs if o.path.startswith(org.path)), None)
    today = timezone.localdate()
    sections = []
    if org is not None:
        types = {t.id: t for t in queries.active_types()}
        for kind in ("month", "quarter", "year"):
            window = rules.window_of(kind, today)
            data = queries.compliance(org.path, window, today)
            items = []
            # The organization's own items first, then those of its party groups.
            for result in sorted(data.results.values(), key=lambda r: (r.org.id != org.pk, r.org.path)):
                for type_id, r in result.types.items():
                    t = types[type_id]
                    if t.cadence in CADENCES_SHOWN[kind]:
                        items.append((result.org, t, r))
            sections.append((window, items))
    return render(
        request,
        "life/todo.html",
        {
            "org": org,
            "orgs": orgs,
            "sections": sections,
            "today": today,
            "labels": rules.STATUS_LABELS,
            "levels": rules.STATUS_LEVELS,
            "active_nav": "life_todo",
        },
    )


# ---- attendance report -------------------------------------------------------------------


def _attendance_data(request, *, strict: bool = False):
    if is_member_role(request.user):
        raise PermissionDenied("党员不能查看出勤统计")
    root = page_root(request, posted=True)
    window = _window(request, "year", strict=strict)
    records = queries.held_records(
        visible(request.user, Record.objects.filter(root.subtree_filter("organization__"))), window
    )
    return root, window, records


@login_required
def attendance_report(request):
    root, window, records = _attendance_data(request)
    rows = queries.member_attendance(records)
    context = {
        "root": root,
        "window": window,
        "totals": queries.org_attendance(records),
        "periods": _period_choices(timezone.localdate()),
        "active_nav": "life_attendance",
    }
    context.update(paginate(request, rows))
    return render(request, "life/attendance.html", context)


@login_required
def attendance_export(request):
    try:
        root, window, records = _attendance_data(request, strict=True)
    except ValueError as exc:
        return _refused(exc)
    headers = ["姓名", "所在组织", "应到次数", "出席", "请假", "缺席", "迟到", "早退", "出席率%"]
    rows = (
        (
            r["member__name"],
            r["member__organization__name"],
            r["expected"],
            r["present"],
            r["leave"],
            r["absent"],
            r["late"],
            r["early"],
            r["rate"],
        )
        for r in queries.member_attendance(records)
    )
    return xlsx.xlsx_response(
        f"组织生活出勤{window.code}",
        xlsx.build_workbook(f"出勤{window.code}", headers, rows, notes=[f"{root.name} · {window.label}"]),
    )


# ---- activity types ----------------------------------------------------------------------


@login_required
def type_list(request):
    return render(
        request,
        "life/types.html",
        {
            "types": ActivityType.objects.select_related("counts_for").order_by("order", "id"),
            "can_edit": request.user.is_superuser or request.user.is_county_admin,
            "active_nav": "life_types",
        },
    )


@login_required
def type_edit(request, pk=None):
    require_county_admin(request.user)
    instance = ActivityType.objects.get(pk=pk) if pk else None
    form = ActivityTypeForm(request.POST or None, instance=instance)
    if done := pages.form_action(
        request,
        form,
        lambda data: services.save_activity_type(request.user, form.save(commit=False)),
        success="已保存，落实情况按新规则计算",
        to="life:types",
    ):
        return done
    return render(request, "life/type_form.html", {"form": form, "instance": instance, "active_nav": "life_types"})


# ---- yearly items ------------------------------------------------------------------------


def _year(request) -> tuple[int, str | None]:
    """?year= (or the posted year), else this year. A year that is not ASCII digits or lies
    outside rules.MIN_YEAR..MAX_YEAR gives this year and the reason, for the page to say."""
    this_year = timezone.localdate().year
    raw = (request.GET.get("year") or request.POST.get("year") or "").strip()
    if not raw:
        return this_year, None
    year = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 4 else None
    error = rules.year_error(year)
    if error:
        return this_year, f"{error}（收到：{raw[:20]}）"
    return year, None


@login_required
def appraisals(request):
    """民主评议党员 of one organization and year: one grade per member."""
    if is_member_role(request.user):
        raise PermissionDenied("党员不能查看评议结果")
    root = page_root(request, posted=True)
    year, year_error = _year(request)
    if year_error and request.method == "POST":
        # Never save the grades under another year than the one asked for.
        messages.error(request, f"{year_error}，未保存评定等次")
        return redirect(reverse("life:appraisals") + f"?org={root.pk}")
    if year_error:
        messages.error(request, f"{year_error}，下面显示{year}年")
    members = visible(
        request.user,
        Member.objects.filter(root.subtree_filter("organization__"), status__in=Member.ACTIVE_STATUSES).select_related(
            "organization"
        ),
    ).order_by("organization__path", "name_pinyin", "id")
    if request.method == "POST":
        saved = 0
        for m in members:
            grade = request.POST.get(f"g-{m.pk}")
            if not grade:
                continue
            try:
                services.set_appraisal(request.user, m, year, grade)
                saved += 1
            except (ValidationError, PermissionDenied) as exc:
                messages.error(request, f"{m.name}：{'；'.join(getattr(exc, 'messages', [str(exc)]))}")
        messages.success(request, f"已保存 {saved} 名党员的评定等次")
        return redirect(reverse("life:appraisals") + f"?org={root.pk}&year={year}")
    grades = dict(Appraisal.objects.filter(member__in=members, year=year).values_list("member_id", "grade"))
    rows = [(m, grades.get(m.pk, "")) for m in members[:500]]
    totals = {label: sum(1 for g in grades.values() if g == code) for code, label in Appraisal.Grade.choices}
    return render(
        request,
        "life/appraisals.html",
        {
            "root": root,
            "year": year,
            "rows": rows,
            "grades": Appraisal.Grade.choices,
            "totals": totals,
            "can_manage": can_manage(request.user, root),
            "active_nav": "life_yearly",
        },
    )


TALK_FORM_MAX_MEMBERS = 300


@login_required
def talks(request):
    if is_member_role(request.user):
        raise PermissionDenied("党员不能查看谈心谈话记录")
    root = page_root(request, posted=True)
    year, year_error = _year(request)
    if year_error and request.method == "GET":
        messages.error(request, f"{year_error}，下面显示{year}年")
    orgs = _manageable_orgs(request.user)
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


# ---- panels loaded by htmx ---------------------------------------------------------------


@login_required
def panel_org(request, pk):
    from .panels import org_panel_context

    if is_member_role(request.user):
        raise PermissionDenied("党员不能查看组织生活落实情况")
    org = get_visible_or_404(request.user, Organization.objects.all(), pk=pk)
    context = org_panel_context(org, timezone.localdate())
    return render(request, "life/panel_org.html", {"panel": context, "title": "组织生活落实情况"})


@login_required
def panel_command(request):
    from .panels import command_panel_context

    if is_member_role(request.user):
        raise PermissionDenied("党员不能查看组织生活落实情况")
    root = page_root(request, posted=True)
    context = command_panel_context(root, timezone.localdate())
    return render(request, "life/panel_command.html", {"panel": context, "title": "组织生活落实情况（上季度）"})
