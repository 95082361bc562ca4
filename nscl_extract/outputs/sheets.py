""".xlsx outputs through openpyxl (MIT; the optional `pandas` extra): one sheet, a bold header
row, the header frozen, every text cell stored as text. openpyxl would store a string that
starts with "=" as a formula; here it stays the text a document wrote. The file is written
through paths.write_file, as every output is."""
from __future__ import annotations

import io
from typing import Iterable

import click

from .paths import write_file

INSTALL = "pip install 'nscl-extract[pandas]'"


class MissingExtra(click.ClickException):
    exit_code = 2


def openpyxl_module():
    try:
        import openpyxl
    except ImportError:
        raise MissingExtra(f".xlsx output needs openpyxl, which is not installed: {INSTALL}") from None
    return openpyxl


def write_sheet(path: str, title: str, header: list[str], rows: Iterable[list]) -> None:
    openpyxl = openpyxl_module()
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for n, row in enumerate(rows, start=2):
        for k, value in enumerate(row, start=1):
            if isinstance(value, str):
                value = ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters have no place in a cell
            cell = sheet.cell(row=n, column=k, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # text, never a formula
    buf = io.BytesIO()
    book.save(buf)
    write_file(path, buf.getvalue())  # the output policy: whole or not at all, an OSError in one line
