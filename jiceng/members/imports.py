"""Importing members from Excel (all-or-nothing)."""

from __future__ import annotations

import functools
from datetime import date

from django.core.exceptions import ValidationError

from jiceng.core import idnumbers
from jiceng.core.importing import Column, ParsedRow, RowError, delete_rows, insert_rows, parse_date, text
from jiceng.core.scoping import visible
from jiceng.core.text import pinyin_keys
from jiceng.orgs.models import Organization

from . import rules
from .models import Member, StatusChange

STATUS_BY_LABEL = {"正式党员": Member.Status.FULL, "预备党员": Member.Status.PROBATIONARY}
GENDER_BY_LABEL = {"男": "male", "女": "female"}
EDUCATION_BY_LABEL = {label: value for value, label in Member.Education.choices}
EDUCATION_BY_LABEL.update(
    {
        "高中": "secondary",
        "中专": "secondary",
        "初中": "junior_high",
        "小学": "junior_high",
        "本科": "bachelor",
        "大专": "junior_college",
        "硕士": "postgraduate",
        "博士": "postgraduate",
    }
)
OCCUPATION_BY_LABEL = {label: value for value, label in Member.Occupation.choices}

COLUMNS = [
    Column("姓名", "name", True, "", "张三"),
    Column("公民身份号码", "id_number", True, "18位，校验位和出生日期会被核验；请设置为文本格式", "420102199001011236"),
    Column("性别", "gender", True, "男/女，须与身份证号一致", "男"),
    Column("手机号码", "phone", False, "11位手机号", "13800000000"),
    Column("所在党组织编码", "org", True, "须在您的管理范围内", "A0101"),
    Column("人员类别", "status", True, "正式党员/预备党员", "正式党员"),
    Column("入党日期", "join_date", True, "支部大会通过接收为预备党员的日期", "2015-07-01"),
    Column("转正日期", "full_date", False, "正式党员必填，预备党员不填", "2016-07-01"),
    Column("民族", "ethnicity", False, "默认汉族", "汉族"),
    Column("学历", "education", False, "、".join(label for _, label in Member.Education.choices), "大学本科"),
    Column("职业类别", "occupation", False, "、".join(label for _, label in Member.Occupation.choices), "农牧渔民"),
    Column("党内职务", "post", False, "为空即无职党员", ""),
    Column("是否流动党员", "is_mobile", False, "是/否", "否"),
    Column("流入地", "mobile_destination", False, "流动党员填写", ""),
]
NOTES = [
    "第一行为列名，请勿修改；从第二行起每行一名党员。带 * 的列必填。",
    "公民身份号码列请设为“文本”格式，避免 Excel 把末位变成 0。",
    "任何一行有错误时整个文件都不会导入，错误会指明行号和列名。",
]


class MemberImporter:
    kind = "members"
    title = "党员"
    columns = COLUMNS
    notes = NOTES

    def validate(self, rows: list[ParsedRow], actor, today: date) -> tuple[list[dict], list[RowError]]:
        errors: list[RowError] = []
        cleaned: list[dict] = []
        scope = visible(actor, Organization.objects.all()) if actor is not None else Organization.objects.all()
        org_codes = {text(r.values.get("org")) for r in rows}
        orgs = {o.code: o for o in scope.filter(code__in=org_codes)}
        # Each ID number is parsed once: its digest is looked up below, in chunks, before the rows
        # are checked one by one.
        id_numbers: dict[int, idnumbers.IdNumberInfo | idnumbers.IdNumberError] = {}
        digests = {}
        for r in rows:
            try:
                id_numbers[r.row] = info = idnumbers.parse(text(r.values.get("id_number")), today)
            except idnumbers.IdNumberError as exc:
                id_numbers[r.row] = exc
            else:
                digests[r.row] = idnumbers.digest(info.number)
        existing = set()
        values = list(digests.values())
        for i in range(0, len(values), 500):
            existing |= set(
                Member.objects.filter(id_number_digest__in=values[i : i + 500]).values_list(
                    "id_number_digest", flat=True
                )
            )
        seen: dict[str, int] = {}
        for r in rows:
            v = r.values
            row_errors: list[RowError] = []

            def err(column: str, message: str, _row=r.row, _errs=row_errors) -> None:
                _errs.append(RowError(_row, column, message))

            name = text(v.get("name"))
            if not name:
                err("姓名", "不能为空")
            elif len(name) > 50:
                err("姓名", "不能超过50个字")
            info = id_numbers[r.row]
            if isinstance(info, idnumbers.IdNumberError):
                err("公民身份号码", str(info))
                info = None
            digest = digests.get(r.row)
            if info and digest in existing:
                err("公民身份号码", "该公民身份号码已登记（重复）")
            elif info and digest in seen:
                err("公民身份号码", f"与第 {seen[digest]} 行重复")
            gender = GENDER_BY_LABEL.get(text(v.get("gender")))
            if gender is None:
                err("性别", "请填写“男”或“女”")
            elif info and info.gender != gender:
                err("性别", "与公民身份号码第17位不一致")
            phone = text(v.get("phone"))
            if phone and not (len(phone) == 11 and phone.isascii() and phone.isdigit() and phone.startswith("1")):
                err("手机号码", "应为11位手机号")
            org_code = text(v.get("org"))
            org = orgs.get(org_code)
            if org is None:
                err("所在党组织编码", f"未知的组织编码 {org_code}（或不在您的管理范围内）")
            status = STATUS_BY_LABEL.get(text(v.get("status")))
            if status is None:
                err("人员类别", "请填写“正式党员”或“预备党员”")
            dates = {}
            for key, header in (("join_date", "入党日期"), ("full_date", "转正日期")):
                if text(v.get(key)):
                    try:
                        dates[key] = parse_date(v.get(key))
                    except ValueError as exc:
                        err(header, str(exc))
            if status is not None:
                headers = {"join_date": "入党日期", "full_date": "转正日期"}
                for field_name, message in rules.record_errors(
                    status=status,
                    birth_date=info.birth_date if info else None,
                    join_date=dates.get("join_date"),
                    full_date=dates.get("full_date"),
                    today=today,
                ).items():
                    if not any(e.column == headers[field_name] for e in row_errors):
                        err(headers[field_name], message)
            education = text(v.get("education"))
            if education and education not in EDUCATION_BY_LABEL:
                err("学历", f"“{education}”不是有效的学历")
            occupation = text(v.get("occupation"))
            if occupation and occupation not in OCCUPATION_BY_LABEL:
                err("职业类别", f"“{occupation}”不是有效的职业类别")
            mobile = text(v.get("is_mobile"))
            if mobile not in ("", "是", "否"):
                err("是否流动党员", "请填写“是”或“否”")
            if digest and digest not in seen:
                seen[digest] = r.row
            if row_errors:
                errors.extend(row_errors)
                continue
            cleaned.append(
                {
                    "row": r.row,
                    "id_number": info.number,
                    "digest": digest,
                    "fields": {
                        "name": name,
                        "gender": gender,
                        "phone": phone,
                        "organization": org,
                        "status": status,
                        "ethnicity": text(v.get("ethnicity")) or "汉族",
                        "education": EDUCATION_BY_LABEL.get(education, ""),
                        "occupation": OCCUPATION_BY_LABEL.get(occupation, ""),
                        "post": text(v.get("post"))[:100],
                        "is_mobile": mobile == "是",
                        "mobile_destination": text(v.get("mobile_destination"))[:100],
                        "birth_date": info.birth_date,
                        **dates,
                    },
                }
            )
        return cleaned, errors

    def preview_row(self, item: dict) -> dict:
        f = item["fields"]
        return {
            "行号": item["row"],
            "姓名": f["name"],
            "公民身份号码": idnumbers.mask(item["id_number"]),
            "所在党组织": f["organization"].name,
            "人员类别": Member.Status(f["status"]).label,
            "入党日期": f.get("join_date"),
        }

    def save(self, cleaned: list[dict], actor, batch) -> int:
        # Rows, not model instances, written in one round (core.importing.insert_rows); the
        # members' keys are then read back by their ID-number digest for their status changes.
        pinyin = functools.cache(pinyin_keys)  # names repeat
        rows = []
        for item in cleaned:
            fields = dict(item["fields"])
            fields["organization_id"] = fields.pop("organization").pk
            fields["name_pinyin"], fields["name_initials"] = pinyin(fields["name"])
            fields["id_number_encrypted"] = idnumbers.encrypt(item["id_number"])
            fields["id_number_digest"] = item["digest"]
            fields["id_number_masked"] = idnumbers.mask(item["id_number"])
            fields["import_batch_id"] = batch.pk
            rows.append(fields)
        insert_rows(Member, rows)
        ids = dict(Member.objects.filter(import_batch=batch).values_list("id_number_digest", "id"))
        recorded_by = actor.pk if getattr(actor, "is_authenticated", False) else None
        insert_rows(
            StatusChange,
            [
                {
                    "member_id": ids[item["digest"]],
                    "from_status": "",
                    "to_status": item["fields"]["status"],
                    "on": item["fields"].get("join_date"),
                    "reason": "Excel导入建档",
                    "recorded_by_id": recorded_by,
                }
                for item in cleaned
            ],
        )
        return len(rows)

    def batch_objects(self, batch):
        return Member.objects.filter(import_batch=batch)

    def undo(self, batch, objects) -> None:
        changes = StatusChange.objects.filter(member__import_batch=batch)
        if changes.count() != batch.row_count:
            raise ValidationError(f"{batch}：导入后已有党员状态变更，不能撤销")
        # The members and, as their foreign keys say, what refers to them (their status
        # changes first), each table in one statement filtered by the batch.
        delete_rows(objects)


IMPORTERS = [MemberImporter()]
