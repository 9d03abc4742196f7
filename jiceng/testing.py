"""Helpers for tests shared across apps (importable; fixtures stay in conftest modules)."""

from __future__ import annotations

import io

from openpyxl import load_workbook


def export_rows_without_formulas(content: bytes) -> list[dict]:
    """The rows of an exported sheet as {header: cell}; fails on any cell Excel would run as a formula."""
    ws = load_workbook(io.BytesIO(content)).worksheets[0]
    headers = [c.value for c in ws[1]]
    rows = []
    for row in ws.iter_rows(min_row=2):
        for c in row:
            assert c.data_type != "f", (headers[c.column - 1], c.value)
        rows.append(dict(zip(headers, row, strict=True)))
    return rows
