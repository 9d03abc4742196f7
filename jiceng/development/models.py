"""发展党员: a file per person from application to full membership (../shared/spec/domain.md §2).

`DevelopmentFile` holds the person and the current state; `Step` rows are the append-only
timeline (a step recorded by mistake is revoked, never deleted). The state columns are a fold
of the steps (`rules.fold`) kept in step by the services in the same transaction; the pending
deadlines are stored so that the due lists are indexed queries, while "overdue" is decided at
read time against today's date.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from jiceng.core.cases import SettingsSingleton
from jiceng.core.models import TimestampedModel
from jiceng.members.models import Member

from . import rules


class DevelopmentFile(TimestampedModel):
    """发展党员档案: one person, from the application to full membership (or closure)."""

    scope_path = "organization__path"
    # A plain member reaches only their own file through visible() (the pages hide files from
    # members altogether; see queries.visible_files).
    member_scope = "member_id"

    class Status(models.TextChoices):
        OPEN = rules.OPEN, "进行中"
        COMPLETED = rules.COMPLETED, "已转正归档"
        REJECTED = rules.REJECTED, "不予发展"
        CANCELLED = rules.CANCELLED, "取消预备党员资格"
        TRANSFERRED = rules.TRANSFERRED, "随组织关系转出县外"

    STAGE_CHOICES = [(n, f"{rules.STAGE_NUMERALS[n]}、{name}") for n, name in rules.STAGES.items()]
    STEP_CHOICES = [(0, "未开始")] + [(n, f"{n}. {name}") for n, name in rules.STEPS.items()]

    # The person (an applicant is not yet a member; the Member record is created at step 17).
    name = models.CharField("姓名", max_length=50)
    name_pinyin = models.CharField("姓名拼音", max_length=200, blank=True, db_index=True)
    name_initials = models.CharField("拼音首字母", max_length=50, blank=True, db_index=True)
    gender = models.CharField("性别", max_length=10, choices=Member.Gender.choices)
    ethnicity = models.CharField("民族", max_length=20, default="汉族")
    birth_date = models.DateField("出生日期")
    id_number_encrypted = models.TextField("公民身份号码（加密）", editable=False)
    id_number_digest = models.CharField(max_length=64, editable=False, db_index=True)
    id_number_masked = models.CharField("公民身份号码", max_length=18, editable=False)
    phone = models.CharField("手机号码", max_length=20, blank=True)
    education = models.CharField("学历", max_length=20, choices=Member.Education.choices, blank=True)
    occupation = models.CharField("职业类别", max_length=20, choices=Member.Occupation.choices, blank=True)
    workplace = models.CharField("工作单位及职务", max_length=100, blank=True)
    organization = models.ForeignKey(
        "orgs.Organization", verbose_name="党支部", on_delete=models.PROTECT, related_name="development_files"
    )
    # Set at step 17. A person whose probation was cancelled may apply again: the new file's
    # approval re-admits the same member record, so a member may have several (closed) files.
    member = models.ForeignKey(
        Member,
        verbose_name="党员档案",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="development_files",
    )
    note = models.TextField("备注", blank=True)

    # State: a fold of the steps (rules.fold), written by the services only.
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.OPEN)
    stage = models.PositiveSmallIntegerField("阶段", choices=STAGE_CHOICES, default=1)
    last_step = models.PositiveSmallIntegerField("当前步骤", choices=STEP_CHOICES, default=0)
    last_step_on = models.DateField("最近一步日期", null=True, blank=True)
    applied_on = models.DateField("递交申请书日期", null=True, blank=True)
    talked_on = models.DateField("谈话日期", null=True, blank=True)
    talk_late = models.BooleanField("谈话超过一个月", default=False)
    activist_on = models.DateField("确定为积极分子日期", null=True, blank=True)
    last_review_on = models.DateField("最近一次考察日期", null=True, blank=True)
    candidate_on = models.DateField("确定为发展对象日期", null=True, blank=True)
    vote_on = models.DateField("支部大会接收日期（入党日期）", null=True, blank=True)
    approved_on = models.DateField("上级党委审批日期", null=True, blank=True)
    extension_months = models.PositiveSmallIntegerField("延长预备期（月）", default=0)
    probation_end_on = models.DateField("预备期满日期", null=True, blank=True)
    full_vote_on = models.DateField("支部大会讨论转正日期", null=True, blank=True)
    pending_outcome = models.CharField("待审批决议", max_length=10, choices=list(rules.OUTCOMES.items()), blank=True)
    pending_extension_months = models.PositiveSmallIntegerField("拟延长（月）", default=0)
    approved_outcome = models.CharField("审批决议", max_length=10, choices=list(rules.OUTCOMES.items()), blank=True)
    full_on = models.DateField("转正日期", null=True, blank=True)
    closed_on = models.DateField("结束日期", null=True, blank=True)
    close_reason = models.CharField("结束原因", max_length=200, blank=True)
    # Pending deadlines (null when nothing is waiting), for the due lists.
    talk_due_on = models.DateField("谈话期限", null=True, blank=True, db_index=True)
    review_due_on = models.DateField("下次考察期限", null=True, blank=True, db_index=True)
    approval_due_on = models.DateField("审批期限（三个月）", null=True, blank=True, db_index=True)
    approval_limit_on = models.DateField("审批最迟期限", null=True, blank=True)
    probation_due_on = models.DateField("预备期满待讨论", null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["organization__path", "name_pinyin", "id"]
        verbose_name = "发展党员档案"
        constraints = [
            # One open file per person; closed files are kept, so a person may apply again.
            models.UniqueConstraint(
                fields=["id_number_digest"], condition=Q(status="open"), name="development_one_open_file"
            ),
        ]
        indexes = [models.Index(fields=["organization", "status", "stage"], name="devfile_org_status_stage")]

    def __str__(self):
        return f"{self.name}（发展党员档案）"

    @property
    def identity(self) -> str:
        return rules.identity_at(self.last_step, self.status, self.approved_outcome)

    @property
    def identity_display(self) -> str:
        return rules.IDENTITIES[self.identity]

    @property
    def last_step_name(self) -> str:
        return rules.STEPS.get(self.last_step, "")

    @property
    def stage_name(self) -> str:
        return f"{rules.STAGE_NUMERALS[self.stage]}、{rules.STAGES[self.stage]}"

    @property
    def masked_phone(self) -> str:
        p = self.phone or ""
        return p[:3] + "****" + p[-4:] if len(p) >= 11 else p


class Step(models.Model):
    """One step of a file (append-only; revoked with a reason rather than deleted)."""

    scope_path = "file__organization__path"
    member_scope = "file__member_id"

    file = models.ForeignKey(DevelopmentFile, on_delete=models.PROTECT, related_name="steps")
    number = models.PositiveSmallIntegerField("步骤", choices=[(n, name) for n, name in rules.STEPS.items()])
    on = models.DateField("日期")
    outcome = models.CharField("决议", max_length=10, choices=list(rules.OUTCOMES.items()), blank=True)
    extension_months = models.PositiveSmallIntegerField("延长预备期（月）", null=True, blank=True)
    late_reason = models.CharField("延长审批理由", max_length=200, blank=True)
    recommendation = models.CharField("推荐方式", max_length=50, blank=True)
    vote_entitled = models.PositiveSmallIntegerField("应到会有表决权人数", null=True, blank=True)
    vote_attended = models.PositiveSmallIntegerField("实到会有表决权人数", null=True, blank=True)
    vote_written = models.PositiveSmallIntegerField("书面意见人数", null=True, blank=True)
    vote_yes = models.PositiveSmallIntegerField("赞成", null=True, blank=True)
    vote_no = models.PositiveSmallIntegerField("反对", null=True, blank=True)
    vote_abstain = models.PositiveSmallIntegerField("弃权", null=True, blank=True)
    training_days = models.PositiveSmallIntegerField("培训天数", null=True, blank=True)
    training_hours = models.PositiveSmallIntegerField("培训学时", null=True, blank=True)
    group = models.ForeignKey(
        "orgs.Organization",
        verbose_name="编入党小组",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_late = models.BooleanField("逾期", default=False)
    note = models.TextField("情况记录", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoke_reason = models.CharField("撤销原因", max_length=200, blank=True)

    class Meta:
        ordering = ["on", "number", "id"]
        verbose_name = "发展党员步骤"

    def __str__(self):
        return f"{self.file.name} 第{self.number}步「{self.get_number_display()}」"

    @property
    def label(self) -> str:
        return rules.step_label(self.number)

    @property
    def has_vote(self) -> bool:
        return self.vote_entitled is not None

    @property
    def votes_needed(self) -> int:
        return rules.votes_needed(self.vote_entitled or 0)

    @property
    def fact(self) -> rules.StepFact:
        vote = None
        if self.vote_entitled is not None:
            vote = rules.Vote(
                entitled=self.vote_entitled,
                attended=self.vote_attended or 0,
                yes=self.vote_yes or 0,
                no=self.vote_no or 0,
                abstain=self.vote_abstain or 0,
                written=self.vote_written or 0,
            )
        return rules.StepFact(
            number=self.number,
            on=self.on,
            outcome=self.outcome,
            extension_months=self.extension_months or 0,
            late_reason=self.late_reason,
            vote=vote,
            training_days=self.training_days,
            training_hours=self.training_hours,
        )


class StepPerson(models.Model):
    """Someone on a step: a contact (培养联系人), sponsor (入党介绍人) or talker (谈话人)."""

    scope_path = "step__file__organization__path"
    member_scope = "step__file__member_id"

    class Role(models.TextChoices):
        CONTACT = rules.CONTACT, "培养联系人"
        SPONSOR = rules.SPONSOR, "入党介绍人"
        TALKER = rules.TALKER, "谈话人"

    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="people")
    role = models.CharField("身份", max_length=10, choices=Role.choices)
    member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    name = models.CharField("姓名", max_length=50)
    title = models.CharField("职务", max_length=100, blank=True)

    class Meta:
        ordering = ["role", "id"]
        verbose_name = "步骤相关人员"

    def __str__(self):
        return f"{self.get_role_display()} {self.name}"


class Move(models.Model):
    """The file followed its member to another organization (组织关系县内转接): the steps stay with
    the file; this row keeps where it was before."""

    scope_path = "file__organization__path"
    member_scope = "file__member_id"

    file = models.ForeignKey(DevelopmentFile, on_delete=models.CASCADE, related_name="moves")
    from_org = models.ForeignKey(
        "orgs.Organization", verbose_name="原党组织", on_delete=models.PROTECT, related_name="+"
    )
    to_org = models.ForeignKey(
        "orgs.Organization", verbose_name="转入党组织", on_delete=models.PROTECT, related_name="+"
    )
    on = models.DateField("转入日期")
    letter_number = models.CharField("介绍信编号", max_length=50, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        ordering = ["on", "id"]
        verbose_name = "档案随组织关系转接"

    def __str__(self):
        return f"{self.file.name}：{self.from_org.name} → {self.to_org.name}"


def _document_path(instance, filename):
    from jiceng.core.uploads import stored_name

    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return stored_name("development", ext)


class Document(models.Model):
    """An uploaded document of a file (入党申请书, 谈话记录, 政审材料, 志愿书 …)."""

    scope_path = "file__organization__path"
    member_scope = "file__member_id"

    file = models.ForeignKey(DevelopmentFile, on_delete=models.PROTECT, related_name="documents")
    step = models.ForeignKey(Step, null=True, blank=True, on_delete=models.SET_NULL, related_name="documents")
    title = models.CharField("材料名称", max_length=100)
    original_name = models.CharField("原文件名", max_length=200)
    upload = models.FileField("文件", upload_to=_document_path, max_length=200)
    size = models.PositiveIntegerField("大小（字节）", default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = "发展党员材料"

    def __str__(self):
        return self.title


class DevelopmentSettings(SettingsSingleton, models.Model):
    """County practice [C] for this app, with the reported defaults; one row per installation."""

    idle_years = models.PositiveSmallIntegerField(
        "连续未发展党员年数", default=2, help_text="连续这么多个年度没有发展党员的党支部列入台账（默认2年）"
    )
    due_soon_days = models.PositiveSmallIntegerField(
        "提前提醒天数", default=15, help_text="期限前这么多天起列入“即将到期”并提醒党支部（默认15天）"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "发展党员配置"
