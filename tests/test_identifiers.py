"""Issue 23, the identifier policy (schema.safe_doc_id, schema.doc_id_key): a doc_id from a file
name, a Label Studio export or a gold file is NFC, never a path, and two ids that differ only
in case or Unicode form are one document. Real exports, folders, symlinks, stores and
decomposed file names (as macOS writes them). Each test failed on main before the change."""
from __future__ import annotations

import json
import sqlite3
import unicodedata
from pathlib import Path

import pytest
from clitools import one_line, run

from nscl_extract import extract
from nscl_extract.interop.exchange import label_studio_task

PLAN = ("Kế hoạch 191/KH-UBND về nâng cao năng suất chất lượng giai đoạn 2021-2025.\n\n"
        "Đến năm 2025, tối thiểu 60% doanh nghiệp áp dụng ISO 9001; đào tạo 20 chuyên gia.\n")
OTHER = "Đến năm 2030, có 45% hợp tác xã áp dụng công cụ cải tiến năng suất; đào tạo 12 chuyên gia.\n"
VIET_NFC = unicodedata.normalize("NFC", "Việt")
VIET_NFD = unicodedata.normalize("NFD", "Việt")
assert VIET_NFC != VIET_NFD


def annotated(doc_id: str, n: int = 1, text: str = PLAN) -> dict:
    """A task as Label Studio exports it after an annotator submitted the prediction unchanged."""
    task = label_studio_task(extract(text, doc_id="plan"))
    task["id"] = n
    task["data"]["doc_id"] = doc_id
    task["annotations"] = [{"id": n, "result": task["predictions"][0]["result"], "was_cancelled": False,
                            "updated_at": "2026-12-02T10:00:00Z"}]
    return task


def write_export(path: Path, tasks: list[dict]) -> Path:
    path.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    return path


def files_under(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


# --- 1. gold import writes only <out>/<doc_id>.json --------------------------------------------------

@pytest.mark.parametrize("bad_id, why", [
    ("../../x", "path separator"), ("../x", "path separator"), ("/tmp/nscl-i23-absolute", "path separator"),
    ("a/b", "path separator"), ("a\\b", "path separator"), ("a\x00b", "control character"),
    ("x" * 300, "longer than"), ("ệ" * 90, "longer than"), (".", "names a folder"), ("..", "names a folder"),
    ("C:x", "drive letter"), ("  ", "empty or blank")])
def test_gold_import_refuses_a_doc_id_that_is_no_file_name_and_writes_nothing(tmp_path, bad_id, why):
    (tmp_path / "work").mkdir()
    export = write_export(tmp_path / "work" / "export.json", [annotated("fine", 1), annotated(bad_id, 2)])
    before = files_under(tmp_path)
    r = run("gold", "import", export, "-o", "work/out/gold", cwd=tmp_path)
    line = one_line(r, 1)
    assert "export.json" in line and "task 2" in line and why in line, line
    assert files_under(tmp_path) == before  # not even the good task's file, nor the folder
    assert not Path("/tmp/nscl-i23-absolute.json").exists()


def test_gold_import_never_writes_through_a_symlink_in_the_folder(tmp_path):
    (tmp_path / "gold").mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    (tmp_path / "gold" / "plan.json").symlink_to(victim)
    export = write_export(tmp_path / "export.json", [annotated("plan")])
    r = run("gold", "import", export, "-o", "gold", cwd=tmp_path)
    assert "symbolic link" in one_line(r, 2)
    assert victim.read_text(encoding="utf-8") == "precious\n" and (tmp_path / "gold" / "plan.json").is_symlink()


@pytest.mark.parametrize("first, second", [("Plan", "plan"), (VIET_NFC, VIET_NFD), ("QĐ-Việt", "qđ-việt")])
def test_gold_import_refuses_two_doc_ids_one_disk_would_take_for_one_file(tmp_path, first, second):
    export = write_export(tmp_path / "export.json", [annotated(first, 1), annotated(second, 2, OTHER)])
    r = run("gold", "import", export, "-o", "gold", cwd=tmp_path)
    line = one_line(r, 1)
    assert "several tasks for doc_id" in line or "differ only in case or Unicode form" in line, line
    assert not (tmp_path / "gold").exists()


def test_gold_import_refuses_a_gold_file_already_there_under_another_spelling(tmp_path):
    (tmp_path / "gold").mkdir()
    (tmp_path / "gold" / "Plan.json").write_text('{"doc_id": "Plan"}\n', encoding="utf-8")
    export = write_export(tmp_path / "export.json", [annotated("plan")])
    r = run("gold", "import", export, "-o", "gold", cwd=tmp_path)
    assert "spelled another way" in one_line(r, 2)
    assert sorted(p.name for p in (tmp_path / "gold").iterdir()) == ["Plan.json"]


def test_gold_import_writes_an_nfc_file_for_a_decomposed_doc_id(tmp_path):
    export = write_export(tmp_path / "export.json", [annotated(VIET_NFD)])
    r = run("gold", "import", export, "-o", "gold", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert [p.name for p in (tmp_path / "gold").iterdir()] == [f"{VIET_NFC}.json"]
    assert json.loads((tmp_path / "gold" / f"{VIET_NFC}.json").read_text(encoding="utf-8"))["doc_id"] == VIET_NFC


@pytest.mark.parametrize("out", ["afile/sub", "afile", ""])
def test_gold_import_to_an_impossible_folder_is_one_line_and_writes_nothing(tmp_path, out):
    (tmp_path / "afile").write_text("a file, not a folder\n", encoding="utf-8")
    export = write_export(tmp_path / "export.json", [annotated("plan")])
    before = files_under(tmp_path)
    r = run("gold", "import", export, "-o", out, cwd=tmp_path)
    assert "Error" in one_line(r, 2)
    assert files_under(tmp_path) == before


# --- 10. NFC identities ------------------------------------------------------------------------------

def test_nfc_and_nfd_spellings_of_one_file_name_are_one_document_in_the_store(tmp_path):
    (tmp_path / f"{VIET_NFC}.txt").write_text(PLAN, encoding="utf-8")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / f"{VIET_NFD}.txt").write_text(OTHER, encoding="utf-8")
    r = run("ingest", f"{VIET_NFC}.txt", f"other/{VIET_NFD}.txt", "--db", "s.db", cwd=tmp_path)
    assert r.returncode == 1 and "1 added" in r.stderr and "already in the store" in r.stderr, r.stderr
    conn = sqlite3.connect(tmp_path / "s.db")
    assert conn.execute("SELECT doc_id FROM documents").fetchall() == [(VIET_NFC,)]
    conn.close()
    e = run("extract", f"other/{VIET_NFD}.txt", "--no-text", cwd=tmp_path)
    assert json.loads(e.stdout)["doc_id"] == VIET_NFC


@pytest.mark.parametrize("first, second", [(VIET_NFC, VIET_NFD), ("Plan", "plan")])
def test_a_batch_gives_one_doc_id_to_one_file_whatever_its_case_or_unicode_form(tmp_path, first, second):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / f"{first}.txt").write_text(PLAN, encoding="utf-8")
    (tmp_path / "b" / f"{second}.txt").write_text(OTHER, encoding="utf-8")
    r = run("batch", "a", "b", "-o", "o.jsonl", cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    recs = [json.loads(line) for line in (tmp_path / "o.jsonl").read_text(encoding="utf-8").splitlines()]
    docs = [rec for rec in recs if "error" not in rec]
    errors = [rec for rec in recs if "error" in rec]
    assert [d["doc_id"] for d in docs] == [unicodedata.normalize("NFC", first)]
    assert len(errors) == 1 and "already taken by a/" in errors[0]["error"]


def test_a_decomposed_file_name_matches_its_gold_file(tmp_path):
    corpus, gold = tmp_path / "corpus", tmp_path / "gold"
    corpus.mkdir()
    gold.mkdir()
    (corpus / f"{VIET_NFD}.txt").write_text(PLAN, encoding="utf-8")  # as macOS names it
    (gold / f"{VIET_NFC}.json").write_text(json.dumps({"doc_id": VIET_NFC, "percentages": [60]}), encoding="utf-8")
    (gold / f"{VIET_NFD}-2.json").write_text(json.dumps({"doc_id": f"{VIET_NFC}-2", "percentages": [45]}), encoding="utf-8")
    (corpus / f"{VIET_NFC}-2.txt").write_text(OTHER, encoding="utf-8")
    r = run("score", "--gold", gold, "--corpus", corpus, "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["figures"]["percentages.f1"] == 1.0
    c = run("gold", "check", gold, "--corpus", corpus)
    assert c.returncode == 0, c.stdout + c.stderr


def test_gold_check_names_two_gold_files_of_one_document(tmp_path):
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "Plan.txt").write_text(PLAN, encoding="utf-8")
    (tmp_path / "gold").mkdir()
    (tmp_path / "gold" / "Plan.json").write_text('{"doc_id": "Plan"}', encoding="utf-8")
    (tmp_path / "gold" / "plan.json").write_text('{"doc_id": "plan"}', encoding="utf-8")
    r = run("gold", "check", "gold", "--corpus", "corpus", cwd=tmp_path)
    assert r.returncode == 1 and "differ only in case or Unicode form" in r.stdout, r.stdout


def test_every_source_of_a_doc_id_goes_through_one_policy():
    from pydantic import ValidationError

    from nscl_extract.schema import Document, safe_doc_id
    from nscl_extract.scoring.gold import GoldDocument

    assert safe_doc_id(VIET_NFD) == VIET_NFC
    assert Document(doc_id=VIET_NFD, source="x").doc_id == VIET_NFC
    assert GoldDocument(doc_id=VIET_NFD).doc_id == VIET_NFC
    for bad in ("../x", "a/b", ".", "x" * 251):
        with pytest.raises(ValidationError):
            Document(doc_id=bad, source="x")
        with pytest.raises(ValidationError):
            GoldDocument(doc_id=bad)
    with pytest.raises(ValidationError):
        extract(PLAN, doc_id="../../etc/x")


def test_the_longest_doc_id_still_makes_a_gold_file(tmp_path):
    longest = "ệ" * 83 + "x"  # 250 bytes in UTF-8: <doc_id>.json is a 255-byte file name
    assert len(longest.encode("utf-8")) == 250
    export = write_export(tmp_path / "export.json", [annotated(longest)])
    r = run("gold", "import", export, "-o", "gold", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert [p.name for p in (tmp_path / "gold").iterdir()] == [f"{longest}.json"]
