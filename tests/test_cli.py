"""`nscl-extract extract` as a user runs it: in-process through click's CliRunner, and as a real
subprocess of the installed console script."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from nscl_extract.cli import cli
from nscl_extract.schema import Document

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "corpus" / "000_dd1c5792947a306a.txt"
SEED2 = ROOT / "corpus" / "002_b2a90f66a4f11357.txt"
PLAN = "Kế hoạch 191/KH-UBND: Đến năm 2025, tối thiểu 60% doanh nghiệp áp dụng ISO 9001; đào tạo 20 chuyên gia.\n"
BAD_UTF8 = b"abc\xc3\x28def"  # \xc3 opens a two-byte sequence that "(" does not continue: byte 3


def run(args, input=None):
    result = CliRunner().invoke(cli, ["extract", *args], input=input, catch_exceptions=False)
    return result


def grounded(data: dict) -> None:
    doc = Document.from_json_dict(data)
    for name in ("citations", "dates", "periods", "percentages", "counts", "amounts", "standards"):
        for m in getattr(doc, name):
            assert doc.text[m.start:m.end] == m.text


@pytest.fixture
def files(tmp_path):
    a = tmp_path / "a.txt"
    a.write_text(PLAN, encoding="utf-8")
    b = tmp_path / "b.txt"
    b.write_text("Kế hoạch 248/KH-UBND giai đoạn 2021-2025 hỗ trợ 02 hội thảo.", encoding="utf-8")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(BAD_UTF8)
    return a, b, bad


# --- in process (CliRunner) ----------------------------------------------------------------

def test_one_file_gives_one_json_object(files):
    a, _, _ = files
    r = run([str(a)])
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert isinstance(data, dict)
    assert data["schema"] == "nscl-extract/1" and data["doc_id"] == "a" and data["source"] == str(a)
    assert data["text"] == PLAN
    assert [c["number"] for c in data["citations"]] == ["191/KH-UBND"]
    assert [(p["value"], p["comparator"]) for p in data["percentages"]] == [(60, "gte")]
    assert [(c["value"], c["unit"]) for c in data["counts"]] == [(20, "chuyên gia")]
    assert [s["id"] for s in data["standards"]] == ["ISO 9001"]
    grounded(data)


def test_several_files_give_jsonl(files):
    a, b, _ = files
    r = run([str(a), str(b)])
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == 2
    docs = [json.loads(line) for line in lines]
    assert [d["doc_id"] for d in docs] == ["a", "b"]
    assert [c["number"] for c in docs[1]["citations"]] == ["248/KH-UBND"]
    assert [(p["from"], p["to"]) for p in docs[1]["periods"]] == [(2021, 2025)]
    for d in docs:
        grounded(d)


def test_output_option_writes_a_file(files, tmp_path):
    a, b, _ = files
    out = tmp_path / "out.jsonl"
    r = run([str(a), str(b), "-o", str(out)])
    assert r.exit_code == 0, r.stderr
    assert r.stdout == ""
    docs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [d["doc_id"] for d in docs] == ["a", "b"]
    one = tmp_path / "one.json"
    assert run([str(a), "--output", str(one)]).exit_code == 0
    assert json.loads(one.read_text(encoding="utf-8"))["doc_id"] == "a"


def test_no_text_leaves_the_text_out(files):
    a, _, _ = files
    r = run([str(a), "--no-text"])
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert "text" not in data
    c = data["citations"][0]
    assert PLAN[c["start"]:c["end"]] == c["text"] == "191/KH-UBND"


def test_dash_reads_stdin():
    r = run(["-"], input=PLAN.encode("utf-8"))
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["doc_id"] == "stdin" and data["text"] == PLAN
    assert [c["number"] for c in data["citations"]] == ["191/KH-UBND"]


def test_missing_file_fails_naming_it_and_good_files_still_come_out(files, tmp_path):
    a, _, _ = files
    missing = tmp_path / "nowhere.txt"
    r = run([str(a), str(missing)])
    assert r.exit_code != 0
    assert str(missing) in r.stderr
    assert "a.txt" not in r.stderr
    docs = [json.loads(line) for line in r.stdout.splitlines()]
    assert [d["doc_id"] for d in docs] == ["a"]


def test_undecodable_file_fails_naming_it_and_the_byte(files):
    a, b, bad = files
    r = run([str(a), str(bad), str(b)])
    assert r.exit_code != 0
    err = r.stderr
    assert str(bad) in err and "byte 3" in err, err
    docs = [json.loads(line) for line in r.stdout.splitlines()]
    assert [d["doc_id"] for d in docs] == ["a", "b"]


def test_bom_texts_load(tmp_path):
    u8 = tmp_path / "bom8.txt"
    u8.write_bytes(b"\xef\xbb\xbf" + PLAN.encode("utf-8"))
    u16 = tmp_path / "bom16.txt"
    u16.write_bytes(PLAN.encode("utf-16"))  # with its BOM
    assert u16.read_bytes()[:2] in (b"\xff\xfe", b"\xfe\xff")
    u16be = tmp_path / "bom16be.txt"
    u16be.write_bytes(b"\xfe\xff" + PLAN.encode("utf-16-be"))
    r = run([str(u8), str(u16), str(u16be)])
    assert r.exit_code == 0, r.stderr
    docs = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(docs) == 3
    for d in docs:
        assert d["text"] == PLAN  # no BOM left in the text, offsets count from the first real character
        assert [c["number"] for c in d["citations"]] == ["191/KH-UBND"]
        assert d["citations"][0]["start"] == PLAN.index("191/")
        grounded(d)


PAGE = """<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8">
<title>Lào Cai: Đến năm 2025 tối thiểu 60% doanh nghiệp triển khai dự án năng suất</title>
<meta property="article:published_time" content="2021-08-13T19:04:00+07:00">
</head><body>
<nav><a href="/">Trang chủ</a> | <a href="/tin">Tin tức</a> | <a href="/lien-he">Liên hệ</a></nav>
<article>
<h1>Lào Cai: Đến năm 2025 tối thiểu 60% doanh nghiệp triển khai dự án năng suất</h1>
<p>UBND tỉnh Lào Cai vừa ban hành Kế hoạch 191/KH-UBND thực hiện Chương trình quốc gia hỗ trợ doanh
nghiệp nâng cao năng suất và chất lượng sản phẩm, hàng hóa giai đoạn 2021-2025, tầm nhìn đến năm 2030.</p>
<p>Thực hiện Quyết định số 1322/QĐ-TTg ngày 31/8/2020 của Thủ tướng Chính phủ, đến năm 2025 tối thiểu 60%
doanh nghiệp sản xuất sản phẩm, hàng hóa trọng điểm triển khai các dự án năng suất chất lượng.</p>
<p>Tỉnh sẽ đào tạo 20 chuyên gia đánh giá chứng nhận hợp chuẩn, hợp quy và hỗ trợ doanh nghiệp áp dụng
hệ thống quản lý ISO 9001, công cụ 5S-Kaizen và Lean để nâng cao năng suất lao động.</p>
</article>
<footer><p>Số lượt xem: 245</p><p>Bản quyền thuộc về Sở Khoa học và Công nghệ tỉnh Lào Cai</p></footer>
</body></html>
"""


def test_html_file_loads_its_main_text(tmp_path):
    page = tmp_path / "lao-cai.html"
    page.write_text(PAGE, encoding="utf-8")
    r = run([str(page)])
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    text = data["text"]
    assert "vừa ban hành Kế hoạch 191/KH-UBND" in " ".join(text.split())
    assert "<p>" not in text and "Trang chủ" not in text
    assert data["title"] and data["title"].startswith("Lào Cai: Đến năm 2025")
    assert data["published"] == "2021-08-13"  # the page's article:published_time
    numbers = [c["number"] for c in data["citations"]]
    assert "191/KH-UBND" in numbers and "1322/QĐ-TTg" in numbers
    assert (20, "chuyên gia") in [(c["value"], c["unit"]) for c in data["counts"]]
    assert {"ISO 9001", "5S", "Kaizen", "Lean"} <= {s["id"] for s in data["standards"]}
    grounded(data)


# --- a real process ------------------------------------------------------------------------

def _command() -> list[str]:
    script = Path(sys.executable).parent / "nscl-extract"
    if script.is_file():
        return [str(script)]
    found = shutil.which("nscl-extract")
    return [found] if found else [sys.executable, "-m", "nscl_extract.cli"]


def _proc(args, input: bytes | None = None, cwd=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    return subprocess.run([*_command(), "extract", *args], input=input, capture_output=True, cwd=cwd,
                          env=env, timeout=300)


def test_console_script_one_and_several_files(files, tmp_path):
    a, b, bad = files
    one = _proc([str(SEED)])
    assert one.returncode == 0, one.stderr.decode()
    data = json.loads(one.stdout.decode("utf-8"))
    assert data["doc_id"] == SEED.stem and data["text"] == SEED.read_text(encoding="utf-8")
    assert "1322/QĐ-TTg" in [c["number"] for c in data["citations"]]
    grounded(data)

    out = tmp_path / "several.jsonl"
    several = _proc([str(SEED), str(bad), str(SEED2), "--no-text", "-o", str(out)])
    assert several.returncode != 0
    err = several.stderr.decode("utf-8")
    assert str(bad) in err and "byte 3" in err, err
    docs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [d["doc_id"] for d in docs] == [SEED.stem, SEED2.stem]
    assert all("text" not in d for d in docs)


def test_console_script_reads_stdin():
    r = _proc(["-"], input=PLAN.encode("utf-8"))
    assert r.returncode == 0, r.stderr.decode()
    data = json.loads(r.stdout.decode("utf-8"))
    assert data["doc_id"] == "stdin" and data["text"] == PLAN
