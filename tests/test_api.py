"""The Python API: extract, extract_file, Document.indicator_records, Document._repr_html_."""
from __future__ import annotations

import html
import re

import pandas as pd
import pytest

import nscl_extract
from nscl_extract import Document, extract, extract_file
from nscl_extract.load.loaders import LoadError
from pagetools import ROOT, browser, external_requests, open_page, needs_chromium

TEXT = ("Đến năm 2025, tối thiểu 60% doanh nghiệp áp dụng ISO 9001 và 5S; đào tạo 20 chuyên gia "
        "giai đoạn 2021-2025. Năng suất lao động tăng bình quân 6,5%/năm.")


def test_public_names():
    assert set(nscl_extract.__all__) >= {"extract", "extract_file", "Document"}
    assert nscl_extract.__version__


def test_extract_normalises_and_grounds():
    decomposed = "Đến năm 2025, tối thiểu 60% doanh nghiệp".encode().decode()
    import unicodedata
    doc = extract(unicodedata.normalize("NFD", decomposed), "x")
    assert doc.text == unicodedata.normalize("NFC", decomposed)
    assert [q.value for q in doc.percentages] == [60]
    for ind in doc.indicators:
        assert doc.text[ind.start:ind.end] == ind.text


def test_extract_file_and_its_error():
    doc = extract_file(ROOT / "corpus" / "000_dd1c5792947a306a.txt")
    assert isinstance(doc, Document) and doc.doc_id == "000_dd1c5792947a306a"
    with pytest.raises(LoadError, match="missing.txt"):
        extract_file(ROOT / "missing.txt")


def test_indicator_records_are_flat_rows_for_pandas():
    doc = extract(TEXT, "api")
    rows = doc.indicator_records()
    assert len(rows) == len(doc.indicators) >= 3
    for row, ind in zip(rows, doc.indicators):
        assert all(v is None or isinstance(v, (str, int, float, bool)) for v in row.values()), row
        assert row["value"] == ind.quantity.value and row["unit"] == ind.quantity.unit
        assert (row["period_from"], row["period_to"]) == (tuple(ind.period) if ind.period else (None, None))
        assert TEXT[row["quantity_start"]:row["quantity_end"]] == row["quantity_text"]
    frame = pd.DataFrame(rows)
    assert list(frame["doc_id"].unique()) == ["api"]
    first = frame.iloc[0]
    assert first["value"] == 60 and first["comparator"] == "gte" and first["target_year"] == 2025
    assert "ISO 9001" in first["standards"]
    assert frame["per_year"].any()  # the 6,5%/năm row


def test_repr_html_is_the_review_page_in_a_frame():
    doc = extract(TEXT, "api")
    out = doc._repr_html_()
    m = re.fullmatch(r'<iframe title="[^"]*" srcdoc="([^"]*)" sandbox="allow-scripts" style="[^"]*"></iframe>', out)
    assert m, out[:200]
    from nscl_extract.pages.review import render_review
    assert html.unescape(m.group(1)) == render_review(doc)
    doc.text = None
    assert doc._repr_html_().startswith("<pre>")


@needs_chromium
def test_repr_html_shows_highlights_in_chromium(tmp_path):
    doc = extract(TEXT, "api")
    page_file = tmp_path / "notebook.html"
    page_file.write_text(f"<!DOCTYPE html><html><body>{doc._repr_html_()}</body></html>", encoding="utf-8")
    with browser() as b:
        page = open_page(b, page_file)
        frame = page.frames[1]
        frame.wait_for_load_state()
        assert frame.locator("#doc").inner_text().replace("\n", " ").startswith("Đến năm 2025")
        assert frame.locator("#doc [data-kind]").count() > 0
        assert not external_requests(page) and not page.errors


def _batch_file(tmp_path):
    good = extract(TEXT, "plan", source="in/plan.txt", published="2021-08-13")
    empty = extract("Tin ngắn về hội nghị.", "news", source="in/news.txt")
    lines = [good.model_dump_json(by_alias=True),
             '{"doc_id": "scan", "source": "in/scan.pdf", "error": "damaged or truncated PDF"}',
             empty.model_dump_json(by_alias=True)]
    path = tmp_path / "out.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, good


def test_read_jsonl_gives_documents_and_error_records_apart(tmp_path):
    from nscl_extract import ErrorRecord, read_jsonl
    from nscl_extract.store.jsonl import JsonlError

    path, good = _batch_file(tmp_path)
    docs, errors = read_jsonl(path)
    assert [d.doc_id for d in docs] == ["plan", "news"] and docs[0] == good
    assert errors == [ErrorRecord(doc_id="scan", source="in/scan.pdf", error="damaged or truncated PDF")]
    assert read_jsonl(path).errors == errors
    # an error record is not an empty Document: validating one as a Document fails, loudly
    with pytest.raises(ValueError, match="error record"):
        Document.model_validate({"doc_id": "scan", "source": "in/scan.pdf", "error": "damaged"})
    # a killed batch's partial last line is skipped with a warning; any other bad line is an error
    with open(path, "a", encoding="utf-8") as f:
        f.write('{"schema": "nscl-extract/1", "doc_id": "cut", "sou')
    with pytest.warns(RuntimeWarning, match="partial last line"):
        assert len(read_jsonl(path).documents) == 2
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"doc_id": "a", "source": "a.txt", "error": "x"}\n[1, 2]\n', encoding="utf-8")
    with pytest.raises(JsonlError, match=r"bad.jsonl:2: not a Document or error record"):
        read_jsonl(bad)


def test_to_dataframe_keeps_a_row_for_each_failed_file(tmp_path):
    from nscl_extract import read_jsonl, to_dataframe
    from nscl_extract.store import QUERY_COLUMNS

    path, good = _batch_file(tmp_path)
    docs, errors = read_jsonl(path)
    frame = to_dataframe(docs + errors)
    assert list(frame.columns[:len(QUERY_COLUMNS)]) == QUERY_COLUMNS and "error" in frame.columns
    assert len(frame) == len(good.indicators) + 1
    failed = frame[frame["error"].notna()]
    assert failed[["doc_id", "source", "error"]].values.tolist() == [["scan", "in/scan.pdf", "damaged or truncated PDF"]]
    rows = frame[frame["error"].isna()]
    assert set(rows["doc_id"]) == {"plan"} and rows["value"].tolist() == [i.quantity.value for i in good.indicators]
    assert rows["published"].iloc[0] == "2021-08-13" and rows["standards"].iloc[0] == "ISO 9001; 5S"
    assert to_dataframe(read_jsonl(path)).equals(frame)  # what read_jsonl returns, as it is
    frame.to_excel(tmp_path / "rows.xlsx", index=False)  # the README's last step
    import openpyxl

    assert openpyxl.load_workbook(tmp_path / "rows.xlsx").active.max_row == len(frame) + 1
