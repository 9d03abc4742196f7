from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A person who logs in; belongs to one organization with one role.

    The organization's subtree is the user's data scope (see jiceng.core.scoping).
    """

    scope_path = "organization__path"

    class Role(models.TextChoices):
        COUNTY_ADMIN = "county_admin", "县委组织部管理员"
        TOWNSHIP_ADMIN = "township_admin", "乡镇（街道）党委管理员"
        BRANCH_SECRETARY = "branch_secretary", "支部书记"
        MEMBER = "member", "党员"
        DEPARTMENT_HANDLER = "department_handler", "部门经办人"
        # Someone who logs in but is neither a party member nor staff: a help cadre or a work-team
        # member from outside the party tree, a resident volunteer. Sees nothing through the scope;
        # each app reaches a resident's own records through a direct link to the user (ADR 0033).
        RESIDENT = "resident", "群众（非党员）"

    organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name="所属组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    role = models.CharField("角色", max_length=30, choices=Role.choices, default=Role.MEMBER)
    member = models.OneToOneField(
        "members.Member", verbose_name="对应党员", null=True, blank=True, on_delete=models.SET_NULL, related_name="user"
    )
    display_name = models.CharField("姓名", max_length=50, blank=True)

    class Meta:
        verbose_name = "用户"

    def __str__(self):
        return self.display_name or self.username

    @property
    def can_manage(self) -> bool:
        """May create and change organizations and members within scope."""
        return self.role in {self.Role.COUNTY_ADMIN, self.Role.TOWNSHIP_ADMIN, self.Role.BRANCH_SECRETARY}

    @property
    def is_county_admin(self) -> bool:
        return self.role == self.Role.COUNTY_ADMIN
