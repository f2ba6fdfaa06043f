"""Low / mid / high rules and the date formats real files use."""

import math
from datetime import date

import polars as pl
import pytest

from helpers import BUNDLED_INPUT, query, references, staged
from ledger.transforms.common import add_dates
from ledger.transforms.dates import date_problem, known_before, parse_date, parse_date_column, period_last_day
from ledger.transforms.money import add_range
from ledger.transforms.problems import annotate


def _range(low, high, qualifier, unit="billion", allow_zero=False):
    frame = pl.DataFrame(
        {"lo": [low], "hi": [high], "q": [qualifier], "unit": [unit]}, schema={k: pl.String for k in ("lo", "hi", "q", "unit")}
    )
    out, checks = add_range(
        frame, low="lo", high="hi", out="x", qualifier="q", unit="unit", up_to_low_fraction=0.5, allow_zero=allow_zero
    )
    out = annotate(out, checks)
    row = out.row(0, named=True)
    return row["x_low"], row["x_mid"], row["x_high"], row["_problems"]


@pytest.mark.parametrize(
    ("low", "high", "qualifier", "expected"),
    [
        (None, "7.5", None, (7.5e9, 7.5e9, 7.5e9)),  # a point value
        (None, "7.5", "about", (7.5e9, 7.5e9, 7.5e9)),  # about: kept as reported
        (None, "12.5", "up_to", (6.25e9, 12.5e9, 12.5e9)),  # up to: low = half, mid = cap
        ("10", "12.5", "up_to", (10e9, 12.5e9, 12.5e9)),  # up to with a given floor
        (None, "10", "at_least", (10e9, 10e9, 10e9)),
        ("35", "40", None, (35e9, 37.5e9, 40e9)),  # a range: mid is the midpoint
        ("35", "40", "about", (35e9, 37.5e9, 40e9)),
        ("5", None, None, (5e9, 5e9, 5e9)),  # only a low
        ("0", "5", None, (0, 2.5e9, 5e9)),  # a range may start at zero
    ],
)
def test_range_rules(low, high, qualifier, expected):
    *values, problems = _range(low, high, qualifier)
    assert problems is None
    assert values == pytest.approx(list(expected))


def test_amount_in_dollars_not_billions():
    low, mid, high, _ = _range(None, "2", None, unit="billion")
    assert mid == 2_000_000_000


@pytest.mark.parametrize(
    ("low", "high", "qualifier", "unit", "fragment"),
    [
        ("40", "35", None, "billion", "greater than high"),
        (None, "7", "maybe", "billion", "unknown qualifier"),
        (None, "7", None, "zillion", "unknown unit"),
        (None, "1.2B", None, "billion", "unit suffix"),
        (None, "-3", None, "billion", "negative amount"),
        (None, "lots", None, "billion", "cannot read"),
        (None, "0", None, "billion", "x is zero (0)"),
        (None, "-0", None, "billion", "x is zero (-0)"),
        (None, "0.0", None, "billion", "x is zero (0.0)"),
        ("0", None, None, "billion", "x is zero (0)"),  # only a low, and it is zero
        ("0", "0", None, "billion", "x is zero (0)"),
    ],
)
def test_range_problems(low, high, qualifier, unit, fragment):
    *_, problems = _range(low, high, qualifier, unit)
    assert problems is not None and fragment in problems


def test_a_zero_where_zero_is_meaningful_is_kept_and_never_minus_zero():
    low, mid, high, problems = _range(None, "-0", None, allow_zero=True)
    assert problems is None
    assert (low, mid, high) == (0, 0, 0)
    assert all(math.copysign(1, v) == 1 for v in (low, mid, high))  # "-0" is stored as 0, not -0.0


def test_suffix_in_the_cell_replaces_the_unit_column():
    assert _range(None, "1.2B", None, unit="")[1] == pytest.approx(1.2e9)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-10-07", date(2025, 10, 7)),
        ("2025/10/07", date(2025, 10, 7)),
        ("10/17/2025", date(2025, 10, 17)),  # US, month first: 17 is no month
        ("10/10/2025", date(2025, 10, 10)),  # both readings are the same day
        ("1/20/2025", date(2025, 1, 20)),
        ("07.10.2025", date(2025, 10, 7)),
        ("7 Oct 2025", date(2025, 10, 7)),
        ("Oct 7, 2025", date(2025, 10, 7)),
        ("October 7, 2025", date(2025, 10, 7)),
        ("2025-10-07T13:45:00", date(2025, 10, 7)),
        ("2025-10", date(2025, 10, 1)),
        ("Oct 2025", date(2025, 10, 1)),
        ("2025", date(2025, 1, 1)),
        (" 2025-10-07 ", date(2025, 10, 7)),
    ],
)
def test_dates_in_real_formats(text, expected):
    assert pl.select(parse_date(pl.lit(text))).item() == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [("2025-02-30", "not a calendar date"), ("2025-13-01", "not a calendar date"), ("next spring", "cannot read")],
)
def test_impossible_and_unreadable_dates(text, fragment):
    frame = pl.DataFrame({"d": [text]}).with_columns(parse_date(pl.col("d")).alias("parsed"))
    assert frame["parsed"][0] is None
    assert fragment in frame.select(date_problem(pl.col("d"), pl.col("parsed"))).item()


def test_blank_date_is_missing_not_a_problem():
    frame = pl.DataFrame({"d": ["", None]}).with_columns(parse_date(pl.col("d")).alias("parsed"))
    assert frame.select(date_problem(pl.col("d"), pl.col("parsed"))).to_series().to_list() == [None, None]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("02/03/2025", "02/03/2025 is ambiguous: 2 March or 3 February? write 2025-03-02 or 2025-02-03"),
        ("12/1/2030", "12/1/2030 is ambiguous: 12 January or 1 December? write 2030-01-12 or 2030-12-01"),
        (" 05/04/2025 ", "05/04/2025 is ambiguous: 5 April or 4 May? write 2025-04-05 or 2025-05-04"),
    ],
)
def test_a_slash_date_that_reads_two_ways_is_not_guessed(text, message):
    frame = pl.DataFrame({"d": [text]}).with_columns(parse_date(pl.col("d")).alias("parsed"))
    assert frame["parsed"][0] is None
    assert frame.select(date_problem(pl.col("d"), pl.col("parsed"))).item() == message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025/03/02", date(2025, 3, 2)),  # year first is always year, month, day
        ("02.03.2025", date(2025, 3, 2)),  # dots are day first: nobody writes the month first with dots
    ],
)
def test_year_first_and_dotted_dates_read_one_way(text, expected):
    assert pl.select(parse_date(pl.lit(text))).item() == expected


def test_a_day_first_slash_date_is_still_refused():
    """13/03/2025 has one reading, but day-first slash dates were never read (only the US
    order is); it stays refused with the format to use."""
    frame = pl.DataFrame({"d": ["13/03/2025"]}).with_columns(parse_date(pl.col("d")).alias("parsed"))
    assert frame["parsed"][0] is None
    assert (
        "cannot read 13/03/2025 as a date (expected YYYY-MM-DD)"
        in frame.select(date_problem(pl.col("d"), pl.col("parsed"))).item()
    )


def _dated(*texts: str) -> list[str | None]:
    frame, checks = add_dates(pl.DataFrame({"target_date": list(texts)}), ["target_date"], [])
    return annotate(frame, checks)["_problems"].to_list()


def test_dates_outside_the_plausible_window_are_quarantined_with_column_and_value():
    problems = _dated("2999-01-01", "1900-01-01", "1999-12-31", "2101-01-01", "03/13/25")
    window = "is outside the plausible dates 2000-01-01 to 2100-12-31"
    assert problems == [
        f"target_date: 2999-01-01 {window}: a typo?",
        f"target_date: 1900-01-01 {window}: a typo?",
        f"target_date: 1999-12-31 {window}: a typo?",
        f"target_date: 2101-01-01 {window}: a typo?",
        f"target_date: 03/13/25 (read as 0025-03-13) {window}: a typo?",  # a two-digit year
    ]


def test_the_window_keeps_its_ends_and_dates_decades_ahead():
    assert _dated("2000-01-01", "2100-12-31", "2045-06-30", "Dec 2040") == [None, None, None, None]


# --- Precision: a date given as a month, quarter, half or year stays that coarse ---


@pytest.mark.parametrize(
    ("text", "expected", "precision", "last_day"),
    [
        ("2025-10-07", date(2025, 10, 7), "day", date(2025, 10, 7)),
        ("Oct 7, 2025", date(2025, 10, 7), "day", date(2025, 10, 7)),
        ("Sep 2025", date(2025, 9, 1), "month", date(2025, 9, 30)),
        ("2024-02", date(2024, 2, 1), "month", date(2024, 2, 29)),
        ("Q3 2025", date(2025, 7, 1), "quarter", date(2025, 9, 30)),
        ("2025-Q4", date(2025, 10, 1), "quarter", date(2025, 12, 31)),
        ("H1 2026", date(2026, 1, 1), "half", date(2026, 6, 30)),
        ("2026 H2", date(2026, 7, 1), "half", date(2026, 12, 31)),
        ("2025", date(2025, 1, 1), "year", date(2025, 12, 31)),
    ],
)
def test_each_date_keeps_its_precision(text, expected, precision, last_day):
    frame = parse_date_column(pl.DataFrame({"d": [text]}), "d", "parsed")
    frame = frame.with_columns(period_last_day(pl.col("parsed"), pl.col("parsed_precision")).alias("last"))
    assert frame.row(0) == (text, expected, precision, last_day)


def test_quarters_and_halves_that_do_not_exist_are_not_read():
    for text in ("Q5 2025", "H3 2025", "Q0 2025"):
        assert pl.select(parse_date(pl.lit(text))).item() is None, text


def test_two_dates_are_never_ordered_finer_than_both_are_known():
    frame = pl.DataFrame(
        {
            "a": [date(2025, 6, 1), date(2025, 6, 1), date(2025, 6, 1), date(2025, 6, 20)],
            "a_precision": ["month", "month", "day", "day"],
            "b": [date(2025, 6, 21), date(2025, 7, 1), date(2025, 6, 21), date(2025, 6, 21)],
        }
    )
    out = frame.select(known_before(pl.col("a"), pl.col("a_precision"), pl.col("b"))).to_series().to_list()
    # "June 2025" is not before 21 June; it is before July
    assert out == [False, True, True, True]


def test_a_commitment_ending_in_the_month_it_starts_is_not_called_inverted():
    base = {
        "buyer": "Anthropic",
        "seller": "Microsoft",
        "kind": "cloud_capacity",
        "amount_high": "1",
        "currency": "USD",
        "unit": "billion",
        "status": "announced",
        "source_url": "https://example.com/c",
    }
    frame = staged(
        "compute_commitments",
        [
            {
                **base,
                "commitment_id": "same-month",
                "announced_date": "2026-05-10",
                "start_date": "2026-05-20",
                "end_date": "2026-05",
            },
            {
                **base,
                "commitment_id": "inverted",
                "announced_date": "2026-05-10",
                "start_date": "2026-06-02",
                "end_date": "2026-05",
            },
        ],
        references(BUNDLED_INPUT / "reference"),
    )
    problems = dict(zip(frame["commitment_id"], frame["_problems"]))
    assert problems["same-month"] is None
    assert "ends before it starts" in problems["inverted"]
    assert frame.filter(pl.col("commitment_id") == "same-month")["end_date_precision"].item() == "month"


def test_warehouse_sql_orders_dates_by_their_precision(mini_warehouse):
    rows = query(
        mini_warehouse,
        "select date_last_day(date '2025-04-01', 'quarter') as q, "
        "known_before(date '2025-06-01', 'month', date '2025-06-30') as within, "
        "known_before(date '2025-06-01', 'month', date '2025-07-01') as after",
    )[0]
    assert rows == {"q": date(2025, 6, 30), "within": False, "after": True}
