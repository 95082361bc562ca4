"""The gold format of SPEC section 5: pydantic models, loading and the gold checker.

Gold files are compact on purpose (a percentage is `60` or `[45, 47]`, a count
`[20, "chuyên gia"]`); the models below turn every such shorthand into one explicit object
(GoldQuantity, GoldAmount) so that the scorer never handles raw JSON.
"""
from __future__ import annotations

import datetime as _dt
import json
import math
import re
import unicodedata
from pathlib import Path
from typing import Annotated, Any, Literal, Optional

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..schema import Comparator, DocId, doc_id_key


def _strict_number(v: Any) -> float:
    """JSON numbers only: not booleans, not strings."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ValueError(f"expected a number, got {v!r}")
    if not math.isfinite(v):
        raise ValueError(f"expected a finite number, got {v!r}")
    return float(v)


def _strict_year(v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise ValueError(f"expected a year as an integer, got {v!r}")
    if not 1900 <= v <= 2100:
        raise ValueError(f"implausible year {v}")
    return v


Number = Annotated[float, BeforeValidator(_strict_number)]
Year = Annotated[int, BeforeValidator(_strict_year)]


def _check_range(value: float, value_max: Optional[float]) -> None:
    if value_max is not None and value_max < value:
        raise ValueError(f"range [{value:g}, {value_max:g}] has value_max < value")


def _check_period(p: Optional[tuple[int, int]]) -> None:
    if p is not None and p[1] < p[0]:
        raise ValueError(f"period [{p[0]}, {p[1]}] ends before it starts")


def _check_date(s: str, month_ok: bool) -> str:
    fmt = "%Y-%m-%d" if re.fullmatch(r"\d{4}-\d{2}-\d{2}", s) else ("%Y-%m" if month_ok and re.fullmatch(r"\d{4}-\d{2}", s) else None)
    if fmt is None:
        raise ValueError(f"date {s!r} is not YYYY-MM-DD" + (" or YYYY-MM" if month_ok else ""))
    try:
        _dt.datetime.strptime(s, fmt)
    except ValueError:
        raise ValueError(f"date {s!r} does not exist") from None
    return s


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GoldQuantity(_Strict):
    """A gold percentage (unit "%") or count: `60`, `[45, 47]`, `[20, "chuyên gia"]`, `[[1, 2], "doanh nghiệp"]`."""

    value: Number
    value_max: Optional[Number] = None
    unit: str = "%"

    @model_validator(mode="after")
    def _range(self):
        _check_range(self.value, self.value_max)
        if not self.unit.strip():
            raise ValueError("empty unit")
        return self


class GoldAmount(_Strict):
    """A gold amount: `1530000000`, `[18000e9, 19000e9]` (VND) or `{"value", "value_max", "currency"}`."""

    value: Number
    value_max: Optional[Number] = None
    currency: str = "VND"

    @model_validator(mode="after")
    def _range(self):
        _check_range(self.value, self.value_max)
        return self


def _pair(v: Any, what: str) -> tuple[Any, Any]:
    if isinstance(v, (list, tuple)) and len(v) == 2:
        return v[0], v[1]
    raise ValueError(f"{what}: expected a number or [value, value_max], got {v!r}")


def _percentage(v: Any) -> Any:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return {"value": v}
    if isinstance(v, (list, tuple)):
        lo, hi = _pair(v, "percentage")
        return {"value": lo, "value_max": hi}
    return v  # a dict, or garbage that the model rejects with a message


def _count(v: Any) -> Any:
    if isinstance(v, (list, tuple)):
        if len(v) != 2 or not isinstance(v[1], str):
            raise ValueError(f"count: expected [value, unit] or [[value, value_max], unit], got {v!r}")
        num, unit = v
        if isinstance(num, (list, tuple)):
            lo, hi = _pair(num, "count")
            return {"value": lo, "value_max": hi, "unit": unit}
        return {"value": num, "unit": unit}
    if isinstance(v, dict):
        return v
    raise ValueError(f"count: expected [value, unit], got {v!r}")


def _amount(v: Any) -> Any:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return {"value": v}
    if isinstance(v, (list, tuple)):
        lo, hi = _pair(v, "amount")
        return {"value": lo, "value_max": hi}
    return v


class GoldIndicator(_Strict):
    quote: str = Field(min_length=1)
    value: Number
    value_max: Optional[Number] = None
    unit: str = Field(min_length=1)
    comparator: Comparator = "eq"
    kind: Literal["target", "result"]
    target_year: Optional[Year] = None
    period: Optional[tuple[Year, Year]] = None
    per_year: bool = False
    relative: bool = False
    subject: Optional[str] = None
    # SPEC 4 fields a labeler may add; not scored.
    action: Optional[str] = None
    standards: list[str] = Field(default_factory=list)
    # Optional offsets of the quantity (written by `gold import`), so spans survive a round trip.
    start: Optional[int] = Field(default=None, ge=0)
    end: Optional[int] = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _consistent(self):
        _check_range(self.value, self.value_max)
        _check_period(self.period)
        return self


class GoldDocument(_Strict):
    doc_id: DocId
    province: Optional[str] = None
    plan: Optional[str] = None
    published: Optional[str] = None
    citations: list[str] = Field(default_factory=list)
    dates: list[str] = Field(default_factory=list)
    periods: list[tuple[Year, Year]] = Field(default_factory=list)
    percentages: list[Annotated[GoldQuantity, BeforeValidator(_percentage)]] = Field(default_factory=list)
    counts: list[Annotated[GoldQuantity, BeforeValidator(_count)]] = Field(default_factory=list)
    amounts: list[Annotated[GoldAmount, BeforeValidator(_amount)]] = Field(default_factory=list)
    standards: list[str] = Field(default_factory=list)
    indicators: list[GoldIndicator] = Field(default_factory=list)
    # Optional [start, end] of each item of a mention list, in list order (written by `gold import`).
    offsets: Optional[dict[Literal["citations", "dates", "periods", "percentages", "counts", "amounts", "standards"],
                           list[tuple[int, int]]]] = None

    @field_validator("published")
    @classmethod
    def _published(cls, v):
        return None if v is None else _check_date(v, month_ok=False)

    @field_validator("dates")
    @classmethod
    def _dates(cls, v):
        return [_check_date(d, month_ok=True) for d in v]

    @field_validator("periods")
    @classmethod
    def _periods(cls, v):
        for p in v:
            _check_period(p)
        return v

    @model_validator(mode="after")
    def _offsets_align(self):
        for field, spans in (self.offsets or {}).items():
            if len(spans) != len(getattr(self, field)):
                raise ValueError(f"offsets.{field} has {len(spans)} spans for {len(getattr(self, field))} items")
            if any(not 0 <= s < e for s, e in spans):
                raise ValueError(f"offsets.{field}: each span is [start, end] with 0 <= start < end")
        return self

    @model_validator(mode="after")
    def _percent_units(self):
        if any(q.unit != "%" for q in self.percentages):
            raise ValueError("percentages carry no unit (give a number or [value, value_max])")
        if any(q.unit == "%" for q in self.counts):
            raise ValueError('a count has unit "%": put it under percentages')
        return self


class GoldFileError(Exception):
    """A gold file that is not valid JSON or does not fit the gold format; the message names the file."""


def _format_validation(e: ValidationError) -> str:
    parts = []
    for err in e.errors():
        loc = ".".join(str(x) for x in err["loc"] if not str(x).startswith("function-"))
        msg = err["msg"].removeprefix("Value error, ")
        parts.append(f"{loc}: {msg}" if loc else msg)
    return "; ".join(parts)


def read_gold_file(path: str | Path) -> GoldDocument:
    """Parse one gold file; raises GoldFileError naming the file."""
    from ..store.jsonl import loads  # strict: NaN and Infinity are no JSON

    path = Path(path)
    try:
        if not path.is_file():
            raise GoldFileError(f"{path}: not a regular file")
        data = loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise GoldFileError(f"{path}: not readable JSON: {e}") from None
    except RecursionError:
        raise GoldFileError(f"{path}: not a gold file: nested too deeply") from None
    if not isinstance(data, dict):
        raise GoldFileError(f"{path}: expected a JSON object, got {type(data).__name__}")
    try:
        return GoldDocument.model_validate(_nfc(data))
    except ValidationError as e:
        raise GoldFileError(f"{path}: {_format_validation(e)}") from None
    except RecursionError:
        raise GoldFileError(f"{path}: not a gold file: nested too deeply") from None


def _nfc(obj: Any) -> Any:
    if isinstance(obj, str):
        return unicodedata.normalize("NFC", obj)
    if isinstance(obj, list):
        return [_nfc(x) for x in obj]
    if isinstance(obj, dict):
        return {k: _nfc(v) for k, v in obj.items()}
    return obj


def gold_files(gold_dir: str | Path) -> list[Path]:
    """The gold files of a folder: *.json directly in it (gold/dev/ is a set of its own)."""
    return sorted(p for p in Path(gold_dir).glob("*.json") if p.is_file())


def load_gold(gold_dir: str | Path) -> list[GoldDocument]:
    """All gold documents of a folder, sorted by doc_id. Raises GoldFileError listing every bad file."""
    docs, errors = [], []
    for path in gold_files(gold_dir):
        try:
            docs.append(read_gold_file(path))
        except GoldFileError as e:
            errors.append(str(e))
    if errors:
        raise GoldFileError("\n".join(errors))
    return sorted(docs, key=lambda d: d.doc_id)


def find_document(corpus_dir: str | Path, doc_id: str) -> list[Path]:
    """Files in corpus_dir named <doc_id>.<suffix> (normally exactly one). Names are compared in
    NFC, as doc_ids are: a decomposed file name (macOS writes them) is the same document."""
    doc_id = unicodedata.normalize("NFC", doc_id)
    return sorted(p for p in Path(corpus_dir).iterdir()
                  if p.suffix and unicodedata.normalize("NFC", p.stem) == doc_id and p.is_file())


def check_gold(gold_dir: str | Path, corpus_dir: str | Path) -> list[str]:
    """Every problem of a gold folder, each naming its file: format errors, a doc_id that is not
    the file's stem or is used twice, a document missing from corpus_dir, a quote that does not
    occur in the document's NFC text, a province name that is not a province."""
    from ..load.loaders import LoadError, load
    from ..text.provinces import province_2025

    problems: list[str] = []
    seen: dict[str, Path] = {}
    for path in gold_files(gold_dir):
        try:
            gold = read_gold_file(path)
        except GoldFileError as e:
            problems.append(str(e))
            continue
        if gold.doc_id != unicodedata.normalize("NFC", path.stem):
            problems.append(f"{path}: doc_id {gold.doc_id!r} differs from the file name {path.stem!r}")
        key = doc_id_key(gold.doc_id)
        if key in seen:
            problems.append(f"{path}: doc_id {gold.doc_id!r} is that of {seen[key]} (doc_ids that differ only in "
                            "case or Unicode form are one document)")
        seen.setdefault(key, path)
        if gold.province is not None and province_2025(gold.province) is None:
            problems.append(f"{path}: province {gold.province!r} is not a known province name "
                            "(add an alias to rules/provinces.yml if it is one)")
        found = find_document(corpus_dir, gold.doc_id)
        if not found:
            problems.append(f"{path}: no document {gold.doc_id}.* in {corpus_dir}")
            continue
        if len(found) > 1:
            problems.append(f"{path}: several documents for {gold.doc_id} in {corpus_dir}: {', '.join(p.name for p in found)}")
            continue
        try:
            text = load(found[0]).text
        except LoadError as e:
            problems.append(f"{path}: document cannot be loaded: {e}")
            continue
        problems.extend(quote_problems(gold, text, str(path)))
    return problems


def quote_problems(gold: GoldDocument, text: str, where: str) -> list[str]:
    """Indicator quotes that do not occur in the (NFC) document text."""
    text = unicodedata.normalize("NFC", text)
    return [f"{where}: indicators[{i}] quote not found in the document: {ind.quote!r}"
            for i, ind in enumerate(gold.indicators) if ind.quote not in text]
