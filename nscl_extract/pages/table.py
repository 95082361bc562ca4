"""`extract --table`: the indicators of a document as an aligned table for a terminal."""
from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table

from ..schema import Document, Indicator

_SIGN = {"eq": "", "gte": "≥ ", "gt": "> ", "lte": "≤ ", "lt": "< ", "approx": "≈ "}


def _value(ind: Indicator) -> str:
    q = ind.quantity
    num = f"{q.value:g}" + (f"–{q.value_max:g}" if q.value_max is not None else "")
    return _SIGN[q.comparator] + num + ("%" if q.unit == "%" else "")


def _about(doc: Document) -> str:
    province = "no province"
    if doc.province is not None:
        province = doc.province.name
        if doc.province.name_2025 and doc.province.name_2025 != province:
            province += f" ({doc.province.name_2025} since 2025)"
    parts = [f"province: {province}", f"plan: {doc.plan.number if doc.plan else '-'}",
             f"published: {doc.published or '-'}"]
    if doc.genre:
        parts.append(f"genre: {doc.genre}")
    return " · ".join(parts)


def indicator_table(doc: Document, width: int | None = None) -> str:
    """A table with one row per indicator: value, unit, year, phase, kind, flags, confidence,
    subject; its title names the document's province, plan, date and genre."""
    table = Table(title=f"{doc.doc_id}: {len(doc.indicators)} indicators\n{_about(doc)}", show_lines=False,
                  expand=False)
    for name, kw in (("#", {"justify": "right"}), ("value", {"justify": "right", "no_wrap": True}),
                     ("unit", {}), ("year", {"no_wrap": True}), ("phase", {"no_wrap": True}), ("kind", {}),
                     ("flags", {"no_wrap": True}), ("conf.", {"justify": "right", "no_wrap": True}),
                     ("subject", {"overflow": "fold"})):
        table.add_column(name, **kw)
    for i, ind in enumerate(doc.indicators, 1):
        flags = " ".join(f for f, on in (("/năm", ind.per_year), ("Δ", ind.relative)) if on)
        table.add_row(str(i), _value(ind), "" if ind.quantity.unit == "%" else ind.quantity.unit,
                      str(ind.target_year or ""), f"{ind.period[0]}–{ind.period[1]}" if ind.period else "",
                      ind.kind, flags, "" if ind.confidence is None else f"{ind.confidence:.2f}", ind.subject or "")
    buf = io.StringIO()
    Console(file=buf, width=width or 140, force_terminal=False, color_system=None).print(table)
    return buf.getvalue().rstrip("\n")
