"""Importing organizations from Excel (all-or-nothing)."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError

from jiceng.core.importing import Column, ParsedRow, RowError, parse_date, text
from jiceng.core.scoping import visible

from . import services
from .models import Enterprise, Organization

TYPE_BY_LABEL = {label: value for value, label in Organization.Type.choices}
DOMAIN_BY_LABEL = {label: value for value, label in Organization.Domain.choices}
DOMAIN_BY_LABEL.update({"事业单位": "institution", "学校": "school", "医院": "hospital"})

COLUMNS = [
    Column("组织编码", "code", True, "全县唯一，字母数字，导入党员时用它指定所在党组织", "A0101"),
    Column("组织名称", "name", True, "全称", "城关镇东街村党支部"),
    Column("上级组织编码", "parent", True, "已有组织或本文件中排在前面的组织的编码", "A01"),
    Column("组织类型", "type", True, "、".join(TYPE_BY_LABEL), "党支部"),
    Column("所属领域", "domain", True, "、".join(label for _, label in Organization.Domain.choices), "农村"),
    Column("成立日期", "founded_on", False, "如 2001-07-01", "2001-07-01"),
    Column("是否设委员会", "has_committee", False, "是/否", "是"),
    Column("任期开始", "term_start", False, "本届任期开始日期", "2024-03-01"),
    Column("任期届满", "term_end", False, "本届任期届满日期", "2027-03-01"),
    Column("书记", "secretary_name", False, "", "张三"),
    Column("联系电话", "contact_phone", False, "", "13800000000"),
    Column("活动阵地", "venue", False, "", "村党群服务中心"),
]
NOTES = [
    "第一行为列名，请勿修改；从第二行起每行一个党组织。带 * 的列必填。",
    "上级组织须在您的管理范围内；同一文件中，上级组织应排在下级组织之前。",
    "任何一行有错误时整个文件都不会导入，错误会指明行号和列名。",
]


class OrganizationImporter:
    kind = "orgs"
    title = "党组织"
    columns = COLUMNS
    notes = NOTES

    def validate(self, rows: list[ParsedRow], actor, today: date) -> tuple[list[dict], list[RowError]]:
        errors: list[RowError] = []
        cleaned: list[dict] = []
        scope = visible(actor, Organization.objects.all()) if actor is not None else Organization.objects.all()
        codes_in_file = [text(r.values.get("code")) for r in rows]
        known = {
            o.code: o
            for o in scope.filter(
                code__in=[c for c in codes_in_file if c] + [text(r.values.get("parent")) for r in rows]
            )
        }
        existing_codes = set(Organization.objects.filter(code__in=codes_in_file).values_list("code", flat=True))
        seen: dict[str, int] = {}
        types_in_file: dict[str, str | None] = {}
        for r in rows:
            v = r.values
            row_errors: list[RowError] = []

            def err(column: str, message: str, _row=r.row, _errs=row_errors) -> None:
                _errs.append(RowError(_row, column, message))

            code = text(v.get("code"))
            if not code:
                err("组织编码", "不能为空")
            elif len(code) > 32 or not code.replace("-", "").replace("_", "").isalnum():
                err("组织编码", "只能包含字母、数字、-、_，不超过32位")
            elif code in existing_codes:
                err("组织编码", f"编码 {code} 已存在")
            elif code in seen:
                err("组织编码", f"与第 {seen[code]} 行重复")
            name = text(v.get("name"))
            if not name:
                err("组织名称", "不能为空")
            elif len(name) > 100:
                err("组织名称", "不能超过100个字")
            parent_code = text(v.get("parent"))
            parent = None
            if not parent_code:
                err("上级组织编码", "不能为空")
            elif parent_code in seen:
                parent = ("row", parent_code)
            elif parent_code in known:
                parent = known[parent_code]
            else:
                err("上级组织编码", f"未知的组织编码 {parent_code}（或不在您的管理范围内）")
            org_type = TYPE_BY_LABEL.get(text(v.get("type")))
            if org_type is None:
                err("组织类型", f"“{text(v.get('type'))}”不是有效的组织类型")
            domain = DOMAIN_BY_LABEL.get(text(v.get("domain")))
            if domain is None:
                err("所属领域", f"“{text(v.get('domain'))}”不是有效的领域")
            dates = {}
            for key, header in (("founded_on", "成立日期"), ("term_start", "任期开始"), ("term_end", "任期届满")):
                if text(v.get(key)):
                    try:
                        dates[key] = parse_date(v.get(key))
                    except ValueError as exc:
                        err(header, str(exc))
            if dates.get("founded_on") and dates["founded_on"] > today:
                err("成立日期", "不能晚于今天")
            if dates.get("term_start") and dates.get("term_end") and dates["term_end"] <= dates["term_start"]:
                err("任期届满", "应晚于任期开始日期")
            committee = text(v.get("has_committee"))
            if committee not in ("", "是", "否"):
                err("是否设委员会", "请填写“是”或“否”")
            parent_type = types_in_file.get(parent_code) if isinstance(parent, tuple) else getattr(parent, "type", None)
            if parent_type == "group":
                err("上级组织编码", "党小组下不能再设立党组织")
            if code and code not in seen:
                seen[code] = r.row
                types_in_file[code] = org_type
            if row_errors:
                errors.extend(row_errors)
                continue
            cleaned.append(
                {
                    "row": r.row,
                    "parent": parent,
                    "fields": {
                        "code": code,
                        "name": name,
                        "type": org_type,
                        "domain": domain,
                        "has_committee": committee == "是",
                        "secretary_name": text(v.get("secretary_name"))[:50],
                        "contact_phone": text(v.get("contact_phone"))[:20],
                        "venue": text(v.get("venue"))[:200],
                        **dates,
                    },
                }
            )
        return cleaned, errors

    def preview_row(self, item: dict) -> dict:
        f = item["fields"]
        parent = item["parent"]
        parent_label = parent[1] if isinstance(parent, tuple) else parent.code
        return {
            "行号": item["row"],
            "编码": f["code"],
            "名称": f["name"],
            "上级": parent_label,
            "类型": Organization.Type(f["type"]).label,
            "领域": Organization.Domain(f["domain"]).label,
        }

    def save(self, cleaned: list[dict], actor, batch) -> int:
        created: dict[str, Organization] = {}
        for item in cleaned:
            parent = item["parent"]
            if isinstance(parent, tuple):
                parent = created[parent[1]]
            org = services.create_organization(actor, parent=parent, batch=batch, **item["fields"])
            created[org.code] = org
        return len(created)

    def batch_objects(self, batch):
        return Organization.objects.filter(import_batch=batch)

    def undo(self, batch, objects) -> None:
        # Members register with a community by `registered_community` (related name below).
        if (
            objects.filter(registered_members__isnull=False).exists()
            or Enterprise.objects.filter(party_organization__import_batch=batch).exists()
        ):
            raise ValidationError(f"{batch}：导入的组织已被党员报到或两新组织引用，不能撤销")
        # Deepest first, so that children go before their parents.
        for org in objects.order_by("-depth", "-path"):
            org.delete()


IMPORTERS = [OrganizationImporter()]
