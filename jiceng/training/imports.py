"""Excel import of test results (考试成绩), all or nothing, on the shared import framework.

The template is the exam's roster with an empty score column; each row names the trainee by
roster number (学员编号) and name, so a row pasted from another class is caught.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import IO

from django.core.exceptions import ValidationError
from django.db import transaction

from jiceng.core import audit, params, xlsx
from jiceng.core.importing import Column, ImportPage, RowError, read_sheet, template_workbook, text

from . import rules, services
from .models import Exam

IMPORTERS = [ImportPage("exam_scores", "考试成绩", "training:courses", "在培训班的考试页面按名单导入成绩")]

COLUMNS = [
    Column("学员编号", "enrollment", required=True, help="模板已填好，请勿修改", example="1024"),
    Column("姓名", "name", required=True, help="须与学员编号对应的学员一致", example="张三"),
    Column("所在党组织", "organization", help="仅供核对，不导入"),
    Column("成绩", "score", required=True, help="0 至满分，最多 1 位小数；留空表示缺考，不导入", example="86.5"),
]
NOTES = [
    "一行一名学员。整份文件全部无误才会导入；有任何一行出错，不导入任何成绩，并列出出错的行和列。",
    "已有成绩的学员，导入后以文件中的成绩为准。",
]


@dataclass
class ParsedScore:
    row: int
    enrollment_id: int
    name: str
    organization: str
    score: Decimal


def template(exam: Exam):
    wb = template_workbook(f"{exam.title}成绩"[:31], COLUMNS, NOTES)
    ws = wb.worksheets[0]
    for e in exam.course.enrollments.select_related("member", "organization"):
        xlsx.append(ws, [e.pk, e.member.name, e.organization.name, None])
    return wb


def validate(fileobj: IO[bytes], exam: Exam) -> tuple[list[ParsedScore], list[RowError]]:
    """Raises ImportFileError for an unreadable file; row errors come back in the list."""
    rows = read_sheet(fileobj, COLUMNS)
    roster = {e.pk: e for e in exam.course.enrollments.select_related("member", "organization")}
    cleaned: list[ParsedScore] = []
    errors: list[RowError] = []
    seen: dict[int, int] = {}
    for parsed in rows:
        v = parsed.values
        raw_id, name, raw_score = text(v.get("enrollment")), text(v.get("name")), text(v.get("score"))
        if not raw_score:
            continue  # absent from the test: nothing to import
        row_errors = []
        enrollment = None
        enrollment_id = params.int_or_none(raw_id)
        if enrollment_id not in roster:
            row_errors.append(RowError(parsed.row, "学员编号", f"「{raw_id}」不在本班名单中（请使用本考试的模板）"))
        else:
            enrollment = roster[enrollment_id]
            if int(raw_id) in seen:
                row_errors.append(RowError(parsed.row, "学员编号", f"与第 {seen[int(raw_id)]} 行重复"))
            seen.setdefault(int(raw_id), parsed.row)
            if name != enrollment.member.name:
                row_errors.append(
                    RowError(parsed.row, "姓名", f"学员编号 {raw_id} 是 {enrollment.member.name}，与「{name}」不一致")
                )
        try:
            score = Decimal(raw_score)
            if not score.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            row_errors.append(RowError(parsed.row, "成绩", f"「{raw_score}」不是数字"))
            score = None
        if score is not None:
            problem = rules.score_error(score, exam.full_mark)
            if problem:
                row_errors.append(RowError(parsed.row, "成绩", problem))
        if row_errors:
            errors.extend(row_errors)
        else:
            cleaned.append(ParsedScore(parsed.row, enrollment.pk, name, enrollment.organization.name, score))
    if not rows or (not cleaned and not errors):
        errors.append(RowError(2, "成绩", "文件中没有可导入的成绩"))
    return cleaned, errors


@transaction.atomic
def save(actor, exam: Exam, cleaned: list[ParsedScore], file_name: str = "") -> int:
    changed = services.record_results(actor, exam, {p.enrollment_id: p.score for p in cleaned})
    audit.record(
        actor,
        "import",
        exam,
        changes={"rows": len(cleaned), "changed": changed, "file": file_name},
        org_path=exam.course.organizer.path,
    )
    return changed


def run(actor, exam: Exam, fileobj: IO[bytes], file_name: str = "", commit: bool = True):
    """Validate, and save only when every row is valid; returns (cleaned, errors, changed)."""
    cleaned, errors = validate(fileobj, exam)
    if errors or not commit:
        return cleaned, errors, 0
    try:
        changed = save(actor, exam, cleaned, file_name)
    except ValidationError as exc:  # a rule only the save saw: nothing is kept
        return cleaned, [RowError(2, "", "；".join(exc.messages))], 0
    return cleaned, [], changed
