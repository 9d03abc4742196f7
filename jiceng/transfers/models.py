"""组织关系转接 (transfers of a member's party relationship), see ../shared/spec/domain.md §2.

A transfer is two-sided: the sending organization issues a letter (介绍信, with its number and
validity period), the receiving organization confirms receipt. Until then the member is in
transit (Member.Status.IN_TRANSIT) and counted by neither side. Three kinds:

- within the county: both sides are organizations on record; one transfer record that the
  sending side issues and the receiving side confirms inside the platform;
- out of the county: the destination is recorded as text; it is confirmed when the receipt
  (回执) comes back, and the member becomes 已转出;
- into the county from outside: the receiving side records the incoming letter; on
  confirmation a member record is created, or a transferred-out record is reactivated.
"""

from django.conf import settings
from django.db import models

from jiceng.core.cases import SettingsSingleton
from jiceng.core.models import TimestampedModel


class TransferSettings(SettingsSingleton, models.Model):
    """County practice [C] for transfer letters, edited by a county admin (/transfers/settings/).

    Defaults: 中共中央组织部《关于印发〈中国共产党流动党员活动证〉和〈中国共产党党员组织关系
    介绍信〉修订式样的通知》（组通字〔2006〕45号） leaves the validity to the issuer ("有效期 天");
    organization departments commonly write 30 days and never more than 3 months, and the
    receiving grassroots committee returns the receipt within one month of receiving the member.
    """

    default_validity_days = models.PositiveSmallIntegerField(
        "介绍信默认有效期（天）", default=30, help_text="开具介绍信时默认的有效天数，开具人可以改"
    )
    max_validity_months = models.PositiveSmallIntegerField(
        "介绍信最长有效期（月）", default=3, help_text="自开具（或重开）之日起最长不超过的月数"
    )
    receipt_months = models.PositiveSmallIntegerField(
        "县外回执期限（月）",
        default=1,
        help_text="转出县外的，接收方基层党委在党员报到后寄回回执的期限；有效期满后再过这么久仍无回执即为超期",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "组织关系转接设置"


class Transfer(TimestampedModel):
    # Two-sided scope (jiceng.core.scoping.visible): both the sending and the receiving subtree see
    # a transfer and its steps.
    scope_paths = ("from_org__path", "to_org__path")
    # A plain member sees only their own transfers (jiceng.core.scoping).
    member_scope = "member_id"

    class Kind(models.TextChoices):
        WITHIN = "within", "县内转接"
        OUT = "out", "转出县外"
        IN = "in", "县外转入"

    class State(models.TextChoices):
        IN_TRANSIT = "in_transit", "在途"
        COMPLETED = "completed", "已接收"
        RETURNED = "returned", "已退回"
        CANCELLED = "cancelled", "已撤销"

    class Reason(models.TextChoices):
        WORK = "work", "工作调动"
        STUDY = "study", "升学、毕业"
        HOME = "home", "迁居、返乡"
        RETIRED = "retired", "退休"
        MILITARY = "military", "入伍、退役"
        OTHER = "other", "其他"

    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.IN_TRANSIT)
    # Null for an incoming transfer until it is confirmed (then the created or reactivated record).
    member = models.ForeignKey(
        "members.Member", verbose_name="党员", null=True, blank=True, on_delete=models.PROTECT, related_name="transfers"
    )
    # The member as the letter describes them: all the receiving side ever sees of the member.
    member_name = models.CharField("姓名", max_length=50)
    gender = models.CharField("性别", max_length=10, blank=True)
    birth_date = models.DateField("出生日期", null=True, blank=True)
    id_number_masked = models.CharField("公民身份号码", max_length=18)
    id_number_digest = models.CharField(max_length=64, db_index=True, editable=False)
    # Only incoming letters keep the encrypted number, to create the member on confirmation.
    id_number_encrypted = models.TextField(blank=True, editable=False)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    member_status = models.CharField(
        "党员类别", max_length=20, help_text="正式党员或预备党员；接收后恢复为此状态"
    )  # Member.Status.FULL or PROBATIONARY
    join_date = models.DateField("入党日期", null=True, blank=True)
    full_date = models.DateField("转正日期", null=True, blank=True)
    # Only for letters from outside the county (as their issuer wrote it). The county's own letters
    # read the dues ledger instead (`dues_month`), so the letter always agrees with the ledger.
    dues_paid_until = models.DateField("党费交至", null=True, blank=True, help_text="月份（取该月1日）")

    from_org = models.ForeignKey(
        "orgs.Organization",
        verbose_name="转出党组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers_out",
    )
    from_name = models.CharField("转出党组织（县外）", max_length=200, blank=True)
    to_org = models.ForeignKey(
        "orgs.Organization",
        verbose_name="接收党组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers_in",
    )
    to_name = models.CharField("接收党组织（县外）", max_length=200, blank=True)
    region = models.CharField("县外地区", max_length=100, blank=True, help_text="转出去往或转入来自的省市县")

    letter_number = models.CharField("介绍信编号", max_length=50)
    issued_on = models.DateField("开具日期")
    valid_until = models.DateField("有效期至", help_text="党员须在此日（含）之前到接收党组织报到")
    # The last day on which confirmation is in time: valid_until, and for a transfer out of the
    # county also the receipt period after it, each rolled past a holiday (民法典第二百零三条).
    # Stored, so that "overdue" is one indexed query.
    due_on = models.DateField("确认期限")
    reissues = models.PositiveSmallIntegerField("重开/延期次数", default=0)
    reason = models.CharField("转接原因", max_length=20, choices=Reason.choices, default=Reason.WORK)
    note = models.CharField("说明", max_length=200, blank=True)

    completed_on = models.DateField("报到（接收）日期", null=True, blank=True)
    receipt_on = models.DateField("回执日期", null=True, blank=True)
    closed_on = models.DateField("退回/撤销日期", null=True, blank=True)
    closed_reason = models.CharField("退回/撤销原因", max_length=200, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-issued_on", "-id"]
        verbose_name = "组织关系转接"
        indexes = [
            models.Index(fields=["state", "due_on"], name="transfer_state_due_idx"),
            models.Index(fields=["kind", "state"], name="transfer_kind_state_idx"),
        ]
        constraints = [
            # A member is in at most one open transfer; counts can then never hold a member twice.
            models.UniqueConstraint(
                fields=["member"], condition=models.Q(state="in_transit"), name="transfer_one_open_per_member"
            ),
            models.UniqueConstraint(
                fields=["id_number_digest"],
                condition=models.Q(state="in_transit", kind="in"),
                name="transfer_one_open_incoming_per_person",
            ),
            models.UniqueConstraint(
                fields=["letter_number"],
                condition=models.Q(kind__in=["within", "out"]),
                name="transfer_letter_number_unique",
            ),
        ]

    def __str__(self):
        return f"{self.member_name} {self.get_kind_display()}（{self.letter_number}）"

    @property
    def from_label(self) -> str:
        return self.from_org.name if self.from_org_id else self.from_name

    @property
    def to_label(self) -> str:
        return self.to_org.name if self.to_org_id else self.to_name

    @property
    def is_open(self) -> bool:
        return self.state == self.State.IN_TRANSIT

    @property
    def dues_month(self):
        """党费交至 as the letter gives it. A letter from outside the county: as its issuer wrote it.
        The county's own letters: the dues ledger — the latest month paid on or before the issue
        date (payments are refused while a member is in transit); `queries.with_dues` annotates it
        for lists, otherwise it is read here."""
        if self.kind == self.Kind.IN:
            return self.dues_paid_until
        if not hasattr(self, "ledger_paid_until"):
            from jiceng.dues.queries import paid_until

            self.ledger_paid_until = paid_until(self.member_id, on=self.issued_on) if self.member_id else None
        return self.ledger_paid_until

    def is_overdue(self, today) -> bool:
        return self.is_open and today > self.due_on


class TransferEvent(models.Model):
    """Append-only timeline of a transfer: every step, who took it and when."""

    scope_paths = ("transfer__from_org__path", "transfer__to_org__path")
    member_scope = "transfer__member_id"

    class Action(models.TextChoices):
        ISSUE = "issue", "开具介绍信"
        RECORD = "record", "登记县外转入介绍信"
        EXTEND = "extend", "延期/重开介绍信"
        CONFIRM = "confirm", "确认接收"
        RECEIPT = "receipt", "回执已返回"
        RETURN = "return", "退回"
        CANCEL = "cancel", "撤销"

    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="events")
    action = models.CharField("步骤", max_length=20, choices=Action.choices)
    on = models.DateField("日期")
    at = models.DateTimeField("记录时间", auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField("说明", max_length=255, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "转接步骤"

    def __str__(self):
        return f"{self.get_action_display()} {self.on:%Y-%m-%d}"
