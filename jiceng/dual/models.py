from django.conf import settings
from django.db import models


class DualRegistrationRecord(models.Model):
    """One thing an in-office member did for the residential community they registered with
    (在职党员到社区报到, "dual registration" [C]): each such member should attend one party day,
    take one service project and claim one wish a year. Recorded by the community's managers.

    The registration itself is the member's own attributes (`Member.registered_community`,
    `Member.registered_on`); this table keeps what the community entered. It was created by
    the members app and keeps its table (`members_dualregistrationrecord`, docs/dual.md).
    """

    # The community's side: its managers see what was done for it. The member's own organization
    # sees a member's records through the member page (jiceng.dual.panels).
    scope_path = "community__path"
    # A plain member sees only their own (jiceng.core.scoping).
    member_scope = "member_id"
    # Audit entries written before the move name it by its old label (core.auditview).
    former_labels = ("members.DualRegistrationRecord",)

    class Kind(models.TextChoices):
        PARTY_DAY = "party_day", "参加社区主题党日"
        SERVICE_PROJECT = "service_project", "认领服务项目"
        WISH = "wish", "认领微心愿"

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="dual_records")
    # The community that recorded it, which is also who may see it (scope).
    community = models.ForeignKey(
        "orgs.Organization", verbose_name="报到社区", on_delete=models.PROTECT, related_name="dual_records"
    )
    kind = models.CharField("事项", max_length=20, choices=Kind.choices)
    on = models.DateField("日期")
    year = models.PositiveSmallIntegerField("年度", editable=False)
    title = models.CharField("内容", max_length=200)
    note = models.CharField("备注", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "members_dualregistrationrecord"
        ordering = ["-on", "-id"]
        verbose_name = "双报到活动记录"
        indexes = [models.Index(fields=["member", "year"], name="dual_member_year_idx")]

    def __str__(self):
        return f"{self.get_kind_display()}：{self.title}"

    def save(self, *args, **kwargs):
        self.year = self.on.year
        super().save(*args, **kwargs)
