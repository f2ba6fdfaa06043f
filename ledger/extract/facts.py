"""From an article's text to candidate facts: each figure `numbers` finds, with the company
it is about, the kind of fact, the counterparty where the sentence names one, and the exact
span, so a reviewer can find it with Ctrl-F and judge it.

The rules, in order, within the sentence that holds the figure:

1. **Kind.** A count is `gpu_count`, power is `power_mw`. Money takes the kind of the
   nearest keyword (`KEYWORDS`, English and Japanese; the longest phrase where two end
   together, so 株式総額 is equity, not a total) in its clause — before the figure in
   English, after it in Japanese ("約75億ドルの株式と最大125億ドルの負債") — else in its
   sentence. Then:
   - a raise is of the one instrument its clause names ("raised $30 billion in the bond
     market" is debt); debt and equity named together ("in debt and equity",
     "株式と負債を合わせて") and totalling words (総額, "in total") make a round total;
   - money invested ("invest", 投資, 投じる) is equity when the sentence names the company
     receiving it, else capex;
   - a raise in an article about a lettered round ("Series F") is that equity round
     unless the sentence names debt; debt in a paragraph about a special purpose vehicle
     is `lease_spv` (the ledger's convention for GPU-leasing vehicles);
   - no keyword: a sentence about data centers or infrastructure gives capex; a figure
     that goes on with the figure before it about the same company ("…doubled to $10
     billion") takes its kind, at low confidence; else `unknown`.
2. **Company** (`reference/company_aliases.csv`, Latin names as whole words, Japanese names
   as written; a lower-case word is not a name, so "together" is not Together AI; a name
   that is the news's source — "according to Bloomberg", "ブルームバーグによると" — is no
   party). Money raised (equity, debt, valuation, round total…): the company named after
   "in", "into" or before "に", "への" ("invest up to $2 billion in xAI",
   "オープンAIへの出資"), else the first named that is not an investor, lender or chip
   maker. A compute contract: its buyer — of two companies, the one that does not sell
   compute; else the one "to"/"for"/"に提供" or that "agreed to buy"; else the one not
   "with"/"from"/"と"/"から"; else the first named. Anything else: the first company named
   (not an investor; for GPUs and power, not the chip maker). A sentence that names none
   ("同社は…", "The company…") takes its paragraph's first company, else the article's
   (the one it names most, chip makers aside); in an investor's story, equity it does not
   attribute goes to the company the article says the money goes into. Noted either way.
3. **Counterparty.** For money raised, the company "led by", "from", "with" or "と",
   "から", else another company named before the figure; for a contract, the seller.
4. **One fact, one candidate.** A figure restated in another currency in parentheses is
   that figure's restatement (`alt_text`). A figure said twice is one candidate (the
   qualified mention wins: "about $20 billion" over the headline's "$20 billion"); a
   headline's figure the body gives again is the body's candidate; an `unknown` mention of
   a figure another candidate has is dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import polars as pl

from ledger.extract.numbers import Figure, find_figures, pair_restatements
from ledger.transforms.reference import alias_key_of

#: Words that say what kind of fact a money figure is, per kind, English and Japanese.
#: Longer phrases first within a kind; matching is case-insensitive for English.
KEYWORDS: dict[str, tuple[str, ...]] = {
    "valuation": (
        "valuation",
        "valued at",
        "valuing",
        "values",
        "value",
        "valued",
        "priced at",
        "評価額",
        "企業価値",
        "時価総額",
    ),
    "convertible": ("convertible", "転換社債"),
    "lease_spv": ("special purpose vehicle", "SPV", "joint venture", "leasing vehicle", "特別目的"),
    "vendor_financing": ("vendor financing", "backstop"),
    "debt": (
        "debt",
        "loan",
        "notes",
        "bonds",
        "bond",
        "credit facility",
        "credit line",
        "borrow",
        "borrowed",
        "lenders",
        "負債",
        "負債総額",
        "融資",
        "借入",
        "社債",
        "債務",
        "債券",
        "劣後債",
        "ハイブリッド債",
        "ローン",
    ),
    "equity": (
        "equity",
        "shares",
        "stake",
        "Series",
        "IPO",
        "initial public offering",
        "listing",
        "株式",
        "株式総額",
        "出資",
        "増資",
        "シリーズ",
        "拠出",
        "上場",
    ),
    # money invested: equity when the sentence names the company receiving it ("invest $2
    # billion in xAI", "オープンAIに投資"), else capex ("invest $500 billion in US AI
    # infrastructure", "国内のAI基盤に約4400億円を投じ")
    "invest": ("invest", "investment", "investing", "投資", "投じ"),
    "commitment": (
        "contract",
        "agreement",
        "commitment",
        "committed to spend",
        "支出を約束",
        "deal",
        "computing power",
        "cloud services",
        "capacity",
        "to buy",
        "purchase",
        "order",
        "契約",
        "合意",
        "調達契約",
        "購入",
    ),
    "burn": (
        "burn",
        "cash burn",
        "burned",
        "lose",
        "losing",
        "loss",
        "losses",
        "消費",
        "燃焼",
        "赤字",
        "損失",
        "費やす",
        "を使う",
        "流出",
    ),
    "revenue": ("revenue", "sales", "売上", "収益", "売上高"),
    "cash": ("cash on hand", "cash reserves", "手元資金", "現預金"),
    "capex": (
        "capex",
        "capital expenditure",
        "spending",
        "build-out",
        "to build",
        "cost",
        "costs",
        "建設",
        "構築",
        "設備投資",
        "投資額",
        "取得",
    ),
    "round_total": (
        "raise",
        "raising",
        "raised",
        "funding round",
        "target",
        "seeking",
        "sought",
        "in total",
        "total of",
        "combined",
        "合わせて",
        "合わせると",
        "総額",
        "集め",
        "資金調達",
        "調達",
    ),
}
#: Words that make money capex only when no other keyword is in the sentence ("約4400億円を
#: AIインフラに投資", "$80 billion on data centers").
WEAK_CAPEX = ("data center", "data centre", "infrastructure", "データセンター", "インフラ")
#: Words that sum a raise's parts: the figure they give is the total, whatever parts are named.
_TOTALLING = ("in total", "combined", "total of", "合わせて", "合わせると", "総額")
#: A special purpose vehicle named: its debt is `lease_spv`.
_SPV = re.compile(r"special[- ]purpose vehicle|\bSPV\b|leasing vehicle|特別目的会社", re.IGNORECASE)
#: Money put "in the company" or "in the start-up": into a company the sentence does not name.
_IN_THE_COMPANY = re.compile(r"\b(?:in|into)\s+(?:the\s+(?:company|start-?up|firm|group|developer|lab)|it)\b", re.IGNORECASE)
#: Kinds that name what a raise is.
_INSTRUMENTS = ("equity", "debt", "convertible", "lease_spv")
#: Debt and equity named together: a figure for both is a round total.
_MIXED = re.compile(r"(?:debt|equity)\s+(?:and|or|&)\s+(?:debt|equity)|株式と負債|負債と株式", re.IGNORECASE)
#: An article about a lettered round ("Series F", "シリーズE"): a raise it reports without
#: naming debt is that equity round.
_SERIES = re.compile(r"\bSeries [A-K]\b|シリーズ[A-KＡ-Ｋ]")

#: Kinds of company that are usually the other side: who invests, lends or sells.
COUNTERPARTY_KINDS = ("investor", "financier", "chip_vendor")
#: Kinds of company an article is not about, however often it names them: chip makers
#: (whose chips most articles mention), governments and universities.
NOT_A_TOPIC = ("chip_vendor", "government", "academic")
#: Kinds about money a company raises: the company is the one receiving it.
RAISING = ("equity", "debt", "convertible", "lease_spv", "vendor_financing", "round_total", "valuation")
#: Words just before a company that make it the one receiving money ("invest in xAI"), or
#: the other side of a deal ("a contract with Oracle", "led by ASML"); Japanese particles just after.
_RECEIVES_BEFORE = re.compile(r"\b(?:in|into)\s+(?:the\s+)?$", re.IGNORECASE)
_RECEIVES_AFTER = re.compile(r"^(?:への|に(?!とって|よる|よれ|加え|対し)|へ出資|へ投資)")
_OTHER_SIDE_BEFORE = re.compile(r"\b(?:with|from|by|led by|including)\s+(?:the\s+)?(?:[\w-]+\s+){0,2}$", re.IGNORECASE)
_OTHER_SIDE_AFTER = re.compile(r"^(?:と(?!し)|から|が主導|など|や)")
_BUYER_BEFORE = re.compile(r"\b(?:to|for|provide|give|supply|supplying|providing)\s+(?:[\w-]+\s+){0,1}$", re.IGNORECASE)
_BUYER_AFTER = re.compile(
    r"^(?:に提供|向け|に供給|は.{0,12}(?:を購入|を買い取))"
    r"|^\s+(?:has\s+|had\s+)?(?:agreed to (?:buy|pay|rent)|will (?:buy|pay|rent)|to buy|buys|bought|is buying|pays|rents)",
    re.IGNORECASE,
)
#: A company named as the source of the news ("according to Bloomberg", "Bloomberg reported")
#: is not a party to it.
_SOURCE_BEFORE = re.compile(r"(?:according to|reported by|told)\s+(?:the\s+)?$", re.IGNORECASE)
_SOURCE_AFTER = re.compile(r"^(?:\s+(?:News|reported|said|says|reports)\b|によると|が報じ|の報道)")


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
    sentence: str = ""
    period: str | None = None  # the year the sentence gives the figure ("in 2025", "26年だけで")
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


@dataclass(frozen=True)
class Mention:
    """A company named in the text: where, and its canonical name."""

    start: int
    end: int
    name: str


class Companies:
    """Company names in text, through the alias table (`ref.company_aliases`)."""

    def __init__(self, companies: pl.DataFrame, aliases: pl.DataFrame):
        self.kind = dict(zip(companies["company"], companies["kind"], strict=True))
        self.canonical = dict(zip(aliases["alias_key"], aliases["company"], strict=True))
        self.pattern = _alias_pattern(aliases["alias"].to_list())
        self.exact = set(aliases["alias"].to_list())
        self.sells = dict(zip(companies["company"], companies["sells_compute"], strict=True))

    def named(self, text: str, start: int, end: int) -> list[Mention]:
        """Each company named in text[start:end]. A name is written as the alias table has
        it or capitalised ("Nvidia" for NVIDIA), so the word "together" is not Together AI."""
        return [
            Mention(start + m.start(), start + m.end(), self.canonical[alias_key_of(m[0])])
            for m in self.pattern.finditer(text[start:end])
            if m[0] in self.exact or not m[0][:1].islower()
        ]


def _keyword_positions(sentence: str) -> list[tuple[int, int, str, str]]:
    """(start, end, kind, keyword) of every keyword in a sentence."""
    found = []
    for kind, words in KEYWORDS.items():
        for word in words:
            flags = re.IGNORECASE if word.isascii() else 0
            # "invest" but not "investors", 投資 but not 投資家 (investors)
            pattern = rf"(?<![A-Za-z]){re.escape(word)}(?!ors?\b)" if word.isascii() else re.escape(word) + "(?!家)"
            found += [(m.start(), m.end(), kind, word) for m in re.finditer(pattern, sentence, flags)]
    return found


def _clause(sentence: str, start: int, end: int) -> tuple[int, int]:
    """(start, end) of the clause around sentence[start:end]: from the last 、 , ; : or "and"
    before it to the first 、 , ; 。 or "and" after it."""
    lower = max([m.end() for m in re.finditer(r"[、,;:]|\band\b", sentence[:start])] or [0])
    upper = min([end + m.start() for m in re.finditer(r"[、,;。]|\band\b", sentence[end:])] or [len(sentence)])
    return lower, upper


def _receives(text: str, m: Mention) -> bool:
    """Whether the company named at `m` is the one receiving money ("in xAI", "オープンAIへの")."""
    return bool(_RECEIVES_BEFORE.search(text[max(0, m.start - 40) : m.start]) or _RECEIVES_AFTER.match(text[m.end : m.end + 30]))


def _kind(sentence: str, start: int, end: int) -> tuple[str, str]:
    """The kind of the money at sentence[start:end]: the nearest keyword before it in its
    clause, else the nearest after it; (kind, the keyword or '')."""
    keywords = _keyword_positions(sentence)
    clause_start, clause_end = _clause(sentence, start, end)
    # the clause first, then the whole sentence: before the figure, then after it — in
    # Japanese, after it first: the noun or verb a figure belongs to follows it
    # ("約75億ドルの株式と最大125億ドルの負債", "400億ドルを出資")
    japanese = not sentence[start:end].isascii()
    for lower, upper in ((clause_start, clause_end), (0, len(sentence))):
        before = [k for k in keywords if lower <= k[1] <= start]
        after = [k for k in keywords if end <= k[0] <= upper]
        if japanese:
            before, after = after, before
            nearest_before = min(before, key=lambda k: (k[0], -(k[1] - k[0]))) if before else None
            nearest_after = max(after, key=lambda k: (k[1], k[1] - k[0])) if after else None
        else:
            nearest_before = max(before, key=lambda k: (k[1], k[1] - k[0])) if before else None
            nearest_after = min(after, key=lambda k: (k[0], -(k[1] - k[0]))) if after else None
        k = nearest_before or nearest_after
        if k and k[2] == "round_total" and k[3] not in _TOTALLING:
            # "raised $30 billion in the bond market": the raise is of the instrument its
            # clause names, else the one instrument its sentence names
            for low, high in ((clause_start, clause_end), (0, len(sentence))):
                specific = [x for x in keywords if low <= x[0] <= high and x[2] in _INSTRUMENTS]
                if len({x[2] for x in specific}) == 1:
                    return specific[0][2], f"{k[3]} … {specific[0][3]}"
                if specific:
                    break
        if k:
            if k[2] in ("equity", "debt") and _MIXED.search(sentence[max(0, start - 80) : end + 80]):
                return "round_total", f"{k[3]} (debt and equity together)"
            return k[2], k[3]
    weak = [(m.start(), word) for word in WEAK_CAPEX for m in re.finditer(re.escape(word), sentence, re.IGNORECASE)]
    if weak:
        return "capex", min(weak, key=lambda w: abs(w[0] - start))[1]
    return "unknown", ""


def main_company(text: str, companies: Companies) -> str | None:
    """The company an article is about: the one it names most, not counting chip makers
    (whose chips most articles mention), governments and universities."""
    counts: dict[str, int] = {}
    for mention in companies.named(text, 0, len(text)):
        if companies.kind.get(mention.name) not in NOT_A_TOPIC:
            counts[mention.name] = counts.get(mention.name, 0) + 1
    return max(counts, key=lambda n: (counts[n], n)) if counts else None


def paragraph_topics(text: str, companies: Companies) -> list[tuple[int, int, str | None]]:
    """(start, end, topic) of each paragraph (text between blank lines): the first company
    it names that is not a chip maker, a government or the news's source — what a sentence
    in it that names no company ("同社は…", "The company…") is about."""
    out = []
    for m in re.finditer(r"(?:.+(?:\n(?!\s*\n)|$))+", text):
        named = [
            x.name
            for x in companies.named(text, m.start(), m.end())
            if companies.kind.get(x.name) not in NOT_A_TOPIC
            and not _SOURCE_BEFORE.search(text[max(0, x.start - 40) : x.start])
            and not _SOURCE_AFTER.match(text[x.end : x.end + 30])
        ]
        out.append((m.start(), m.end(), named[0] if named else None))
    return out


def main_recipient(text: str, companies: Companies) -> str | None:
    """The company an article says receives money most often ("in xAI", "オープンAIへの")."""
    counts: dict[str, int] = {}
    for m in companies.named(text, 0, len(text)):
        if _receives(text, m):
            counts[m.name] = counts.get(m.name, 0) + 1
    return max(counts, key=lambda n: (counts[n], n)) if counts else None


def extract(text: str, companies: Companies, date: str | None = None) -> list[Candidate]:
    """Every candidate fact in an article's text (see the module's rules)."""
    main = main_company(text, companies)
    recipient = main_recipient(text, companies)
    series = bool(_SERIES.search(text))
    out: list[Candidate] = []
    topics = paragraph_topics(text, companies)
    for s_start, s_end in sentences(text):
        sentence = text[s_start:s_end]
        figures = [
            (_shift(f, s_start), _shift(alt, s_start) if alt else None)
            for f, alt in pair_restatements(sentence, find_figures(sentence))
        ]
        named = companies.named(text, s_start, s_end)
        for figure, alt in figures:
            topic = next((t for start, end, t in topics if start <= s_start < end), None)
            candidate = _candidate(text, sentence, s_start, figure, alt, named, topic or main, companies, date, recipient)
            if (
                series
                and candidate.kind == "round_total"
                and "debt and equity" not in candidate.rule
                and not any(k == "debt" for _, _, k, _ in _keyword_positions(sentence))
            ):
                candidate.kind, candidate.rule = "equity", candidate.rule.replace("round_total", "equity") + "+series"
            if candidate.kind == "debt" and _SPV.search(paragraph_of(text, s_start)):
                # the ledger's convention: debt raised in a vehicle that buys GPUs and leases them on
                candidate.kind, candidate.rule = "lease_spv", candidate.rule + "+SPV in its paragraph"
            out.append(candidate)
    return _first_mentions(_headline_in_body(_carry_kinds(out), text))


def paragraph_of(text: str, offset: int) -> str:
    """The paragraph (text between blank lines) holding `offset`."""
    start = max(text.rfind("\n\n", 0, offset), 0)
    end = text.find("\n\n", offset)
    return text[start : end if end != -1 else len(text)]


#: Kinds a following figure can go on with (a raise's target, a contract's expansion).
_CARRIED = ("equity", "debt", "convertible", "lease_spv", "round_total", "commitment")


def _carry_kinds(candidates: list[Candidate]) -> list[Candidate]:
    """A money figure whose sentence has no keyword continues the story of the figure before
    it ("…aiming to raise about $5 billion. By August the amount had doubled to $10
    billion"): it takes that figure's kind when both are about the same company, at low
    confidence."""
    last: Candidate | None = None
    for c in candidates:
        if c.kind == "unknown" and last is not None and last.company == c.company and c.currency and last.kind in _CARRIED:
            c.kind, c.rule, c.confidence = last.kind, f"{c.rule}+kind of the figure before", "low"
        if c.currency:
            last = c
    return candidates


def _headline_in_body(candidates: list[Candidate], text: str) -> list[Candidate]:
    """A headline's figure that the body gives again is the body's fact: headlines squeeze
    ("xAI lines up $20bn …, with NVIDIA taking a slice of the equity"), the body says what
    the figure is ("raising about $20 billion"). The body's candidate notes the headline."""
    first = re.search(r"\S.*", text)
    headline_end = first.end() if first else 0
    body = [c for c in candidates if c.start >= headline_end]
    kept = []
    for c in candidates:
        # the same figure, or the top of the body's range ("最大650億ドル" for "600億〜650億ドル")
        again = next(
            (
                b
                for b in body
                if c.start < headline_end
                and (b.amount_high, b.currency, b.unit) == (c.amount_high, c.currency, c.unit)
                and (b.amount_low == c.amount_low or c.amount_low == c.amount_high)
            ),
            None,
        )
        if again is None:
            kept.append(c)
        else:
            again.notes.append(f"also in the headline: {c.text}")
            if _company_borrowed(again) and not _company_borrowed(c):  # the headline names whose it is
                again.company = c.company
    return kept


def _first_mentions(candidates: list[Candidate]) -> list[Candidate]:
    """One candidate per fact: a headline repeated in the body, or a figure said twice,
    is one candidate noting where it is said again. The mention kept is the first, unless
    a later one qualifies the figure (a headline's "$20 billion", the body's "about $20
    billion"): the qualified one is what the source means."""
    kinds = {(c.company, c.amount_low, c.amount_high, c.currency) for c in candidates if c.kind != "unknown"}
    candidates = [
        c for c in candidates if c.kind != "unknown" or (c.company, c.amount_low, c.amount_high, c.currency) not in kinds
    ]
    # a figure whose sentence names no company is the same fact as that figure where a
    # sentence does name one (a headline's "「スターゲート」…5000億ドル", the body's "5000億ドルを投じる")
    named_company = {(c.kind, c.amount_low, c.amount_high, c.currency): c.company for c in candidates if not _company_borrowed(c)}
    for c in candidates:
        key = (c.kind, c.amount_low, c.amount_high, c.currency)
        if _company_borrowed(c) and key in named_company:
            c.company = named_company[key]
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


_MONTHS = {
    m: i
    for i, m in enumerate(
        (
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ),
        1,
    )
}
_EN_DATE = re.compile(r"\b(" + "|".join(_MONTHS) + r")\s+(\d{1,2}),\s+(20\d\d)\b", re.IGNORECASE)
_JA_DATE = re.compile(r"(20\d\d)年(\d{1,2})月(\d{1,2})日")
_EN_YEAR = re.compile(r"\b(?:in|for|during|through|over|by|of|across)\s+(?:fiscal\s+(?:year\s+)?)?(20\d\d)\b", re.IGNORECASE)
_JA_YEAR = re.compile(r"(?<!\d)(20\d\d|\d\d)年(?!\d{1,2}月)(?:度|だけで|中|通期|には|に|の)?")


def sentence_date(sentence: str) -> str | None:
    """A full date the sentence gives ("on October 7, 2025", "2025年10月7日"), as YYYY-MM-DD."""
    from datetime import date

    m = _EN_DATE.search(sentence)
    parts = (int(m[3]), _MONTHS[m[1].lower()], int(m[2])) if m else None
    if parts is None:
        j = _JA_DATE.search(sentence)
        parts = (int(j[1]), int(j[2]), int(j[3])) if j else None
    try:
        return date(*parts).isoformat() if parts else None
    except ValueError:
        return None


def figure_year(sentence: str, start: int, end: int) -> str | None:
    """The year a sentence gives a figure — "burned $13 billion in 2025", "26年だけで170億ドル",
    "by fiscal 2030" — the one nearest the figure; two-digit Japanese years are 20xx."""
    # within the figure's clause: "$18 billion this year and $144 billion by fiscal 2030"
    lower, upper = _clause(sentence, start, end)
    sentence = sentence[:upper]
    found = [(m.start(), m[1]) for m in _EN_YEAR.finditer(sentence) if m.start() >= lower]
    for m in (m for m in _JA_YEAR.finditer(sentence) if m.start() >= lower):
        year = m[1] if len(m[1]) == 4 else f"20{m[1]}"
        if 2000 <= int(year) <= 2049:
            found.append((m.start(), year))
    if not found:
        return None
    return min(found, key=lambda f: min(abs(f[0] - start), abs(f[0] - end)))[1]


def _company_borrowed(c: Candidate) -> bool:
    """Whether the candidate's company came from its paragraph or article, not its sentence."""
    return any(n.startswith(_BORROWED) for n in c.notes)


_BORROWED = "the sentence names no company"


def _roles(kind: str, text: str, figure: Figure, named: list[Mention], main: str | None, companies: Companies):
    """(company, counterparty, "sentence" or "article"): who the figure is about and the
    other side, by the rules in the module docstring."""

    def before(m: Mention, pattern: re.Pattern) -> bool:
        return bool(pattern.search(text[max(0, m.start - 40) : m.start]))

    def after(m: Mention, pattern: re.Pattern) -> bool:
        return bool(pattern.match(text[m.end : m.end + 30]))

    seen: list[Mention] = []
    for m in named:
        if m.name not in [s.name for s in seen] and not (before(m, _SOURCE_BEFORE) or after(m, _SOURCE_AFTER)):
            seen.append(m)

    kind_of = companies.kind.get
    if kind == "commitment":
        return _commitment_roles(seen, main, companies, before, after)
    if kind in RAISING:
        receiving = [m for m in seen if _receives(text, m)]
        other = [m for m in seen if before(m, _OTHER_SIDE_BEFORE) or after(m, _OTHER_SIDE_AFTER)]
        subjects = [m for m in seen if kind_of(m.name) not in COUNTERPARTY_KINDS and m not in other]
        chosen = receiving[0] if receiving else subjects[0] if subjects else None
        company = chosen.name if chosen else main
        counterparty = None
        if kind != "valuation":
            sides = [m for m in other if m.name != company] or [m for m in seen if m.name != company and m.start < figure.start]
            counterparty = sides[-1].name if sides and sides[-1].start < figure.start else sides[0].name if sides else None
        return company, counterparty, "sentence" if chosen else "article"
    wanted = [m for m in seen if kind_of(m.name) not in ("investor", "financier")]
    if kind in ("gpu_count", "power_mw"):
        wanted = [m for m in wanted if kind_of(m.name) != "chip_vendor"]
    return (wanted[0].name, None, "sentence") if wanted else (main, None, "article")


def _commitment_roles(seen, main, companies, before, after):
    """Buyer and seller of a compute contract: the one "with", "from" a company or
    "と" / "から" is the seller; "to", "for" / "に提供", "向け" the buyer; else the one
    that sells compute sells; else the first named buys."""
    if not seen:
        return main, None, "article"
    sells = companies.sells.get
    if len(seen) >= 2 and sum(bool(sells(m.name)) for m in seen[:2]) == 1:
        seller = next(m for m in seen[:2] if sells(m.name))
        buyer = next(m for m in seen[:2] if not sells(m.name))
        return buyer.name, seller.name, "sentence"
    sellers = [m for m in seen if before(m, _OTHER_SIDE_BEFORE) or after(m, _OTHER_SIDE_AFTER)]
    buyers = [m for m in seen if before(m, _BUYER_BEFORE) or after(m, _BUYER_AFTER)]
    if buyers:
        buyer = buyers[0]
        rest = [m for m in seen if m != buyer]
        return buyer.name, rest[0].name if rest else None, "sentence"
    if sellers:
        seller = sellers[0]
        rest = [m for m in seen if m != seller]
        if rest:
            return rest[0].name, seller.name, "sentence"
        return (main, seller.name, "article") if main and main != seller.name else (None, seller.name, "article")
    if len(seen) == 1:
        only = seen[0].name
        if sells(only) and main and main != only:
            return main, only, "article"
        return only, None, "sentence"
    return seen[0].name, seen[1].name, "sentence"


def _shift(figure: Figure, offset: int) -> Figure:
    return replace(figure, start=figure.start + offset, end=figure.end + offset)


def _candidate(text, sentence, s_start, figure, alt, named, main, companies, date, recipient=None) -> Candidate:
    local_start, local_end = figure.start - s_start, figure.end - s_start
    if figure.measure == "count":
        kind, keyword = "gpu_count", figure.unit
    elif figure.measure == "power":
        kind, keyword = "power_mw", figure.unit
    else:
        kind, keyword = _kind(sentence, local_start, local_end)
    if kind == "invest":
        in_a_company = any(_receives(text, m) for m in named) or _IN_THE_COMPANY.search(sentence)
        in_infrastructure = any(w.lower() in sentence.lower() for w in WEAK_CAPEX)
        # no company named as receiving it: the company the article says money goes into,
        # unless that is the one investing (a company investing in itself builds)
        investor = named[0].name if named else main
        into_recipient = recipient is not None and recipient != investor and not in_infrastructure
        kind = "equity" if in_a_company or into_recipient else "capex"
        keyword = f"{keyword} ({'in a company' if kind == 'equity' else 'in infrastructure'})"
    company, counterparty, how = _roles(kind, text, figure, named, main, companies)
    if (
        how == "article"
        and kind in ("equity", "round_total")
        and recipient
        and companies.kind.get(main) in ("investor", "financier")
    ):
        # an investor's story: the equity it does not attribute is in the company it invests in
        company, counterparty = recipient, counterparty or main
    rule = f"{figure.measure}:{kind}" + (f"({keyword})" if keyword else "")
    confidence = "high" if keyword and how == "sentence" else "medium" if keyword else "low"
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
        sentence=" ".join(sentence.split()),
        period=figure_year(sentence, local_start, local_end),
    )
    given = sentence_date(sentence)
    if given:
        candidate.date = given
        candidate.notes.append(f"dated {given} by its sentence")
    if how == "article" and main:
        candidate.notes.append(f"{_BORROWED}: {company}, from its paragraph or the article")
    if alt is not None:
        candidate.alt_text, candidate.alt_currency = alt.text, alt.currency
        candidate.alt_amount_low, candidate.alt_amount_high = alt.low, alt.high
    assert text[candidate.start : candidate.end] == candidate.text
    return candidate
