"""Quantities in table cells (rules/tables.yml)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import regex

from .. import rules
from ..text.numbers import NUM, comparator_words, parse_number
from ..rules import new_style
from ..schema import Amount, Quantity


_YEAR = regex.compile(r"(?:19|20)\d{2}")


@dataclass
class Cell:
    start: int
    end: int
    text: str


@dataclass
class TableValue:
    """A quantity in a cell, with what its row and column say about it."""

    mention: Quantity | Amount
    label: Cell | None  # the row's text cell ("Chỉ tiêu", "Nội dung")
    year: int | None  # the column header's year ("Đến năm 2025")
    row_start: int
    row_end: int
    header: str | None = None  # the column header ("Kế hoạch", "Thực hiện", "Năm 2025")


@lru_cache(maxsize=1)
def _compiled():
    data = rules.load("tables")
    comps = comparator_words()
    comp_alt = rules.alternation(list(comps))
    value = regex.compile(rf"(?:(?P<comp>{comp_alt})\s+)?(?P<num>{NUM})(?:\s*[-–]\s*(?P<max>{NUM}))?", regex.I)
    unit_hdr = regex.compile(rules.alternation(data["unit_headers"]), regex.I)
    money = {_key(k): v for k, v in data["money_units"].items()}
    money_hdr = regex.compile(r"\((?P<u>" + rules.alternation(list(money), boundary=False) + r")\)", regex.I)
    rownum = {h.lower() for h in data["row_number_headers"]}
    caption = regex.compile(rf"(?:{rules.alternation(data['unit_headers'])})\s*:\s*(?P<u>"
                            + rules.alternation(list(money), boundary=False) + r")\s*\)?\s*$", regex.I | regex.M)
    return comps, value, unit_hdr, money, money_hdr, rownum, caption


def _cells(line_start: int, line: str) -> list[Cell]:
    cells, pos = [], 0
    parts = line.split("|")
    for k, part in enumerate(parts):
        s = line_start + pos
        pos += len(part) + 1
        if (k == 0 or k == len(parts) - 1) and not part.strip():
            continue
        lead = len(part) - len(part.lstrip())
        body = part.strip()
        cells.append(Cell(s + lead, s + lead + len(body), body))
    return cells


def tables(text: str) -> list[list[list[Cell]]]:
    """Tables as rows of cells, from pipe rows and from one-cell-per-line layouts."""
    lines, pos = [], 0
    for raw in text.splitlines(keepends=True):
        lines.append((pos, raw.rstrip("\r\n")))
        pos += len(raw)
    out, i = [], 0
    _, _, _, _, _, rownum, _ = _compiled()
    while i < len(lines):
        s, line = lines[i]
        if line.count("|") >= 2 and line.strip() != "|":
            rows = []
            while i < len(lines) and lines[i][1].count("|") >= 2:
                rows.append(_cells(*lines[i]))
                i += 1
            out.append(rows)
            continue
        if line.strip().lower() in rownum and i + 1 < len(lines) and lines[i + 1][1].strip() == "|":
            cells, j, prev_bar = [], i, False
            while j < len(lines):
                ls, body = lines[j]
                if body.strip() == "|":
                    if prev_bar:
                        cells.append(Cell(ls, ls, ""))
                    prev_bar = True
                elif body.strip() and (prev_bar or not cells):
                    lead = len(body) - len(body.lstrip())
                    cells.append(Cell(ls + lead, ls + lead + len(body.strip()), body.strip()))
                    prev_bar = False
                else:
                    break
                j += 1
            header = []
            for c in cells:
                if c.text.isdigit() and header:
                    break
                header.append(c)
            n = len(header)
            if n >= 2:
                out.append([cells[k:k + n] for k in range(0, len(cells), n)])
            i = max(j, i + 1)
            continue
        i += 1
    return out


def table_values(text: str) -> list[TableValue]:
    comps, value, unit_hdr, money, money_hdr, rownum, caption = _compiled()
    out = []
    for rows in tables(text):
        header, body = rows[0], rows[1:]
        unit_col = next((k for k, c in enumerate(header) if unit_hdr.fullmatch(c.text)), None)
        col_money = {k: money[_key(m.group("u"))] for k, c in enumerate(header) if (m := money_hdr.search(c.text))}
        # "Đơn vị tính: triệu đồng" just above the table gives every value column its money unit
        above = caption.search(text, max(0, header[0].start - 120), header[0].start)
        table_money = money[_key(above.group("u"))] if above else None
        col_year = {k: int(ys[0]) for k, c in enumerate(header) if len(ys := _YEAR.findall(c.text)) == 1}
        if unit_col is None and not col_money and not table_money:
            continue
        for row in body:
            unit = row[unit_col].text if unit_col is not None and unit_col < len(row) else None
            label = next((c for k, c in enumerate(row) if k != unit_col and c.text and not value.fullmatch(c.text)), None)
            for k, c in enumerate(row):
                if k == unit_col or k == 0 or not (m := value.fullmatch(c.text)):
                    continue
                v = parse_number(m.group("num"))
                v_max = parse_number(m.group("max")) if m.group("max") else None
                if v_max is not None and v_max <= v:
                    continue
                comp = comps[rules.squash(m.group("comp").lower())] if m.group("comp") else "eq"
                scale = col_money.get(k) or (money.get(_key(unit)) if unit else None) or table_money
                if scale:
                    mention = Amount(start=c.start, end=c.end, text=c.text, value=round(v * scale, 6),
                                     value_max=round(v_max * scale, 6) if v_max is not None else None,
                                     comparator=comp, currency="VND")
                elif unit:
                    mention = Quantity(start=c.start, end=c.end, text=c.text, value=v, value_max=v_max,
                                       comparator=comp, unit="%" if unit.strip().startswith("%") else unit.lower())
                else:
                    continue
                out.append(TableValue(mention, label, col_year.get(k), row[0].start, row[-1].end,
                                      header[k].text if k < len(header) else None))
    return out


def _key(unit: str) -> str:
    """A unit as a lookup key: lower case, one tone-mark style, single spaces."""
    return rules.squash(new_style(unit.lower())).strip()
