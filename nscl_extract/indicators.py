"""Indicator records (SPEC 4): which percentages and counts are targets or results, with
their year, phase, subject and action. Scope rules and cue lists live in rules/indicators.yml."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import regex

from . import rules
from .extractors.tables import TableValue, table_values
from .rules import new_style
from .schema import Document, Indicator, Period, Quantity
from .segment import Block, blocks, clauses, sentences

_YEAR_EXPR = regex.compile(
    r"(?<!\w)(?P<how>(?:đến|tới)\s+(?:hết\s+)?(?:năm\s+)?|vào\s+năm\s+|trong\s+năm\s+|năm\s+)(?P<y>(?:19|20)\d{2})(?!\d)",
    regex.I)
_NOT_TARGET_YEAR = regex.compile(r"(?:so\s+với|từ|trước|sau|của|cuối|đầu)\s*$", regex.I)
_HEADING = regex.compile(r"^\s*(?:(?P<major>[IVXLC]+\.|\d{1,2}\.|Điều\s+\d+\.?)|(?P<minor>[a-zđ]\)|\d{1,2}\)))\s*")
_TRONG_DO = regex.compile(r"^\s*(?:-\s*)?trong\s+đó\b", regex.I)
_NUMBER = regex.compile(r"\d(?:[\d.,]*\d)?")
_SUBJECT_STOP = regex.compile(r"[;:.()\n\"“”]|\s[-–]\s|/\s*năm\b")
_PER_YEAR_AFTER = regex.compile(r"\s*/\s*năm")
_DIGIT = regex.compile(r"\d")
_SHARE = regex.compile(r"chiếm\s*(?:khoảng|trên|hơn|gần)?\s*$", regex.I)
_FROM = regex.compile(r"(?<!\w)từ\s*$", regex.I)
_LIST_MARK = regex.compile(r"[,;]")
_BASELINE_PERIOD = regex.compile(r"so\s+với\s*(?:giai\s+đoạn\s*)?$", regex.I)
_COMPARED = regex.compile(r"so\s+với", regex.I)
_RATE_SKIP = regex.compile(r"\s*(?:/\s*năm|mỗi\s+năm|hàng\s+năm|hằng\s+năm)?\s*", regex.I)
_TRONG_DO_BEFORE = regex.compile(r"trong\s+đó[^.;]{0,30}$", regex.I)
_TOKEN = regex.compile(r"\S+")
_LEADING_LINK = regex.compile(r"^(?:trong\s+đó|theo\s+đó)\s*,?\s*", regex.I)
_LEADIN_MARK = regex.compile(r"\s*([:,])")
_PLAN_OWN_PHASE = regex.compile(r"kế\s+hoạch\s*(?:giai\s+đoạn\s*)?$", regex.I)
_PLAN = regex.compile(r"kế\s+hoạch", regex.I)
_BOUND_AFTER = regex.compile(r"\s*(?:/\s*năm\s*)?(?:(?:trong\s+)?giai\s+đoạn|thời\s+kỳ)?\s*", regex.I)
_PLAN_ANY = regex.compile(r"kế\s+hoạch|đề\s+án|chương\s+trình", regex.I)
_CITED = regex.compile(r"(?:căn\s+cứ|thực\s+hiện|theo|nhằm|cụ\s+thể\s+hóa)\b[^.\n]{0,200}$", regex.I)
_PROGRAMME = regex.compile(r"chương\s+trình|quyết\s+định|đề\s+án|nghị\s+quyết", regex.I)
_REPORT_YEAR = regex.compile(r"(?<!đến\s|tới\s|hết\s|so\s+với\s)năm\s+((?:19|20)\d{2})(?!\s*[-–])", regex.I)
_PARAGRAPH = regex.compile(r"[^\n]+")
_ANNUAL_PLAN = regex.compile(r"(?<!đến\s|tới\s|hết\s)năm\s+(?:19|20)\d{2}(?!\s*[-–])", regex.I)


@dataclass(frozen=True)
class Year:
    value: int
    annual: bool  # "năm 2024 sẽ ...": a one-year target, outside any multi-year phase


@dataclass(frozen=True)
class _Cues:
    data: dict
    rx: dict


@lru_cache(maxsize=1)
def _cues() -> _Cues:
    data = rules.load("indicators")
    words = {k: v for k, v in data.items() if isinstance(v, list) and k not in ("examples",)}
    rx = {k: regex.compile(rules.alternation([new_style(w) for w in v]), regex.I) for k, v in words.items()}
    rx["kind_cues"] = regex.compile(
        r"(?<!\w)(?:(?P<t>" + rules.alternation([new_style(w) for w in data["target_cues"]], boundary=False)
        + r")|(?P<r>" + rules.alternation([new_style(w) for w in data["result_cues"]], boundary=False) + r"))(?!\w)",
        regex.I)
    rx["per_year"] = regex.compile(rules.alternation([new_style(w) for w in data["per_year"]], boundary=False), regex.I)
    rx["level_end"] = regex.compile(rf"(?:{rules.alternation(data['level_verbs'])})[^,;]{{0,25}}$", regex.I)
    rx["funding_after"] = regex.compile(rf"\s*(?:{rules.alternation(data['funding_after'])})", regex.I)
    rx["verbs_before"] = regex.compile(
        rf"(?:{rules.alternation([new_style(w) for w in data['verbs_before']])})\s*"
        r"(?:khoảng|trên|hơn|tối thiểu|ít nhất|gần|xấp xỉ|bình quân|trung bình)?\s*$", regex.I)
    rx["baseline"] = regex.compile(r"\s*(?:" + "|".join(data["baseline_after"]) + r")\s+(?:dưới\s+|mức\s+|còn\s+)?\d", regex.I)
    return _Cues(data, rx)


@dataclass
class _Lead:
    period: tuple[int, int] | None = None
    year: Year | None = None
    kind: str | None = None  # "MỤC TIÊU ..." heads targets, "KẾT QUẢ ..." results


@dataclass
class _Scope:
    """What governs the quantities as the text is read in order."""

    major: _Lead = field(default_factory=_Lead)  # a numbered or capitalised heading: until the next one
    minor: _Lead = field(default_factory=_Lead)  # "a) ...", an unnumbered lead-in line or sentence

    @property
    def leadin_period(self):
        return self.minor.period or self.major.period

    @property
    def leadin_year(self):
        return self.minor.year or self.major.year

    @property
    def leadin_kind(self):
        return self.minor.kind or self.major.kind
    block_year: Year | None = None  # from a sentence lead-in: until the end of its paragraph
    block_period: tuple[int, int] | None = None  # "Giai đoạn 2026-2030, ...": until the end of its paragraph
    last_year: Year | None = None  # of the previous statement, for "Trong đó", ";" and list items
    last_subject: str | None = None
    clause_kind: str | None = None  # of the previous number in the same sentence
    block_kind: str | None = None  # "Kết quả cụ thể: ...": until the end of its paragraph
    open_list: bool = False  # the previous block was a bullet item ending with ";"


@dataclass(frozen=True)
class _Context:
    doc: Document
    text: str  # new-style tone marks, same length as doc.text
    quantities: list[Quantity]
    phase: tuple[int, int] | None
    report: tuple[int, int] | Year | None  # what the document's lead says a report covers
    headline: tuple[int, int] | None
    blocked: list[tuple[int, int]]
    default_kind: str


def find_indicators(doc: Document, excluded: list[tuple[int, int]],
                    table: list[TableValue] | None = None) -> list[Indicator]:
    """Every quantified target or result in the document, in document order. `table` is the
    document's table cells (extractors.tables.table_values) when the caller has them."""
    text = new_style(doc.text or "")
    cue = _cues()
    quantities = sorted(doc.percentages + doc.counts, key=lambda q: q.start)
    cells = {(t.mention.start, t.mention.end): t for t in (table_values(doc.text or "") if table is None else table)
             if isinstance(t.mention, Quantity)}
    headline = _headline_span(doc)
    ctx = _Context(doc, text, quantities, _plan_phase(text, doc.periods, headline),
                   _report_period(text, doc.periods, headline, doc), headline,
                   [(d.start, d.end) for d in doc.dates] + [(c.start, c.end) for c in doc.citations],
                   _default_kind(text, cue))
    out: list[Indicator] = []
    scope = _Scope()
    for block in blocks(text):
        qs = [q for q in quantities if block.start <= q.start < block.end and not _inside(q, excluded)]
        if not qs and _apply_heading(ctx, block, scope):
            continue
        continues_list = block.bullet and scope.open_list
        scope.block_year = scope.block_period = scope.block_kind = None
        previous = scope.last_year if continues_list else None
        if not qs and not _DIGIT.search(text, block.start, block.end):
            # no number, so no year, phase or quantity: only the list state moves on
            scope.last_year = previous
            scope.open_list = block.bullet and text[block.start:block.end].rstrip().endswith(";")
            continue
        for ss, se in sentences(text, block.start, block.end):
            _apply_leadin(ctx, ss, se, scope)
            scope.clause_kind = None
            inherited = previous if (_TRONG_DO.match(text[ss:se]) or (continues_list and ss == block.start)) else None
            for cs, ce in clauses(text, ss, se):
                own = _year_in(ctx, cs, ce, None)
                inherited = own or inherited
                for q in (q for q in qs if cs <= q.start < ce):
                    cell = cells.get((q.start, q.end))
                    span = (cell.row_start, cell.row_end) if cell else (cs, ce)
                    ind = _indicator(ctx, q, span, (ss, se), inherited, scope, cell, qs)
                    if ind is not None:
                        out.append(ind)
                        scope.last_subject = ind.subject
            previous = inherited
        scope.last_year = previous
        scope.open_list = block.bullet and text[block.start:block.end].rstrip().endswith(";")
    return out


def _inside(q, spans) -> bool:
    return any(s <= q.start < e for s, e in spans)


def _indicator(ctx: _Context, q: Quantity, clause, sentence, inherited: Year | None, scope: _Scope,
               cell: TableValue | None, siblings) -> Indicator | None:
    cue = _cues()
    text = ctx.text
    cs, ce = clause
    own_start = max([s.end for s in siblings if cs <= s.end <= q.start] + [cs])
    own_end = min([s.start for s in siblings if q.end <= s.start < ce] + [ce])
    if _not_indicator(ctx, q, clause, own_start, own_end, siblings):
        return None
    in_headline = ctx.headline is not None and ctx.headline[0] <= q.start < ctx.headline[1]
    kind = _kind(ctx, text[cs:ce], text[sentence[0]:sentence[1]],
                 scope.clause_kind or scope.block_kind or scope.leadin_kind or ctx.default_kind)
    scope.clause_kind = kind
    year: Year | None = None
    if kind == "target":
        year = _year_in(ctx, cs, ce, q, own_end) or (Year(cell.year, False) if cell and cell.year else None)
        if year is None and not in_headline:
            year = inherited or scope.block_year or scope.leadin_year
    period = _period_in(ctx, sentence, clause, q, own_end)
    if period is None and not in_headline:
        period = scope.block_period or scope.leadin_period
        if kind == "result":
            if period is None and isinstance(ctx.report, tuple):
                period = ctx.report
            elif period is None and ctx.report is None and ctx.phase and not (_year_in(ctx, cs, ce, q) or inherited):
                period = ctx.phase
        elif period is None and ctx.phase and (year is None or (not year.annual and year.value <= ctx.phase[1])):
            period = ctx.phase
    per_year = bool(cue.rx["per_year"].search(text, cs, ce)) or bool(_PER_YEAR_AFTER.match(text, q.end, q.end + 20))
    relative = _relative(text, q, own_start, own_end, cs) if cell is None else bool(
        cell.label and _cues().rx["growth_subjects"].search(new_style(cell.label.text)))
    subject, action = _subject_action(ctx, q, (cs, own_end), scope, cell)
    standards = [s.id for s in ctx.doc.standards if cs <= s.start < ce]
    raw = ctx.doc.text or ""
    return Indicator(start=cs, end=ce, text=raw[cs:ce], quantity=q, kind=kind,
                     target_year=year.value if year else None, period=period, per_year=per_year,
                     relative=relative, subject=subject, action=action, standards=list(dict.fromkeys(standards)))


def _not_indicator(ctx: _Context, q: Quantity, clause, own_start, own_end, siblings) -> bool:
    """Background statistics, funding rules, plan structure, baselines and thresholds."""
    cue = _cues()
    text = ctx.text
    cs, ce = clause
    owned = text[own_start:own_end]
    if cue.rx["background_cues"].search(owned) and not cue.rx["target_cues"].search(text, cs, ce):
        return True
    if cue.rx["funding_after"].match(text, q.end) or q.unit.split("/")[0] == "hợp đồng":
        return True
    if _SHARE.search(text, own_start, q.start) and \
            cue.rx["funding_share"].search(text, cs, q.start):
        return True
    unit = new_style(q.unit.lower())
    if any(unit == u or unit.startswith(u + " ") for u in map(str.lower, cue.data["plan_structure"])):
        if cue.rx["plan_structure_verbs"].search(text, max(cs, q.start - 25), q.start):
            return True
    if cue.rx["baseline"].match(text, q.end) and _FROM.search(text, max(cs, q.start - 8), q.start):
        return True
    if q.unit != "%":  # "70% doanh nghiệp triển khai ít nhất 01 dự án": a threshold of the target
        before = [s for s in siblings if s.unit == "%" and cs <= s.end <= q.start]
        if before and not _LIST_MARK.search(text, before[-1].end, q.start):
            return True
    return False


def _default_kind(text: str, cue: _Cues) -> str:
    """One scan counts both kinds of cue in the whole text."""
    results = targets = 0
    for m in cue.rx["kind_cues"].finditer(text):
        if m.group("t") is not None:
            targets += 1
        else:
            results += 1
    return "result" if results > targets else "target"


def _kind(ctx: _Context, clause: str, sentence: str, default: str) -> str:
    """Cues in the clause, then a year not yet past, then cues in the sentence, then the lead-in or document."""
    cue = _cues()
    if cue.rx["target_cues"].search(clause):
        return "target"
    if cue.rx["result_cues"].search(clause):
        return "result"
    published = int(ctx.doc.published[:4]) if ctx.doc.published else None
    if published and any(int(m.group("y")) >= published for m in _YEAR_EXPR.finditer(clause)
                         if not _NOT_TARGET_YEAR.search(clause[max(0, m.start() - 12):m.start()])):
        return "target"
    if cue.rx["target_cues"].search(sentence):
        return "target"
    return default


def _year_in(ctx: _Context, cs: int, ce: int, q: Quantity | None, own_end: int | None = None) -> Year | None:
    """The target year stated in text[cs:ce]: one right after q in its own text (up to
    own_end), else the nearest before q, else the first after it."""
    found = []
    for m in _YEAR_EXPR.finditer(ctx.text, cs, ce):
        ys = m.start("y")
        if any(p.start <= ys < p.end for p in ctx.doc.periods) or any(s <= ys < e for s, e in ctx.blocked):
            continue
        if _NOT_TARGET_YEAR.search(ctx.text, max(cs, m.start() - 12), m.start()):
            continue
        how = m.group("how").lower().split()[0]
        found.append((m.start(), Year(int(m.group("y")), annual=how in ("năm", "trong"))))
    if not found:
        return None
    if q is None:
        return found[-1][1]
    owned_after = [y for s, y in found if q.end <= s < own_end and "," not in ctx.text[q.end:s]] if own_end else []
    if owned_after:  # "01 hội nghị tổng kết vào năm 2030", "lên 21% năm 2024"
        return owned_after[0]
    before = [y for s, y in found if s < q.start]
    return before[-1] if before else found[0][1]


def _period_in(ctx: _Context, sentence, clause, q, own_end: int) -> tuple[int, int] | None:
    """A period written right after q ("7%/năm giai đoạn 2026 - 2030"), else in
    the sentence before q, else in its clause after q; never a baseline ("so với giai đoạn")."""
    (ss, se), (cs, ce) = sentence, clause
    best = None
    for p in ctx.doc.periods:
        if q.end <= p.start < own_end and _BOUND_AFTER.fullmatch(ctx.text, q.end, p.start):
            return (p.from_, p.to)
    for p in ctx.doc.periods:
        if not (ss <= p.start < se) or not (p.start < q.start or cs <= p.start < ce):
            continue
        if _BASELINE_PERIOD.search(ctx.text, max(ss, p.start - 20), p.start):
            continue
        if best is None or p.start < q.start:
            best = (p.from_, p.to)
    return best


def _relative(text: str, q: Quantity, own_start: int, own_end: int, clause_start: int) -> bool:
    cue = _cues()
    window = text[own_start:q.start]
    if cue.rx["growth_subjects"].search(text, clause_start, q.start):
        return True
    last = None
    for m in cue.rx["change_verbs"].finditer(window):
        last = m
    between = window[last.end():] if last is not None else ""
    if last is not None and len(between.split()) <= 8 and not cue.rx["level_end"].search(between):
        return True
    return bool(_COMPARED.search(text, q.end, own_end))


def _subject_action(ctx: _Context, q: Quantity, clause, scope: _Scope, cell: TableValue | None):
    cs, ce = clause
    text, raw = ctx.text, ctx.doc.text or ""
    if cell is not None:
        return (cell.label.text if cell.label else None), None
    if q.unit == "%":
        skip = _RATE_SKIP.match(text, q.end, ce)
        start = skip.end() if skip else q.end
    else:
        digits = list(_NUMBER.finditer(q.text))
        start = q.start + (digits[-1].end() if digits else 0)
        start += len(text[start:ce]) - len(text[start:ce].lstrip())
    end = _subject_end(text, start, ce, q.unit != "%")
    subject = raw[start:end].strip(" ,-–") or None
    if subject is None:
        subject = _subject_before(ctx, q, cs)
        end = q.end
        if subject is None and _TRONG_DO_BEFORE.search(text, max(0, q.start - 40), q.start):
            subject = scope.last_subject
    action = raw[end:ce].strip(" ,.:;") or None
    return subject, (action[:160] if action else None)


def _subject_end(text: str, start: int, ce: int, is_count: bool) -> int:
    """Where the subject noun phrase stops: an action verb, a clause mark, or 16 words."""
    cue = _cues()
    m = _SUBJECT_STOP.search(text, start, ce)
    end = m.start() if m else ce
    for n, w in enumerate(_TOKEN.finditer(text, start, end), 1):
        ws = w.start()
        if (n > 1 or not is_count) and cue.rx["action_verbs"].match(text, ws):
            return ws
        if n > 16:
            return ws
    return end


def _subject_before(ctx: _Context, q: Quantity, cs: int) -> str | None:
    """A subject written before the number: "năng suất của xưởng tăng khoảng 18%"."""
    head = ctx.text[cs:q.start]
    m = _cues().rx["verbs_before"].search(head)
    if not m:
        return None
    left = head[:m.start()]
    cuts = [(left.rfind(mark), len(mark)) for mark in (",", ":", " đạt ", " có ", " ghi nhận ")]
    pos, width = max(cuts)
    start = cs + (pos + width if pos >= 0 else 0)
    subject = (ctx.doc.text or "")[start:cs + m.start()].strip(" ,-–")
    subject = _LEADING_LINK.sub("", subject)
    return subject or None


def _apply_heading(ctx: _Context, block: Block, scope: _Scope) -> bool:
    """A heading or lead-in line sets what governs below it: a numbered ("II.", "2.") or
    capitalised heading replaces the major level and clears the minor one; "a)" items and
    unnumbered lead-in lines replace the minor level."""
    body = ctx.text[block.start:block.end].strip()
    m = _HEADING.match(body)
    short = len(body) <= 120 and "\n" not in body
    is_caps = short and body.upper() == body and any(c.isalpha() for c in body)
    leadin = short and body.endswith(":")
    if not (short and (m or is_caps or leadin)):
        return False
    lead = _Lead()
    p = next((x for x in ctx.doc.periods if block.start <= x.start < block.end), None)
    if p is not None:
        lead.period = (p.from_, p.to)
    lead.year = _year_in(ctx, block.start, block.end, None)
    cue = _cues()
    if cue.rx["target_cues"].search(body):
        lead.kind = "target"
    elif cue.rx["result_cues"].search(body):
        lead.kind = "result"
    if (m and m.group("major")) or is_caps:
        scope.major, scope.minor = lead, _Lead()
    else:
        scope.minor = lead
    scope.last_year, scope.open_list = None, False
    return True


def _apply_leadin(ctx: _Context, ss: int, se: int, scope: _Scope) -> None:
    """A sentence that opens with a phase ("Trong giai đoạn 2026-2030: ...", "Theo Kế hoạch, giai
    đoạn 2022-2025, ...") or a short lead-in ending in ":" ("Mục tiêu ... giai đoạn 2021-2025: ...")."""
    sent = ctx.text[ss:se]
    colon = sent.find(":")
    for p in ctx.doc.periods:
        if ss <= p.start < ss + 50 and (m := _LEADIN_MARK.match(ctx.text, p.end, se)):
            if m.group(1) == ":":
                scope.minor = _Lead(period=(p.from_, p.to))
            else:
                scope.block_period = (p.from_, p.to)
            return
    if 0 <= colon <= 150:
        lead = (ss, ss + colon)
        cue = _cues()
        if cue.rx["target_cues"].search(ctx.text, lead[0], lead[1]):
            scope.block_kind = "target"
        elif cue.rx["result_cues"].search(ctx.text, lead[0], lead[1]):
            scope.block_kind = "result"
        p = next((x for x in ctx.doc.periods if lead[0] <= x.start < lead[1]), None)
        if p is not None:
            scope.minor = _Lead(period=(p.from_, p.to))
        if (y := _year_in(ctx, lead[0], lead[1], None)) is not None:
            scope.block_year = y


def _plan_phase(text: str, periods: list[Period], headline) -> tuple[int, int] | None:
    """The plan's own phase, as the body names it (see rules/indicators.yml): the period written
    with the first plan the body names ("Kế hoạch số 58/KH-UBND ... giai đoạn 2026-2030"); none
    for a one-year plan; else a period written right after "Kế hoạch"; else the first period in
    a sentence that names a plan or programme."""
    cue = _cues()
    body = [p for p in periods if not (headline and headline[0] <= p.start < headline[1])]
    start = headline[1] if headline else 0
    first = next((m for m in _PLAN_ANY.finditer(text, start)
                  if not _CITED.search(text, _sentence_start(text, m.start()), m.start())), None)
    if first:
        end = _sentence_end(text, first.start())
        if not text[first.end():end].strip():  # "KẾ HOẠCH" alone on its line: its name follows
            end = _sentence_end(text, end + 2)
        period = next((p for p in body if first.end() <= p.start < end), None)
        annual = _ANNUAL_PLAN.search(text, first.end(), end)
        if annual and (period is None or annual.start() < period.start):
            return None
        if period is not None and not _PROGRAMME.search(text, first.end(), period.start):
            return (period.from_, period.to)
    for p in body:
        if _PLAN_OWN_PHASE.search(text, max(0, p.start - 30), p.start):
            return (p.from_, p.to)
    for p in body:
        if cue.rx["plan_words"].search(text, _sentence_start(text, p.start), p.start):
            return (p.from_, p.to)
    return None


def _report_period(text: str, periods: list[Period], headline, doc: Document) -> tuple[int, int] | Year | None:
    """What a report of results covers, as its headline or first paragraph says: a period
    ("Giai đoạn 2021 - 2024, ... đã hỗ trợ"), or one year ("Năm 2023, Sở đã ...")."""
    lead_end = _lead_end(text, headline)
    stated = [p for p in periods if p.start < lead_end and p.to <= _published_year(doc, p.to)]
    if stated:
        return (stated[0].from_, stated[0].to)
    m = _REPORT_YEAR.search(text, headline[0] if headline else 0, lead_end)
    return Year(int(m.group(1)), annual=True) if m else None


def _lead_end(text: str, headline) -> int:
    """The end of the first body paragraph after the headline (and its byline)."""
    pos = headline[1] if headline else 0
    for m in _PARAGRAPH.finditer(text, pos):
        if len(m.group().strip()) > 120:
            return m.end()
    return pos


def _published_year(doc: Document, default: int) -> int:
    return int(doc.published[:4]) if doc.published else default


def _sentence_start(text: str, pos: int) -> int:
    return max(text.rfind("\n\n", 0, pos), text.rfind(". ", 0, pos)) + 1


def _sentence_end(text: str, pos: int) -> int:
    ends = [i for i in (text.find("\n\n", pos), text.find(". ", pos)) if i >= 0]
    return min(ends) if ends else len(text)


def _headline_span(doc: Document) -> tuple[int, int] | None:
    text = doc.text or ""
    if not doc.title:
        return None
    i = text.find(doc.title)
    if i < 0 or text.count("\n", 0, i) > 12:
        return None
    return (i, i + len(doc.title))
