"""`query` as an analyst uses it: names typed without tones, a year that takes in a plan's undated
headline targets, the columns a spreadsheet needs (title, date, genre, confidence, the clause),
.xlsx beside CSV, genre and confidence filters, and a store of the previous version upgraded."""
from __future__ import annotations

import csv
import io
import json
import sqlite3

import pytest
from click.testing import CliRunner

from nscl_extract.cli import cli
from nscl_extract.schema import Document, Indicator, Period, Province, Quantity
from nscl_extract.store import QUERY_COLUMNS, connect, query_indicators, store_document
from nscl_extract.text.provinces import plain_key, typed_province


def make_doc(doc_id: str, title: str, body: list[tuple[str, str, float, str, dict]], province=None, name_2025=None,
             genre=None, published="2022-03-04") -> Document:
    """title on the first line, then one clause per line: (clause, number, value, unit, indicator fields)."""
    text = title + "\n" + "\n".join(c for c, *_ in body)
    inds, quantities = [], []
    for clause, number, value, unit, fields in body:
        cs = text.index(clause)
        qs = text.index(number, cs)
        q = Quantity(start=qs, end=qs + len(number), text=number, value=value, unit=unit)
        quantities.append(q)
        inds.append(Indicator(start=cs, end=cs + len(clause), text=clause, quantity=q, **fields))
    periods = []
    for k in range(len(text) - 8):
        chunk = text[k:k + 9]
        if chunk[:4].isdigit() and chunk[4] == "-" and chunk[5:].isdigit() and (k == 0 or not text[k - 1].isdigit()):
            periods.append(Period(start=k, end=k + 9, text=chunk, **{"from": int(chunk[:4])}, to=int(chunk[5:])))
    return Document(doc_id=doc_id, source=f"docs/{doc_id}.txt", title=title, published=published, text=text,
                    province=Province(name=province, name_2025=name_2025) if province else None, genre=genre,
                    periods=periods, percentages=[q for q in quantities if q.unit == "%"],
                    counts=[q for q in quantities if q.unit != "%"], indicators=inds)


HANOI = make_doc("hanoi", "Kế hoạch nâng cao năng suất chất lượng thành phố Hà Nội giai đoạn 2021-2025", [
    ("Hỗ trợ 1.500 doanh nghiệp nâng cao năng suất", "1.500 doanh nghiệp", 1500, "doanh nghiệp",
     {"kind": "target", "subject": "doanh nghiệp", "confidence": 0.92}),
    ("đến năm 2025 có 60% doanh nghiệp áp dụng ISO 9001", "60%", 60, "%",
     {"kind": "target", "target_year": 2025, "period": (2021, 2025), "confidence": 0.41}),
    ("giai đoạn 2026-2030 đào tạo 30 chuyên gia", "30 chuyên gia", 30, "chuyên gia",
     {"kind": "target", "period": (2026, 2030)}),
], province="Hà Nội", name_2025="Hà Nội", genre="plan")
LAMDONG = make_doc("lamdong", "Lâm Đồng: 12 doanh nghiệp được hỗ trợ năm 2023", [
    ("đã hỗ trợ 12 doanh nghiệp", "12 doanh nghiệp", 12, "doanh nghiệp", {"kind": "result", "confidence": 0.75}),
], province="Lâm Đồng", name_2025="Lâm Đồng", genre="news", published="2023-11-02")
BINHDINH = make_doc("binhdinh", "Huyện Gia Lâm và tỉnh Bình Định ký kết hợp tác về năng suất chất lượng", [
    ("phấn đấu có 40 doanh nghiệp đạt chuẩn của Chương trình hỗ trợ doanh nghiệp nâng cao năng suất và chất lượng "
     "sản phẩm hàng hóa của tỉnh", "40 doanh nghiệp", 40, "doanh nghiệp",
     {"kind": "target", "target_year": 2027, "subject": "doanh nghiệp đạt chuẩn của Chương trình hỗ trợ doanh nghiệp "
      "nâng cao năng suất và chất lượng sản phẩm hàng hóa của tỉnh"}),
], province="Bình Định", name_2025="Gia Lai", genre=None)


@pytest.fixture
def db_path(tmp_path):
    path = tmp_path / "s.db"
    conn = connect(path)
    for d in (HANOI, LAMDONG, BINHDINH):
        store_document(conn, d)
    conn.close()
    return path


def rows(db_path, **kw) -> list[dict]:
    conn = connect(db_path, create=False)
    try:
        return query_indicators(conn, **kw)
    finally:
        conn.close()


def docs(db_path, **kw) -> list[str]:
    return sorted({r["doc_id"] for r in rows(db_path, **kw)})


def query(*args):
    return CliRunner().invoke(cli, ["query", *map(str, args)])


def test_province_names_typed_without_tones_in_any_case(db_path):
    for typed in ("Lam Dong", "lam dong", "LAM DONG", "Lâm Đồng", "lâm đồng", "Lâm Dồng"):
        assert docs(db_path, province=typed) == ["lamdong"], typed
    assert docs(db_path, province="ha noi") == docs(db_path, province="Ha Noi") == ["hanoi"]
    assert docs(db_path, province="binh dinh") == ["binhdinh"]
    assert docs(db_path, province="gia lai") == ["binhdinh"]  # merged: the old province's documents too
    assert docs(db_path, province="thanh pho ha noi") == ["hanoi"]
    # a district is no province: it matches the documents whose title names it, tones ignored
    assert docs(db_path, province="Gia Lam") == docs(db_path, province="gia lâm") == ["binhdinh"]
    assert docs(db_path, province="Atlantis") == []
    r = query("--db", db_path, "--province", "ha noi", "--format", "json")
    assert r.exit_code == 0 and [x["doc_id"] for x in json.loads(r.output)] == ["hanoi"] * 3


def test_no_two_provinces_share_a_key_without_tones():
    from nscl_extract.rules import load

    owner: dict[str, str] = {}
    for e in load("provinces")["provinces"]:
        for name in [e["name"], *(e.get("aliases") or [])]:
            key = plain_key(str(name))
            assert owner.setdefault(key, e["name"]) == e["name"], (name, owner[key])
    assert typed_province("HAI DUONG") == "Hải Dương" and typed_province("Vung Tau") is None


def test_year_takes_in_the_undated_rows_of_a_plan_phase(db_path):
    got = [(r["doc_id"], r["value"]) for r in rows(db_path, year=2025)]
    # the plan's undated headline target (its phase 2021-2025) and the dated one; not the 2026-2030 row
    assert got == [("hanoi", 1500), ("hanoi", 60)]
    assert [(r["doc_id"], r["value"]) for r in rows(db_path, year=2022)] == [("hanoi", 1500), ("hanoi", 60)]
    assert [(r["doc_id"], r["value"]) for r in rows(db_path, year=2028)] == [("hanoi", 30)]
    assert docs(db_path, year=2027) == ["binhdinh", "hanoi"]
    help_text = CliRunner().invoke(cli, ["query", "--help"]).output
    assert "neither a target year nor a period" in " ".join(help_text.split())


def test_csv_and_table_have_title_date_genre_confidence_and_the_clause(db_path):
    r = query("--db", db_path, "--format", "csv")
    assert r.exit_code == 0, r.output
    parsed = list(csv.DictReader(io.StringIO(r.output)))
    assert list(parsed[0]) == QUERY_COLUMNS
    first = parsed[0]
    assert first["doc_id"] == "binhdinh" and first["title"] == BINHDINH.title and first["published"] == "2022-03-04"
    assert first["genre"] == "" and first["text"] == BINHDINH.indicators[0].text
    hanoi = [p for p in parsed if p["doc_id"] == "hanoi"]
    assert [(p["genre"], p["confidence"]) for p in hanoi] == [("plan", "0.92"), ("plan", "0.41"), ("plan", "")]
    table = query("--db", db_path).output.splitlines()
    header = table[0].split()
    assert "clause" in header and "confidence" in header
    line = next(t for t in table if t.startswith("binhdinh"))
    assert "Bình Định (Gia Lai)" in line  # names in full
    assert BINHDINH.indicators[0].subject in line
    assert "phấn đấu có 40 doanh nghiệp" in line  # the clause, cut only at its end
    assert "…" not in line.split("Gia Lai)")[0]


def test_xlsx_output_of_query_and_extract(db_path, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    trap = make_doc("trap", "=HYPERLINK(\"http://x\",\"click\") bản tin", [
        ("=1+1 hỗ trợ 5 doanh nghiệp", "5 doanh nghiệp", 5, "doanh nghiệp", {"kind": "target", "subject": "=1+1"})])
    conn = connect(db_path)
    store_document(conn, trap)
    conn.close()
    out = tmp_path / "rows.xlsx"
    r = query("--db", db_path, "--format", "xlsx", "-o", out)
    assert r.exit_code == 0, r.output
    sheet = openpyxl.load_workbook(out).active
    values = list(sheet.values)
    assert list(values[0]) == QUERY_COLUMNS and len(values) == 1 + 6
    col = {c: k for k, c in enumerate(QUERY_COLUMNS)}
    hanoi = [v for v in values[1:] if v[col["doc_id"]] == "hanoi"]
    assert hanoi[0][col["value"]] == 1500 and hanoi[0][col["per_year"]] is False
    assert hanoi[0][col["confidence"]] == pytest.approx(0.92) and hanoi[2][col["confidence"]] is None
    assert hanoi[0][col["title"]] == HANOI.title and hanoi[0][col["genre"]] == "plan"
    trap_row = next(row for row in sheet.iter_rows(min_row=2) if row[col["doc_id"]].value == "trap")
    assert trap_row[col["subject"]].value == "=1+1" and trap_row[col["subject"]].data_type == "s"
    assert trap_row[col["title"]].data_type == "s"
    assert query("--db", db_path, "--format", "xlsx").exit_code == 2  # a binary file needs -o
    seed = tmp_path / "plan.txt"
    seed.write_text("Đến năm 2025, tối thiểu 60% doanh nghiệp áp dụng ISO 9001; đào tạo 20 chuyên gia.\n",
                    encoding="utf-8")
    r = CliRunner().invoke(cli, ["extract", str(seed), "--format", "xlsx", "-o", str(tmp_path / "plan.xlsx")])
    assert r.exit_code == 0, r.output
    got = list(openpyxl.load_workbook(tmp_path / "plan.xlsx").active.values)
    assert list(got[0]) == QUERY_COLUMNS and [row[col["value"]] for row in got[1:]] == [60, 20]


def test_xlsx_output_follows_the_output_policy(db_path, tmp_path, monkeypatch):
    """An .xlsx is written as every output is (outputs/paths.py): refused when it is the store,
    and written whole or not at all: a failed write leaves the old file as it was."""
    pytest.importorskip("openpyxl")
    r = query("--db", db_path, "--format", "xlsx", "-o", db_path)
    assert r.exit_code == 2 and "is the store" in r.output
    out = tmp_path / "rows.xlsx"
    out.write_bytes(b"the analyst's old sheet")
    import nscl_extract.outputs.paths as paths

    def full_disk(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(paths.os, "replace", full_disk)
    r = query("--db", db_path, "--format", "xlsx", "-o", out)
    assert r.exit_code == 1 and "No space left on device" in r.output and "left as it was" in r.output
    assert out.read_bytes() == b"the analyst's old sheet"
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")]  # no temporary file left


def test_genre_filter_and_min_confidence(db_path):
    assert docs(db_path, genre="plan") == ["hanoi"] and docs(db_path, genre="news") == ["lamdong"]
    assert docs(db_path, genre="report") == []
    kept = [(r["doc_id"], r["value"], r["confidence"]) for r in rows(db_path, min_confidence=0.6)]
    # 0.41 goes; the rows with no confidence stay
    assert kept == [("binhdinh", 40, None), ("hanoi", 1500, 0.92), ("hanoi", 30, None), ("lamdong", 12, 0.75)]
    r = query("--db", db_path, "--genre", "plan", "--min-confidence", "0.5", "--format", "json")
    assert r.exit_code == 0, r.output
    assert [(x["value"], x["genre"]) for x in json.loads(r.output)] == [(1500, "plan"), (30, "plan")]
    assert query("--db", db_path, "--min-confidence", "1.5").exit_code == 2
    help_text = " ".join(CliRunner().invoke(cli, ["query", "--help"]).output.split())
    assert "A row with no confidence (no model decided it) is kept" in help_text and "--genre" in help_text


def _downgrade_to_v2(path) -> None:
    """The store as version 2 made it: no genre, phase or confidence columns."""
    conn = sqlite3.connect(path)
    for col in ("genre", "phase_from", "phase_to"):
        conn.execute(f"ALTER TABLE documents DROP COLUMN {col}")
    conn.execute("ALTER TABLE indicators DROP COLUMN confidence")
    conn.execute("PRAGMA user_version = 2")
    conn.commit()
    conn.close()


def test_a_version_2_store_is_read_as_it_is_and_upgraded_by_the_next_ingest(db_path):
    _downgrade_to_v2(db_path)
    old = rows(db_path)  # read-only: not upgraded, read without the new fields
    assert len(old) == 5 and {r["genre"] for r in old} == {None} and {r["confidence"] for r in old} == {None}
    assert docs(db_path, genre="plan") == []
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
    conn.close()
    connect(db_path).close()  # what ingest opens: the upgrade, filled from each document's JSON
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 3
    got = dict(conn.execute("SELECT doc_id, genre FROM documents").fetchall())
    phases = conn.execute("SELECT phase_from, phase_to FROM documents WHERE doc_id = 'hanoi'").fetchone()
    conn.close()
    assert got == {"hanoi": "plan", "lamdong": "news", "binhdinh": None} and phases == (2021, 2025)
    assert [r["confidence"] for r in rows(db_path, doc="hanoi")] == [0.92, 0.41, None]
    assert docs(db_path, genre="plan", year=2025) == ["hanoi"]
