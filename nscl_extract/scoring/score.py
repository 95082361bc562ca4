"""Score extracted Documents against gold files, exactly as SPEC section 6 says.

Everything here is pure over pydantic objects: `score_document(gold, pred)` gives one
DocScore; `aggregate(doc_scores)` sums them into a Report (micro P/R/F1 over documents plus
the per-document scores). `score_corpus` and `score_predictions` are the two entry points that
read files (the CLI and the CI gate use them).

Conventions the SPEC leaves open, decided here:
- P = tp/(tp+fp) and R = tp/(tp+fn). An empty denominator gives 1.0 only when there is
  neither a gold nor a predicted item (a document with none of a type scores P = R = F1 = 1);
  otherwise 0.0, so that predicting nothing never passes a precision floor. F1 is 0 when
  P+R is 0.
- Accuracies and means over zero items are None (there is nothing to measure).
- Matching is greedy over the candidate pairs ordered by preference (for indicators: number
  of the five attributes agreeing, then exact unit, then subject overlap; then document
  order), followed by augmenting paths, so that unit compatibility, which is not transitive,
  never costs a match the greedy pass missed.
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict, deque
from pathlib import Path
from typing import Any, Callable, Iterable, Literal, Optional, Sequence, TypeVar

from pydantic import BaseModel, Field, computed_field

from .gold import GoldAmount, GoldDocument, GoldIndicator, GoldQuantity, find_document, load_gold
from ..text.provinces import fold_vi, name_key, province_2025
from ..schema import Amount, Document, Indicator, Quantity

TYPES = ("citations", "dates", "periods", "percentages", "counts", "amounts", "standards")
ATTRIBUTES = ("kind", "target_year", "period", "per_year", "relative")
FIELDS = ("province", "plan", "published")
CONTEXT_CHARS = 60

G = TypeVar("G")
P = TypeVar("P")


# ---------------------------------------------------------------- score objects


def _ratio(num: float, den: float, empty: Optional[float]) -> Optional[float]:
    return num / den if den else empty


class PRF(BaseModel):
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @computed_field
    @property
    def precision(self) -> float:
        return _ratio(self.tp, self.tp + self.fp, self._empty())

    @computed_field
    @property
    def recall(self) -> float:
        return _ratio(self.tp, self.tp + self.fn, self._empty())

    def _empty(self) -> float:
        """P or R over an empty denominator: 1.0 when there was nothing to find and nothing
        was predicted, else 0.0 (predicting nothing for a gold item is no precision)."""
        return 1.0 if self.tp == self.fp == self.fn == 0 else 0.0

    @computed_field
    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __add__(self, other: "PRF") -> "PRF":
        return PRF(tp=self.tp + other.tp, fp=self.fp + other.fp, fn=self.fn + other.fn)

    @classmethod
    def of(cls, matched: int, n_gold: int, n_pred: int) -> "PRF":
        return cls(tp=matched, fp=n_pred - matched, fn=n_gold - matched)


class Accuracy(BaseModel):
    correct: int = 0
    total: int = 0

    @computed_field
    @property
    def accuracy(self) -> Optional[float]:
        return _ratio(self.correct, self.total, None)

    def __add__(self, other: "Accuracy") -> "Accuracy":
        return Accuracy(correct=self.correct + other.correct, total=self.total + other.total)


class Mean(BaseModel):
    total: float = 0.0
    n: int = 0

    @computed_field
    @property
    def mean(self) -> Optional[float]:
        return _ratio(self.total, self.n, None)

    def __add__(self, other: "Mean") -> "Mean":
        return Mean(total=self.total + other.total, n=self.n + other.n)


def _zero_attributes() -> dict[str, Accuracy]:
    return {a: Accuracy() for a in ATTRIBUTES}


class IndicatorScore(BaseModel):
    key: PRF = Field(default_factory=PRF)
    strict: PRF = Field(default_factory=PRF)
    attributes: dict[str, Accuracy] = Field(default_factory=_zero_attributes)
    subject: Mean = Field(default_factory=Mean)

    def __add__(self, other: "IndicatorScore") -> "IndicatorScore":
        return IndicatorScore(key=self.key + other.key, strict=self.strict + other.strict,
                              attributes={a: self.attributes[a] + other.attributes[a] for a in ATTRIBUTES},
                              subject=self.subject + other.subject)


class Detail(BaseModel):
    """One thing a person should look at: a missed gold item, a spurious prediction, or a
    matched indicator / document field whose attributes disagree."""

    doc_id: str
    type: str
    status: Literal["miss", "spurious", "mismatch"]
    item: str                      # the gold item (miss, mismatch) or the predicted one (spurious)
    side: Literal["gold", "pred"] = "gold"
    pred_item: Optional[str] = None  # mismatch: the predicted item it was matched with
    context: Optional[str] = None
    note: Optional[str] = None


class DocScore(BaseModel):
    doc_id: str
    types: dict[str, PRF]
    indicators: IndicatorScore
    fields: dict[str, bool]
    details: list[Detail] = Field(default_factory=list)
    error: Optional[str] = None  # why the prediction is empty (extraction failed, no prediction line)
    missing: bool = False        # no document (--corpus) or no line at all (--pred) for this gold file


class Report(BaseModel):
    types: dict[str, PRF]
    indicators: IndicatorScore
    fields: dict[str, Accuracy]
    documents: list[DocScore]
    errors: list[str] = Field(default_factory=list)

    @property
    def details(self) -> list[Detail]:
        return [d for doc in self.documents for d in doc.details]

    def to_dict(self, details: bool = False) -> dict:
        data = self.model_dump(mode="json", exclude={"documents": {"__all__": {"details"}}})
        data["figures"] = self.figures()
        if details:
            data["details"] = [d.model_dump(mode="json") for d in self.details]
        return data

    def figures(self) -> dict[str, Optional[float]]:
        """Flat name -> figure, for gates: "citations.f1", "indicators.key.f1",
        "indicators.strict.f1", "indicators.kind", "indicators.subject", "province", ..."""
        out: dict[str, Optional[float]] = {}
        for t, prf in self.types.items():
            out.update({f"{t}.precision": prf.precision, f"{t}.recall": prf.recall, f"{t}.f1": prf.f1})
        for name in ("key", "strict"):
            prf = getattr(self.indicators, name)
            out.update({f"indicators.{name}.precision": prf.precision, f"indicators.{name}.recall": prf.recall,
                        f"indicators.{name}.f1": prf.f1})
        out.update({f"indicators.{a}": acc.accuracy for a, acc in self.indicators.attributes.items()})
        out["indicators.subject"] = self.indicators.subject.mean
        out.update({f: acc.accuracy for f, acc in self.fields.items()})
        return out


# ---------------------------------------------------------------- normalisation and equality


def close(a: Optional[float], b: Optional[float]) -> bool:
    """Equal floats up to a tiny relative tolerance; None only equals None."""
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def unit_key(unit: str) -> str:
    """NFC, lower case, one tone-mark style, single spaces, no spaces around "/"."""
    s = fold_vi(unicodedata.normalize("NFC", unit)).strip()
    s = re.sub(r"\s*/\s*", "/", s)
    return re.sub(r"\s+", " ", s)


def units_compatible(a: str, b: str) -> bool:
    """Equal after unit_key, or one is the other plus more whole syllables and/or a "/..." part
    ("lượt" ~ "lượt người", "doanh nghiệp" ~ "doanh nghiệp/vạn dân"); "%" only matches "%"."""
    a, b = unit_key(a), unit_key(b)
    if a == b:
        return True
    if not a or not b or "%" in (a, b):
        return False
    short, long = sorted((a, b), key=len)
    return long.startswith(short) and long[len(short)] in " /"


def syllables(text: Optional[str]) -> list[str]:
    """Whitespace tokens after unit_key-style normalisation, punctuation stripped."""
    if not text:
        return []
    folded = fold_vi(unicodedata.normalize("NFC", text))
    return "".join(ch if ch.isalnum() else " " for ch in folded).split()


def syllable_f1(gold: Optional[str], pred: Optional[str]) -> float:
    """Multiset overlap F1 of syllables; two empty subjects agree (1.0), one empty scores 0."""
    g, p = syllables(gold), syllables(pred)
    if not g and not p:
        return 1.0
    if not g or not p:
        return 0.0
    common = sum(min(g.count(s), p.count(s)) for s in set(g))
    if not common:
        return 0.0
    prec, rec = common / len(p), common / len(g)
    return 2 * prec * rec / (prec + rec)


def citation_key(number: Optional[str]) -> Optional[str]:
    return None if number is None else re.sub(r"\s+", "", unicodedata.normalize("NFC", number))


def gold_province_key(name: Optional[str]) -> Optional[str]:
    """The 2025 name, or for a name that is no province its normalised spelling."""
    if name is None or not name.strip():
        return None
    return province_2025(name) or "?" + name_key(name)


def pred_province_key(doc: Document) -> Optional[str]:
    if doc.province is None:
        return None
    return (province_2025(doc.province.name) or province_2025(doc.province.name_2025)
            or gold_province_key(doc.province.name))


# ---------------------------------------------------------------- matching


def match(gold: Sequence[G], pred: Sequence[P], compatible: Callable[[G, P], bool],
          preference: Optional[Callable[[G, P], Any]] = None) -> list[tuple[int, int]]:
    """A maximum one-to-one matching of compatible (gold, pred) pairs as (gi, pi) index pairs.

    Greedy over candidate pairs in decreasing `preference`, ties in document order, then
    augmenting paths for gold items left unmatched."""
    cands = [(gi, pi) for gi, g in enumerate(gold) for pi, p in enumerate(pred) if compatible(g, p)]
    if preference is not None:
        prefs = {c: preference(gold[c[0]], pred[c[1]]) for c in cands}
        cands.sort(key=lambda c: _Desc(prefs[c]))  # stable: document order among equals
    adj: dict[int, list[int]] = defaultdict(list)
    match_g: dict[int, int] = {}
    match_p: dict[int, int] = {}
    for gi, pi in cands:
        adj[gi].append(pi)
        if gi not in match_g and pi not in match_p:
            match_g[gi], match_p[pi] = pi, gi
    for gi in range(len(gold)):
        if gi not in match_g and adj[gi]:
            _augment(gi, adj, match_g, match_p)
    return sorted(match_g.items())


class _Desc:
    """Sort key wrapper that reverses the order of any comparable value."""

    __slots__ = ("v",)

    def __init__(self, v):
        self.v = v

    def __lt__(self, other: "_Desc") -> bool:
        return other.v < self.v


def _augment(g0: int, adj, match_g: dict[int, int], match_p: dict[int, int]) -> bool:
    """Breadth-first search for an alternating path from an unmatched gold item; flip it."""
    parent: dict[int, int] = {}
    queue = deque([g0])
    while queue:
        gi = queue.popleft()
        for pi in adj[gi]:
            if pi in parent:
                continue
            parent[pi] = gi
            if pi not in match_p:
                while True:
                    g = parent[pi]
                    prev = match_g.get(g)
                    match_g[g], match_p[pi] = pi, g
                    if g == g0:
                        return True
                    pi = prev
            queue.append(match_p[pi])
    return False


# ---------------------------------------------------------------- per-type comparison


def _eq_quantity(g: GoldQuantity, p: Quantity) -> bool:
    return close(g.value, p.value) and close(g.value_max, p.value_max)


def _eq_count(g: GoldQuantity, p: Quantity) -> bool:
    return _eq_quantity(g, p) and units_compatible(g.unit, p.unit)


def _eq_amount(g: GoldAmount, p: Amount) -> bool:
    return (close(g.value, p.value) and close(g.value_max, p.value_max)
            and g.currency.strip().upper() == p.currency.strip().upper())


def _exact_unit(g, p) -> bool:
    return unit_key(g.unit) == unit_key(p.unit)


COMPARE: dict[str, tuple[Callable[[Any, Any], bool], Optional[Callable[[Any, Any], Any]]]] = {
    "citations": (lambda g, p: citation_key(g) == citation_key(p.number), None),
    "dates": (lambda g, p: g == p.value, None),
    "periods": (lambda g, p: tuple(g) == (p.from_, p.to), None),
    "percentages": (_eq_quantity, None),
    "counts": (_eq_count, _exact_unit),
    "amounts": (_eq_amount, None),
    "standards": (lambda g, p: unicodedata.normalize("NFC", g).strip() == p.id.strip(), None),
}


def indicator_key_match(g: GoldIndicator, p: Indicator) -> bool:
    q = p.quantity
    if not (close(g.value, q.value) and close(g.value_max, q.value_max) and g.comparator == q.comparator):
        return False
    if g.unit.strip() == "%" or q.unit.strip() == "%":
        return g.unit.strip() == q.unit.strip()
    return units_compatible(g.unit, q.unit)


def attribute_agreement(g: GoldIndicator, p: Indicator) -> dict[str, bool]:
    return {
        "kind": g.kind == p.kind,
        "target_year": g.target_year == p.target_year,
        "period": (tuple(g.period) if g.period else None) == (tuple(p.period) if p.period else None),
        "per_year": g.per_year == p.per_year,
        "relative": g.relative == p.relative,
    }


def _indicator_preference(g: GoldIndicator, p: Indicator) -> tuple:
    agree = sum(attribute_agreement(g, p).values())
    return (agree, unit_key(g.unit) == unit_key(p.quantity.unit), syllable_f1(g.subject, p.subject))


def score_indicators(gold: Sequence[GoldIndicator], pred: Sequence[Indicator]) -> tuple[IndicatorScore, list[tuple[int, int]]]:
    pairs = match(gold, pred, indicator_key_match, _indicator_preference)
    attrs = _zero_attributes()
    strict, subject = 0, Mean()
    for gi, pi in pairs:
        agree = attribute_agreement(gold[gi], pred[pi])
        for a, ok in agree.items():
            attrs[a] = attrs[a] + Accuracy(correct=int(ok), total=1)
        strict += all(agree.values())
        subject = subject + Mean(total=syllable_f1(gold[gi].subject, pred[pi].subject), n=1)
    return IndicatorScore(key=PRF.of(len(pairs), len(gold), len(pred)),
                          strict=PRF.of(strict, len(gold), len(pred)),
                          attributes=attrs, subject=subject), pairs


def field_values(gold: GoldDocument, pred: Document) -> dict[str, tuple[Any, Any]]:
    """(gold, pred) comparison keys of the document fields."""
    return {
        "province": (gold_province_key(gold.province), pred_province_key(pred)),
        "plan": (citation_key(gold.plan), citation_key(pred.plan.number) if pred.plan else None),
        "published": (gold.published, pred.published),
    }


# ---------------------------------------------------------------- one document


def score_document(gold: GoldDocument, pred: Document, text: Optional[str] = None,
                   error: Optional[str] = None, missing: bool = False) -> DocScore:
    """Score one predicted Document against its gold. `text` (default pred.text) is only used
    to show context in the details."""
    text = text if text is not None else pred.text
    types: dict[str, PRF] = {}
    details: list[Detail] = []
    for t in TYPES:
        g_items, p_items = getattr(gold, t), getattr(pred, t)
        compatible, preference = COMPARE[t]
        pairs = match(g_items, p_items, compatible, preference)
        types[t] = PRF.of(len(pairs), len(g_items), len(p_items))
        details += _unmatched_details(gold.doc_id, t, g_items, p_items, pairs, text)
    indicators, pairs = score_indicators(gold.indicators, pred.indicators)
    details += _unmatched_details(gold.doc_id, "indicators", gold.indicators, pred.indicators, pairs, text)
    details += _mismatch_details(gold.doc_id, gold.indicators, pred.indicators, pairs, text)
    fields = {}
    for f, (g, p) in field_values(gold, pred).items():
        fields[f] = g == p
        if g != p:
            details.append(Detail(doc_id=gold.doc_id, type=f, status="mismatch",
                                  item=repr(getattr(gold, f)), pred_item=repr(_pred_field(pred, f))))
    return DocScore(doc_id=gold.doc_id, types=types, indicators=indicators, fields=fields,
                    details=details, error=error, missing=missing)


def _pred_field(pred: Document, f: str) -> Any:
    v = getattr(pred, f)
    if f == "province" and v is not None:
        return v.name if not v.name_2025 or v.name_2025 == v.name else f"{v.name} ({v.name_2025})"
    if f == "plan" and v is not None:
        return v.number
    return v


def aggregate(docs: Sequence[DocScore], errors: Iterable[str] = ()) -> Report:
    """Micro sums over documents."""
    types = {t: sum((d.types[t] for d in docs), PRF()) for t in TYPES}
    indicators = sum((d.indicators for d in docs), IndicatorScore())
    fields = {f: Accuracy(correct=sum(d.fields[f] for d in docs), total=len(docs)) for f in FIELDS}
    return Report(types=types, indicators=indicators, fields=fields, documents=list(docs), errors=list(errors))


def empty_prediction(doc_id: str, source: str = "") -> Document:
    return Document(doc_id=doc_id, source=source)


# ---------------------------------------------------------------- entry points that read files


def score_corpus(gold_dir: str | Path, corpus_dir: str | Path, progress: Callable[[int], Any] | None = None) -> Report:
    """Extract every corpus document that has a gold file (nscl_extract.pipeline.extract_file)
    and score it. A document that cannot be found or extracted scores as an empty prediction
    and is named in Report.errors. `progress(n_gold)` gives a callable run after each document."""
    from ..pipeline import extract_file

    docs, errors = [], []
    golds = load_gold(gold_dir)
    step = progress(len(golds)) if progress else None
    for gold in golds:
        docs.append(_score_from_corpus(gold, corpus_dir, errors, extract_file))
        if step is not None:
            step()
    return aggregate(docs, errors)


def _score_from_corpus(gold: GoldDocument, corpus_dir, errors: list[str], extract_file) -> DocScore:
    found = find_document(corpus_dir, gold.doc_id)
    if len(found) != 1:
        msg = f"{gold.doc_id}: {'no' if not found else 'several'} documents {gold.doc_id}.* in {corpus_dir}"
        errors.append(msg)
        return score_document(gold, empty_prediction(gold.doc_id), error=msg, missing=not found)
    try:
        pred = extract_file(found[0])
        return score_document(gold, pred, text=pred.text if pred.text is not None else _text_of(found[0]))
    except Exception as e:  # noqa: BLE001 - one failing document must not stop the score
        msg = f"{gold.doc_id}: extraction failed: {type(e).__name__}: {e}"
        errors.append(msg)
        return score_document(gold, empty_prediction(gold.doc_id, str(found[0])), text=_text_of(found[0]), error=msg)


def _text_of(path: Path) -> Optional[str]:
    from ..load.loaders import LoadError, load

    try:
        return load(path).text
    except LoadError:
        return None


class PredictionFileError(Exception):
    """A JSONL prediction file that cannot be read; the message names the file and line."""


def read_predictions(path: str | Path) -> tuple[dict[str, Document], dict[str, str], list[str]]:
    """JSONL of Document JSON (Document.to_json_dict) or error records {"doc_id","source","error"}.
    Returns (documents by doc_id, errors by doc_id, problems). A line that is not a Document or
    error record, and two Documents under one doc_id, are refused (PredictionFileError naming
    the lines): a score must not rest on a guess. An error record for a doc_id that has a
    Document (a batch's stem clash) is a problem reported; the Document is scored."""
    from pydantic import ValidationError

    from ..store.jsonl import read_records
    from ..load.loaders import LoadError
    from ..schema import ErrorRecord

    docs: dict[str, Document] = {}
    doc_lines: dict[str, int] = {}
    errs: dict[str, str] = {}
    problems: list[str] = []
    try:
        for rec in read_records(path):
            if rec.blank:
                continue
            n = rec.lineno
            if rec.value is None:
                raise PredictionFileError(f"{path}:{n}: not a Document or error record: {rec.error}")
            data = rec.value
            try:
                if "error" in data and "schema" not in data:
                    err = ErrorRecord.model_validate(data)
                    if err.doc_id in docs:
                        problems.append(f"{path}:{n}: error record for {err.doc_id}, which line {doc_lines[err.doc_id]} "
                                        f"has as a document: {err.error}")
                    else:
                        errs.setdefault(err.doc_id, err.error)
                    continue
                doc = Document.from_json_dict(data)
            except ValidationError as e:
                raise PredictionFileError(f"{path}:{n}: not a Document or error record: "
                                          f"{str(e).splitlines()[0]}") from None
            if doc.doc_id in docs:
                raise PredictionFileError(f"{path}:{n}: doc_id {doc.doc_id} is also the document of line "
                                          f"{doc_lines[doc.doc_id]}; one prediction per doc_id")
            docs[doc.doc_id] = doc
            doc_lines[doc.doc_id] = n
            if doc.doc_id in errs:
                problems.append(f"{path}:{n}: {doc.doc_id} also has an error record: {errs.pop(doc.doc_id)}")
    except LoadError as e:
        raise PredictionFileError(str(e)) from None
    return docs, errs, problems


def score_predictions(gold_dir: str | Path, pred_path: str | Path, corpus_dir: str | Path | None = None) -> Report:
    """Score a JSONL prediction file. Gold documents without a prediction line, or with an
    error record, score as empty predictions. Document text for the details comes from the
    prediction ("text"), else from corpus_dir when given, else from the prediction's source file."""
    docs, errs, problems = read_predictions(pred_path)
    scores, errors = [], list(problems)
    golds = load_gold(gold_dir)
    gold_ids = {g.doc_id for g in golds}
    for gold in golds:
        pred, error = docs.get(gold.doc_id), None
        missing = pred is None and gold.doc_id not in errs
        if pred is None:
            error = f"{gold.doc_id}: " + (f"error record: {errs[gold.doc_id]}" if gold.doc_id in errs
                                          else "no prediction in the file")
            errors.append(error)
            pred = empty_prediction(gold.doc_id)
        text = pred.text
        if text is None and corpus_dir is not None:
            found = find_document(corpus_dir, gold.doc_id)
            text = _text_of(found[0]) if len(found) == 1 else None
        if text is None and pred.source and Path(pred.source).is_file():
            text = _text_of(Path(pred.source))
        scores.append(score_document(gold, pred, text=text, error=error, missing=missing))
    extra = sorted(set(docs) - gold_ids)
    if extra:
        errors.append(f"{len(extra)} predicted documents have no gold file and were not scored: {', '.join(extra[:5])}"
                      + (" ..." if len(extra) > 5 else ""))
    return aggregate(scores, errors)


# ---------------------------------------------------------------- details: what an item is and where


def fmt_num(v: Optional[float]) -> str:
    if v is None:
        return "None"
    return str(int(v)) if float(v).is_integer() else f"{v:.10g}"


def _fmt_range(value: float, value_max: Optional[float]) -> str:
    return fmt_num(value) + (f"–{fmt_num(value_max)}" if value_max is not None else "")


def _fmt_period(p) -> str:
    return "None" if p is None else f"{p[0]}-{p[1]}"


def describe(t: str, item: Any) -> str:
    """A short human-readable rendering of a gold or predicted item of type t."""
    if t == "citations":
        return item if isinstance(item, str) else item.number
    if t == "dates":
        return item if isinstance(item, str) else item.value
    if t == "periods":
        return _fmt_period(item) if isinstance(item, (tuple, list)) else f"{item.from_}-{item.to}"
    if t == "standards":
        return item if isinstance(item, str) else item.id
    if t == "percentages":
        return _fmt_range(item.value, item.value_max) + "%"
    if t == "counts":
        return f"{_fmt_range(item.value, item.value_max)} {item.unit}"
    if t == "amounts":
        return f"{_fmt_range(item.value, item.value_max)} {item.currency}"
    if t == "indicators":
        if isinstance(item, GoldIndicator):
            num, unit, cmp = _fmt_range(item.value, item.value_max), item.unit, item.comparator
        else:
            q = item.quantity
            num, unit, cmp = _fmt_range(q.value, q.value_max), q.unit, q.comparator
        unit_s = unit if unit == "%" else f" {unit}"
        flags = "".join([", per_year" if item.per_year else "", ", relative" if item.relative else ""])
        return (f"{cmp} {num}{unit_s} [{item.kind}, year={item.target_year}, period={_fmt_period(item.period)}{flags}]"
                f" subject={item.subject!r}")
    return str(item)


def context(text: Optional[str], start: int, end: int, width: int = CONTEXT_CHARS) -> Optional[str]:
    """About `width` characters of text around [start, end), the span itself marked «...»."""
    if text is None:
        return None
    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    side = max(10, (width - (end - start)) // 2)
    lo, hi = max(0, start - side), min(len(text), end + side)
    s = ("…" if lo > 0 else "") + text[lo:start] + "«" + text[start:end] + "»" + text[end:hi] + ("…" if hi < len(text) else "")
    return s.replace("\r", "").replace("\n", "⏎")


def _num_re(v: float) -> str:
    """Regex for a number as Vietnamese text writes it: "1.500", "1500", "01", "12,5"."""
    if float(v).is_integer():
        n = int(v)
        grouped = f"{n:,}".replace(",", ".")
        alts = {str(n), grouped}
        body = "|".join(re.escape(a) for a in sorted(alts, key=len, reverse=True))
        return rf"(?<![\d.,])0*(?:{body})(?![\d]|[.,]\d)"
    s = f"{v:.10g}"
    intpart, frac = s.split(".") if "." in s else (s, "")
    grouped = f"{int(intpart):,}".replace(",", ".")
    return rf"(?<![\d.,])(?:{re.escape(grouped)}|{re.escape(intpart)})[.,]{frac}0*(?!\d)"


_DASH = r"\s*(?:[-–—]|đến)\s*"


def _range_re(value: float, value_max: Optional[float], unit: str = "") -> str:
    if value_max is None:
        return _num_re(value)
    return _num_re(value) + (rf"\s*{unit}?" if unit else "") + _DASH + _num_re(value_max)


def _amount_res(a: GoldAmount) -> list[str]:
    if a.currency.upper() != "VND":
        return [_range_re(a.value, a.value_max) + rf"\s*{re.escape(a.currency)}", _range_re(a.value, a.value_max)]
    out = []
    for scale, word in ((1e9, "t[ỷỉ]"), (1e6, "triệu"), (1e3, "(?:nghìn|ngàn)"), (1, "(?:đồng|đ|VNĐ|VND)")):
        v, m = a.value / scale, (a.value_max / scale if a.value_max is not None else None)
        if round(v, 3) == v and (m is None or round(m, 3) == m):
            out.append(_range_re(v, m) + rf"\s*{word}")
    for scale in (1e6, 1e9, 1):  # table cells with the unit in the header
        v, m = a.value / scale, (a.value_max / scale if a.value_max is not None else None)
        if round(v, 3) == v and v >= 1:
            out.append(_range_re(v, m))
    return out


def _date_res(value: str) -> list[str]:
    parts = value.split("-")
    y, m = parts[0], int(parts[1])
    if len(parts) == 2:
        return [rf"tháng\s*0?{m}\s*(?:/|năm)\s*{y}", rf"(?<!\d)0?{m}\s*/\s*{y}"]
    d = int(parts[2])
    sep = r"\s*[/.-]\s*"
    return [rf"(?<!\d)0?{d}{sep}0?{m}{sep}{y}", rf"(?<!\d)0?{d}\s+tháng\s+0?{m}\s+năm\s+{y}",
            rf"(?<!\d)0?{d}{sep}0?{m}(?!\d)", rf"(?<!\d)0?{d}\s+tháng\s+0?{m}(?!\d)"]


def locate(t: str, item: Any, text: str) -> Optional[tuple[int, int]]:
    """Where a gold item's text first occurs (best effort), for showing context of a miss."""
    if t == "indicators":
        i = text.find(item.quote)
        return (i, i + len(item.quote)) if i >= 0 else None
    patterns: list[str] = []
    if t == "citations":
        patterns = [r"\s*".join(re.escape(ch) for ch in item if not ch.isspace()), re.escape(item.split("/")[0]) + r"\s*/"]
    elif t == "dates":
        patterns = _date_res(item)
    elif t == "periods":
        patterns = [rf"{item[0]}{_DASH}(?:năm\s+)?{item[1]}", rf"{item[0]}.{{0,20}}{item[1]}"]
    elif t == "standards":
        patterns = [r"\s*".join(re.escape(w) for w in item.split()), re.escape(item.split()[-1])]
    elif t == "percentages":
        patterns = [_range_re(item.value, item.value_max, "%") + r"\s*(?:%|phần trăm)", _range_re(item.value, item.value_max, "%")]
    elif t == "counts":
        num, words = _range_re(item.value, item.value_max), item.unit.split()
        patterns = [num + r"\s+" + r"\s+".join(map(re.escape, words)), num + r"\s+" + re.escape(words[0]), num]
    elif t == "amounts":
        patterns = _amount_res(item)
    for pat in patterns:
        m = re.search(pat, text, flags=re.IGNORECASE)
        if m:
            return m.span()
    return None


def _unmatched_details(doc_id: str, t: str, gold: Sequence, pred: Sequence, pairs: list[tuple[int, int]],
                       text: Optional[str]) -> list[Detail]:
    matched_g = {gi for gi, _ in pairs}
    matched_p = {pi for _, pi in pairs}
    out = []
    for gi, g in enumerate(gold):
        if gi in matched_g:
            continue
        span = locate(t, g, text) if text is not None else None
        note = f"quote: {g.quote!r}" if t == "indicators" else None
        if text is not None and span is None:
            note = (note + "; " if note else "") + "not found in the text"
        out.append(Detail(doc_id=doc_id, type=t, status="miss", item=describe(t, g),
                          context=context(text, *span) if span else None, note=note))
    for pi, p in enumerate(pred):
        if pi not in matched_p:
            out.append(Detail(doc_id=doc_id, type=t, status="spurious", item=describe(t, p), side="pred",
                              context=context(text, p.start, p.end)))
    return out


def _mismatch_details(doc_id: str, gold: Sequence[GoldIndicator], pred: Sequence[Indicator],
                      pairs: list[tuple[int, int]], text: Optional[str]) -> list[Detail]:
    out = []
    for gi, pi in pairs:
        g, p = gold[gi], pred[pi]
        wrong = [a for a, ok in attribute_agreement(g, p).items() if not ok]
        subject = syllable_f1(g.subject, p.subject)
        if not wrong and subject == 1.0:
            continue
        gv = {"period": _fmt_period(g.period)}
        pv = {"period": _fmt_period(p.period)}
        notes = [f"{a}: gold {gv.get(a, getattr(g, a))}, pred {pv.get(a, getattr(p, a))}" for a in wrong]
        if subject < 1.0:
            notes.append(f"subject differs (syllable F1 {subject:.2f})")
        out.append(Detail(doc_id=doc_id, type="indicators", status="mismatch", item=describe("indicators", g),
                          pred_item=describe("indicators", p), context=context(text, p.start, p.end),
                          note="; ".join(notes)))
    return out
