"""Audit log browsing (county admins)."""

import itertools

import django_filters
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from . import auditview, exports, pages, params, services, xlsx
from .models import AuditEntry, CountySettings
from .pages import paginate, style_form
from .scoping import require_county_admin, visible


class AuditFilter(django_filters.FilterSet):
    action = django_filters.ChoiceFilter(label="操作", choices=AuditEntry.Action.choices)
    actor_name = django_filters.CharFilter(label="操作人账号", lookup_expr="exact")
    object_type = django_filters.ChoiceFilter(
        label="对象类型",
        choices=[
            ("orgs.Organization", "党组织"),
            ("members.Member", "党员"),
            ("imports.ImportBatch", "导入批次"),
            ("orgs.Enterprise", "两新组织"),
            ("members.LeadHousehold", "党员中心户"),
        ],
    )
    object_id = django_filters.CharFilter(label="对象ID")
    since = django_filters.DateFilter(label="起始日期", field_name="at", lookup_expr="date__gte")
    until = django_filters.DateFilter(label="截止日期", field_name="at", lookup_expr="date__lte")

    class Meta:
        model = AuditEntry
        fields = []


def _entries(request):
    require_county_admin(request.user)
    f = AuditFilter(request.GET, queryset=visible(request.user, AuditEntry.objects.all()))
    style_form(f.form)
    return f


@login_required
def audit_list(request):
    f = _entries(request)
    context = {"filter": f, "export_url": request.path + "export/", "active_nav": "audit"}
    context.update(paginate(request, f.qs))
    context["rows"] = auditview.readable(request.user, context["rows"])
    return render(request, "core/audit_list.html", context)


@login_required
@exports.deferrable
def audit_export(request):
    f = _entries(request)

    def rows():
        entries = f.qs.iterator(chunk_size=2000)
        while chunk := list(itertools.islice(entries, 2000)):
            for r in auditview.readable(request.user, chunk):
                e = r.entry
                yield (e.at, e.actor_name, e.get_action_display(), r.kind, e.object_id, e.object_repr, r.text, e.note)

    # A city's log grows by the hundred thousand a year: above the threshold, in the background.
    return exports.ExportFile(
        "审计日志",
        rows=f.qs,
        build=lambda: xlsx.build_workbook(
            "审计日志", ["时间", "操作人", "操作", "对象类型", "对象ID", "对象", "变更", "说明"], rows()
        ),
    )


class SettingsForm(forms.ModelForm):
    class Meta:
        model = CountySettings
        fields = services.SETTINGS_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)
        for field in self.fields.values():
            field.widget.attrs["min"] = 1


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request):
    """County practice settings [C] with the reported defaults."""
    require_county_admin(request.user)
    form = SettingsForm(request.POST or None, instance=CountySettings.current())
    if request.method == "POST" and form.is_valid():
        services.update_settings(request.user, **form.cleaned_data)
        messages.success(request, "配置已保存")
        return redirect("core:settings")
    return render(request, "core/settings.html", {"form": form, "active_nav": "county_settings"})


# ---- notifications (every user sees only their own) -------------------------------------


@login_required
def notifications(request):
    from .models import Notification

    qs = Notification.objects.filter(recipient=request.user, digest__isnull=True)  # items show as their digest
    if request.GET.get("unread"):
        qs = qs.filter(read_at=None)
    context = {"active_nav": "notifications", "only_unread": bool(request.GET.get("unread"))}
    context.update(paginate(request, qs))
    return render(request, "core/notifications.html", context)


@login_required
@require_http_methods(["POST"])
def notifications_read(request):
    from .notifications import mark_read

    ids = [pk for pk in map(params.int_or_none, request.POST.getlist("id")) if pk is not None]
    count = mark_read(request.user, ids or None)
    messages.success(request, f"已标记 {count} 条为已读")
    next_url = request.POST.get("next", "")
    if next_url.startswith("/") and not next_url.startswith("//"):
        return redirect(next_url)
    return redirect("core:notifications")


# ---- working-day calendar (county admins) ------------------------------------------------


class CalendarDayForm(forms.Form):
    day = forms.DateField(label="日期")
    is_workday = forms.TypedChoiceField(
        label="类型", choices=[("0", "放假"), ("1", "调休上班")], coerce=lambda v: v == "1"
    )
    name = forms.CharField(label="名称", max_length=50, help_text="如“春节”或“春节调休上班”")


class CalendarYearForm(forms.Form):
    note = forms.CharField(label="依据", max_length=200, help_text="如：国务院办公厅关于2027年部分节假日安排的通知")


@login_required
@require_http_methods(["GET", "POST"])
def calendar(request):
    from datetime import date as date_cls

    from django.utils import timezone

    from .calendar import library_years
    from .models import CalendarDay, CalendarYear

    require_county_admin(request.user)
    today = timezone.localdate()
    year = int(request.GET.get("year") or request.POST.get("year") or today.year)
    day_form = style_form(CalendarDayForm(prefix="day"))
    year_form = style_form(CalendarYearForm(prefix="year"))
    if request.method == "POST":
        action = request.POST.get("action")
        here = f"{request.path}?year={year}"
        if action == "load":
            return pages.button_action(
                request,
                lambda: services.load_calendar_year_from_library(request.user, year),
                success=lambda n: f"已从 chinesecalendar 库载入 {year} 年的 {n} 个节假日和调休日",
                to=here,
            )
        if action == "delete":
            return pages.button_action(
                request,
                lambda: services.delete_calendar_day(request.user, date_cls.fromisoformat(request.POST["day"])),
                success="已删除",
                to=here,
            )
        if action == "day":
            day_form = style_form(CalendarDayForm(request.POST, prefix="day"))
            if done := pages.form_action(
                request,
                day_form,
                lambda data: services.set_calendar_day(request.user, **data),
                success="已保存",
                to=lambda _: f"{request.path}?year={day_form.cleaned_data['day'].year}",
            ):
                return done
        if action == "confirm":
            year_form = style_form(CalendarYearForm(request.POST, prefix="year"))
            if done := pages.form_action(
                request,
                year_form,
                lambda data: services.mark_calendar_year_loaded(request.user, year, data["note"]),
                success=f"{year} 年节假日安排已确认录入",
                to=here,
            ):
                return done
    years = {y.year: y for y in CalendarYear.objects.all()}
    shown = sorted(set(years) | {today.year, today.year + 1, year})
    context = {
        "year": year,
        "entry": years.get(year),
        "years": [(y, years.get(y)) for y in shown if y >= today.year - 3],
        "days": CalendarDay.objects.filter(day__year=year),
        "library_has_year": year in library_years(),
        "day_form": day_form,
        "year_form": year_form,
        "active_nav": "calendar",
    }
    return render(request, "core/calendar.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def jobs_page(request):
    from . import jobs
    from .models import JobState

    require_county_admin(request.user)
    if request.method == "POST":
        name = request.POST.get("name", "")
        if name in jobs.all_jobs():
            result = jobs.run_job(name)
            messages.success(request, f"已运行「{jobs.all_jobs()[name].description or name}」：{result or '完成'}")
        return redirect("core:jobs")
    states = {s.name: s for s in JobState.objects.all()}
    rows = [(job, states.get(name)) for name, job in jobs.all_jobs().items()]
    return render(request, "core/jobs.html", {"rows": rows, "active_nav": "jobs"})


# ---- my exports (every user sees only their own) -------------------------------------------


@login_required
def export_list(request):
    """我的导出: the user's background exports, newest first, with a download link when done.
    While one is pending the list refreshes itself (htmx polls this page's table)."""
    qs = exports.own(request.user)
    context = {
        "active_nav": "exports",
        "days": settings.JICENG_EXPORT_DAYS,
        "threshold": exports.threshold(),
        "now": timezone.now(),
    }
    context.update(paginate(request, qs))
    context["pending"] = any(e.is_pending for e in context["rows"])
    template = "core/exports_table.html" if request.headers.get("HX-Request") else "core/exports.html"
    return render(request, template, context)


@login_required
def export_download(request, pk):
    """The file of one of the user's own exports; 404 for anyone else's, whoever asks."""
    export = exports.downloadable_or_404(request.user, pk)
    exports.record_download(request.user, export)
    return FileResponse(
        exports.storage().open(export.file_name, "rb"),
        as_attachment=True,
        filename=export.download_name,
        content_type=xlsx.XLSX_TYPE,
    )
