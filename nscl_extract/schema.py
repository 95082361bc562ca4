"""The one schema: pydantic models shared by extractors, JSON output, the store and the scorer.

Field names and meanings follow ../shared/SPEC.md sections 2-5.
"""
from __future__ import annotations

import unicodedata
from typing import Annotated, Callable, Literal, Optional, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

SCHEMA_ID = "nscl-extract/1"

# A gold file is <doc_id>.json: with the suffix it must fit a file name (255 bytes).
DOC_ID_MAX_BYTES = 250


def safe_doc_id(value: str) -> str:
    """The one identifier policy: a doc_id from any source (a file name, a Label Studio export,
    a gold file, JSON output) as the package holds it: NFC, and usable as a file name in any
    folder. Raises ValueError saying what is wrong: a path separator, a control character
    (NUL ...), "." or "..", a drive letter, blank, or longer than DOC_ID_MAX_BYTES."""
    if not isinstance(value, str):
        raise ValueError(f"a doc_id is a string, not {type(value).__name__}")
    v = unicodedata.normalize("NFC", value)
    if not v.strip():
        raise ValueError("a doc_id cannot be empty or blank")
    if "/" in v or "\\" in v:
        raise ValueError(f"doc_id {v[:80]!r} holds a path separator")
    if any(unicodedata.category(c) == "Cc" for c in v):
        raise ValueError(f"doc_id {v[:80]!r} holds a control character")
    if v in (".", ".."):
        raise ValueError(f"doc_id {v!r} names a folder")
    if len(v) >= 2 and v[1] == ":" and v[0].isascii() and v[0].isalpha():
        raise ValueError(f"doc_id {v[:80]!r} starts with a drive letter")
    if len(v.encode("utf-8")) > DOC_ID_MAX_BYTES:
        raise ValueError(f"doc_id {v[:40]!r}... is longer than {DOC_ID_MAX_BYTES} bytes")
    return v


def doc_id_key(doc_id: str) -> str:
    """What makes two doc_ids one document: they differ only in case or Unicode form ("Plan" and
    "plan" are one gold file on a case-insensitive disk)."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", doc_id).casefold())


DocId = Annotated[str, AfterValidator(safe_doc_id)]

Comparator = Literal["eq", "gte", "gt", "lte", "lt", "approx"]
StandardKind = Literal["management_system", "scheme", "tool", "national_standard", "technical_regulation"]


class Span(BaseModel):
    """A grounded piece of the document: always text == doc.text[start:end]."""

    model_config = ConfigDict(frozen=False, populate_by_name=True)
    start: int
    end: int
    text: str


class Citation(Span):
    number: str
    serial: str
    year: Optional[int] = None
    type: Optional[str] = None  # None: a SERIAL/YEAR/ISSUER number with no type word before it
    type_name: Optional[str] = None
    issuer: Optional[str] = None
    date: Optional[str] = None


class Date(Span):
    value: str
    precision: Literal["day", "month"]


class Period(Span):
    from_: int = Field(alias="from")  # "from" on the wire, as SPEC writes it
    to: int


class Quantity(Span):
    """A percentage (unit "%") or a count (unit = the counted noun)."""

    value: float
    value_max: Optional[float] = None
    comparator: Comparator = "eq"
    unit: str

    @property
    def is_percentage(self) -> bool:
        return self.unit == "%"


class Amount(Span):
    value: float
    value_max: Optional[float] = None
    comparator: Comparator = "eq"
    currency: str = "VND"
    per: Optional[str] = None
    # Not in SPEC: the plan's own "budget", the "investment" capital of projects, a "loan", a
    # "revenue", or another "economic" figure (GRDP ...); None when the words around it say none
    # of these (nscl_extract/mentions/amount_roles.py, docs/annotation.md).
    role: Optional[Literal["budget", "economic", "investment", "loan", "revenue"]] = None


class Standard(Span):
    id: str
    prefix: Optional[str] = None
    version: Optional[str] = None
    kind: StandardKind


# The mention lists of a Document and the label each takes in span-based tools (spaCy span groups,
# Label Studio regions, doccano spans).
MENTION_LABELS = {"citations": "CITATION", "dates": "DATE", "periods": "PERIOD", "percentages": "PERCENTAGE",
                  "counts": "COUNT", "amounts": "AMOUNT", "standards": "STANDARD"}

# What an extractor returns: `text -> list[Mention]`.
Mention = Union[Citation, Date, Period, Quantity, Amount, Standard]


class Indicator(Span):
    """A quantified target or result (SPEC section 4); text is the clause that states it."""

    quantity: Quantity
    kind: Literal["target", "result"]
    target_year: Optional[int] = None
    period: Optional[tuple[int, int]] = None
    per_year: bool = False
    relative: bool = False
    subject: Optional[str] = None
    action: Optional[str] = None
    standards: list[str] = Field(default_factory=list)
    # Not in SPEC: the probability the indicator model gives its kind (0-1); None where no model
    # decided it. Rows below a threshold are the ones to check by reading.
    confidence: Optional[float] = None


class Page(BaseModel):
    """Not in SPEC: one page of a PDF or page image as the loader read it, listed for documents
    with an OCR'd page (docs/annotation.md, "OCR'd documents"). `start`/`end` are the page's
    part of the document text; an OCR'd page keeps what Tesseract read (`ocr_text`) and how the
    reflowed text maps back to it (`ocr_offset`)."""

    number: int
    start: int
    end: int
    ocr: bool = False
    confidence: Optional[float] = None      # mean word confidence (0-100)
    chars: Optional[int] = None             # characters OCR read (spaces not counted)
    expected_chars: Optional[int] = None    # characters the page's ink would hold as body text
    low_yield: bool = False                 # far fewer characters read than expected, after retries
    turned: int = 0                         # degrees the page was turned clockwise before OCR
    deskew: float = 0.0                     # degrees the page was straightened by
    ocr_text: Optional[str] = None          # Tesseract's text of the page, as read
    # (offset in the document text, offset in ocr_text): from each pair to the next, both advance together.
    ocr_map: list[tuple[int, int]] = Field(default_factory=list)

    def ocr_offset(self, offset: int) -> int:
        """Where the document text's `offset` (inside this page) is in `ocr_text`."""
        at = (self.start, 0)
        for pair in self.ocr_map:
            if pair[0] > offset:
                break
            at = pair
        return at[1] + offset - at[0]


# Not in SPEC: what kind of document it is. "report": a results report (sơ kết, tổng kết, báo cáo).
Genre = Literal["plan", "decision", "resolution", "news", "report"]


class Province(BaseModel):
    name: str
    name_2025: Optional[str] = None


class Document(BaseModel):
    """One extracted document: the JSON object of SPEC section 2."""

    model_config = ConfigDict(populate_by_name=True)
    schema_: str = Field(default=SCHEMA_ID, alias="schema")
    doc_id: DocId
    source: str
    title: Optional[str] = None
    published: Optional[str] = None
    province: Optional[Province] = None
    plan: Optional[Citation] = None
    genre: Optional[Genre] = None
    text: Optional[str] = None
    citations: list[Citation] = Field(default_factory=list)
    dates: list[Date] = Field(default_factory=list)
    periods: list[Period] = Field(default_factory=list)
    percentages: list[Quantity] = Field(default_factory=list)
    counts: list[Quantity] = Field(default_factory=list)
    amounts: list[Amount] = Field(default_factory=list)
    standards: list[Standard] = Field(default_factory=list)
    indicators: list[Indicator] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    pages: Optional[list[Page]] = None  # not in SPEC: only for documents with an OCR'd page

    @model_validator(mode="before")
    @classmethod
    def _not_an_error_record(cls, data):
        # {"doc_id", "source", "error"} would otherwise validate as an empty Document, and a
        # failed file would pass for one with nothing in it
        if isinstance(data, dict) and "error" in data and "schema" not in data:
            raise ValueError(f"an error record (the file failed: {data['error']}), not a Document; "
                             "read it as ErrorRecord (nscl_extract.read_jsonl gives both apart)")
        return data

    def to_json_dict(self, with_text: bool = True) -> dict:
        data = self.model_dump(mode="json", by_alias=True, exclude={"text"} if not with_text else None)
        if data["pages"] is None:
            del data["pages"]  # the key is there only where it says something: JSON as before for text inputs
        elif not with_text:
            for page in data["pages"]:
                page["ocr_text"] = None
        return data

    @classmethod
    def from_json_dict(cls, data: dict) -> "Document":
        return cls.model_validate(data)

    def indicator_records(self) -> list[dict]:
        """One flat dict per indicator (no nesting, no tuples), ready for pandas.DataFrame:
        document fields, the quantity's key and span, every attribute, the clause."""
        province = self.province
        doc = {"doc_id": self.doc_id, "source": self.source, "title": self.title, "published": self.published,
               "province": province.name if province else None,
               "province_2025": province.name_2025 if province else None,
               "plan": self.plan.number if self.plan else None}
        records = []
        for i, ind in enumerate(self.indicators):
            q = ind.quantity
            records.append({**doc, "index": i, "kind": ind.kind, "value": q.value, "value_max": q.value_max,
                            "comparator": q.comparator, "unit": q.unit,
                            "target_year": ind.target_year,
                            "period_from": ind.period[0] if ind.period else None,
                            "period_to": ind.period[1] if ind.period else None,
                            "per_year": ind.per_year, "relative": ind.relative, "subject": ind.subject,
                            "action": ind.action, "standards": "; ".join(ind.standards),
                            "quantity_text": q.text, "quantity_start": q.start, "quantity_end": q.end,
                            "text": ind.text, "start": ind.start, "end": ind.end})
        return records

    def _repr_html_(self) -> str | None:
        """Jupyter shows the notebook view registered with `set_notebook_view` (the package
        registers the review page's; the schema names no page). None: Jupyter falls back to repr."""
        return _notebook_view(self) if _notebook_view is not None else None


_notebook_view: Callable[[Document], str] | None = None


def set_notebook_view(view: Callable[[Document], str] | None) -> None:
    """Register the function that renders a Document for Jupyter (HTML)."""
    global _notebook_view
    _notebook_view = view


class ErrorRecord(BaseModel):
    """What a batch writes for a document it could not extract (its doc_id is only NFC: the
    failure may be the file name itself)."""

    doc_id: Annotated[str, AfterValidator(lambda v: unicodedata.normalize("NFC", v))]
    source: str
    error: str
