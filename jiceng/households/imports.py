"""Importing households with their people from Excel, in the layout counties keep: one row per
person, the household's columns repeated on each of its rows (户编号 joins them). Run by the
shared import pages (jiceng.imports: upload, preview, confirm, undo the last batch, template) and
by ``import_xlsx households``. All-or-nothing; each error names the row and the column."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone

from jiceng.core import idnumbers
from jiceng.core.importing import Column, ParsedRow, RowError, delete_rows, insert_rows, text
from jiceng.core.phones import normalize_phone, phone_error
from jiceng.core.scoping import visible
from jiceng.orgs.models import Organization

from . import services
from .models import GuaranteeCheck, Household, HouseholdMember, HouseholdStatusChange, Income, Measure, Pair, Visit


def _by_label(choices) -> dict[str, str]:
    return {label: value for value, label in choices}


KIND = _by_label(Household.Kind.choices)
STATUS = _by_label(Household.Status.choices)
CAUSE = _by_label(Household.Cause.choices)
CAUSE.update({"缺劳力": "labour", "因灾返贫": "disaster", "缺乏发展动力": "motivation", "交通落后": "transport"})
RELATION = _by_label(HouseholdMember.Relation.choices)
RELATION.update({"本人": "head", "儿子": "child", "女儿": "child", "之子": "child", "之女": "child", "妻": "spouse"})
RELATION.update({"夫": "spouse", "父亲": "parent", "母亲": "parent", "孙子": "grandchild", "孙女": "grandchild"})
HEALTH = _by_label(HouseholdMember.Health.choices)
HEALTH.update({"大病": "serious", "慢性病": "chronic"})
SCHOOLING = _by_label(HouseholdMember.Schooling.choices)
SCHOOLING.update({"高中": "senior", "中专": "senior", "大专": "college", "本科": "college", "学前": "preschool"})
WORK = _by_label(HouseholdMember.Work.choices)
WORK.update({"弱劳动力": "weak", "半劳动力": "weak"})

# The household's own columns: the same on every row of one household.
HOUSEHOLD_KEYS = ("village", "kind", "head_name", "phone", "address", "cause", "other_causes", "year", "status")

COLUMNS = [
    Column(
        "户编号", "number", True, "同一户的成员填写相同的户编号；须为新户（已登记的户请在页面上修改）", "4301220101001"
    ),
    Column("所在村编码", "village", True, "村（社区）党组织的编码，须在您的管理范围内", "A0101"),
    Column("户类别", "kind", False, "建档立卡户/防返贫监测户，默认建档立卡户", "建档立卡户"),
    Column("户主姓名", "head_name", True, "", "张大山"),
    Column("联系电话", "phone", False, "手机号或带区号的固定电话", "13800000000"),
    Column("家庭住址", "address", False, "", "东村3组12号"),
    Column("主要致贫原因", "cause", True, "、".join(label for _, label in Household.Cause.choices), "因病"),
    Column("其他致贫原因", "other_causes", False, "可填多个，用顿号分隔", "缺技术、缺资金"),
    Column("识别年度", "year", False, "纳入建档立卡或监测的年度", "2016"),
    Column("状态", "status", False, "未脱贫/已脱贫/监测帮扶中/风险已消除；默认按户类别", "已脱贫"),
    Column("成员姓名", "name", True, "", "张大山"),
    Column("公民身份号码", "id_number", True, "18位，校验位和出生日期会被核验；请设置为文本格式", "430122197005061234"),
    Column("与户主关系", "relation", True, "户主/配偶/子女/父母/孙子女/兄弟姐妹/其他；每户一名户主", "户主"),
    Column("健康状况", "health", False, "健康/长期慢性病/患有大病/残疾，默认健康", "健康"),
    Column("文化程度", "schooling", False, "、".join(label for _, label in HouseholdMember.Schooling.choices), "初中"),
    Column("劳动技能", "work", False, "、".join(label for _, label in HouseholdMember.Work.choices), "普通劳动力"),
    Column("务工情况", "work_place", False, "", "外出务工（广东）"),
]
NOTES = [
    "第一行为列名，请勿修改；从第二行起每行一名家庭成员，同一户的成员填写相同的户编号和户的信息。",
    "公民身份号码列请设为“文本”格式，避免 Excel 把末位变成 0。",
    "任何一行有错误时整个文件都不会导入，错误会指明行号和列名。",
]
HEADERS = {c.key: c.header for c in COLUMNS}


class HouseholdImporter:
    kind = "households"
    title = "帮扶户及家庭成员"
    columns = COLUMNS
    notes = NOTES

    def validate(self, rows: list[ParsedRow], actor, today: date) -> tuple[list[dict], list[RowError]]:
        errors: list[RowError] = []
        scope = visible(actor, Organization.objects.all()) if actor is not None else Organization.objects.all()
        codes = {text(r.values.get("village")) for r in rows}
        villages = {o.code: o for o in scope.filter(code__in=codes).select_related("parent")}
        numbers = {text(r.values.get("number")) for r in rows}
        taken = set(Household.objects.filter(number__in=numbers).values_list("number", flat=True))
        parsed_ids: dict[int, idnumbers.IdNumberInfo | idnumbers.IdNumberError] = {}
        digests: dict[int, str] = {}
        for r in rows:
            try:
                parsed_ids[r.row] = info = idnumbers.parse(text(r.values.get("id_number")), today)
            except idnumbers.IdNumberError as exc:
                parsed_ids[r.row] = exc
            else:
                digests[r.row] = idnumbers.digest(info.number)
        existing = set()
        values = list(digests.values())
        for i in range(0, len(values), 500):
            chunk = values[i : i + 500]
            existing |= set(
                HouseholdMember.objects.filter(id_number_digest__in=chunk).values_list("id_number_digest", flat=True)
            )
        households: dict[str, dict] = {}  # number → the household (its first row's values)
        seen_digest: dict[str, int] = {}
        for r in rows:
            v = r.values
            row_errors: list[RowError] = []

            def err(key: str, message: str, _row=r.row, _errs=row_errors) -> None:
                _errs.append(RowError(_row, HEADERS.get(key, ""), message))

            number = text(v.get("number"))
            if not number:
                err("number", "不能为空")
            elif len(number) > 30:
                err("number", "不能超过30个字符")
            elif number in taken:
                err("number", f"户编号 {number} 已登记，不能重复导入")
            fields = self._household_fields(v, villages, err)
            household = households.get(number)
            if number and household is None:
                household = households[number] = {"row": r.row, "number": number, "fields": fields, "people": []}
            elif household is not None:
                for key in HOUSEHOLD_KEYS:
                    if text(v.get(key)) != household["raw"][key]:
                        err(key, f"与同一户第 {household['row']} 行不一致")
            if household is not None and "raw" not in household:
                household["raw"] = {key: text(v.get(key)) for key in HOUSEHOLD_KEYS}
            person = self._person(r, v, parsed_ids[r.row], digests.get(r.row), existing, seen_digest, err)
            if row_errors:
                errors.extend(row_errors)
                if household is not None:
                    household["invalid"] = True
                continue
            household["people"].append(person)
        for household in households.values():
            if household.get("invalid"):
                continue
            heads = [p for p in household["people"] if p["relation"] == "head"]
            if len(heads) != 1:
                message = "该户没有户主" if not heads else f"该户有 {len(heads)} 名户主，一户只有一名户主"
                errors.append(RowError(household["row"], HEADERS["relation"], message))
        cleaned = [h for h in households.values() if not h.get("invalid")] if not errors else []
        return cleaned, sorted(errors, key=lambda e: e.row)

    def _household_fields(self, v, villages, err) -> dict:
        code = text(v.get("village"))
        village = villages.get(code)
        if village is None:
            err("village", f"未知的组织编码 {code}（或不在您的管理范围内）")
        elif problem := services.village_error(village):
            err("village", problem)
        kind = KIND.get(text(v.get("kind")) or "建档立卡户")
        if kind is None:
            err("kind", "请填写“建档立卡户”或“防返贫监测户”")
        head_name = text(v.get("head_name"))
        if not head_name:
            err("head_name", "不能为空")
        phone = text(v.get("phone"))
        if problem := phone_error(phone):
            err("phone", problem)
        cause = CAUSE.get(text(v.get("cause")))
        if cause is None:
            err("cause", f"“{text(v.get('cause'))}”不是可选的致贫原因")
        others = []
        for label in filter(None, (p.strip() for p in text(v.get("other_causes")).replace("，", "、").split("、"))):
            if label not in CAUSE:
                err("other_causes", f"“{label}”不是可选的致贫原因")
            else:
                others.append(CAUSE[label])
        year = None
        if text(v.get("year")):
            try:
                year = int(text(v.get("year")))
            except ValueError:
                year = 0
            if not 2000 <= year <= 2100:
                err("year", "应为年份，如 2016")
        status = None
        if text(v.get("status")):
            status = STATUS.get(text(v.get("status")))
            if status is None:
                err("status", "请填写：" + "/".join(STATUS))
        return {
            "village": village,
            "kind": kind,
            "head_name": head_name[:50],
            "phone": normalize_phone(phone),
            "address": text(v.get("address"))[:200],
            "cause": cause,
            "other_causes": others,
            "identified_year": year,
            "status": status or (services.initial_status(kind) if kind else None),
        }

    def _person(self, r, v, info, digest, existing, seen_digest, err) -> dict:
        name = text(v.get("name"))
        if not name:
            err("name", "不能为空")
        elif len(name) > 50:
            err("name", "不能超过50个字")
        if isinstance(info, idnumbers.IdNumberError):
            err("id_number", str(info))
            info = None
        elif digest in existing:
            err("id_number", "该公民身份号码已登记在其他帮扶户中")
        elif digest in seen_digest:
            err("id_number", f"与第 {seen_digest[digest]} 行重复")
        if digest and digest not in seen_digest:
            seen_digest[digest] = r.row
        choices = {}
        for key, table, default in (
            ("relation", RELATION, None),
            ("health", HEALTH, "healthy"),
            ("schooling", SCHOOLING, ""),
            ("work", WORK, ""),
        ):
            label = text(v.get(key))
            if not label and default is not None:
                choices[key] = default
            elif label in table:
                choices[key] = table[label]
            else:
                err(key, f"“{label}”不是可选的值" if label else "不能为空")
        return {
            "row": r.row,
            "name": name,
            "id_number": info.number if info else "",
            "digest": digest,
            "birth_date": info.birth_date if info else None,
            "gender": info.gender if info else "",
            "work_place": text(v.get("work_place"))[:100],
            **choices,
        }

    def preview_row(self, item: dict) -> dict:
        f = item["fields"]
        return {
            "行号": item["row"],
            "户编号": item["number"],
            "户主": f["head_name"],
            "所在村": f["village"].name,
            "状态": Household.Status(f["status"]).label,
            "家庭人口": len(item["people"]),
            "成员身份证号": "、".join(idnumbers.mask(p["id_number"]) for p in item["people"][:3]),
        }

    def save(self, cleaned: list[dict], actor, batch) -> int:
        """Rows, not model instances (core.importing.insert_rows): the households, then their
        people and first status rows by the household ids read back by number."""
        insert_rows(
            Household,
            [
                {
                    **{k: v for k, v in item["fields"].items() if k != "village"},
                    "village_id": item["fields"]["village"].pk,
                    "number": item["number"],
                    "import_batch_id": batch.pk,
                }
                for item in cleaned
            ],
        )
        ids = dict(Household.objects.filter(import_batch=batch).values_list("number", "id"))
        insert_rows(
            HouseholdMember,
            [
                {
                    "household_id": ids[item["number"]],
                    "name": p["name"],
                    "relation": p["relation"],
                    "gender": p["gender"],
                    "birth_date": p["birth_date"],
                    "id_number_encrypted": idnumbers.encrypt(p["id_number"]),
                    "id_number_digest": p["digest"],
                    "id_number_masked": idnumbers.mask(p["id_number"]),
                    "health": p["health"],
                    "schooling": p["schooling"],
                    "work": p["work"],
                    "work_place": p["work_place"],
                }
                for item in cleaned
                for p in item["people"]
            ],
        )
        recorded_by = actor.pk if getattr(actor, "is_authenticated", False) else None
        on = timezone.localdate()
        insert_rows(
            HouseholdStatusChange,
            [
                {
                    "household_id": ids[item["number"]],
                    "from_status": "",
                    "to_status": item["fields"]["status"],
                    "on": on,
                    "reason": "Excel导入建档",
                    "recorded_by_id": recorded_by,
                }
                for item in cleaned
            ],
        )
        return len(cleaned)

    def batch_objects(self, batch):
        return Household.objects.filter(import_batch=batch)

    def undo(self, batch, objects) -> None:
        if objects.count() != batch.row_count:
            raise ValidationError(f"{batch}：导入的帮扶户已有被删除的，不能撤销")
        if objects.filter(revision__gt=0).exists():
            raise ValidationError(f"{batch}：导入后已有帮扶户被修改（成员、收入、核查、措施或结对），不能撤销")
        later = HouseholdStatusChange.objects.filter(household__import_batch=batch).count() != batch.row_count or any(
            model.objects.filter(household__import_batch=batch).exists()
            for model in (Pair, Measure, GuaranteeCheck, Income, Visit)
        )
        if later:
            raise ValidationError(f"{batch}：导入后已有帮扶户的记录变更（结对、措施、核查、收入或走访），不能撤销")
        delete_rows(objects)


IMPORTERS = [HouseholdImporter()]
