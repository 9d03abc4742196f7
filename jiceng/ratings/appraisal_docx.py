"""The appraisal sheet in Word (述职评议考核表), laid out like a county's sheet: the title, one
bordered table (name, organization, post; the four sections of the report; the figures with
their values; the vote tally and the grade), and the signature and date lines. One page per
secretary; a whole round is one document (docs/decisions/0023-appraisal-word.md)."""

from __future__ import annotations

from io import BytesIO

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from . import rules

FONT = "宋体"
TITLE_FONT = "方正小标宋简体"  # the official title face; Word falls back to 宋体 where it is missing
SECTIONS = (
    ("work_done", "履职情况及成效"),
    ("problems", "存在的问题"),
    ("causes", "原因分析"),
    ("plans", "下一步工作打算"),
)


def title_of(year: int) -> str:
    return f"{year}年度基层党组织书记抓基层党建工作述职评议考核表"


def _font(run, size: float = 12, bold: bool = False, face: str = FONT) -> None:
    run.font.name = face
    run.font.size = Pt(size)
    run.font.bold = bold
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), face)  # Chinese text takes the east-Asian face


def _cell(cell, text: str, *, bold: bool = False, size: float = 11, center: bool = False) -> None:
    cell.text = ""
    lines = str(text).split("\n") or [""]
    paragraph = cell.paragraphs[0]
    for i, line in enumerate(lines):
        if i:
            paragraph = cell.add_paragraph()
        if center:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(paragraph.add_run(line), size=size, bold=bold)


def _document() -> Document:
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.2)
    section.top_margin = section.bottom_margin = Cm(2)
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(12)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    return doc


def tally_rows(report, tally) -> list[tuple[str, str]]:
    counts = tally.counts if tally is not None else {}
    grade = rules.GRADE_LABELS.get(tally.grade, "") if tally is not None else ""
    satisfaction = f"{tally.satisfaction}%" if tally is not None and tally.satisfaction is not None else "—"
    votes = "　".join(f"{rules.GRADE_LABELS[g]} {counts.get(g, 0)} 票" for g in rules.GRADES)
    total = tally.total if tally is not None else 0
    return [("测评票数", f"{votes}（共 {total} 票）"), ("满意率", satisfaction), ("综合评议等次", grade or "未评定")]


def _sheet(doc, report, tally) -> None:
    heading = doc.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(heading.add_run(title_of(report.round.year)), size=18, bold=True, face=TITLE_FONT)
    sub = doc.add_paragraph()
    sub.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _font(sub.add_run(f"组织单位：{report.round.organizer.name}"), size=11)

    figures = report.figures or []
    table = doc.add_table(rows=0, cols=4)
    table.style = "Table Grid"  # every border drawn, like the printed sheet
    table.alignment = WD_TABLE_ALIGNMENT.CENTER

    def row():
        return table.add_row().cells

    cells = row()
    _cell(cells[0], "姓　　名", bold=True, center=True)
    _cell(cells[1], report.secretary_name)
    _cell(cells[2], "职　　务", bold=True, center=True)
    _cell(cells[3], report.post)
    cells = row()
    _cell(cells[0], "党 组 织", bold=True, center=True)
    merged = cells[1].merge(cells[3])
    _cell(merged, report.organization.name)
    for name, label in SECTIONS:
        cells = row()
        _cell(cells[0], label, bold=True, center=True)
        _cell(cells[1].merge(cells[3]), getattr(report, name) or "（未填写）")
    cells = row()
    head = cells[0].merge(cells[3])
    submitted = f"（提交时自动生成，{report.submitted_at:%Y年%-m月%-d日}）" if report.submitted_at else "（尚未提交）"
    _cell(head, f"党建工作数据{submitted}", bold=True, center=True)
    cells = row()
    for cell, text in zip(cells, ("项　目", "数　值", "计算依据", "分子/分母"), strict=True):
        _cell(cell, text, bold=True, center=True)
    for f in figures:
        cells = row()
        ratio = f"{f.get('numerator')}/{f.get('denominator')}" if f.get("denominator") else f.get("numerator") or ""
        for cell, text in zip(cells, (f.get("name", ""), f.get("value", ""), f.get("text", ""), ratio), strict=True):
            _cell(cell, text, size=10.5)
    for label, value in tally_rows(report, tally):
        cells = row()
        _cell(cells[0], label, bold=True, center=True)
        _cell(cells[1].merge(cells[3]), value)
    cells = row()
    _cell(cells[0], "考核意见", bold=True, center=True)
    _cell(cells[1].merge(cells[3]), "\n\n（盖章）　　　　　　　　年　　月　　日")
    widths = (Cm(3.2), Cm(4.6), Cm(5.4), Cm(3.4))
    for r in table.rows:
        for cell, width in zip(r.cells, widths, strict=False):
            cell.width = width
    sign = doc.add_paragraph()
    _font(sign.add_run("述职人签字：＿＿＿＿＿＿　　　　填表日期：＿＿＿＿年＿＿月＿＿日"), size=12)


def render(reports_with_tallies) -> bytes:
    """A document with one sheet per (report, tally), each on its own page."""
    doc = _document()
    for i, (report, tally) in enumerate(reports_with_tallies):
        if i:
            doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        _sheet(doc, report, tally)
    out = BytesIO()
    doc.save(out)
    return out.getvalue()
