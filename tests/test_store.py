"""The SQLite ingest store and `query`: a real database file, real CLI subprocesses."""
from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import subprocess
import sys

import pytest
from docbuilders import CORPUS, make_docx, make_pdf, seed_text

from nscl_extract import store
from nscl_extract.schema import Citation, Document, Indicator, Province, Quantity, Standard
from nscl_extract.store import connect, default_db_path, query_indicators, store_document, text_hash

CLI = [sys.executable, "-m", "nscl_extract.cli"]


def run_cli(*args, cwd=None, env=None):
    return subprocess.run([*CLI, *map(str, args)], cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True,
                          text=True, timeout=120)


def span(text: str, needle: str, cls, **fields):
    start = text.index(needle)
    return cls(start=start, end=start + len(needle), text=needle, **fields)


def indicator(text: str, clause: str, number: str, value: float, unit: str, **fields) -> Indicator:
    start = text.index(clause)
    q = span(text, number, Quantity, value=value, unit=unit)
    return Indicator(start=start, end=start + len(clause), text=clause, quantity=q, **fields)


def make_doc(doc_id: str, province: str | None, name_2025: str | None, items: list[tuple], source: str | None = None,
             extra: str = "") -> Document:
    """A Document by hand: items are (clause, number, value, unit, fields) and make up the text."""
    text = " ".join(item[0] for item in items) + extra
    inds = [indicator(text, clause, number, value, unit, **fields) for clause, number, value, unit, fields in items]
    pct = [i.quantity for i in inds if i.quantity.unit == "%"]
    counts = [i.quantity for i in inds if i.quantity.unit != "%"]
    stds = [span(text, s, Standard, id=s, kind="management_system") for s in ("ISO 9001", "ISO 14001") if s in text]
    plan = span(text, "191/KH-UBND", Citation, number="191/KH-UBND", serial="191", type="KH",
                issuer="UBND") if "191/KH-UBND" in text else None
    return Document(doc_id=doc_id, source=source or f"docs/{doc_id}.txt", text=text,
                    province=Province(name=province, name_2025=name_2025) if province else None,
                    plan=plan, citations=[plan] if plan else [], percentages=pct, counts=counts, standards=stds,
                    indicators=inds, published="2021-08-13")


LAO_CAI = [
    ("Đến năm 2025, tối thiểu 60% doanh nghiệp áp dụng ISO 9001;", "60%", 60, "%",
     {"kind": "target", "target_year": 2025, "period": (2021, 2025), "standards": ["ISO 9001"],
      "subject": "doanh nghiệp"}),
    ("Đã hỗ trợ 13 cơ sở theo Kế hoạch 191/KH-UBND.", "13 cơ sở", 13, "cơ sở", {"kind": "result"}),
]
BINH_DINH = [("Giai đoạn 2026-2030 đào tạo 20 chuyên gia.", "20 chuyên gia", 20, "chuyên gia",
              {"kind": "target", "period": (2026, 2030)})]
GIA_LAI = [("Đến năm 2030, 80% doanh nghiệp áp dụng ISO 14001.", "80%", 80, "%",
            {"kind": "target", "target_year": 2030, "standards": ["ISO 14001"], "per_year": True})]
HUE = [("Mỗi năm 5 doanh nghiệp tham gia Giải thưởng.", "5 doanh nghiệp", 5, "doanh nghiệp",
        {"kind": "target", "per_year": True, "period": (2021, 2025)})]


def counts(conn) -> tuple[int, int, int]:
    return tuple(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("documents", "indicators", "mentions"))


@pytest.fixture
def db(tmp_path):
    conn = connect(tmp_path / "nscl.db")
    yield conn
    conn.close()


def test_default_db_path(monkeypatch, tmp_path):
    monkeypatch.delenv("NSCL_EXTRACT_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_db_path() == tmp_path / "xdg" / "nscl-extract" / "nscl.db"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_db_path() == tmp_path / "home" / ".local" / "share" / "nscl-extract" / "nscl.db"
    monkeypatch.setenv("NSCL_EXTRACT_DB", str(tmp_path / "env.db"))
    assert default_db_path() == tmp_path / "env.db"


def test_rows_of_a_document(db):
    doc = make_doc("d1", "Lào Cai", "Lào Cai", LAO_CAI)
    assert store_document(db, doc) == "added"
    row = db.execute("SELECT * FROM documents").fetchone()
    assert (row["doc_id"], row["source"], row["province"], row["province_2025"], row["plan"], row["published"]) == \
        ("d1", "docs/d1.txt", "Lào Cai", "Lào Cai", "191/KH-UBND", "2021-08-13")
    assert row["hash"] == text_hash(doc.text)
    assert Document.from_json_dict(json.loads(row["json"])) == doc
    inds = db.execute('SELECT * FROM indicators ORDER BY start').fetchall()
    assert [(i["value"], i["unit"], i["kind"], i["target_year"], i["period_from"], i["period_to"],
             json.loads(i["standards"]), i["text"], i["start"], i["end"]) for i in inds] == [
        (60, "%", "target", 2025, 2021, 2025, ["ISO 9001"], LAO_CAI[0][0], 0, len(LAO_CAI[0][0])),
        (13, "cơ sở", "result", None, None, None, [], LAO_CAI[1][0], doc.indicators[1].start, doc.indicators[1].end)]
    mentions = db.execute('SELECT type, text, start, "end", fields FROM mentions ORDER BY type, start').fetchall()
    assert [(m["type"], m["text"]) for m in mentions] == [
        ("citation", "191/KH-UBND"), ("count", "13 cơ sở"), ("percentage", "60%"), ("standard", "ISO 9001")]
    for m in mentions:
        assert doc.text[m["start"]:m["end"]] == m["text"]
    assert json.loads(mentions[0]["fields"])["number"] == "191/KH-UBND"
    assert json.loads(mentions[1]["fields"]) == {"value": 13.0, "value_max": None, "comparator": "eq", "unit": "cơ sở"}


def test_same_text_is_stored_once(db):
    doc = make_doc("d1", "Lào Cai", "Lào Cai", LAO_CAI)
    assert store_document(db, doc) == "added"
    assert store_document(db, doc) == "unchanged"
    copy = doc.model_copy(update={"doc_id": "copy", "source": "elsewhere/copy.txt"})
    with pytest.raises(store.Duplicate, match="same text as d1"):  # stored once, and said so
        store_document(db, copy)
    assert counts(db) == (1, 2, 4)


def test_changed_document_replaces_its_rows(db):
    store_document(db, make_doc("d1", "Lào Cai", "Lào Cai", LAO_CAI))
    store_document(db, make_doc("other", "Huế", "Huế", HUE))
    new = make_doc("d1", "Lào Cai", "Lào Cai", LAO_CAI[:1], extra=" (sửa đổi)")
    assert store_document(db, new) == "replaced"
    assert counts(db) == (2, 2, 3)  # d1: one indicator, its percentage and standard; other: one and its count
    # same doc_id from another file: another document, refused loudly (issue 11 item 1)
    elsewhere = make_doc("d1", "Lào Cai", "Lào Cai", LAO_CAI[1:], source="elsewhere/d1.txt")
    with pytest.raises(store.Refused, match="doc_id 'd1' is already in the store for docs/d1.txt"):
        store_document(db, elsewhere)
    rows = db.execute("SELECT doc_id, source FROM documents ORDER BY doc_id").fetchall()
    assert [tuple(r) for r in rows] == [("d1", "docs/d1.txt"), ("other", "docs/other.txt")]
    assert [r[0] for r in db.execute("SELECT unit FROM indicators i JOIN documents d ON d.id = i.doc "
                                     "WHERE d.doc_id = 'd1'")] == ["%"]
    # no orphans
    assert db.execute("SELECT count(*) FROM indicators WHERE doc NOT IN (SELECT id FROM documents)").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM mentions WHERE doc NOT IN (SELECT id FROM documents)").fetchone()[0] == 0


def test_a_replace_that_fails_half_way_leaves_the_old_rows(db, monkeypatch, tmp_path):
    store_document(db, make_doc("d1", "Lào Cai", "Lào Cai", LAO_CAI))
    before = counts(db)
    monkeypatch.setattr(store, "MENTION_LISTS", {**store.MENTION_LISTS, "no_such_list": "x"})
    with pytest.raises(AttributeError):  # fails after the delete and the new document row
        store_document(db, make_doc("d1", "Lào Cai", "Lào Cai", LAO_CAI[:1], extra=" v2"))
    assert counts(db) == before
    other = sqlite3.connect(tmp_path / "nscl.db")
    assert other.execute("SELECT count(*) FROM indicators").fetchone()[0] == 2
    other.close()


@pytest.fixture
def filled(db):
    store_document(db, make_doc("laocai", "Lào Cai", "Lào Cai", LAO_CAI))
    store_document(db, make_doc("yenbai", "Yên Bái", "Lào Cai", [
        ("Năm 2025 có 3 mô hình.", "3 mô hình", 3, "mô hình", {"kind": "target", "target_year": 2025})]))
    store_document(db, make_doc("binhdinh", "Bình Định", "Gia Lai", BINH_DINH))
    store_document(db, make_doc("gialai", "Gia Lai", "Gia Lai", GIA_LAI))
    store_document(db, make_doc("hue", "Thừa Thiên Huế", "Huế", HUE))
    store_document(db, make_doc("national", None, None, [
        ("Tăng 2 lần trong giai đoạn 2021-2030.", "2 lần", 2, "lần", {"kind": "target", "period": (2021, 2030)})]))
    return db


def docs_of(rows) -> list[str]:
    return sorted({r["doc_id"] for r in rows})


def test_query_by_old_and_new_province_names(filled):
    q = lambda p: docs_of(query_indicators(filled, province=p))  # noqa: E731
    assert q("Gia Lai") == ["binhdinh", "gialai"]  # the merged province: its old parts included
    assert q("Bình Định") == ["binhdinh"]  # an old name: that province's documents
    assert q("tỉnh Bình Định") == q("BÌNH ĐỊNH") == ["binhdinh"]
    assert q("Huế") == q("Thừa Thiên Huế") == ["hue"]
    assert q("Lào Cai") == ["laocai", "yenbai"]
    assert q("Yên Bái") == ["yenbai"]
    assert q("Hà Nội") == [] and q("Atlantis") == []
    assert len(query_indicators(filled)) == 7


def test_query_by_year_standard_kind(filled):
    assert docs_of(query_indicators(filled, year=2025)) == ["hue", "laocai", "national", "yenbai"]
    assert docs_of(query_indicators(filled, year=2028)) == ["binhdinh", "national"]
    assert docs_of(query_indicators(filled, year=2030)) == ["binhdinh", "gialai", "national"]
    assert docs_of(query_indicators(filled, year=2031)) == []
    assert docs_of(query_indicators(filled, standard="ISO 9001")) == ["laocai"]
    assert docs_of(query_indicators(filled, standard="iso14001")) == ["gialai"]
    results = query_indicators(filled, kind="result")
    assert [(r["doc_id"], r["value"], r["unit"]) for r in results] == [("laocai", 13, "cơ sở")]
    both = query_indicators(filled, province="Lào Cai", year=2025, kind="target")
    assert [(r["doc_id"], r["value"]) for r in both] == [("laocai", 60), ("yenbai", 3)]
    assert both[0]["standards"] == ["ISO 9001"] and both[0]["per_year"] is False


def test_query_cli_formats(filled, tmp_path):
    path = tmp_path / "nscl.db"
    j = run_cli("query", "--db", path, "--province", "Gia Lai", "--format", "json")
    assert j.returncode == 0, j.stderr
    rows = json.loads(j.stdout)
    assert [(r["doc_id"], r["province"], r["province_2025"], r["value"], r["unit"]) for r in rows] == [
        ("binhdinh", "Bình Định", "Gia Lai", 20, "chuyên gia"), ("gialai", "Gia Lai", "Gia Lai", 80, "%")]
    c = run_cli("query", "--db", path, "--year", "2030", "--format", "csv")
    parsed = list(csv.DictReader(io.StringIO(c.stdout)))
    assert [(r["doc_id"], r["value"], r["period_from"], r["per_year"]) for r in parsed] == [
        ("binhdinh", "20", "2026", "false"), ("gialai", "80", "", "true"), ("national", "2", "2021", "false")]
    t = run_cli("query", "--db", path, "--standard", "ISO 9001")
    assert t.returncode == 0
    lines = t.stdout.splitlines()
    assert lines[0].split()[:3] == ["doc_id", "province", "kind"]
    assert "laocai" in lines[1] and "60" in lines[1] and "ISO 9001" in lines[1]
    assert lines[-1] == "(1 indicator)"
    env = run_cli("query", "--kind", "result", "--format", "json", env={"NSCL_EXTRACT_DB": str(path)})
    assert [r["doc_id"] for r in json.loads(env.stdout)] == ["laocai"]
    missing = run_cli("query", "--db", tmp_path / "none.db")
    assert missing.returncode == 1 and "no database" in missing.stderr and not (tmp_path / "none.db").exists()


# --- ingest end to end: files through the extractor into the database -----------------------------

def test_ingest_cli_files_folders_and_changes(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    for p in sorted(CORPUS.glob("*.txt")):
        (d / p.name).write_bytes(p.read_bytes())
    make_docx(d / "word" / "plan-docx.docx", seed_text("001_8cd3f22aa0a76d50").split("\n"))
    make_pdf(d / "pdf" / "plan-pdf.pdf", [seed_text("002_b2a90f66a4f11357")])
    (d / "empty.txt").write_bytes(b"")
    env = {"XDG_DATA_HOME": str(tmp_path / "xdg"), "NSCL_EXTRACT_DB": ""}
    r = run_cli("ingest", "in", cwd=tmp_path, env=env)
    assert r.returncode == 1  # the empty file
    # the DOCX holds exactly the text of 001: the same document, stored once
    assert "6 added, 0 replaced, 0 unchanged, 1 duplicate, 1 failed" in r.stderr and "empty.txt: empty file" in r.stderr
    assert "duplicate: in/word/plan-docx.docx: same text as 001_8cd3f22aa0a76d50" in r.stderr
    dbfile = tmp_path / "xdg" / "nscl-extract" / "nscl.db"
    conn = sqlite3.connect(dbfile)
    n_docs, n_ind = (conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("documents", "indicators"))
    assert n_docs == 6 and n_ind > 0
    prov = dict(conn.execute("SELECT doc_id, province_2025 FROM documents"))
    assert "plan-docx" not in prov
    assert prov["001_8cd3f22aa0a76d50"] == "Huế" and prov["000_dd1c5792947a306a"] == "Lào Cai"
    assert prov["plan-pdf"] == prov["002_b2a90f66a4f11357"] == "Bắc Ninh"
    assert conn.execute("SELECT count(*) FROM mentions WHERE type = 'citation' AND text = '191/KH-UBND'").fetchone()[0]
    conn.close()

    again = run_cli("ingest", "in/000_dd1c5792947a306a.txt", "in/001_8cd3f22aa0a76d50.txt", cwd=tmp_path, env=env)
    assert again.returncode == 0 and "0 added, 0 replaced, 2 unchanged, 0 duplicate, 0 failed" in again.stderr

    changed = d / "000_dd1c5792947a306a.txt"
    changed.write_text(changed.read_text(encoding="utf-8").replace("tối thiểu 60% DN", "tối thiểu 70% DN"),
                       encoding="utf-8")
    r = run_cli("ingest", "in", cwd=tmp_path, env=env)
    assert "0 added, 1 replaced, 5 unchanged, 1 duplicate, 1 failed" in r.stderr
    conn = sqlite3.connect(dbfile)
    assert conn.execute("SELECT count(*) FROM documents").fetchone()[0] == 6
    row = conn.execute("SELECT hash, json FROM documents WHERE doc_id = '000_dd1c5792947a306a'").fetchone()
    assert row[0] == text_hash(changed.read_text(encoding="utf-8")) and "70% DN" in json.loads(row[1])["text"]
    conn.close()

    q = run_cli("query", "--province", "Huế", "--format", "json", env=env)
    rows = json.loads(q.stdout)
    assert rows and {r["doc_id"] for r in rows} == {"001_8cd3f22aa0a76d50"}


def test_ingest_a_batch_output(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    for p in sorted(CORPUS.glob("*.txt"))[:3]:
        (d / p.name).write_bytes(p.read_bytes())
    (d / "empty.txt").write_bytes(b"")
    b = run_cli("batch", "in", "-o", "out.jsonl", cwd=tmp_path)
    assert b.returncode == 1
    r = run_cli("ingest", "out.jsonl", "--db", "s.db", cwd=tmp_path)
    assert r.returncode == 1 and "3 added" in r.stderr and "1 failed" in r.stderr and "error record" in r.stderr
    direct = run_cli("ingest", "in", "--db", "s.db", cwd=tmp_path)
    assert "0 added, 0 replaced, 3 unchanged, 0 duplicate, 1 failed" in direct.stderr
    n = run_cli("batch", "in", "-o", "notext.jsonl", "--no-text", cwd=tmp_path)
    assert n.returncode == 1
    r = run_cli("ingest", "notext.jsonl", "--db", "s2.db", cwd=tmp_path)
    assert r.returncode == 1 and "no text" in r.stderr


def test_unchanged_files_are_not_extracted_again(tmp_path, monkeypatch, db):
    from nscl_extract import pipeline
    from nscl_extract.store import ingest

    src = tmp_path / "000_dd1c5792947a306a.txt"
    src.write_text(seed_text(), encoding="utf-8")
    first = ingest(db, [str(src)])
    assert (first.added, first.failed) == (1, 0)
    before = counts(db)

    def broken(*a, **k):
        raise RuntimeError("extractor should not run")

    monkeypatch.setattr(pipeline, "extract_loaded", broken)
    again = ingest(db, [str(src)])
    assert (again.unchanged, again.failed) == (1, 0)
    src.write_text(seed_text() + "\nThêm một dòng.", encoding="utf-8")
    changed = ingest(db, [str(src)])  # now it must extract: the (broken) extractor fails, the old rows stay
    assert (changed.failed, changed.replaced) == (1, 0)
    assert "extractor should not run" in changed.failures[0]
    assert counts(db) == before
