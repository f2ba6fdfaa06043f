"""From an article's text to candidate facts: each figure `numbers` finds, with the company
it is about, the kind of fact, the counterparty where the sentence names one, and the exact
span, so a reviewer can find it with Ctrl-F and judge it.

The rules, in order, within the sentence that holds the figure:

1. **Kind.** Money takes the kind of the nearest keyword (`KEYWORDS`, English and Japanese)
   before the figure in its clause, else the nearest after it; a count is `gpu_count`,
   power is `power_mw`. A sentence with no keyword gives `round_total` for money near a
   raise, else the money is left as `unknown` (low confidence).
2. **Company.** The companies of `reference/company_aliases.csv` named in the sentence (the
   canonical name or an alias, whole words). The company a figure is about is the AI lab
   or neocloud named in the sentence, else the article's main company (the lab it names
   most); an organisation we do not know is not guessed.
3. **Counterparty.** For equity, debt and commitments, another known company named in the
   clause before the figure (NVIDIA in "NVIDIA is weighing up to $2 billion of the
   equity").
4. **Restatements.** A figure restated in another currency in parentheses right after
   another is that figure's restatement (`alt_text`), never a fact of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import polars as pl

from ledger.extract.numbers import Figure, find_figures, pair_restatements

#: Words that say what kind of fact a money figure is, per kind, English and Japanese.
#: Longer phrases first within a kind; matching is case-insensitive for English.
KEYWORDS: dict[str, tuple[str, ...]] = {
    "valuation": ("valuation", "valued at", "valuing", "評価額", "企業価値", "時価総額"),
    "convertible": ("convertible", "転換社債"),
    "lease_spv": ("special purpose vehicle", "SPV", "特別目的"),
    "vendor_financing": ("vendor financing", "backstop"),
    "debt": (
        "debt",
        "loan",
        "notes",
        "bonds",
        "credit facility",
        "credit line",
        "borrow",
        "負債",
        "融資",
        "借入",
        "社債",
        "債務",
    ),
    "equity": ("equity", "shares", "stake", "invest", "Series", "株式", "出資", "増資"),
    "commitment": ("contract", "agreement", "commitment", "committed to spend", "契約", "合意"),
    "burn": ("burn", "cash burn", "消費", "燃焼", "赤字"),
    "revenue": ("revenue", "sales", "売上", "収益"),
    "cash": ("cash on hand", "cash reserves", "手元資金", "現預金"),
    "capex": ("capex", "capital expenditure", "build-out", "to build", "cost", "建設", "構築", "設備投資"),
    "round_total": ("raise", "raising", "funding round", "in total", "combined", "合わせて", "資金調達", "調達"),
}
#: Company kinds a figure is usually about (the buyer, the borrower, the one raising).
SUBJECT_KINDS = ("ai_lab", "neocloud")
#: Kinds whose sentence can name the other side (an investor, a lender, a seller).
WITH_COUNTERPARTY = ("equity", "debt", "convertible", "lease_spv", "vendor_financing", "commitment")


@dataclass
class Candidate:
    """One candidate fact, as `compute-ledger extract` prints it."""

    company: str | None
    company_known: bool
    counterparty: str | None
    kind: str
    amount_low: float
    amount_high: float
    qualifier: str
    currency: str | None
    unit: str
    date: str | None
    text: str
    start: int
    end: int
    rule: str
    confidence: str
    alt_text: str | None = None
    alt_amount_low: float | None = None
    alt_amount_high: float | None = None
    alt_currency: str | None = None
    notes: list[str] = field(default_factory=list)


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence: split after 。！？ and after . ! ? followed by a space,
    and at line breaks."""
    spans, start = [], 0
    for m in re.finditer(r"[。！？]|[.!?](?=\s)|\n", text):
        end = m.end()
        if text[start:end].strip():
            spans.append((start, end))
        start = end
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


def _alias_pattern(aliases: list[str]) -> re.Pattern:
    """One pattern for every alias, longest first; Latin names match as whole words."""
    parts = []
    for alias in sorted(aliases, key=len, reverse=True):
        escaped = re.escape(alias)
        parts.append(rf"(?<![A-Za-z0-9]){escaped}(?![A-Za-z0-9])" if alias.isascii() else escaped)
    return re.compile("|".join(parts), re.IGNORECASE) if parts else re.compile(r"(?!x)x")


class Companies:
    """Company names in text, through the alias table (`ref.company_aliases`)."""

    def __init__(self, companies: pl.DataFrame, aliases: pl.DataFrame):
        self.kind = dict(zip(companies["company"], companies["kind"], strict=True))
        self.canonical = dict(zip(aliases["alias_key"], aliases["company"], strict=True))
        self.pattern = _alias_pattern(aliases["alias"].to_list())

    def named(self, text: str, start: int, end: int) -> list[tuple[int, str]]:
        """(offset, canonical name) of each company named in text[start:end]."""
        return [(start + m.start(), self.canonical[m[0].lower()]) for m in self.pattern.finditer(text[start:end])]


def _keyword_positions(sentence: str) -> list[tuple[int, int, str, str]]:
    """(start, end, kind, keyword) of every keyword in a sentence."""
    found = []
    for kind, words in KEYWORDS.items():
        for word in words:
            flags = re.IGNORECASE if word.isascii() else 0
            pattern = rf"(?<![A-Za-z]){re.escape(word)}" if word.isascii() else re.escape(word)
            found += [(m.start(), m.end(), kind, word) for m in re.finditer(pattern, sentence, flags)]
    return found


def _kind(sentence: str, start: int, end: int) -> tuple[str, str]:
    """The kind of the money at sentence[start:end]: the nearest keyword before it in its
    clause, else the nearest after it; (kind, the keyword or '')."""
    keywords = _keyword_positions(sentence)
    clause_start = max([m.end() for m in re.finditer(r"[、,;:]|\band\b", sentence[:start])] or [0])
    clause_end = min([end + m.start() for m in re.finditer(r"[、,;。]|\band\b", sentence[end:])] or [len(sentence)])
    # the clause first, then the whole sentence: before the figure, then after it
    for lower, upper in ((clause_start, clause_end), (0, len(sentence))):
        before = [k for k in keywords if lower <= k[1] <= start]
        if before:
            k = max(before, key=lambda k: (k[1], -(k[1] - k[0])))
            return k[2], k[3]
        after = [k for k in keywords if end <= k[0] <= upper]
        if after:
            k = min(after, key=lambda k: (k[0], -(k[1] - k[0])))
            return k[2], k[3]
    return "unknown", ""


def main_company(text: str, companies: Companies) -> str | None:
    """The lab an article is about: the AI lab or neocloud it names most."""
    counts: dict[str, int] = {}
    for _, name in companies.named(text, 0, len(text)):
        if companies.kind.get(name) in SUBJECT_KINDS:
            counts[name] = counts.get(name, 0) + 1
    return max(counts, key=lambda n: (counts[n], n)) if counts else None


def extract(text: str, companies: Companies, date: str | None = None) -> list[Candidate]:
    """Every candidate fact in an article's text (see the module's rules)."""
    main = main_company(text, companies)
    out: list[Candidate] = []
    for s_start, s_end in sentences(text):
        sentence = text[s_start:s_end]
        figures = [
            (_shift(f, s_start), _shift(alt, s_start) if alt else None)
            for f, alt in pair_restatements(sentence, find_figures(sentence))
        ]
        named = companies.named(text, s_start, s_end)
        subjects = [name for _, name in named if companies.kind.get(name) in SUBJECT_KINDS]
        for figure, alt in figures:
            out.append(_candidate(text, sentence, s_start, figure, alt, named, subjects, main, companies, date))
    return _first_mentions(out)


def _first_mentions(candidates: list[Candidate]) -> list[Candidate]:
    """One candidate per fact: a headline repeated in the body, or a figure said twice,
    is one candidate noting where it is said again. The mention kept is the first, unless
    a later one qualifies the figure (a headline's "$20 billion", the body's "about $20
    billion"): the qualified one is what the source means."""
    kept: dict[tuple, Candidate] = {}
    for c in candidates:
        key = (c.company, c.kind, c.amount_low, c.amount_high, c.currency, c.unit)
        if key not in kept:
            kept[key] = c
        elif kept[key].qualifier == "exact" and c.qualifier != "exact":
            c.notes.append(f"also at offset {kept[key].start}: {kept[key].text}")
            c.notes.extend(n for n in kept[key].notes if n.startswith("also at"))
            kept[key] = c
        else:
            kept[key].notes.append(f"also at offset {c.start}: {c.text}")
    return sorted(kept.values(), key=lambda c: c.start)


def _shift(figure: Figure, offset: int) -> Figure:
    return Figure(
        figure.start + offset,
        figure.end + offset,
        figure.text,
        figure.measure,
        figure.low,
        figure.high,
        figure.qualifier,
        figure.currency,
        figure.unit,
    )


def _candidate(text, sentence, s_start, figure, alt, named, subjects, main, companies, date) -> Candidate:
    local_start, local_end = figure.start - s_start, figure.end - s_start
    if figure.measure == "count":
        kind, keyword = "gpu_count", figure.unit
    elif figure.measure == "power":
        kind, keyword = "power_mw", figure.unit
    else:
        kind, keyword = _kind(sentence, local_start, local_end)
    company = subjects[0] if subjects else main
    counterparty = None
    if kind in WITH_COUNTERPARTY:
        before = [name for offset, name in named if offset < figure.start and name != company]
        counterparty = before[-1] if before else None
    rule = f"{figure.measure}:{kind}" + (f"({keyword})" if keyword else "")
    confidence = "high" if keyword and subjects else "medium" if keyword else "low"
    candidate = Candidate(
        company=company,
        company_known=company is not None,
        counterparty=counterparty,
        kind=kind,
        amount_low=figure.low,
        amount_high=figure.high,
        qualifier=figure.qualifier,
        currency=figure.currency,
        unit="usd" if figure.currency else figure.unit,
        date=date,
        text=figure.text,
        start=figure.start,
        end=figure.end,
        rule=rule,
        confidence=confidence,
    )
    if not subjects and main:
        candidate.notes.append(f"company from the article ({main} is the lab it names most)")
    if alt is not None:
        candidate.alt_text, candidate.alt_currency = alt.text, alt.currency
        candidate.alt_amount_low, candidate.alt_amount_high = alt.low, alt.high
    assert text[candidate.start : candidate.end] == candidate.text
    return candidate
