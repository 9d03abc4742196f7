from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from jiceng.accounts.models import User
from jiceng.core.dates import add_months
from jiceng.core.jobs import periodic
from jiceng.core.notifications import MANAGER_ROLES, Digest, notify
from jiceng.orgs.rules import SEGMENT

from . import rules, services
from .models import RectificationTask, WeakOrganization


@periodic(
    "ratings.points",
    every=timedelta(hours=24),
    description="按记录更新上月和本月的党员积分（补录、更正的记录次日计入）",
)
def recompute_points(now):
    this_month = rules.month_start(timezone.localtime(now).date())
    out = []
    for month in (add_months(this_month, -1), this_month):
        result = services.recompute_month(month)
        out.append(f"{month:%Y-%m} 新增 {result['added']} 条、冲销 {result['reversed']} 条")
    return "；".join(out)


@periodic(
    "ratings.fortress", every=timedelta(hours=24), description="按最新记录计算各党支部今年（1月份时另算上年）的堡垒指数"
)
def compute_fortress(now):
    today = timezone.localtime(now).date()
    years = [today.year - 1, today.year] if today.month == 1 else [today.year]
    return "；".join(f"{y}年 {services.compute_fortress(y)} 个党支部" for y in years)


# Rectification tasks due within this many days are announced before they are late.
TASK_NOTICE_DAYS = 3


@periodic(
    "ratings.rectification",
    every=timedelta(hours=24),
    description="提醒软弱涣散党组织整顿任务即将到期和已超期（本组织负责人；上级汇总）",
)
def rectification_reminders(now):
    """Each open task of a weak organization's ledger is announced to the organization's managers
    once when it is due within `TASK_NOTICE_DAYS` and once when it is overdue; the managers of
    the organizations above get the day's digest (notify's keys make a second run send nothing)."""
    today = timezone.localtime(now).date()
    tasks = list(
        RectificationTask.objects.filter(
            weak__state__in=WeakOrganization.OPEN,
            done_on__isnull=True,
            deadline__lte=today + timedelta(days=TASK_NOTICE_DAYS),
        ).select_related("weak__organization")
    )
    if not tasks:
        return "sent 0"
    # Managers of each task's organization and of every organization above it.
    paths = set()
    for task in tasks:
        path = task.weak.organization.path
        paths.update(path[:i] for i in range(SEGMENT, len(path) + 1, SEGMENT))
    managers = list(
        User.objects.filter(organization__path__in=paths, is_active=True, role__in=MANAGER_ROLES).select_related(
            "organization"
        )
    )
    digest = Digest("ratings:rectification", "下级党组织整顿任务到期", reverse("ratings:weak"))
    sent = 0
    for task in tasks:
        org = task.weak.organization
        late = task.deadline < today
        what = "已超期" if late else "即将到期"
        title = f"整顿任务{what}：{org.short_name or org.name} {task.measure}"[:200]
        body = f"完成期限 {task.deadline:%Y-%m-%d}，责任人 {task.owner}。"
        for user in managers:
            if org.path.startswith(user.organization.path):
                _, new = notify(
                    user,
                    kind="ratings_task",
                    title=title,
                    key=f"ratings:task:{task.pk}:{'overdue' if late else 'due'}",
                    body=body,
                    url=reverse("ratings:weak_detail", args=[task.weak_id]),
                    org_path=org.path,
                    digest=digest,
                )
                sent += new
    return f"sent {sent}"


# ---- the vanguard index (先锋指数) -----------------------------------------------------------------


@periodic(
    "ratings.vanguard",
    every=timedelta(hours=24),
    description="按最新记录计算各党员今年（1月份时另算上年）的先锋指数",
)
def compute_vanguard(now):
    today = timezone.localtime(now).date()
    years = [today.year - 1, today.year] if today.month == 1 else [today.year]
    return "；".join(f"{y}年 {services.compute_vanguard(y)} 名党员" for y in years)


@periodic(
    "ratings.appraisal",
    every=timedelta(hours=24),
    description="书记述职评议测评截止前提醒：未提交述职报告的书记、尚未投完票的评议人",
)
def appraisal_reminders(now):
    """Within `appraisal.REMIND_DAYS` days of an open round's last voting day: each secretary whose
    report is still a draft, and each reviewer who has not voted on every submitted report, is
    reminded once per round (notify's keys make a second run send nothing)."""
    from .services import appraisal

    today = timezone.localtime(now).date()
    sent = appraisal.remind_before_close(today)
    return f"提醒 {sent} 人"
