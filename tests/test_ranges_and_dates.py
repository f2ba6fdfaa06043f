"""Low / mid / high rules and the date formats real files use."""

from datetime import date

import polars as pl
import pytest

from assets.transforms.dates import date_problem, parse_date
from assets.transforms.money import add_range
from assets.transforms.problems import annotate


def _range(low, high, qualifier, unit="billion"):
    frame = pl.DataFrame(
        {"lo": [low], "hi": [high], "q": [qualifier], "unit": [unit]}, schema={k: pl.String for k in ("lo", "hi", "q", "unit")}
    )
    out, checks = add_range(frame, low="lo", high="hi", out="x", qualifier="q", unit="unit", up_to_low_fraction=0.5)
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
    ],
)
def test_range_problems(low, high, qualifier, unit, fragment):
    *_, problems = _range(low, high, qualifier, unit)
    assert problems is not None and fragment in problems


def test_suffix_in_the_cell_replaces_the_unit_column():
    assert _range(None, "1.2B", None, unit="")[1] == pytest.approx(1.2e9)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-10-07", date(2025, 10, 7)),
        ("2025/10/07", date(2025, 10, 7)),
        ("10/07/2025", date(2025, 10, 7)),
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
