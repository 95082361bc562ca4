"""The README's Python, spaCy and Label Studio lines are run as written."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SECTION = "## Python, spaCy and annotation tools"


def blocks() -> list[tuple[str, str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert SECTION in text, "README lost its Python/spaCy/annotation section"
    body = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    found = re.findall(r"```(python|bash)\n(.*?)```", body, flags=re.S)
    assert [lang for lang, _ in found] == ["python", "python", "python", "bash"]
    return found


@pytest.fixture()
def workdir(tmp_path):
    shutil.copytree(ROOT / "corpus", tmp_path / "corpus", ignore=shutil.ignore_patterns("real", "holdout"))
    return tmp_path


@pytest.mark.parametrize("i", range(4), ids=["python-api", "batch-dataframe-excel", "spacy", "label-studio-cli"])
def test_readme_block_runs(i, workdir):
    lang, code = blocks()[i]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    bindir = Path(sys.executable).parent
    env["PATH"] = f"{bindir}{os.pathsep}{env['PATH']}"
    if i == 1:  # the batch the block's first line names, run first, with a file that fails in it
        (workdir / "corpus" / "broken.pdf").write_bytes(b"not a pdf at all")
        before = re.search(r"# after: (nscl-extract batch .*)", code).group(1).strip()
        r = subprocess.run(["bash", "-euo", "pipefail", "-c", before], cwd=workdir, env=env, capture_output=True,
                           text=True, timeout=600)
        assert r.returncode == 1 and "broken.pdf" in r.stderr, r.stderr[-3000:]  # 1: a file failed
        assert len(code.strip().splitlines()) == 3
    if lang == "python":
        r = subprocess.run([sys.executable, "-c", code], cwd=workdir, env=env, capture_output=True, text=True, timeout=300)
    else:
        r = subprocess.run(["bash", "-euo", "pipefail", "-c", code], cwd=workdir, env=env, capture_output=True,
                           text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    if i == 0:
        assert "60.0" in r.stdout and "gte" in r.stdout
    if i == 1:
        import openpyxl

        rows = list(openpyxl.load_workbook(workdir / "indicators.xlsx").active.values)
        header, body = rows[0], rows[1:]
        errors = [r for r in body if r[header.index("error")]]
        assert [(r[header.index("doc_id")], "PDF" in r[header.index("error")]) for r in errors] == [("broken", True)]
        assert len(body) - len(errors) > 50 and {r[header.index("doc_id")] for r in body} >= {"000_dd1c5792947a306a"}
    if i == 2:
        assert "PERCENTAGE" in r.stdout and "2025" in r.stdout
    if i == 3:
        assert (workdir / "train.spacy").stat().st_size > 0
        assert len(list((workdir / "gold-review").glob("*.json"))) == len(list((workdir / "corpus").glob("*.txt")))
