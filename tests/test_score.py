"""The scorer on tiny hand-made gold/prediction pairs whose scores are worked out by hand."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from nscl_extract.cli import cli
from nscl_extract.scoring.gold import GoldDocument, GoldFileError, check_gold, load_gold
from nscl_extract.text.provinces import fold_vi, province_2025
from nscl_extract.schema import Amount, Citation, Date, Document, Indicator, Period, Province, Quantity, Standard
from nscl_extract.scoring.score import (aggregate, match, score_document, score_indicators, syllable_f1, unit_key,
                                units_compatible)


# ---------------------------------------------------------------- builders


def _span(text: str = "", start: int = 0) -> dict:
    return {"start": start, "end": start + len(text), "text": text}


def cit(number: str) -> Citation:
    return Citation(**_span(number), number=number, serial=number.split("/")[0], type="KH")


def pct(value, value_max=None, comparator="eq") -> Quantity:
    return Quantity(**_span(), value=value, value_max=value_max, unit="%", comparator=comparator)


def cnt(value, unit, value_max=None, comparator="eq") -> Quantity:
    return Quantity(**_span(), value=value, value_max=value_max, unit=unit, comparator=comparator)


def ind(value, unit="%", comparator="eq", value_max=None, kind="target", target_year=None, period=None,
        per_year=False, relative=False, subject=None) -> Indicator:
    return Indicator(**_span(), quantity=Quantity(**_span(), value=value, value_max=value_max, unit=unit,
                                                   comparator=comparator),
                     kind=kind, target_year=target_year, period=period, per_year=per_year, relative=relative,
                     subject=subject)


def gind(value, unit="%", comparator="eq", value_max=None, kind="target", target_year=None, period=None,
         per_year=False, relative=False, subject=None, quote="q") -> dict:
    return {"quote": quote, "value": value, "value_max": value_max, "unit": unit, "comparator": comparator,
            "kind": kind, "target_year": target_year, "period": period, "per_year": per_year,
            "relative": relative, "subject": subject}


def gold(**fields) -> GoldDocument:
    return GoldDocument.model_validate({"doc_id": "d", **fields})


def pred(**fields) -> Document:
    return Document(doc_id="d", source="d.txt", **fields)


# ---------------------------------------------------------------- gold format


def test_gold_shorthands_become_explicit_objects():
    g = gold(percentages=[60, [45, 47]], counts=[[20, "chuyên gia"], [[1, 2], "doanh nghiệp"]],
             amounts=[1530000000, [18000e9, 19000e9], {"value": 8300, "value_max": 8500, "currency": "USD"}])
    assert [(q.value, q.value_max, q.unit) for q in g.percentages] == [(60, None, "%"), (45, 47, "%")]
    assert [(q.value, q.value_max, q.unit) for q in g.counts] == [(20, None, "chuyên gia"), (1, 2, "doanh nghiệp")]
    assert [(a.value, a.value_max, a.currency) for a in g.amounts] == [
        (1530000000, None, "VND"), (18000e9, 19000e9, "VND"), (8300, 8500, "USD")]


@pytest.mark.parametrize("bad", [
    {"percentages": ["60"]},                      # a string, not a number
    {"percentages": [[47, 45]]},                  # value_max < value
    {"counts": [[20]]},                           # no unit
    {"counts": [[True, "chuyên gia"]]},           # a boolean is no number
    {"dates": ["2021-02-30"]},                    # no such day
    {"published": "13/08/2021"},                  # not ISO
    {"periods": [[2025, 2021]]},                  # ends before it starts
    {"indicators": [{"value": 60, "unit": "%", "kind": "target"}]},  # no quote
    {"indicators": [gind(60, kind="plan")]},      # unknown kind
    {"provinec": "Lào Cai"},                      # misspelt key
])
def test_gold_model_rejects_malformed(bad):
    with pytest.raises(ValueError):
        gold(**bad)


# ---------------------------------------------------------------- mention types


def test_percentages_are_multisets():
    # gold {60, 60, 100}, pred {60, 100, 100, 30}: 60 once, 100 once -> tp 2, fp 2, fn 1
    s = score_document(gold(percentages=[60, 60, 100]), pred(percentages=[pct(60), pct(100), pct(100), pct(30)]))
    prf = s.types["percentages"]
    assert (prf.tp, prf.fp, prf.fn) == (2, 2, 1)
    assert prf.precision == pytest.approx(2 / 4)
    assert prf.recall == pytest.approx(2 / 3)
    assert prf.f1 == pytest.approx(4 / 7)


def test_ranges_and_float_tolerance():
    g = gold(percentages=[[45, 47], 12.5, 10])
    p = pred(percentages=[pct(45), pct(45, 47), pct(12.5 * (1 + 1e-12)), pct(10.01)])
    prf = score_document(g, p).types["percentages"]
    # [45,47] matches only the range; 12.5 within tolerance; 10 != 10.01; bare 45 is spurious
    assert (prf.tp, prf.fp, prf.fn) == (2, 2, 1)


def test_counts_need_compatible_units():
    g = gold(counts=[[500, "lượt người"], [3, "doanh nghiệp"], [[1, 2], "cổng thông tin"], [2, "khoá đào tạo"]])
    p = pred(counts=[cnt(500, "lượt"), cnt(3, "hợp tác xã"), cnt(1, "cổng", value_max=2), cnt(2, "Khóa đào tạo")])
    prf = score_document(g, p).types["counts"]
    assert (prf.tp, prf.fp, prf.fn) == (3, 1, 1)


@pytest.mark.parametrize("a,b", [
    ("lượt", "lượt người"), ("cổng", "cổng thông tin"), ("doanh nghiệp", "doanh nghiệp/vạn dân"),
    ("doanh nghiệp", "doanh nghiệp / vạn dân"), ("Doanh Nghiệp", "doanh nghiệp"), ("khoá đào tạo", "khóa đào tạo"),
    ("thuỷ sản", "thủy sản"), ("chương trình", "chương trình truyền hình/năm"), ("%", "%"),
])
def test_units_compatible(a, b):
    assert units_compatible(a, b) and units_compatible(b, a)


@pytest.mark.parametrize("a,b", [
    ("lượt", "lượng"), ("cơ sở", "cơ sởi"), ("doanh nghiệp", "lượt doanh nghiệp"), ("hội thảo", "hội nghị"),
    ("%", "% doanh nghiệp"), ("%", "doanh nghiệp"), ("khóa", "khoán"),
])
def test_units_incompatible(a, b):
    assert not units_compatible(a, b) and not units_compatible(b, a)


def test_one_tone_mark_style():
    assert fold_vi("hoá") == fold_vi("hóa") == "hóa"
    assert fold_vi("Khoá") == fold_vi("khóa")
    assert fold_vi("thuỷ") == fold_vi("thủy")
    assert fold_vi("hoà") == fold_vi("hòa")
    assert fold_vi("khoẻ") == fold_vi("khỏe")
    assert fold_vi("quý") == "quý"            # "qu" + "y": nothing to move
    assert fold_vi("hoàn") == "hoàn"          # closed syllable: one way of writing only
    assert fold_vi("hoá") != fold_vi("hoà")   # different tones stay different
    assert unit_key("Khoá  Đào Tạo") == unit_key("khóa đào tạo")


def test_unit_compatibility_is_matched_maximally():
    # "cơ sở giáo dục nghề" fits both gold units, "cơ sở vật chất" only the first: a greedy
    # pass alone would give 1; the matching must find 2.
    g = gold(counts=[[5, "cơ sở"], [5, "cơ sở giáo dục"]])
    p = pred(counts=[cnt(5, "cơ sở giáo dục nghề"), cnt(5, "cơ sở vật chất")])
    assert score_document(g, p).types["counts"].tp == 2


def test_match_pairs_equal_items_in_document_order():
    pairs = match([1, 1, 2], [1, 2, 1], lambda g, p: g == p)
    assert pairs == [(0, 0), (1, 2), (2, 1)]


def test_other_types():
    g = gold(citations=["191/KH-UBND", "1322/QĐ-TTg", "1322/QĐ-TTg"], dates=["2021-08-13", "2018-01"],
             periods=[[2021, 2025], [2021, 2025]], standards=["ISO 9001", "5S"],
             amounts=[1530000000, [18000e9, 19000e9], {"value": 8300, "value_max": 8500, "currency": "USD"}])
    p = pred(citations=[cit("191/KH-UBND"), cit("1322/QĐ-TTg"), cit("712/QĐ-TTg")],
             dates=[Date(**_span(), value="2021-08-13", precision="day"), Date(**_span(), value="2018-01-01", precision="day")],
             periods=[Period(**_span(), **{"from": 2021, "to": 2025}), Period(**_span(), **{"from": 2021, "to": 2030})],
             standards=[Standard(**_span(), id="ISO 9001", kind="management_system"),
                        Standard(**_span(), id="ISO 9000", kind="management_system")],
             amounts=[Amount(**_span(), value=1.53e9), Amount(**_span(), value=18000e9, value_max=19000e9),
                      Amount(**_span(), value=8300, value_max=8500, currency="VND")])
    t = score_document(g, p).types
    assert (t["citations"].tp, t["citations"].fp, t["citations"].fn) == (2, 1, 1)
    assert (t["dates"].tp, t["dates"].fp, t["dates"].fn) == (1, 1, 1)
    assert (t["periods"].tp, t["periods"].fp, t["periods"].fn) == (1, 1, 1)
    assert (t["standards"].tp, t["standards"].fp, t["standards"].fn) == (1, 1, 1)
    assert (t["amounts"].tp, t["amounts"].fp, t["amounts"].fn) == (2, 1, 1)  # USD range predicted as VND


def test_empty_lists_score_one_and_missing_predictions_zero():
    s = score_document(gold(citations=["191/KH-UBND"]), pred())
    assert (s.types["dates"].precision, s.types["dates"].recall, s.types["dates"].f1) == (1.0, 1.0, 1.0)
    assert (s.types["citations"].precision, s.types["citations"].recall, s.types["citations"].f1) == (0.0, 0.0, 0.0)


# ---------------------------------------------------------------- indicators


def test_greedy_picks_the_pair_agreeing_on_most_attributes():
    g = [GoldDocument.model_validate({"doc_id": "d", "indicators": [
        gind(60, comparator="gte", kind="target", target_year=2025, period=[2021, 2025]),
        gind(60, comparator="gte", kind="result", target_year=None, period=None, relative=True)]}).indicators][0]
    p = [ind(60, comparator="gte", kind="result", relative=True),
         ind(60, comparator="gte", kind="target", target_year=2025, period=(2021, 2025))]
    score, pairs = score_indicators(g, p)
    assert pairs == [(0, 1), (1, 0)]  # document order alone would pair (0, 0)
    assert score.key.tp == 2 and score.strict.tp == 2
    assert all(acc.correct == 2 and acc.total == 2 for acc in score.attributes.values())


def test_strict_f1_below_key_f1():
    # gold: 4 indicators; pred: 3, of which 2 match on key and 1 of those also on all attributes
    g = gold(indicators=[gind(60, comparator="gte", target_year=2025, period=[2021, 2025], subject="doanh nghiệp"),
                         gind(20, unit="chuyên gia", subject="chuyên gia"),
                         gind(45, value_max=47),
                         gind(12.5, per_year=True, relative=True)])
    p = pred(indicators=[ind(60, comparator="gte", target_year=2025, period=(2021, 2025), subject="doanh nghiệp"),
                         ind(20, unit="chuyên gia", kind="result", period=(2021, 2025), subject="chuyên gia tư vấn"),
                         ind(45)])
    s = score_document(g, p).indicators
    assert (s.key.tp, s.key.fp, s.key.fn) == (2, 1, 2)
    assert s.key.f1 == pytest.approx(2 * (2 / 3) * (2 / 4) / (2 / 3 + 2 / 4))   # 4/7
    assert (s.strict.tp, s.strict.fp, s.strict.fn) == (1, 2, 3)
    assert s.strict.f1 == pytest.approx(2 * (1 / 3) * (1 / 4) / (1 / 3 + 1 / 4))  # 2/7
    assert s.attributes["kind"].accuracy == pytest.approx(0.5)
    assert s.attributes["period"].accuracy == pytest.approx(0.5)
    assert s.attributes["target_year"].accuracy == 1.0
    assert s.attributes["per_year"].accuracy == 1.0
    # subject: 1.0 for the first pair; "chuyên gia" vs "chuyên gia tư vấn": P 2/4, R 2/2 -> F1 2/3
    assert s.subject.mean == pytest.approx((1 + 2 / 3) / 2)


def test_indicator_key_needs_comparator_and_compatible_unit():
    g = gold(indicators=[gind(500, unit="lượt người", comparator="gt"), gind(30, unit="doanh nghiệp"), gind(50)])
    p = pred(indicators=[ind(500, unit="lượt", comparator="gt"), ind(30, unit="hợp tác xã"), ind(50, unit="doanh nghiệp")])
    assert score_document(g, p).indicators.key.tp == 1


def test_subject_syllable_overlap():
    # gold syllables: doanh nghiệp sản xuất hàng hóa (6); pred 4, all shared: P 1, R 4/6 -> F1 0.8
    assert syllable_f1("doanh nghiệp sản xuất, hàng hoá", "Doanh nghiệp sản xuất") == pytest.approx(0.8)
    assert syllable_f1("hàng hoá", "hàng hóa") == 1.0
    assert syllable_f1(None, None) == 1.0
    assert syllable_f1("doanh nghiệp", None) == 0.0
    # multisets: 6 gold and 5 pred syllables share doanh x2, nghiệp x2: P 4/5, R 4/6 -> F1 8/11
    assert syllable_f1("doanh nghiệp và doanh nghiệp nhỏ", "doanh nghiệp doanh nghiệp vừa") == pytest.approx(8 / 11)


# ---------------------------------------------------------------- documents and micro sums


def test_micro_sums_over_documents():
    a = score_document(GoldDocument(doc_id="a", citations=["1/KH-UBND", "2/KH-UBND"]),
                       Document(doc_id="a", source="a", citations=[cit("1/KH-UBND")]))
    b = score_document(GoldDocument(doc_id="b", citations=["3/KH-UBND"]),
                       Document(doc_id="b", source="b", citations=[cit("3/KH-UBND"), cit("4/KH-UBND"), cit("5/KH-UBND")]))
    assert a.types["citations"].f1 == pytest.approx(2 / 3)
    assert b.types["citations"].f1 == pytest.approx(0.5)
    report = aggregate([a, b])
    micro = report.types["citations"]
    assert (micro.tp, micro.fp, micro.fn) == (2, 2, 1)
    assert micro.f1 == pytest.approx(4 / 7)  # macro would be 7/12
    assert [d.doc_id for d in report.documents] == ["a", "b"]
    assert report.figures()["citations.f1"] == pytest.approx(4 / 7)


@pytest.mark.parametrize("name,expected", [
    ("Bình Định", "Gia Lai"), ("Bến Tre", "Vĩnh Long"), ("Thanh Hoá", "Thanh Hóa"), ("THANH HÓA", "Thanh Hóa"),
    ("Tỉnh Thừa Thiên Huế", "Huế"), ("TP.HCM", "Hồ Chí Minh"), ("TP. Hồ Chí Minh", "Hồ Chí Minh"),
    ("Bà Rịa-Vũng Tàu", "Hồ Chí Minh"), ("Thành phố Cần Thơ", "Cần Thơ"), ("Gia Lai", "Gia Lai"),
    ("Yên Bái", "Lào Cai"), ("Hà Tây Mới", None), (None, None),
])
def test_province_2025(name, expected):
    assert province_2025(name) == expected


@pytest.mark.parametrize("gold_name,pred_province,ok", [
    ("Bình Định", Province(name="Gia Lai", name_2025="Gia Lai"), True),
    ("Bến Tre", Province(name="Vĩnh Long"), True),
    ("Thừa Thiên Huế", Province(name="Huế"), True),
    ("Bến Tre", Province(name="Bình Định", name_2025="Gia Lai"), False),
    (None, None, True),
    (None, Province(name="Hà Nội"), False),
    ("Lào Cai", None, False),
])
def test_province_field_compares_2025_names(gold_name, pred_province, ok):
    s = score_document(gold(province=gold_name), pred(province=pred_province))
    assert s.fields["province"] is ok


def test_plan_and_published_fields():
    g = gold(plan="191/KH-UBND", published="2021-08-13")
    assert score_document(g, pred(plan=cit("191/KH-UBND"), published="2021-08-13")).fields == {
        "province": True, "plan": True, "published": True}
    s = score_document(g, pred(plan=cit("192/KH-UBND"), published="2021-08-12"))
    assert s.fields == {"province": True, "plan": False, "published": False}
    report = aggregate([s, score_document(g, pred(plan=cit("191/KH-UBND")))])
    assert report.fields["plan"].accuracy == 0.5 and report.fields["published"].accuracy == 0.0


# ---------------------------------------------------------------- details


def test_details_show_context():
    text = "Phấn đấu đến năm 2025 có tối thiểu 60% doanh nghiệp áp dụng; hỗ trợ 20 chuyên gia mỗi năm."
    g = gold(percentages=[60], counts=[[20, "chuyên gia"]],
             indicators=[gind(60, comparator="gte", target_year=2025, quote="tối thiểu 60% doanh nghiệp")])
    i = text.index("năm 2025")
    spurious = Date(start=i, end=i + 8, text="năm 2025", value="2025-01", precision="month")
    s = score_document(g, pred(text=text, percentages=[pct(60)], dates=[spurious]))
    by = {(d.type, d.status): d for d in s.details}
    assert set(by) == {("counts", "miss"), ("dates", "spurious"), ("indicators", "miss")}
    assert "«20 chuyên gia»" in by["counts", "miss"].context
    assert "«năm 2025»" in by["dates", "spurious"].context
    assert "«tối thiểu 60% doanh nghiệp»" in by["indicators", "miss"].context
    assert all(d.doc_id == "d" for d in s.details)


def test_details_name_attribute_mismatches():
    g = gold(indicators=[gind(60, kind="target", period=[2021, 2025])])
    s = score_document(g, pred(indicators=[ind(60, kind="result")]))
    (d,) = s.details
    assert d.status == "mismatch" and "kind: gold target, pred result" in d.note and "period: gold 2021-2025" in d.note


# ---------------------------------------------------------------- files and CLI


def _write_gold(folder, doc_id, **fields):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{doc_id}.json").write_text(json.dumps({"doc_id": doc_id, **fields}, ensure_ascii=False), encoding="utf-8")


def test_cli_scores_a_pred_jsonl(tmp_path):
    _write_gold(tmp_path / "gold", "a", province="Bình Định", citations=["191/KH-UBND", "1322/QĐ-TTg"],
                percentages=[60], indicators=[gind(60, comparator="gte", quote="tối thiểu 60%")])
    _write_gold(tmp_path / "gold", "b", citations=["5/KH-UBND"])
    doc = Document(doc_id="a", source="a.txt", text="x", province=Province(name="Gia Lai"),
                   citations=[cit("191/KH-UBND"), cit("80/2021/NĐ-CP")], percentages=[pct(60)],
                   indicators=[ind(60, comparator="gte")])
    pred_file = tmp_path / "pred.jsonl"
    pred_file.write_text(json.dumps(doc.to_json_dict(), ensure_ascii=False) + "\n"
                         + json.dumps({"doc_id": "b", "source": "b.txt", "error": "empty file"}) + "\n",
                         encoding="utf-8")
    result = CliRunner().invoke(cli, ["score", "--gold", str(tmp_path / "gold"), "--pred", str(pred_file), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    cit_ = data["types"]["citations"]
    # a: tp 1, fp 1, fn 1; b (error record = empty prediction): fn 1
    assert (cit_["tp"], cit_["fp"], cit_["fn"]) == (1, 1, 2)
    assert data["figures"]["indicators.key.f1"] == 1.0
    assert data["figures"]["province"] == 1.0  # a: Bình Định ~ Gia Lai; b: null ~ null
    assert any("error record: empty file" in e for e in data["errors"])
    assert [d["doc_id"] for d in data["documents"]] == ["a", "b"]

    readable = CliRunner().invoke(cli, ["score", "--gold", str(tmp_path / "gold"), "--pred", str(pred_file), "--details"])
    assert readable.exit_code == 0, readable.output
    assert "citations" in readable.output and "indicators (strict)" in readable.output
    assert "80/2021/NĐ-CP" in readable.output and "spurious" in readable.output


def test_cli_score_needs_corpus_or_pred(tmp_path):
    (tmp_path / "gold").mkdir()
    result = CliRunner().invoke(cli, ["score", "--gold", str(tmp_path / "gold")])
    assert result.exit_code != 0


def test_gold_check_catches_bad_quote_malformed_file_and_missing_document(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Đến năm 2025, tối thiểu 60% doanh nghiệp áp dụng ISO 9001.", encoding="utf-8")
    _write_gold(tmp_path / "gold", "a", percentages=[60], indicators=[gind(60, quote="tối thiểu 60% doanh nghiệp"),
                                                                        gind(60, quote="ít nhất 60% doanh nghiệp")])
    _write_gold(tmp_path / "gold", "b", percentages=["sáu mươi"])
    _write_gold(tmp_path / "gold", "c")
    (tmp_path / "gold" / "d.json").write_text("{not json", encoding="utf-8")

    problems = check_gold(tmp_path / "gold", corpus)
    assert len(problems) == 4, problems
    assert any("a.json" in p and "ít nhất 60% doanh nghiệp" in p for p in problems)
    assert not any("tối thiểu 60% doanh nghiệp" in p for p in problems)
    assert any("b.json" in p and "percentages" in p for p in problems)
    assert any("c.json" in p and "no document" in p for p in problems)
    assert any("d.json" in p and "JSON" in p for p in problems)
    with pytest.raises(GoldFileError):
        load_gold(tmp_path / "gold")

    result = CliRunner().invoke(cli, ["gold", "check", str(tmp_path / "gold"), "--corpus", str(corpus)])
    assert result.exit_code != 0
    assert "ít nhất 60% doanh nghiệp" in result.output and "b.json" in result.output

    for name in ("b", "c", "d"):
        (tmp_path / "gold" / f"{name}.json").unlink()
    _write_gold(tmp_path / "gold", "a", indicators=[gind(60, quote="tối thiểu 60% doanh nghiệp")])
    ok = CliRunner().invoke(cli, ["gold", "check", str(tmp_path / "gold"), "--corpus", str(corpus)])
    assert ok.exit_code == 0, ok.output


def test_gold_check_compares_quotes_in_nfc(tmp_path):
    import unicodedata

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(unicodedata.normalize("NFD", "hàng hóa trọng điểm"), encoding="utf-8")
    _write_gold(tmp_path / "gold", "a", indicators=[gind(1, quote="hàng hóa trọng điểm")])
    assert check_gold(tmp_path / "gold", corpus) == []
