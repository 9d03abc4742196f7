"""Excel import of the representatives' register (党代表名册), all or nothing.

Uses the project's import framework for reading the sheet, the row errors and the template
(`jiceng/core/importing.py`); the register is written here in one transaction with one audit
entry, because a county enters its 1,200 representatives once per congress term.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from jiceng.core import audit
from jiceng.core.importing import Column, ImportPage, RowError, read_sheet, template_workbook, text
from jiceng.core.scoping import require_manager, visible
from jiceng.members.models import Member

from . import rules
from .models import LiaisonStation, Representative, ServiceTeam

LEVELS = {label: value for value, label in Representative.Level.choices}
COLUMNS = [
    Column("姓名", "name", required=True, example="张三"),
    Column("代表层级", "level", required=True, help="、".join(LEVELS), example="县党代表"),
    Column("服务队", "team", required=True, help="系统中已建立的服务队名称", example="城关镇党代表服务队"),
    Column("届次", "congress", example="中共某县第十五次代表大会"),
    Column("工作单位及职务", "unit_post", example="某村党支部书记"),
    Column("联系电话", "phone", help="11 位手机号或带区号的固定电话", example="13800001234"),
    Column("对应党员", "member", help="党员姓名；重名时加空格和手机号后4位", example="张三 1234"),
    Column("工作室（联络站）", "station", help="系统中已建立的工作室或联络站名称", example="城关镇党代表工作室"),
    Column("备注", "note"),
]
NOTES = [
    "一行一名党代表；整个文件全部正确才会导入，任何一行有错都不导入，并指出第几行哪一列。",
    "服务队、工作室（联络站）须先在「服务队与工作室」中建立，且在您的管理范围内。",
    "已在册的同名、同服务队党代表会被视为重复，不会再次导入。",
]
PREVIEW_ROWS = 20
IMPORTERS = [ImportPage("representatives", "党代表名册", "liaison:representatives_import", "县委组织部导入党代表名册")]


@dataclass
class Outcome:
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    preview: list[dict] = field(default_factory=list)
    created: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def template():
    return template_workbook("党代表名册", COLUMNS, NOTES)


def validate(rows, actor) -> tuple[list[dict], list[RowError]]:
    teams = {t.name: t for t in visible(actor, ServiceTeam.objects.select_related("organization"))}
    stations = {s.name: s for s in visible(actor, LiaisonStation.objects.all())}
    existing = set(visible(actor, Representative.objects.filter(is_active=True)).values_list("name", "team_id"))
    cleaned, errors, seen = [], [], {}
    for row in rows:
        v = {k: text(x) for k, x in row.values.items()}
        problems = []

        def error(column: str, message: str, problems=problems, row=row) -> None:
            problems.append(RowError(row.row, column, message))

        name = v.get("name", "")
        if not name:
            error("姓名", "请填写姓名")
        elif len(name) > 50:
            error("姓名", "最多 50 个字")
        level = LEVELS.get(v.get("level", ""))
        if level is None:
            error("代表层级", f"应为：{'、'.join(LEVELS)}")
        team = teams.get(v.get("team", ""))
        if team is None:
            error("服务队", f"没有名为「{v.get('team', '')}」的服务队（或不在您的管理范围内）")
        station = None
        if v.get("station"):
            station = stations.get(v["station"])
            if station is None:
                error("工作室（联络站）", f"没有名为「{v['station']}」的工作室或联络站")
        phone = rules.normalize_phone(v.get("phone", ""))
        message = rules.phone_error(phone)
        if message:
            error("联系电话", message)
        member = None
        if v.get("member"):
            parts = v["member"].split()
            qs = visible(actor, Member.objects.filter(name=parts[0], status__in=Member.ACTIVE_STATUSES))
            if len(parts) > 1:
                qs = qs.filter(phone__endswith=parts[1])
            found = list(qs[:2])
            if not found:
                error("对应党员", "在您的管理范围内没有找到这名在册党员")
            elif len(found) > 1:
                error("对应党员", "有多名同名党员，请加空格和手机号后4位")
            else:
                member = found[0]
        if team is not None and name:
            key = (name, team.pk)
            if key in existing:
                error("姓名", "该服务队已有同名的在册党代表")
            elif key in seen:
                error("姓名", f"与第 {seen[key]} 行重复")
            seen.setdefault(key, row.row)
        for column, key, limit in (
            ("届次", "congress", 50),
            ("工作单位及职务", "unit_post", 100),
            ("备注", "note", 200),
        ):
            if len(v.get(key, "")) > limit:
                error(column, f"最多 {limit} 个字")
        if problems:
            errors.extend(problems)
            continue
        cleaned.append(
            {
                "row": row.row,
                "name": name,
                "level": level,
                "team": team,
                "organization": team.organization,
                "station": station,
                "phone": phone,
                "member": member,
                "congress": v.get("congress", ""),
                "unit_post": v.get("unit_post", ""),
                "note": v.get("note", ""),
            }
        )
    linked = [c["member"].pk for c in cleaned if c["member"] is not None]
    taken = set(Representative.objects.filter(member_id__in=linked, is_active=True).values_list("member_id", flat=True))
    counted: dict[int, int] = {}
    for item in cleaned:
        member = item["member"]
        if member is None:
            continue
        if member.pk in taken:
            errors.append(RowError(item["row"], "对应党员", "该党员已登记为党代表"))
        elif member.pk in counted:
            errors.append(RowError(item["row"], "对应党员", f"与第 {counted[member.pk]} 行是同一名党员"))
        counted.setdefault(member.pk, item["row"])
    return cleaned, sorted(errors, key=lambda e: (e.row, e.column))


def run(fileobj, actor, *, commit: bool) -> Outcome:
    """Validate every row; write them all (one transaction, one audit entry) or none."""
    require_manager(actor)
    rows = read_sheet(fileobj, COLUMNS)
    cleaned, errors = validate(rows, actor)
    outcome = Outcome(rows=len(rows), errors=errors)
    outcome.preview = [
        {
            "姓名": c["name"],
            "代表层级": dict(Representative.Level.choices)[c["level"]],
            "服务队": c["team"].name,
            "联系电话": rules.mask_phone(c["phone"]),
            "对应党员": c["member"].name if c["member"] else "",
        }
        for c in cleaned[:PREVIEW_ROWS]
    ]
    if not commit or errors or not cleaned:
        return outcome
    with transaction.atomic():
        for c in cleaned:
            require_manager(actor, c["organization"])
        created = Representative.objects.bulk_create(
            [Representative(**{k: v for k, v in c.items() if k != "row"}) for c in cleaned]
        )
        root = getattr(actor, "organization", None)
        audit.record(
            actor,
            "import",
            None,
            object_type="liaison.Representative",
            object_repr=f"党代表名册导入 {len(created)} 名",
            changes={"names": [c["name"] for c in cleaned][:200]},
            org_path=root.path if root is not None else "",
        )
    outcome.created = len(created)
    return outcome
