"""`--id-from path`: archives downloaded from portals name every file "file.pdf"; the doc_id then
comes from the file's path relative to the folder (or glob) it was found in."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nscl_extract.pipeline import doc_id_from_path

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "nscl_extract.cli"]
SEEDS = sorted((ROOT / "corpus").glob("*.txt"))


def run(*args, cwd):
    return subprocess.run([*CLI, *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=600)


def archive(tmp_path: Path) -> Path:
    for k, rel in enumerate(["2021/ha-noi/file.txt", "2021/hue/file.txt", "2022/file.txt"]):
        p = tmp_path / "archive" / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(SEEDS[k].read_text(encoding="utf-8"), encoding="utf-8")
    return tmp_path / "archive"


def test_doc_id_from_path():
    assert doc_id_from_path("archive/2021/a/file.pdf", "archive") == "2021__a__file"
    assert doc_id_from_path("archive/file.pdf", "archive") == "file"
    assert doc_id_from_path("plan.v2.txt", "") == "plan.v2"
    assert doc_id_from_path("/x/y/z.txt", "/x") == "y__z"


@pytest.mark.parametrize("workers", ["1", "2"])
def test_batch_with_ids_from_paths_keeps_every_file(tmp_path, workers):
    archive(tmp_path)
    plain = run("batch", "archive", "-o", "stem.jsonl", cwd=tmp_path)
    assert plain.returncode == 1  # by stem: two of the three are clashes, and the error says what to do
    errors = [json.loads(x) for x in (tmp_path / "stem.jsonl").read_text().splitlines() if '"error"' in x]
    assert len(errors) == 2 and all("--id-from path" in e["error"] for e in errors)
    r = run("batch", "archive", "-o", "out.jsonl", "--id-from", "path", "--workers", workers, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    lines = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(d["doc_id"], d["source"]) for d in lines] == [
        ("2021__ha-noi__file", os.path.join("archive", "2021", "ha-noi", "file.txt")),
        ("2021__hue__file", os.path.join("archive", "2021", "hue", "file.txt")),
        ("2022__file", os.path.join("archive", "2022", "file.txt"))]
    assert all("schema" in d for d in lines)
    # a glob is relative to the folder it starts in; a resume keeps the ids
    g = run("batch", "archive/2021/**/*.txt", "-o", "glob.jsonl", "--id-from", "path", cwd=tmp_path)
    assert g.returncode == 0, g.stderr
    assert [json.loads(x)["doc_id"] for x in (tmp_path / "glob.jsonl").read_text().splitlines()] == [
        "ha-noi__file", "hue__file"]
    again = run("batch", "archive", "-o", "out.jsonl", "--id-from", "path", "--resume", cwd=tmp_path)
    assert again.returncode == 0 and "3 already done" in again.stderr


def test_ingest_with_ids_from_paths(tmp_path):
    archive(tmp_path)
    r = run("ingest", "archive", "--db", "s.db", "--id-from", "path", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert sorted(line.split("\t")[1] for line in r.stdout.splitlines()) == [
        "2021__ha-noi__file", "2021__hue__file", "2022__file"]
    q = run("query", "--db", "s.db", "--doc", "2021__ha-noi__file", "--format", "json", cwd=tmp_path)
    assert q.returncode == 0 and {x["doc_id"] for x in json.loads(q.stdout)} == {"2021__ha-noi__file"}
    refused = run("ingest", "archive", "--db", "t.db", cwd=tmp_path)
    assert refused.returncode == 1 and "--id-from path" in refused.stderr


def test_ids_from_paths_pass_the_identifier_policy():
    """A doc_id from a path is held to schema.safe_doc_id like a stem: NFC, no separator."""
    from nscl_extract.load.loaders import LoadError

    decomposed = "Hu\u0065\u0301"  # "Huế" typed as macOS writes file names
    assert doc_id_from_path(f"archive/{decomposed}/file.txt", "archive") == "Hu\u00e9__file"
    with pytest.raises(LoadError, match="path separator"):
        doc_id_from_path("archive/a\\b/file.txt", "archive")  # a legal folder name on Linux
    with pytest.raises(LoadError, match="longer than"):
        doc_id_from_path("archive/" + "a" * 200 + "/" + "b" * 60 + "/file.txt", "archive")


def test_a_path_that_cannot_be_a_doc_id_is_one_error_record_and_the_rest_goes_on(tmp_path):
    archive(tmp_path)
    long = tmp_path / "archive" / ("a" * 200) / ("b" * 60)
    long.mkdir(parents=True)
    (long / "file.txt").write_text(SEEDS[3].read_text(encoding="utf-8"), encoding="utf-8")
    sep = tmp_path / "archive" / "x\\y"
    sep.mkdir()
    (sep / "file.txt").write_text(SEEDS[4].read_text(encoding="utf-8"), encoding="utf-8")
    r = run("batch", "archive", "-o", "out.jsonl", "--id-from", "path", cwd=tmp_path)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    lines = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    errors = {d["source"]: d["error"] for d in lines if "error" in d}
    assert len(lines) == 5 and len(errors) == 2, lines
    assert any("longer than" in e for e in errors.values()) and any("path separator" in e for e in errors.values())
    assert sorted(d["doc_id"] for d in lines if "error" not in d) == ["2021__ha-noi__file", "2021__hue__file",
                                                                      "2022__file"]
    i = run("ingest", "archive", "--db", "s.db", "--id-from", "path", cwd=tmp_path)
    assert i.returncode == 1 and "Traceback" not in i.stderr, i.stderr
    assert len(i.stdout.splitlines()) == 3 and "path separator" in i.stderr and "longer than" in i.stderr


def test_ids_from_paths_that_differ_only_in_case_are_one(tmp_path):
    for folder, k in (("Plan", 0), ("plan", 1)):
        p = tmp_path / "archive" / folder / "file.txt"
        p.parent.mkdir(parents=True)
        p.write_text(SEEDS[k].read_text(encoding="utf-8"), encoding="utf-8")
    r = run("batch", "archive", "-o", "out.jsonl", "--id-from", "path", cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    lines = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert lines[0]["doc_id"] == "Plan__file" and "schema" in lines[0]
    assert "already taken" in lines[1]["error"] and "differ only in case" in lines[1]["error"]
