"""Amounts as sources print them."""

import polars as pl
import pytest

from ledger.transforms.amounts import (
    ambiguous_separator,
    has_ambiguous_separator,
    parse_amount_column,
    parse_amount_text,
)


@pytest.mark.parametrize(
    ("text", "value", "currency"),
    [
        ("$36,742", 36_742, "USD"),
        ("1.2B", 1.2e9, None),
        ("¥3000億", 3e11, "JPY|CNY"),
        ("€1,7 Mrd", 1.7e9, "EUR"),
        ("1兆1200億円", 1.12e12, "JPY"),
        ("1,234.5", 1234.5, None),
        ("1.234,5", 1234.5, None),
        ("1.234.567", 1_234_567, None),
        ("(1,234)", -1234, None),
        ("-5", -5, None),
        ("US$ 12.5 bn", 12.5e9, "USD"),
        ("£600m", 6e8, "GBP"),
        ("2,49", 2.49, None),
    ],
)
def test_reads_amounts_as_printed(text, value, currency):
    parsed = parse_amount_text(text)
    assert parsed.error is None
    assert parsed.value == pytest.approx(value)
    assert parsed.currency == currency


@pytest.mark.parametrize(
    ("text", "qualifier"),
    [
        ("約3000億円", "about"),
        ("~7.5", "about"),
        ("up to $12.5bn", "up_to"),
        ("最大20億ドル", None),
        ("more than 10", "at_least"),
    ],
)
def test_words_before_a_figure_give_its_qualifier(text, qualifier):
    parsed = parse_amount_text(text)
    if qualifier is None:  # "ドル" is not a currency mark we know: the cell is refused, not guessed
        assert parsed.error is not None
    else:
        assert parsed.qualifier == qualifier
        assert parsed.value is not None


@pytest.mark.parametrize("text", ["abc", "12.5 zillion", "1,2,3", "TODO", "$"])
def test_unreadable_amounts_say_why(text):
    parsed = parse_amount_text(text)
    assert parsed.value is None
    assert text in parsed.error or "unit" in parsed.error


def test_column_parse_casts_plain_numbers_and_parses_the_rest_once():
    frame = pl.DataFrame({"amount": ["7.5", "$36,742", None, "", "oops", "$36,742"]})
    out = parse_amount_column(frame, "amount")
    assert out["amount__value"].to_list() == [7.5, 36742.0, None, None, None, 36742.0]
    assert out["amount__error"].to_list()[4].startswith("cannot read")
    assert out["amount__currency"].to_list()[1] == "USD"
    assert out.height == frame.height


def _separator_problem(text: str, currency: str) -> str | None:
    frame = pl.DataFrame({"t": [text], "c": [currency]})
    flagged = frame.select(has_ambiguous_separator(pl.col("t"), pl.col("c"))).item()
    return frame.select(ambiguous_separator(pl.col("t"), pl.col("c"))).item() if flagged else None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "1.234",
            "1.234 in EUR is ambiguous: is the dot a decimal point (1.234) or a thousands separator (1234)? write 1.2340 or 1234",
        ),
        (
            "12.500",
            "12.500 in EUR is ambiguous: is the dot a decimal point (12.5) or a thousands separator (12500)? write 12.5 or 12500",
        ),
        ("2.000", "2.000 in EUR is ambiguous: is the dot a decimal point (2) or a thousands separator (2000)? write 2 or 2000"),
        (
            "1,234",
            "1,234 in EUR is ambiguous: is the comma a decimal comma (1.234) or a thousands separator (1234)? write 1.2340 or 1234",
        ),
        (
            "€1.234 Mrd",
            "€1.234 Mrd in EUR is ambiguous: is the dot a decimal point (1.234) or a thousands separator (1234)? write 1.2340 or 1234",
        ),
        (
            "~ 1.250",
            "~ 1.250 in EUR is ambiguous: is the dot a decimal point (1.25) or a thousands separator (1250)? write 1.25 or 1250",
        ),
    ],
)
def test_a_separator_that_reads_two_ways_in_euros_says_both_readings(text, message):
    assert _separator_problem(text, "EUR") == message


@pytest.mark.parametrize(
    ("text", "currency"),
    [
        ("€1,7 Mrd", "EUR"),  # one digit after the comma: a decimal comma
        ("1.234,5", "EUR"),  # both marks: the later one is the decimal mark
        ("1.234.567", "EUR"),  # two dots: thousands
        ("1.2345", "EUR"),
        ("1.2340", "EUR"),  # the unambiguous way to write the decimal reading
        ("0.125", "EUR"),  # nobody writes 125 as 0.125
        ("1234", "EUR"),
        ("1.23", "EUR"),
        ("1.234", "USD"),  # dollar, pound, yen and yuan writers use a decimal point
        ("$36,742", "USD"),
        ("1.234", "GBP"),
        ("1.234", None),
    ],
)
def test_separators_that_read_one_way_are_kept(text, currency):
    assert _separator_problem(text, currency) is None


def test_the_euro_amounts_that_read_one_way_still_parse():
    assert parse_amount_text("€1,7 Mrd").value == pytest.approx(1.7e9)
    assert parse_amount_text("1.234,5").value == pytest.approx(1234.5)
    assert parse_amount_text("1.234.567").value == pytest.approx(1_234_567)
