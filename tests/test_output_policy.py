"""Issue 23, the output policy (nscl_extract/outputs/paths.py) as every command meets it: an -o
that is an input, the store or an SQLite file is refused before any work and left whole; a
companion file the command did not write is not replaced; a write that fails (a full disk,
made here with a real file-size limit) leaves the old file whole; cells of --excel CSV are
never formulas. Real processes, real files. Each test failed on main before the change."""
from __future__ import annotations

import csv
import io
import os
import resource
import signal
from pathlib import Path

import pytest
from clitools import one_line, run

PLAN = ("Kế hoạch 191/KH-UBND về nâng cao năng suất chất lượng giai đoạn 2021-2025.\n\n"
        "Đến năm 2025, tối thiểu 60% doanh nghiệp áp dụng ISO 9001; đào tạo 20 chuyên gia.\n"
        "Mỗi năm tăng 10% số doanh nghiệp áp dụng công cụ cải tiến.\n")


@pytest.fixture
def folder(tmp_path) -> Path:
    (tmp_path / "plan.txt").write_text(PLAN, encoding="utf-8")
    (tmp_path / "gold").mkdir()
    (tmp_path / "gold" / "plan.json").write_text('{"doc_id": "plan"}\n', encoding="utf-8")
    assert run("ingest", "plan.txt", "--db", "s.db", cwd=tmp_path).returncode == 0
    assert run("batch", "plan.txt", "-o", "out.jsonl", cwd=tmp_path).returncode == 0
    return tmp_path


# --- 2. -o onto an input or the store ------------------------------------------------------------------

@pytest.mark.parametrize("args, victim", [
    (["query", "--db", "s.db", "-o", "s.db"], "s.db"),
    (["query", "--db", "s.db", "--format", "csv", "-o", "./s.db"], "s.db"),
    (["report", "--db", "s.db", "-o", "s.db"], "s.db"),
    (["batch", "plan.txt", "-o", "s.db"], "s.db"),
    (["extract", "plan.txt", "-o", "s.db"], "s.db"),
    (["extract", "plan.txt", "-o", "plan.txt"], "plan.txt"),
    (["extract", "plan.txt", "-o", "gold/../plan.txt"], "plan.txt"),
    (["show", "plan.txt", "-o", "plan.txt"], "plan.txt"),
    (["show", "out.jsonl", "-o", "out.jsonl"], "out.jsonl"),
    (["show", "plan.txt", "--gold", "gold/plan.json", "-o", "gold/plan.json"], "gold/plan.json"),
    (["show", "out.jsonl", "--gold", "gold", "-o", "gold/plan.json"], "gold/plan.json"),
    (["export", "--format", "doccano", "plan.txt", "-o", "plan.txt"], "plan.txt"),
    (["export", "--format", "label-studio", "out.jsonl", "-o", "out.jsonl"], "out.jsonl"),
    (["ingest", "out.jsonl", "--db", "out.jsonl"], "out.jsonl"),
])
def test_an_output_that_is_an_input_or_a_store_is_refused_and_left_whole(folder, args, victim):
    before = (folder / victim).read_bytes()
    r = run(*args, cwd=folder)
    line = one_line(r, 2)
    assert "also an input" in line or "store" in line or "SQLite database" in line, line
    assert (folder / victim).read_bytes() == before


def test_a_symlinked_output_is_written_through_and_checked_by_its_real_path(folder):
    os.symlink("plan.txt", folder / "alias.json")
    r = run("extract", "plan.txt", "-o", "alias.json", cwd=folder)
    assert "also an input" in one_line(r, 2)
    assert (folder / "plan.txt").read_text(encoding="utf-8") == PLAN
    os.symlink("elsewhere.json", folder / "link.json")  # dangling: made where it points, the link kept
    assert run("extract", "plan.txt", "-o", "link.json", cwd=folder).returncode == 0
    assert (folder / "link.json").is_symlink() and '"doc_id": "plan"' in (folder / "elsewhere.json").read_text()


def test_export_never_replaces_a_labeling_config_it_did_not_write(folder):
    cfg = folder / "tasks.label_config.xml"
    cfg.write_text("<View><!-- my own, edited by hand --></View>\n", encoding="utf-8")
    r = run("export", "--format", "label-studio", "plan.txt", "-o", "tasks.json", cwd=folder)
    assert "tasks.label_config.xml exists and was not written by this command" in one_line(r, 2)
    assert "by hand" in cfg.read_text(encoding="utf-8") and not (folder / "tasks.json").exists()
    cfg.unlink()
    assert run("export", "--format", "label-studio", "plan.txt", "-o", "tasks.json", cwd=folder).returncode == 0
    written = cfg.read_bytes()
    # its own config, as it wrote it, is replaced by a second export
    r = run("export", "--format", "label-studio", "plan.txt", "-o", "tasks.json", cwd=folder)
    assert r.returncode == 0, r.stderr
    assert cfg.read_bytes() == written


def test_export_to_dev_null_writes_no_companion_beside_it(folder):
    companion = Path("/dev/null.label_config.xml")
    if companion.exists():
        pytest.skip("someone left /dev/null.label_config.xml")
    try:
        r = run("export", "--format", "label-studio", "plan.txt", "-o", "/dev/null", cwd=folder)
        assert r.returncode == 0, r.stderr
        assert not companion.exists()
    finally:
        if companion.exists():
            companion.unlink()


@pytest.mark.parametrize("args", [["extract", "plan.txt"], ["show", "plan.txt"], ["query", "--db", "s.db"],
                                  ["export", "--format", "doccano", "plan.txt"]])
def test_an_empty_output_path_is_refused(folder, args):
    r = run(*args, "-o", "", cwd=folder)
    assert "empty path" in one_line(r, 2)


# --- smaller: outputs are written whole or not at all -------------------------------------------------

def _file_size_limit(limit: int):
    def pre():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG), as on a full disk
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return pre


SEEDS = sorted((Path(__file__).resolve().parents[1] / "corpus").glob("*.txt"))


@pytest.mark.parametrize("args, name", [
    (["show", "plan.txt"], "review.html"),
    (["report", "--db", "seeds.db"], "report.html"),
    (["extract", "plan.txt"], "plan.json"),
    (["query", "--db", "seeds.db", "--format", "json"], "rows.json"),
    (["export", "--format", "label-studio", "plan.txt"], "tasks.json"),
    (["export", "--format", "spacy", "plan.txt"], "train.spacy"),
])
def test_a_write_that_fails_midway_leaves_the_old_file_whole(folder, args, name):
    old = b"the previous output, still wanted\n"
    (folder / name).write_bytes(old)
    limit = 1024
    if "seeds.db" in args:  # reading a WAL store writes its 32 KB -shm file: the page must be larger
        assert run("ingest", *SEEDS, "--db", "seeds.db", cwd=folder).returncode == 0
        limit = 40_000
    r = run(*args, "-o", name, cwd=folder, preexec_fn=_file_size_limit(limit))
    assert "Traceback" not in r.stderr, r.stderr
    assert r.returncode == 1 and "cannot write" in r.stderr and name in r.stderr, r.stderr
    assert (folder / name).read_bytes() == old
    assert not [p.name for p in folder.iterdir() if p.name.endswith(".part")]


def test_a_replaced_output_keeps_its_permissions(folder):
    (folder / "page.html").write_text("old", encoding="utf-8")
    os.chmod(folder / "page.html", 0o640)
    assert run("show", "plan.txt", "-o", "page.html", cwd=folder).returncode == 0
    assert (folder / "page.html").stat().st_mode & 0o777 == 0o640
    assert "<html" in (folder / "page.html").read_text(encoding="utf-8")


# --- 3. --excel cells are never formulas -------------------------------------------------------------

HOSTILE = ("Kế hoạch 12/KH-UBND năm 2024.\n\n"
           "- Đến năm 2025, tối thiểu 60% doanh nghiệp áp dụng ISO 9001;\n"
           "+ Đến năm 2025, đào tạo 20 chuyên gia năng suất;\n"
           "=HYPERLINK(\"http://example.invalid\",\"x\") đến năm 2025 có 30% hợp tác xã áp dụng 5S;\n"
           "@SUM(1+1) đến năm 2025 có 15% doanh nghiệp áp dụng công cụ cải tiến.\n")


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_excel_csv_cells_are_never_formulas_and_plain_csv_is_unchanged(tmp_path):
    name = "=HYPERLINK(1).txt"  # a file name becomes the doc_id and source cells
    (tmp_path / name).write_text(HOSTILE, encoding="utf-8")
    plain = run("extract", "--format", "csv", name, cwd=tmp_path)
    excel = run("extract", "--format", "csv", "--excel", name, "-o", "x.csv", cwd=tmp_path)
    assert plain.returncode == 0 and excel.returncode == 0, plain.stderr + excel.stderr
    plain_rows, excel_rows = _rows(plain.stdout.encode("utf-8")), _rows((tmp_path / "x.csv").read_bytes())
    assert len(plain_rows) == len(excel_rows) >= 4
    starts = ("=", "+", "-", "@", "\t", "\r")
    risky = [(p, e) for pr, er in zip(plain_rows[1:], excel_rows[1:]) for p, e in zip(pr, er) if p.startswith(starts)]
    assert any(p.startswith("=HYPERLINK") for p, _ in risky)   # plain CSV keeps the text as it is
    assert any(p.startswith(("- ", "+ ")) for p, _ in risky)
    for p, e in risky:
        assert e == "'" + p
    for row in excel_rows[1:]:
        assert not any(c.startswith(starts) for c in row), row
    # the store's query gives the same cells
    assert run("ingest", name, "--db", "s.db", cwd=tmp_path).returncode == 0
    q = run("query", "--db", "s.db", "--format", "csv", "--excel", "-o", "q.csv", cwd=tmp_path)
    assert q.returncode == 0, q.stderr
    for row in _rows((tmp_path / "q.csv").read_bytes())[1:]:
        assert not any(c.startswith(starts) for c in row), row


def test_excel_cell_keeps_numbers_numbers():
    from nscl_extract.outputs.excel import excel_cell

    assert excel_cell("-5") == "-5" and excel_cell("+2.5") == "+2.5" and excel_cell("60") == "60"
    assert excel_cell("-5+cmd|' /C calc'!A0") == "'-5+cmd|' /C calc'!A0"
    assert excel_cell("\tx") == "'\tx" and excel_cell("\rx") == "'\rx" and excel_cell("@x") == "'@x"
