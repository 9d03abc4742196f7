from django.conf import settings
from django.db import models

from jiceng.core.models import TimestampedModel


class Member(TimestampedModel):
    """A party member on record (党员)."""

    scope_path = "organization__path"
    # A plain member sees only their own (jiceng.core.scoping).
    member_scope = "pk"

    class Status(models.TextChoices):
        PROBATIONARY = "probationary", "预备党员"
        FULL = "full", "正式党员"
        # Between a transfer letter's issue and its receipt (组织关系转接): counted by neither
        # organization, hence not in ACTIVE_STATUSES. Only jiceng.transfers sets and clears it.
        IN_TRANSIT = "in_transit", "转接途中"
        TRANSFERRED_OUT = "transferred_out", "已转出"
        DECEASED = "deceased", "已去世"
        REMOVED = "removed", "已出党"

    class RemovalReason(models.TextChoices):
        EXPELLED = "expelled", "开除党籍（出党）"
        STRUCK_OFF = "struck_off", "除名"
        LAPSED = "lapsed", "自行脱党"
        WITHDREW = "withdrew", "退党"
        # 《中国共产党发展党员工作细则》: a probationary member who is not fit is cancelled, not expelled.
        PROBATION_CANCELLED = "probation_cancelled", "取消预备党员资格"

    class Gender(models.TextChoices):
        MALE = "male", "男"
        FEMALE = "female", "女"

    class Education(models.TextChoices):
        POSTGRADUATE = "postgraduate", "研究生"
        BACHELOR = "bachelor", "大学本科"
        JUNIOR_COLLEGE = "junior_college", "大学专科"
        SECONDARY = "secondary", "高中、中专"
        JUNIOR_HIGH = "junior_high", "初中及以下"

    class Occupation(models.TextChoices):
        FARMER = "farmer", "农牧渔民"
        WORKER = "worker", "工人"
        CIVIL_SERVANT = "civil_servant", "党政机关工作人员"
        PROFESSIONAL = "professional", "专业技术人员"
        MANAGER = "manager", "企事业单位管理人员"
        STUDENT = "student", "学生"
        RETIRED = "retired", "离退休人员"
        OTHER = "other", "其他职业人员"
        UNEMPLOYED = "unemployed", "无职业"

    ACTIVE_STATUSES = (Status.PROBATIONARY, Status.FULL)

    name = models.CharField("姓名", max_length=50)
    name_pinyin = models.CharField("姓名拼音", max_length=200, blank=True, db_index=True)
    name_initials = models.CharField("拼音首字母", max_length=50, blank=True, db_index=True)
    gender = models.CharField("性别", max_length=10, choices=Gender.choices)
    ethnicity = models.CharField("民族", max_length=20, default="汉族")
    birth_date = models.DateField("出生日期", db_index=True)
    # The ID number is never stored in clear: encrypted (for the audited full view),
    # a keyed digest (uniqueness, exact lookup) and the masked form lists show.
    id_number_encrypted = models.TextField("公民身份号码（加密）", editable=False)
    id_number_digest = models.CharField(max_length=64, unique=True, editable=False)
    id_number_masked = models.CharField("公民身份号码", max_length=18, editable=False)
    phone = models.CharField("手机号码", max_length=20, blank=True, db_index=True)
    education = models.CharField("学历", max_length=20, choices=Education.choices, blank=True)
    occupation = models.CharField("职业类别", max_length=20, choices=Occupation.choices, blank=True)
    join_date = models.DateField("入党日期", null=True, blank=True)
    full_date = models.DateField("转正日期", null=True, blank=True)
    organization = models.ForeignKey(
        "orgs.Organization", verbose_name="所在党组织", on_delete=models.PROTECT, related_name="members"
    )
    post = models.CharField("党内职务/岗位", max_length=100, blank=True, help_text="为空即无职党员")
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.FULL)
    removal_reason = models.CharField("出党方式", max_length=20, choices=RemovalReason.choices, blank=True)
    is_mobile = models.BooleanField("流动党员", default=False)
    mobile_destination = models.CharField("流入地/流动党员服务站", max_length=100, blank=True)
    registered_community = models.ForeignKey(
        "orgs.Organization",
        verbose_name="到社区报到",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="registered_members",
        help_text="在职党员到居住地社区报到（双报到）",
    )
    registered_on = models.DateField("报到日期", null=True, blank=True)
    import_batch = models.ForeignKey(
        "imports.ImportBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )

    class Meta:
        ordering = ["organization__path", "name", "id"]
        verbose_name = "党员"
        indexes = [
            models.Index(fields=["organization", "status"], name="member_org_status_idx"),
            models.Index(fields=["status"], name="member_status_idx"),
            # This month's political birthdays of members who joined this year (jiceng.members.tally).
            models.Index(fields=["join_date"], name="member_join_date_idx"),
            # The command screen's age bands (the one member figure that moves with the calendar,
            # so not in the tallies): read from this index alone, a province's 3.8 million active
            # members are a tenth of the table's pages (docs/performance.md, ADR 0019).
            models.Index(
                fields=["organization", "birth_date"],
                name="member_active_birth_idx",
                condition=models.Q(status__in=["probationary", "full"]),
            ),
            # The same bands for the top of the only tree (a province's administrator): the youngest
            # and the oldest band are two ranges of this index, the band between them the rest of
            # the active members (dashboard.queries; 3.8 million birth dates read → 1.9 million).
            models.Index(
                fields=["birth_date"],
                name="member_active_birth_date_idx",
                condition=models.Q(status__in=["probationary", "full"]),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def masked_phone(self) -> str:
        p = self.phone or ""
        return p[:3] + "****" + p[-4:] if len(p) >= 11 else p


class StatusChange(models.Model):
    """History of every status change of a member (kept in step with Member.status)."""

    scope_path = "member__organization__path"
    member_scope = "member_id"

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField("原状态", max_length=20, choices=Member.Status.choices, blank=True)
    to_status = models.CharField("新状态", max_length=20, choices=Member.Status.choices)
    on = models.DateField("日期")
    reason = models.CharField("原因", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["on", "id"]
        verbose_name = "党员状态变更"


class LeadHousehold(TimestampedModel):
    """党员中心户: a member who looks after several neighbouring households."""

    scope_path = "member__organization__path"
    member_scope = "member_id"

    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="lead_household")
    households = models.PositiveSmallIntegerField("联系户数", default=5)
    area = models.CharField("联系范围", max_length=200, blank=True)

    class Meta:
        verbose_name = "党员中心户"

    def __str__(self):
        return f"党员中心户 {self.member.name}"


class MemberTally(models.Model):
    """How many of an organization's own members fall in one group: ``dimension`` is status
    (every member) or gender, education, mobile, no_post, join_month (active members only);
    ``value`` the group. Kept by database triggers in the same transaction as every write to
    members (jiceng.members.tally, ADR 0019); never written by the application except by
    ``tally.rebuild``. Rows may hold 0 after members leave."""

    organization = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="+")
    dimension = models.CharField(max_length=20)
    value = models.CharField(max_length=20, blank=True)
    n = models.IntegerField(default=0)

    class Meta:
        verbose_name = "党员分组计数"
        constraints = [models.UniqueConstraint(fields=["organization", "dimension", "value"], name="member_tally_once")]
        indexes = [
            # The status rows alone (a tenth of the table), with every column their readers name:
            # the structure warnings' direct counts and the members per child of a province are
            # read from this index without the table (docs/performance.md, the province screen).
            models.Index(
                fields=["organization", "value", "n"],
                condition=models.Q(dimension="status"),
                name="member_tally_status_idx",
            ),
        ]
