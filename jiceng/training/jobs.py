"""Periodic training work: reminders and the absence-notice safety net (all idempotent)."""

from datetime import timedelta

from django.utils import timezone

from jiceng.core.jobs import periodic

from . import services


@periodic("training.session_reminders", every=timedelta(hours=1), description="提醒学员明天的培训课")
def session_reminders(now):
    return f"提醒 {services.send_session_reminders(now)} 条"


@periodic("training.attendance_missing", every=timedelta(hours=6), description="提醒主办方登记已结束课次的出勤")
def attendance_missing(now):
    return f"提醒 {services.remind_missing_attendance(now)} 条"


@periodic(
    "training.absence_notices",
    every=timedelta(hours=6),
    description="核对培训无故缺课超限的通报与扣分（登记出勤时已即时检查，此为兜底）",
)
def absence_notices(now):
    year = timezone.localdate(now).year
    # Last year too: attendance corrected in January still settles last year's count.
    return "；".join(f"{y}年：{services.check_absences(y, now=now)}" for y in (year - 1, year))
