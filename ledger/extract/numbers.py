"""Figures as journalists write them, in English and Japanese: money, counts and power,
found in running text with their exact span.

English: "$20 billion", "US$20bn", "$7.5B", "€1.7bn", "1.2 trillion yen", "$35-40 billion",
"$35 billion to $40 billion", "200,000 GPUs", "2 GW", "5 gigawatts". Japanese:
"200億ドル", "約3000億円", "最大125億ドル", "5兆9808億円", "350億〜400億ドル",
"約5兆2000億円〜6兆円", "20万基", "50万〜100万基".

Qualifiers follow the input files' conventions (data/README.md): about / around / roughly /
approximately / 約 / およそ → `about`; up to / as much as / 最大 → `up_to`; more than /
over / at least / 以上 / 超 → `at_least`; two numbers joined by a dash, "to" or 〜 are a
range (low, high). Every value is in plain units: dollars (not billions), GPUs, megawatts.
Nothing here knows what a figure is about: that is the sentence's job (`ledger.extract.facts`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: English scale words and suffixes.
_SCALE = {
    "thousand": 1e3,
    "k": 1e3,
    "million": 1e6,
    "mn": 1e6,
    "mln": 1e6,
    "m": 1e6,
    "billion": 1e9,
    "bn": 1e9,
    "b": 1e9,
    "trillion": 1e12,
    "tn": 1e12,
    "t": 1e12,
}
_SCALE_WORD = r"(?:thousand|million|billion|trillion|mln|mn|bn|tn|k|m|b|t)\b"
#: Japanese units of ten thousand, a hundred million, a trillion.
_JA_UNITS = {"万": 1e4, "億": 1e8, "兆": 1e12}

_CURRENCY_SYMBOL = {
    "$": "USD",
    "us$": "USD",
    "usd": "USD",
    "€": "EUR",
    "eur": "EUR",
    "£": "GBP",
    "gbp": "GBP",
    "¥": "JPY",
    "jpy": "JPY",
}
_CURRENCY_WORD = {"dollars": "USD", "dollar": "USD", "euros": "EUR", "euro": "EUR", "pounds": "GBP", "yen": "JPY", "yuan": "CNY"}
_JA_CURRENCY = {"ドル": "USD", "米ドル": "USD", "円": "JPY", "ユーロ": "EUR", "元": "CNY", "ポンド": "GBP"}

_ABOUT = r"(?:about|around|roughly|approximately|nearly|almost|some|an estimated|estimated|~)"
_UP_TO = r"(?:up to|as much as|as many as|a maximum of)"
_AT_LEAST = r"(?:more than|over|at least|upwards of|in excess of|above)"

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"


@dataclass(frozen=True)
class Figure:
    """One figure in a text: where it is (`start`, `end`, `text` verbatim), what it is
    (`measure`: money, count or power), its range in plain units and how the text
    qualified it."""

    start: int
    end: int
    text: str
    measure: str  # money, count, power
    low: float
    high: float
    qualifier: str  # exact, about, up_to, at_least
    currency: str | None = None  # money only
    unit: str = ""  # count: what is counted as written (GPUs, chips, 基); power: MW


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _ja_number(text: str) -> float:
    """'5兆9808億' → 5.9808e12; '3000億' → 3e11; '20万' → 2e5; '1,200' → 1200."""
    total, rest = 0.0, text
    for unit in ("兆", "億", "万"):
        if unit in rest:
            head, rest = rest.split(unit, 1)
            total += _number(head) * _JA_UNITS[unit]
    if rest.strip():
        total += _number(rest)
    return total


def _qualifier(before: str) -> str:
    """The qualifier the words just before a figure give."""
    tail = before[-40:].lower()
    if re.search(_UP_TO + r"\s*$", tail) or tail.endswith("最大") or tail.endswith("最大で"):
        return "up_to"
    if re.search(_AT_LEAST + r"\s*$", tail) or tail.endswith(("少なくとも", "少なくとも計")):
        return "at_least"
    if re.search(_ABOUT + r"\s*$", tail) or tail.endswith(("約", "およそ", "ほぼ", "推定で", "推定")):
        return "about"
    return "exact"


def _ja_after(after: str) -> str:
    """以上 / 超 / を超える just after a Japanese figure make it a floor; 規模 / 程度 / 前後
    an approximation."""
    if after.startswith(("以上", "超", "強", "を超える", "を上回る")):
        return "at_least"
    if after.startswith(("規模", "程度", "前後", "弱")):
        return "about"
    return ""


# --- English money: [qualifier] [currency] number [scale] [to|-|– [currency] number [scale]] [currency word]
_EN_MONEY = re.compile(
    r"(?P<cur>US\$|\$|€|£|¥|USD\s?|EUR\s?|GBP\s?|JPY\s?)\s?(?P<a>" + _NUM + r")\s?(?P<sa>" + _SCALE_WORD + r")?"
    r"(?:\s?(?:-|–|—|to)\s?(?:US\$|\$|€|£|¥)?\s?(?P<b>" + _NUM + r")\s?(?P<sb>" + _SCALE_WORD + r")?)?",
    re.IGNORECASE,
)
_EN_BETWEEN = re.compile(
    r"between\s(?P<cur>US\$|\$|€|£|¥)\s?(?P<a>"
    + _NUM
    + r")\s?(?P<sa>"
    + _SCALE_WORD
    + r")?\sand\s(?:US\$|\$|€|£|¥)?\s?(?P<b>"
    + _NUM
    + r")\s?(?P<sb>"
    + _SCALE_WORD
    + r")?",
    re.IGNORECASE,
)
_EN_MONEY_WORD = re.compile(
    r"(?P<a>"
    + _NUM
    + r")\s?(?P<sa>"
    + _SCALE_WORD
    + r")?(?:\s?(?:-|–|to)\s?(?P<b>"
    + _NUM
    + r")\s?(?P<sb>"
    + _SCALE_WORD
    + r")?)?\s(?P<word>dollars|dollar|euros|euro|pounds|yen|yuan)\b",
    re.IGNORECASE,
)
_EN_POWER = re.compile(
    r"(?<![A-Za-z\d.,])(?P<a>" + _NUM + r")(?:\s?(?:-|–|to)\s?(?P<b>" + _NUM + r"))?[\s-]?(?P<u>GW|gigawatts?|MW|megawatts?)\b",
    re.IGNORECASE,
)
_EN_COUNT = re.compile(
    r"(?<![A-Za-z\d.,])(?P<a>" + _NUM + r")\s?(?P<sa>thousand|million|k)?"
    r"(?:\s?(?:-|–|to|and)\s?(?P<b>" + _NUM + r")\s?(?P<sb>thousand|million|k)?)?"
    # the chips, with up to three words of maker and model before them ("NVIDIA GB300 GPUs", "Grace Blackwell chips")
    r"\s(?P<u>(?:(?:[A-Z][A-Za-z0-9]*|[A-Z]{1,3}\d{2,4}[A-Za-z]*)\s){0,3}(?:GPUs?|chips|accelerators|TPUs?|processors))\b"
)

# --- Japanese: [約|最大] number(兆|億|万)... [〜 number...] (ドル|円|…|基|個|枚)
_JA_NUM = r"(?:\d[\d,]*(?:\.\d+)?(?:兆|億|万))+(?:\d[\d,]*(?:\.\d+)?)?|\d[\d,]*(?:\.\d+)?"
_JA_FIGURE = re.compile(
    # a currency after the first number only before a range ("350億ドル〜400億ドル"), so
    # "154円台" (the 154-yen level) is not 154 units
    r"(?P<a>" + _JA_NUM + r")(?:(?P<ca>米ドル|ドル|円|ユーロ|ポンド|元)?\s?[〜～~\-－]\s?(?P<b>" + _JA_NUM + r"))?"
    r"(?P<cur>米ドル|ドル|円|ユーロ|ポンド|元|基|個|枚|台|ギガワット|メガワット|GW|MW)(?!台)"
)


def _scaled(number: str, scale: str | None) -> float:
    return _number(number) * (_SCALE[scale.lower()] if scale else 1.0)


def _en_money(text: str) -> list[Figure]:
    found = []
    for m in _EN_MONEY.finditer(text):
        currency = _CURRENCY_SYMBOL[m["cur"].strip().lower()]
        scale_a = m["sa"] or m["sb"]  # "$35-40 billion": the scale after the second number applies to both
        low = _scaled(m["a"], scale_a)
        if m["b"]:
            high = _scaled(m["b"], m["sb"] or m["sa"])
            if high < low:  # "$7.5B and 3,000" or a list, not a range
                high, end = low, m.end("sa") if m["sa"] else m.end("a")
            else:
                end = m.end()
        else:
            high, end = low, m.end("sa") if m["sa"] else m.end("a")
        found.append(_money(text, m.start(), end, low, high, currency))
    for m in _EN_BETWEEN.finditer(text):
        currency = _CURRENCY_SYMBOL[m["cur"].strip().lower()]
        low, high = _scaled(m["a"], m["sa"] or m["sb"]), _scaled(m["b"], m["sb"] or m["sa"])
        found.append(_money(text, m.start(), m.end(), min(low, high), max(low, high), currency))
    for m in _EN_MONEY_WORD.finditer(text):
        currency = _CURRENCY_WORD[m["word"].lower()]
        low = _scaled(m["a"], m["sa"] or m["sb"])
        high = _scaled(m["b"], m["sb"] or m["sa"]) if m["b"] else low
        found.append(_money(text, m.start(), m.end(), low, max(low, high), currency))
    return found


def _money(text: str, start: int, end: int, low: float, high: float, currency: str) -> Figure:
    qualifier = _qualifier(text[:start])
    return Figure(start, end, text[start:end], "money", low, high, qualifier, currency)


def _en_power(text: str) -> list[Figure]:
    found = []
    for m in _EN_POWER.finditer(text):
        factor = 1000.0 if m["u"].lower().startswith(("gw", "giga")) else 1.0
        low = _number(m["a"]) * factor
        high = _number(m["b"]) * factor if m["b"] else low
        qualifier = _qualifier(text[: m.start()])
        found.append(Figure(m.start(), m.end(), m[0], "power", low, high, qualifier, unit="MW"))
    return found


def _en_count(text: str) -> list[Figure]:
    found = []
    for m in _EN_COUNT.finditer(text):
        low = _scaled(m["a"], m["sa"] or m["sb"])
        high = _scaled(m["b"], m["sb"] or m["sa"]) if m["b"] else low
        if high < 10:  # "Colossus 2 chips", "two-digit" model names: not a count of chips
            continue
        qualifier = _qualifier(text[: m.start()])
        found.append(Figure(m.start(), m.end(), m[0], "count", low, high, qualifier, unit=m["u"]))
    return found


def _ja_figures(text: str) -> list[Figure]:
    found = []
    for m in _JA_FIGURE.finditer(text):
        kind = m["cur"]
        low = _ja_number(m["a"])
        high = _ja_number(m["b"]) if m["b"] else low
        start = m.start()
        before = text[:start]
        qualifier = _qualifier(before)
        floor = _ja_after(text[m.end() :])
        tail = text[m.end() :]
        word = next(
            (w for w in ("以上", "を超える", "を上回る", "規模", "程度", "前後", "超", "強", "弱") if tail.startswith(w)), ""
        )
        end = m.end() + (len(word) if floor else 0)
        qualifier = floor or qualifier
        # a bare number before a unit (no 万/億/兆, no comma) under 10 is usually not a figure
        if kind in _JA_CURRENCY:
            figure = Figure(start, end, text[start:end], "money", low, high, qualifier, _JA_CURRENCY[kind])
        elif kind in ("ギガワット", "GW", "メガワット", "MW"):
            factor = 1000.0 if kind in ("ギガワット", "GW") else 1.0
            figure = Figure(start, end, text[start:end], "power", low * factor, high * factor, qualifier, unit="MW")
        else:
            figure = Figure(start, end, text[start:end], "count", low, high, qualifier, unit=kind)
        found.append(figure)
    return found


def _qualifier_start(text: str, figure: Figure) -> int:
    """Where the words qualifying a figure begin, so the span a reviewer searches for
    includes them ("up to $12.5 billion", "最大125億ドル")."""
    before = text[: figure.start]
    for pattern in (_UP_TO, _AT_LEAST, _ABOUT, "約", "およそ", "最大で?", "推定で", "少なくとも"):
        m = re.search(r"(" + pattern + r")\s*$", before, re.IGNORECASE)
        if m:
            return m.start(1)
    return figure.start


#: Below these, money is a price (a share at $40, a GPU at $30,000), not a financing fact.
_LEAST_FINANCING = {"JPY": 1e8, "CNY": 1e7}
_LEAST_FINANCING_DEFAULT = 1e6


def _is_a_price(figure: Figure) -> bool:
    return figure.measure == "money" and figure.high < _LEAST_FINANCING.get(figure.currency or "", _LEAST_FINANCING_DEFAULT)


def _is_exchange_rate(text: str, figure: Figure) -> bool:
    """ "1ドル=154円", "$1 = ¥150": a rate, not an amount."""
    return figure.measure == "money" and bool(
        re.match(r"\s*[=＝]", text[figure.end : figure.end + 3])
        or re.search(r"[=＝]\s*$", text[max(0, figure.start - 3) : figure.start])
    )


def find_figures(text: str) -> list[Figure]:
    """Every money, count and power figure in `text`, in order; where two readings overlap
    the longer one wins ("$35-40 billion" over "$35")."""
    candidates = _en_money(text) + _en_power(text) + _en_count(text) + _ja_figures(text)
    candidates = [c for c in candidates if c.high > 0 and not _is_exchange_rate(text, c) and not _is_a_price(c)]
    chosen: list[Figure] = []
    for c in sorted(candidates, key=lambda f: (f.start, -(f.end - f.start))):
        if chosen and c.start < chosen[-1].end:
            continue
        chosen.append(c)
    out = []
    for f in chosen:
        start = _qualifier_start(text, f)
        out.append(Figure(start, f.end, text[start : f.end], f.measure, f.low, f.high, f.qualifier, f.currency, f.unit))
    return out


def pair_restatements(text: str, figures: list[Figure]) -> list[tuple[Figure, Figure | None]]:
    """Each money figure with the same amount restated in another currency in parentheses
    right after it ("最大20億ドル(約3000億円)", "$2 billion (¥300 billion)"): one fact, the
    second its restatement (an `alt_currency_figures` row), never a second fact."""
    out: list[tuple[Figure, Figure | None]] = []
    skip: set[int] = set()
    for i, figure in enumerate(figures):
        if i in skip:
            continue
        nxt = figures[i + 1] if i + 1 < len(figures) else None
        if (
            nxt is not None
            and figure.measure == nxt.measure == "money"
            and figure.currency != nxt.currency
            and re.fullmatch(r"\s*[(（]\s*", text[figure.end : nxt.start])
            and re.match(r"\s*[)）]", text[nxt.end :])
        ):
            out.append((figure, nxt))
            skip.add(i + 1)
        else:
            out.append((figure, None))
    return out
