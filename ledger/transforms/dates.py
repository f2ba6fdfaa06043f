"""Dates in the formats real files use.

ISO `2025-10-07` first; then `2025/10/07`, US `10/17/2025`, German `07.10.2025`,
`7 Oct 2025`, `Oct 7, 2025`, `October 7, 2025`, timestamps (`2025-10-07T10:00:00`,
`2025-10-07 10:00`), a month (`2025-10`, `Oct 2025` → the 1st), a quarter (`Q3 2025`,
`2025-Q3` → 1 July), a half (`H1 2026`, `2026-H1` → 1 January) and a bare year (`2025` →
1 January). Anything else is null, and `date_problem` says why.

A period is stored as its first day, and `date_precision` says how much of the date the
cell gave (`day`, `month`, `quarter`, `half`, `year`): staging keeps it beside the date as
`<column>_precision`, so nothing compares "June 2025" as if it were 1 June.

A slash date whose first two parts could both be a month (`02/03/2025`) is not read: half
the world writes the day first, and guessing would move the figure by up to eleven months.
When the parts are equal (`05/05/2025`) or one is above 12 (`03/13/2025`) only one reading
exists. Dot dates (`05.04.2025`) are read day first: nobody writes the month first with
dots. `is_implausible` flags dates outside `PLAUSIBLE_FROM`..`PLAUSIBLE_TO`.
"""

from __future__ import annotations

from datetime import date

import polars as pl

#: The dates a figure about AI compute can carry. Nothing in this field predates 2000 (a
#: year like 1900 is a spreadsheet's zero date or a typo); cluster target dates and debt
#: maturities run decades ahead, so the upper end is generous and only catches typos (2999).
PLAUSIBLE_FROM = date(2000, 1, 1)
PLAUSIBLE_TO = date(2100, 12, 31)

_MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_SLASH_DATE = r"^(\d{1,2})/(\d{1,2})/(\d{4})$"

_DAY_FORMATS = (
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%m/%d/%Y",
    "%d.%m.%Y",
    "%d %b %Y",
    "%d %B %Y",
    "%b %d, %Y",
    "%B %d, %Y",
    "%b %d %Y",
    "%B %d %Y",
)
_MONTH_FORMATS = ("%Y-%m-%d", "%b %Y-%d", "%B %Y-%d")
_QUARTER = r"^(?:[Qq]([1-4])[ -]?(\d{4})|(\d{4})[ -]?[Qq]([1-4]))$"
_HALF = r"^(?:[Hh]([12])[ -]?(\d{4})|(\d{4})[ -]?[Hh]([12]))$"

#: How much of a date a cell gave, finest first.
PRECISIONS = ("day", "month", "quarter", "half", "year")


def _clean(text: pl.Expr) -> pl.Expr:
    t = text.str.strip_chars()
    t = pl.when(t == "").then(None).otherwise(t)
    # A timestamp keeps its date part.
    return pl.when(t.str.contains(r"^\d{4}-\d{2}-\d{2}[T ]")).then(t.str.slice(0, 10)).otherwise(t)


def _slash_parts(t: pl.Expr) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """The numbers `a`, `b` and the year text of a slash date `a/b/yyyy` (nulls otherwise)."""
    a, b = (t.str.extract(_SLASH_DATE, i).cast(pl.Int32, strict=False) for i in (1, 2))
    return a, b, t.str.extract(_SLASH_DATE, 3)


def _is_ambiguous(t: pl.Expr) -> pl.Expr:
    """A slash date `a/b/yyyy` whose `a` and `b` are different numbers from 1 to 12."""
    a, b, _ = _slash_parts(t)
    return a.is_between(1, 12) & b.is_between(1, 12) & (a != b)


def _ambiguity(t: pl.Expr) -> pl.Expr:
    """'02/03/2025 is ambiguous: 2 March or 3 February? write 2025-03-02 or 2025-02-03'."""
    a, b, year = _slash_parts(t)

    def month_name(month: pl.Expr) -> pl.Expr:
        return month.replace_strict(list(range(1, 13)), list(_MONTH_NAMES), default=None, return_dtype=pl.String)

    def iso(month: pl.Expr, day: pl.Expr) -> pl.Expr:
        return pl.format("{}-{}-{}", year, month.cast(pl.String).str.zfill(2), day.cast(pl.String).str.zfill(2))

    return pl.format(
        "{} is ambiguous: {} {} or {} {}? write {} or {}",
        t,
        a,
        month_name(b),
        b,
        month_name(a),
        iso(b, a),
        iso(a, b),
    )


def parse_date(text: pl.Expr) -> pl.Expr:
    """A Date from text in any of the supported formats; null when none fits or when the
    text is an ambiguous slash date."""
    t = _clean(text)
    is_month_named = t.str.contains(r"^[A-Za-z]+\.? \d{4}$")
    is_year = t.str.contains(r"^\d{4}$")
    # Day formats only for texts that are not "Oct 2025" or "2025": chrono would read
    # "Oct 2025" as the 20th of October in the year 25.
    day_text = pl.when(is_month_named | is_year | _is_ambiguous(t)).then(None).otherwise(t)
    attempts = [day_text.str.to_date(fmt, strict=False) for fmt in _DAY_FORMATS]
    month = pl.when(t.str.contains(r"^\d{4}-\d{1,2}$")).then(t + "-01")
    month_named = pl.when(is_month_named).then(t.str.replace(r"\.", "") + "-01")
    attempts += [month.str.to_date("%Y-%m-%d", strict=False)]
    attempts += [month_named.str.to_date(fmt, strict=False) for fmt in _MONTH_FORMATS[1:]]
    year = pl.when(is_year).then(t + "-01-01")
    attempts.append(year.str.to_date("%Y-%m-%d", strict=False))
    attempts.append(_period_start(t, _QUARTER, 3))
    attempts.append(_period_start(t, _HALF, 6))
    return pl.coalesce(attempts)


def _period_start(t: pl.Expr, pattern: str, months: int) -> pl.Expr:
    """The first day of a quarter or half written either way round (`Q3 2025`, `2025-Q3`)."""
    number = pl.coalesce(t.str.extract(pattern, 1), t.str.extract(pattern, 4)).cast(pl.Int32, strict=False)
    year = pl.coalesce(t.str.extract(pattern, 2), t.str.extract(pattern, 3)).cast(pl.Int32, strict=False)
    return pl.date(year, (number - 1) * months + 1, 1)


def date_precision(text: pl.Expr) -> pl.Expr:
    """`day`, `month`, `quarter`, `half` or `year`: how much of the date the text gives (null
    for a blank cell; a text `parse_date` cannot read gets null from it anyway)."""
    t = _clean(text)
    return (
        pl.when(t.is_null())
        .then(None)
        .when(t.str.contains(r"^\d{4}$"))
        .then(pl.lit("year"))
        .when(t.str.contains(_QUARTER))
        .then(pl.lit("quarter"))
        .when(t.str.contains(_HALF))
        .then(pl.lit("half"))
        .when(t.str.contains(r"^\d{4}-\d{1,2}$") | t.str.contains(r"^[A-Za-z]+\.? \d{4}$"))
        .then(pl.lit("month"))
        .otherwise(pl.lit("day"))
    )


def date_problem(text: pl.Expr, parsed: pl.Expr) -> pl.Expr:
    """Why a non-blank date cell could not be read (null when it could, or was blank)."""
    t = _clean(text)
    looks_iso = t.str.contains(r"^\d{4}-\d{2}-\d{2}$")
    unread = t.is_not_null() & parsed.is_null()
    return (
        pl.when(unread & looks_iso)
        .then(pl.format("{} is not a calendar date", t))
        .when(unread & _is_ambiguous(t))
        .then(_ambiguity(t))
        .when(unread)
        .then(pl.format("cannot read {} as a date (expected YYYY-MM-DD)", t))
    )


def is_implausible(parsed: pl.Expr) -> pl.Expr:
    """True where a date was read but cannot be right: before `PLAUSIBLE_FROM` or after
    `PLAUSIBLE_TO` (a typo like 2999, a spreadsheet's zero date 1900, "25" read as year 25)."""
    return (parsed < PLAUSIBLE_FROM) | (parsed > PLAUSIBLE_TO)


def implausible_date(text: pl.Expr, parsed: pl.Expr) -> pl.Expr:
    """The message for a date `is_implausible` flags, naming the value as written."""
    written = text.str.strip_chars()
    as_read = parsed.dt.strftime("%Y-%m-%d")
    shown = pl.when(written == as_read).then(written).otherwise(pl.format("{} (read as {})", written, as_read))
    return pl.format(f"{{}} is outside the plausible dates {PLAUSIBLE_FROM} to {PLAUSIBLE_TO}: a typo?", shown)


_ISO_PREFIX = r"^\s*\d{4}-\d{2}-\d{2}([T ]|\s*$)"


def parse_date_column(frame: pl.DataFrame, column: str, out: str) -> pl.DataFrame:
    """`parse_date` for a whole column into `out`, and its `date_precision` into
    `<out>_precision` (null where no date was read). Fast: ISO dates and timestamps (nearly
    every cell in real files) are cast in one vectorized pass; the other texts are parsed
    once per distinct value and joined back, as dates repeat across rows."""
    text = pl.col(column).str.strip_chars()
    is_iso = text.str.contains(_ISO_PREFIX)
    iso = pl.when(is_iso).then(text.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False))
    precision = f"{out}_precision"
    frame = frame.with_columns(iso.alias(out)).with_columns(
        pl.when(pl.col(out).is_not_null()).then(pl.lit("day")).alias(precision)
    )
    odd = frame.lazy().filter(pl.col(out).is_null() & pl.col(column).is_not_null()).select(column).unique().collect()
    if odd.height == 0:
        return frame
    parsed = odd.with_columns(parse_date(pl.col(column)).alias("__parsed"))
    parsed = parsed.with_columns(
        pl.when(pl.col("__parsed").is_not_null()).then(date_precision(pl.col(column))).alias("__precision")
    )
    return (
        frame.join(parsed, on=column, how="left", nulls_equal=False)
        .with_columns(pl.coalesce(out, "__parsed").alias(out), pl.coalesce(precision, "__precision").alias(precision))
        .drop("__parsed", "__precision")
    )


def period_last_day(first_day: pl.Expr, precision: pl.Expr) -> pl.Expr:
    """The last day a date known only to `precision` can be (its own day at day precision):
    a date stored as its period's first day spans up to here."""
    months = precision.replace_strict(["month", "quarter", "half", "year"], [1, 3, 6, 12], default=0, return_dtype=pl.Int32)
    return pl.when(months == 0).then(first_day).otherwise(first_day.dt.offset_by(pl.format("{}mo", months)).dt.offset_by("-1d"))


def known_before(a: pl.Expr, a_precision: pl.Expr, b: pl.Expr) -> pl.Expr:
    """True only when every day `a` can be is before every day `b` can be (`b` is stored as
    its period's first day): two dates are never ordered finer than both are known."""
    return period_last_day(a, a_precision) < b
