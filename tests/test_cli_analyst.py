"""Smaller habits of the command line an analyst meets: export's --min-confidence, extract --table
naming the document's province, plan and date, ingest --help naming the image types it reads."""
from __future__ import annotations

import json

from click.testing import CliRunner

from nscl_extract.cli import cli
from nscl_extract.pipeline import extract_file

from pagetools import ROOT

SEED = ROOT / "corpus" / "000_dd1c5792947a306a.txt"


def test_export_min_confidence_leaves_out_the_doubtful_indicators(tmp_path):
    doc = extract_file(SEED)
    for k, ind in enumerate(doc.indicators):
        ind.confidence = [0.9, 0.3, None][k % 3]
    src = tmp_path / "doc.jsonl"
    src.write_text(json.dumps(doc.to_json_dict(), ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "d.jsonl"
    r = CliRunner().invoke(cli, ["export", "--format", "doccano", str(src), "-o", str(out), "--min-confidence", "0.5"])
    assert r.exit_code == 0, r.output
    rec = json.loads(out.read_text(encoding="utf-8"))
    kept = [i for i in doc.indicators if i.confidence is None or i.confidence >= 0.5]
    assert [x["start"] for x in rec["meta"]["indicators"]] == [i.quantity.start for i in kept]
    assert len(kept) < len(doc.indicators)
    everything = CliRunner().invoke(cli, ["export", "--format", "doccano", str(src)])
    assert len(json.loads(everything.output)["meta"]["indicators"]) == len(doc.indicators)
    help_text = " ".join(CliRunner().invoke(cli, ["export", "--help"]).output.split())
    assert "An indicator with no confidence (no model decided it) is kept" in help_text


def test_extract_table_names_province_plan_and_date():
    r = CliRunner().invoke(cli, ["extract", "--table", str(SEED)])
    assert r.exit_code == 0, r.output
    head = "\n".join(r.output.splitlines()[:3])
    assert "province: Lào Cai" in head and "plan: 191/KH-UBND" in head and "published: 2021-08-13" in head


def test_ingest_help_lists_the_image_types():
    text = " ".join(CliRunner().invoke(cli, ["ingest", "--help"]).output.split())
    for suffix in (".png", ".jpg", ".jpeg", ".tif", ".tiff"):
        assert suffix in text
    assert "--id-from" in text
