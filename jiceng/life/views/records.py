"""Activity records (活动纪实): the list and its export, plan or record one (with photos), the
record's page, edit, delete, the attendance marks of its roster, review (审阅点评) and publication (公示)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from jiceng.core import exports, pages, xlsx
from jiceng.core.navigation import is_manager
from jiceng.core.pages import paginate
from jiceng.core.scoping import can_manage, get_visible_or_404, is_member_role, visible
from jiceng.members.models import Member
from jiceng.orgs.models import Organization

from .. import rules, services
from ..forms import PhotoForm, RecordForm, ReviewForm
from ..models import ActivityType, Attendance, Record
from ._common import manageable_orgs, period_choices, record_or_404


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
        "periods": period_choices(timezone.localdate()),
        "can_create": is_manager(request.user),
        "member_view": is_member_role(request.user),
        "active_nav": "life",
    }
    context.update(paginate(request, qs))
    return render(request, "life/list.html", context)


@login_required
@exports.deferrable
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
    return exports.ExportFile(
        "组织生活纪实", rows=qs, build=lambda: xlsx.build_workbook("组织生活纪实", headers, rows, notes=notes)
    )


@login_required
def record_create(request):
    if not is_manager(request.user):
        raise PermissionDenied("当前角色只能查看")
    plan_only = request.GET.get("plan") == "1" or request.POST.get("plan_only") == "1"
    orgs = manageable_orgs(request.user)
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


def _can_review(user, org) -> bool:
    try:
        services.require_level_above(user, org)
    except PermissionDenied:
        return False
    return True


@login_required
def record_detail(request, pk):
    record = record_or_404(request, pk)
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
            "record": record,
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
    record = record_or_404(request, pk)
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
    return render(request, "life/form.html", {"form": form, "record": record, "active_nav": "life"})


@login_required
def record_delete(request, pk):
    record = record_or_404(request, pk)
    services.require_manager(request.user, record.organization)
    if request.method == "POST":
        return pages.button_action(
            request,
            lambda: services.delete_record(request.user, record),
            success="已删除",
            to="life:list",
            back=reverse("life:detail", args=[record.pk]),
        )
    return render(request, "life/confirm_delete.html", {"record": record, "active_nav": "life"})


@login_required
@require_POST
def record_attendance(request, pk):
    record = record_or_404(request, pk)
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
def record_review(request, pk):
    record = record_or_404(request, pk)
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
    record = record_or_404(request, pk)
    return pages.button_action(
        request,
        lambda: services.publish(request.user, record),
        success="已公示：本组织党员可以看到活动主题、时间、地点、照片和出席人数",
        to=reverse("life:detail", args=[record.pk]),
    )
