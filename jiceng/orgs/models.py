from django.db import models

from jiceng.core.models import TimestampedModel

from . import rules


class Organization(TimestampedModel):
    """Any node of the party organization tree (党组织)."""

    scope_path = "path"

    class Type(models.TextChoices):
        COMMITTEE = "committee", "党委"
        GENERAL_BRANCH = "general_branch", "党总支"
        BRANCH = "branch", "党支部"
        JOINT_BRANCH = "joint_branch", "联合党支部"
        TEMPORARY_BRANCH = "temporary_branch", "临时党支部"
        GROUP = "group", "党小组"

    class Domain(models.TextChoices):
        RURAL = "rural", "农村"
        COMMUNITY = "community", "社区"
        AGENCY = "agency", "机关"
        SCHOOL = "school", "事业单位（学校）"
        HOSPITAL = "hospital", "事业单位（医院）"
        INSTITUTION = "institution", "事业单位（其他）"
        STATE_ENTERPRISE = "state_enterprise", "国有企业"
        PRIVATE_ENTERPRISE = "private_enterprise", "非公企业"
        SOCIAL_ORG = "social_org", "社会组织"

    code = models.CharField("组织编码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=100)
    short_name = models.CharField("简称", max_length=50, blank=True)
    type = models.CharField("组织类型", max_length=20, choices=Type.choices)
    domain = models.CharField("领域", max_length=30, choices=Domain.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级组织", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Materialized path: 4-digit segments from the root; the subtree is one range scan.
    path = models.CharField("路径", max_length=64, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField("层级", default=0, editable=False)
    founded_on = models.DateField("成立日期", null=True, blank=True)
    has_committee = models.BooleanField("设有委员会", default=False)
    term_start = models.DateField("本届任期开始", null=True, blank=True)
    term_end = models.DateField("本届任期届满", null=True, blank=True)
    # Set only by an approved postponement (jiceng.elections); cleared by the next approved
    # election. Term warnings then count from this date instead of term_end.
    term_postponed_to = models.DateField("经批准延期换届至", null=True, blank=True, editable=False)
    secretary_name = models.CharField("书记", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=20, blank=True)
    venue = models.CharField("活动阵地", max_length=200, blank=True)
    grid = models.CharField("网格", max_length=100, blank=True)
    grid_households = models.PositiveIntegerField("网格户数", null=True, blank=True)
    import_batch = models.ForeignKey(
        "imports.ImportBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="organizations"
    )

    class Meta:
        ordering = ["path"]
        verbose_name = "党组织"
        indexes = [
            models.Index(fields=["type"], name="org_type_idx"),
            models.Index(fields=["domain"], name="org_domain_idx"),
            models.Index(fields=["term_end"], name="org_term_end_idx"),
        ]

    def __str__(self):
        return self.name

    @property
    def path_end(self) -> str:
        return rules.path_upper_bound(self.path)

    @property
    def is_branch_like(self) -> bool:
        return self.type in rules.BRANCH_TYPES

    def subtree_filter(self, prefix: str = "") -> models.Q:
        """Q for objects whose `<prefix>path` lies in this organization's subtree."""
        return models.Q(**{f"{prefix}path__gte": self.path, f"{prefix}path__lt": self.path_end})


class Enterprise(TimestampedModel):
    """A registered non-public enterprise or social organization (两新组织), with or without
    a party organization; the basis of the coverage rates."""

    scope_path = "township__path"

    class Kind(models.TextChoices):
        PRIVATE_ENTERPRISE = "private_enterprise", "非公企业"
        SOCIAL_ORG = "social_org", "社会组织"

    name = models.CharField("名称", max_length=100)
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True)
    kind = models.CharField("类别", max_length=30, choices=Kind.choices)
    township = models.ForeignKey(
        Organization, verbose_name="所在乡镇党委", on_delete=models.PROTECT, related_name="enterprises"
    )
    employees = models.PositiveIntegerField("从业人员", default=0)
    party_organization = models.ForeignKey(
        Organization,
        verbose_name="党组织",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="covered_enterprises",
    )
    instructor_name = models.CharField("党建指导员", max_length=50, blank=True)

    class Meta:
        ordering = ["township__path", "name"]
        verbose_name = "两新组织"

    def __str__(self):
        return self.name

    @property
    def has_party_work(self) -> bool:
        return self.party_organization_id is not None or bool(self.instructor_name)
