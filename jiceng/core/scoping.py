"""Data scope — the one place that decides what a user may see.

A user's scope is the subtree of their organization: every page, list, export, search,
file download and API endpoint passes its queryset through `visible()`. Models declare how
they reach an organization path with a `scope_path` class attribute
(e.g. ``"organization__path"``); a model without one is not visible to anyone but superusers.
A record with two sides declares `scope_paths` instead (a transfer: ``("from_org__path",
"to_org__path")``): it is visible in either side's subtree.

A user with the `member` role sees only their own records: a model that belongs to one
member declares how it reaches that member's id with `member_scope` (e.g. ``"member_id"``,
or ``"pk"`` on Member itself); a plain member then sees only the rows whose member is theirs.
Models listed in MEMBER_HIDDEN are never shown to plain members.

A user with the `resident` role (群众: a help cadre or work-team member outside the party's
records, a resident volunteer) has no scope at all: `scope_root` is None, so `visible()` gives
nothing and every page about an organization answers 404. An app reaches a resident's own records
through its own link to the user (e.g. a cadre's `user`), decided in that app's services and
queries (ADR 0033).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from jiceng.core import params
from jiceng.core.tree import path_upper_bound

NO_ORGANIZATION = "尚未建立党组织，或您的账号未分配所属组织"
STAFF_ONLY = "此页面供党组织工作人员使用；党员请在「我的档案」中查看本人的信息"


def scope_root(user):
    """The organization whose subtree the user sees, or None for no scope at all. A resident's
    account (``is_resident``) has none: their organization only says who manages the account."""
    if not getattr(user, "is_authenticated", False) or not user.is_active or is_resident(user):
        return None
    return user.organization


def has_full_scope(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_superuser)


def _organizations():
    """The organization model's queryset, reached through the user model (core does not import orgs)."""
    return get_user_model()._meta.get_field("organization").related_model.objects.all()


def home_root(user):
    """Where the user's pages start: their scope root; for a superuser without an organization,
    the first root of the tree. None when neither exists."""
    root = scope_root(user)
    if root is None and has_full_scope(user):
        root = _organizations().filter(parent__isnull=True).order_by("path").first()
    return root


def page_root(request, *, choose: bool = True, posted: bool = False):
    """The organization a page is about: `?org=<id>` (with `posted`, also a posted `org`) when
    `choose` and it is in the user's scope, else `home_root`. Answers 404 for an organization
    outside the scope and when the user has no organization at all; an `org` that is not a
    number is ignored (docs/decisions/0020-access-kernel.md)."""
    user = request.user
    if choose:
        raw = request.GET.get("org") or (request.POST.get("org") if posted else None)
        pk = params.int_or_none(raw)
        if pk is not None:
            return get_visible_or_404(user, _organizations(), pk=pk)
    root = home_root(user)
    if root is None:
        raise Http404(NO_ORGANIZATION)
    return root


NOT_STAFF_ROLES = frozenset({"member", "resident"})


def is_member_role(user) -> bool:
    """Not staff: a plain member (sees their own records) or a resident (sees only what an app
    links to the user directly); neither sees a staff page."""
    return not getattr(user, "is_superuser", False) and getattr(user, "role", None) in NOT_STAFF_ROLES


def is_resident(user) -> bool:
    """An account of someone outside the party's records (群众): a non-member help cadre or
    work-team member, a resident volunteer. The scope gives them nothing (``visible``); an app
    reaches their own records through its own link to the user."""
    return not getattr(user, "is_superuser", False) and getattr(user, "role", None) == "resident"


def require_staff(user, message: str = STAFF_ONLY) -> None:
    """Staff pages (lists of other people's records, registers, reports) refuse a plain member
    with 403 and a message saying where to go instead (the page exists; it is not theirs)."""
    if is_member_role(user):
        raise PermissionDenied(message)


def path_q(prefix_field: str, path: str) -> Q:
    return Q(**{f"{prefix_field}__gte": path, f"{prefix_field}__lt": path_upper_bound(path)})


def scope_fields(model) -> tuple[str, ...]:
    """The organization paths a model's rows are reached by: its `scope_paths` (each side of a
    two-sided record) or its one `scope_path`; none for shared reference data."""
    several = getattr(model, "scope_paths", None)
    if several:
        return tuple(several)
    one = getattr(model, "scope_path", None)
    return (one,) if one else ()


def visible(user, queryset: QuerySet) -> QuerySet:
    """Restrict `queryset` to what `user` may see."""
    model = queryset.model
    if has_full_scope(user):
        return queryset
    root = scope_root(user)
    fields = scope_fields(model)
    if root is None or not fields:
        return queryset.none()
    in_subtree = Q()
    for field in fields:
        in_subtree |= path_q(field, root.path)
    queryset = queryset.filter(in_subtree)
    if user.role == "member":
        queryset = _members_own(user, model, queryset)
    return queryset


MEMBER_HIDDEN = {"core.AuditEntry", "imports.ImportBatch", "accounts.User"}


def _members_own(user, model, queryset: QuerySet) -> QuerySet:
    """A plain member sees their own member-linked records, nobody else's."""
    if model._meta.label in MEMBER_HIDDEN:
        return queryset.none()
    member_field = getattr(model, "member_scope", None)
    if member_field is None:
        return queryset
    return queryset.filter(**{member_field: user.member_id}) if user.member_id else queryset.none()


def in_scope(user, obj: Model) -> bool:
    return visible(user, type(obj)._default_manager.filter(pk=obj.pk)).exists()


def get_visible_or_404(user, queryset: QuerySet, **lookup):
    """Outsiders get 404: they do not even learn the object exists."""
    try:
        return visible(user, queryset).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError, ValidationError, OverflowError) as exc:
        # Also an id that is not a number or is past the column's range (/cards/abc/): not found.
        raise Http404("未找到或无权查看") from exc


def require_manager(user, organization=None) -> None:
    """Raise PermissionDenied unless the user may change data in `organization`'s subtree.

    `user=None` is the system itself (management commands, the demo generator); views
    always pass request.user, which is never None.
    """
    if user is None or has_full_scope(user):
        return
    if not getattr(user, "can_manage", False):
        raise PermissionDenied("当前角色只能查看，不能修改")
    if organization is not None:
        root = scope_root(user)
        if root is None or not (root.path <= organization.path < path_upper_bound(root.path)):
            raise PermissionDenied("该组织不在您的管理范围内")


def can_manage(user, organization=None) -> bool:
    """`require_manager` as a yes/no, for showing or hiding the buttons of a page."""
    try:
        require_manager(user, organization)
    except PermissionDenied:
        return False
    return True


def require_level_above(user, organization, message: str = "此项由上级党组织审批，本组织不能审批自己的事项") -> None:
    """Reviewing and approving are the job of the level above: besides managing the
    organization, the user's own organization must be a proper ancestor of it (a branch cannot
    review itself). ``message`` names what is reviewed."""
    if user is None or has_full_scope(user):
        return
    require_manager(user, organization)
    root = scope_root(user)
    if root is None or root.path == organization.path:
        raise PermissionDenied(message)


def can_review(user, organization) -> bool:
    """`require_level_above` as a yes/no, for showing or hiding review buttons."""
    try:
        require_level_above(user, organization)
    except PermissionDenied:
        return False
    return True


def require_county_admin(user) -> None:
    if not (has_full_scope(user) or getattr(user, "is_county_admin", False)):
        raise PermissionDenied("仅县委组织部管理员可以访问")


# Who may reset whose password: a role may act on the roles below it, in its own subtree.
ROLE_RANK = {
    "county_admin": 4,
    "township_admin": 3,
    "branch_secretary": 2,
    "member": 1,
    "department_handler": 1,
    "resident": 1,
}


def can_manage_account(actor, target) -> bool:
    """May `actor` reset `target`'s password or revoke their API token?

    The county admin manages every account but their own (use 修改密码 for that); a township
    admin or branch secretary manages accounts in their subtree whose role ranks below theirs."""
    if actor is None or target is None or actor.pk == target.pk:
        return False
    if has_full_scope(actor):
        return True
    if not getattr(actor, "can_manage", False) or not in_scope(actor, target):
        return False
    if target.is_superuser:
        return False
    return actor.role == "county_admin" or ROLE_RANK.get(target.role, 0) < ROLE_RANK.get(actor.role, 0)


def require_account_manager(actor, target) -> None:
    if not can_manage_account(actor, target):
        raise PermissionDenied("该账号不在您的管理范围内，或角色不低于您")
