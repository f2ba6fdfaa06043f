"""Reading money as sources print it: "$36,742", "1.2B", "¥3000億", "€1,7 Mrd", "(1,234)".

Most cells in real files are plain numbers, so they are cast by Polars in one vectorized
pass; only the cells that do not cast go through `parse_amount_text`, once per distinct
string, and are joined back. A cell that cannot be read keeps its text and gets a reason,
so the row can be quarantined with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

#: Multipliers for the `unit` column and for suffixes written inside an amount.
UNIT_MULTIPLIERS: dict[str, float] = {
    "one": 1.0,
    "thousand": 1e3,
    "k": 1e3,
    "million": 1e6,
    "m": 1e6,
    "mn": 1e6,
    "mm": 1e6,
    "mio": 1e6,
    "billion": 1e9,
    "b": 1e9,
    "bn": 1e9,
    "mrd": 1e9,
    "md": 1e9,
    "trillion": 1e12,
    "t": 1e12,
    "tn": 1e12,
    "man": 1e4,
    "万": 1e4,
    "oku": 1e8,
    "億": 1e8,
    "cho": 1e12,
    "兆": 1e12,
}

#: Currency symbols and codes written inside amounts. "¥" is both yen and yuan: it is
#: accepted for either when the currency column says which, and rejected when it does not.
CURRENCY_MARKS: dict[str, str] = {
    "us$": "USD",
    "usd": "USD",
    "$": "USD",
    "€": "EUR",
    "eur": "EUR",
    "£": "GBP",
    "gbp": "GBP",
    "jpy": "JPY",
    "円": "JPY",
    "cny": "CNY",
    "rmb": "CNY",
    "cn¥": "CNY",
    "元": "CNY",
    "¥": "JPY|CNY",
}

#: Words before a figure that say how to read it (they fill a blank qualifier column).
QUALIFIER_WORDS: dict[str, str] = {
    "~": "about",
    "≈": "about",
    "約": "about",
    "about": "about",
    "approx.": "about",
    "approximately": "about",
    "roughly": "about",
    "up to": "up_to",
    "as much as": "up_to",
    "最大": "up_to",
    "over": "at_least",
    "more than": "at_least",
    "at least": "at_least",
}

_JAPANESE_GROUP = re.compile(r"([0-9][0-9,.]*)\s*(兆|億|万)")
_NUMBER = re.compile(r"^[+-]?[0-9][0-9,.\s'’]*$")


@dataclass(frozen=True)
class ParsedAmount:
    """One amount cell read: `value` already multiplied by any suffix written in the cell."""

    value: float | None
    currency: str | None = None
    has_unit_suffix: bool = False
    qualifier: str | None = None
    error: str | None = None


def _number(text: str) -> float | None:
    """A number with thousands separators or a decimal comma; None when it is not one.

    With both "," and ".", the later one is the decimal mark ("1.234,5" and "1,234.5").
    With only "," it is a decimal comma unless exactly three digits follow each comma
    ("1,7" is 1.7; "36,742" and "1,000,000" are thousands).
    """
    t = text.replace(" ", "").replace("'", "").replace("’", "").replace("\u00a0", "")
    if not t or not _NUMBER.match(t):
        return None
    if "," in t and "." in t:
        t = t.replace(".", "").replace(",", ".") if t.rfind(",") > t.rfind(".") else t.replace(",", "")
    elif "," in t:
        groups = t.lstrip("+-").split(",")
        if len(groups) > 1 and all(len(g) == 3 for g in groups[1:]):
            t = t.replace(",", "")
        elif len(groups) == 2:
            t = t.replace(",", ".")
        else:
            return None
    elif t.count(".") > 1:
        groups = t.lstrip("+-").split(".")
        if all(len(g) == 3 for g in groups[1:]):
            t = t.replace(".", "")  # "1.234.567" written with dots for thousands
        else:
            return None
    try:
        return float(t)
    except ValueError:
        return None


def parse_amount_text(text: str) -> ParsedAmount:
    """Read one amount as written by a person or a report.

    >>> parse_amount_text("$36,742").value
    36742.0
    >>> parse_amount_text("¥3000億").value, parse_amount_text("¥3000億").currency
    (300000000000.0, 'JPY|CNY')
    >>> parse_amount_text("€1,7 Mrd").value
    1700000000.0
    """
    raw = text
    t = text.strip().lower()
    if not t:
        return ParsedAmount(None)
    qualifier = None
    for word in sorted(QUALIFIER_WORDS, key=len, reverse=True):
        if t.startswith(word):
            qualifier = QUALIFIER_WORDS[word]
            t = t[len(word) :].strip()
            break
    negative = False
    if t.startswith("(") and t.endswith(")"):
        negative, t = True, t[1:-1].strip()
    if t.startswith("-") or t.startswith("−"):
        negative, t = True, t[1:].strip()
    currency = None
    for mark in sorted(CURRENCY_MARKS, key=len, reverse=True):
        if t.startswith(mark):
            currency, t = CURRENCY_MARKS[mark], t[len(mark) :].strip()
            break
        if t.endswith(mark):
            currency, t = CURRENCY_MARKS[mark], t[: -len(mark)].strip()
            break
    if t.startswith("-") or t.startswith("−"):
        negative, t = True, t[1:].strip()

    groups = _JAPANESE_GROUP.findall(t)
    if groups:
        rest = _JAPANESE_GROUP.sub("", t).strip()
        if rest:
            return ParsedAmount(None, error=f"cannot read {raw!r} as an amount")
        total = 0.0
        for number, unit in groups:
            n = _number(number)
            if n is None:
                return ParsedAmount(None, error=f"cannot read {raw!r} as an amount")
            total += n * UNIT_MULTIPLIERS[unit]
        return ParsedAmount(-total if negative else total, currency, True, qualifier)

    match = re.match(r"^([0-9][0-9,.\s'’]*?)\s*([a-z]+\.?)?$", t)
    if not match:
        return ParsedAmount(None, error=f"cannot read {raw!r} as an amount")
    number, suffix = match.group(1), (match.group(2) or "").rstrip(".")
    value = _number(number)
    if value is None:
        return ParsedAmount(None, error=f"cannot read {raw!r} as an amount")
    has_suffix = False
    if suffix:
        if suffix not in UNIT_MULTIPLIERS:
            return ParsedAmount(None, error=f"unknown unit {suffix!r} in {raw!r}")
        value *= UNIT_MULTIPLIERS[suffix]
        has_suffix = True
    return ParsedAmount(-value if negative else value, currency, has_suffix, qualifier)


_PARSED_SCHEMA = {
    "value": pl.Float64,
    "currency": pl.String,
    "has_unit_suffix": pl.Boolean,
    "qualifier": pl.String,
    "error": pl.String,
}


def parse_amount_column(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """Add `<column>__value`, `__currency`, `__suffix`, `__qualifier`, `__error` to `frame`.

    Plain numbers are cast in bulk; the rest are parsed once per distinct text.
    """
    text = pl.col(column).str.strip_chars()
    cast = text.cast(pl.Float64, strict=False)
    plain = pl.when(cast.is_finite()).then(cast)  # "NaN" and "inf" cast, but are not amounts
    odd_texts = (
        frame.lazy()
        .select(text.alias("_text"))
        .filter(pl.col("_text").is_not_null() & (pl.col("_text") != ""))
        .filter(~pl.col("_text").cast(pl.Float64, strict=False).is_finite().fill_null(False))
        .unique()
        .collect()
        .get_column("_text")
        .to_list()
    )
    parsed = [parse_amount_text(t) for t in odd_texts]
    p = f"{column}__"
    lookup = pl.DataFrame(
        {
            "_text": pl.Series(odd_texts, dtype=pl.String),
            **{p + key: pl.Series([getattr(x, key) for x in parsed], dtype=dtype) for key, dtype in _PARSED_SCHEMA.items()},
        }
    )
    return (
        frame.with_columns(text.alias("_text"), plain.alias("_plain"))
        .join(lookup, on="_text", how="left")
        .with_columns(
            pl.coalesce("_plain", p + "value").alias(p + "value"),
            pl.col(p + "has_unit_suffix").fill_null(False).alias(p + "suffix"),
        )
        .drop("_text", "_plain", p + "has_unit_suffix")
    )


#: Currencies whose writers commonly use a decimal comma and a dot for thousands (German,
#: French, Spanish, Italian, Dutch, Danish, Turkish, Brazilian, … usage): in these, "1.234"
#: and "1,234" can each mean either 1.234 or 1234. Add a currency when its writers do.
DECIMAL_COMMA_CURRENCIES = ("EUR", "DKK", "TRY", "BRL", "ARS", "CLP", "COP", "IDR", "VND")

# One separator with exactly three digits after it, in a number of at most three digits
# before it that has no other separator ("1.234", "€12,500 Mrd"; not "0.125", "1.234,5",
# "1.234.567" or "1.2345", which read one way only).
_ONE_SEPARATOR = r"(?:^|[^0-9.,])([1-9][0-9]{0,2})([.,])([0-9]{3})(?:$|[^0-9.,])"


def has_ambiguous_separator(text: pl.Expr, currency: pl.Expr) -> pl.Expr:
    """True where an amount written in a decimal-comma currency has a number like "1.234"
    or "1,234": a thousands separator to some writers, a decimal mark to others."""
    return currency.is_in(DECIMAL_COMMA_CURRENCIES) & text.str.contains(_ONE_SEPARATOR)


def ambiguous_separator(text: pl.Expr, currency: pl.Expr) -> pl.Expr:
    """The message for `has_ambiguous_separator`: both readings and how to write each one
    unambiguously, e.g. '1.234 in EUR is ambiguous: is the dot a decimal point (1.234) or a
    thousands separator (1234)? write 1.2340 or 1234'."""
    whole = text.str.extract(_ONE_SEPARATOR, 1)
    separator = text.str.extract(_ONE_SEPARATOR, 2)
    digits = text.str.extract(_ONE_SEPARATOR, 3)
    kept = digits.str.strip_chars_end("0")  # "12.500" is 12.5 when the dot is a decimal point
    decimal = pl.when(kept == "").then(whole).otherwise(pl.format("{}.{}", whole, kept))
    # with three digits after the point the decimal reading needs a fourth to be unambiguous
    decimal_written = pl.when(kept.str.len_chars() == 3).then(pl.format("{}0", decimal)).otherwise(decimal)
    mark = pl.when(separator == ".").then(pl.lit("the dot a decimal point")).otherwise(pl.lit("the comma a decimal comma"))
    return pl.format(
        "{} in {} is ambiguous: is {} ({}) or a thousands separator ({}{})? write {} or {}{}",
        text.str.strip_chars(),
        currency,
        mark,
        decimal,
        whole,
        digits,
        decimal_written,
        whole,
        digits,
    )


def unit_multiplier(unit: pl.Expr) -> pl.Expr:
    """The multiplier named by a `unit` cell; blank means plain units (1)."""
    return (
        unit.str.strip_chars()
        .str.to_lowercase()
        .fill_null("one")
        .replace("", "one")
        .replace_strict(UNIT_MULTIPLIERS, default=None, return_dtype=pl.Float64)
    )
