"""Figures as journalists write them (issue 16's list), in English and Japanese."""

import pytest

from helpers import SHARED_DIR
from ledger.extract.numbers import find_figures, pair_restatements

B = 1e9


@pytest.mark.parametrize(
    ("text", "span", "measure", "low", "high", "qualifier", "currency"),
    [
        ("xAI raised $20 billion in", "$20 billion", "money", 20 * B, 20 * B, "exact", "USD"),
        ("a US$20bn package", "US$20bn", "money", 20 * B, 20 * B, "exact", "USD"),
        ("roughly $7.5B of equity", "roughly $7.5B", "money", 7.5 * B, 7.5 * B, "about", "USD"),
        ("a 1.2 trillion yen loan", "1.2 trillion yen", "money", 1.2e12, 1.2e12, "exact", "JPY"),
        ("it raised €1.7bn", "€1.7bn", "money", 1.7 * B, 1.7 * B, "exact", "EUR"),
        ("as much as $12.5 billion of debt", "as much as $12.5 billion", "money", 12.5 * B, 12.5 * B, "up_to", "USD"),
        ("more than $10 billion", "more than $10 billion", "money", 10 * B, 10 * B, "at_least", "USD"),
        ("costing $35-40 billion", "$35-40 billion", "money", 35 * B, 40 * B, "exact", "USD"),
        ("between $35 and $40 billion", "between $35 and $40 billion", "money", 35 * B, 40 * B, "exact", "USD"),
        ("200億ドルの資金", "200億ドル", "money", 20 * B, 20 * B, "exact", "USD"),
        ("約3000億円の出資", "約3000億円", "money", 3e11, 3e11, "about", "JPY"),
        ("最大125億ドルの負債", "最大125億ドル", "money", 12.5 * B, 12.5 * B, "up_to", "USD"),
        ("5兆9808億円に", "5兆9808億円", "money", 5.9808e12, 5.9808e12, "exact", "JPY"),
        ("350億〜400億ドル(約", "350億〜400億ドル", "money", 35 * B, 40 * B, "exact", "USD"),
        ("約5兆2000億円〜6兆円", "約5兆2000億円〜6兆円", "money", 5.2e12, 6e12, "about", "JPY"),
        ("1000億円以上を", "1000億円以上", "money", 1e11, 1e11, "at_least", "JPY"),
        ("合計で約20万基のGPU", "約20万基", "count", 2e5, 2e5, "about", None),
        ("50万〜100万基のチップ", "50万〜100万基", "count", 5e5, 1e6, "exact", None),
        ("over 200,000 GPUs", "over 200,000 GPUs", "count", 2e5, 2e5, "at_least", None),
        ("100,000 NVIDIA H100 GPUs", "100,000 NVIDIA H100 GPUs", "count", 1e5, 1e5, "exact", None),
        ("a 2 GW campus", "2 GW", "power", 2000, 2000, "exact", None),
        ("5 gigawatts of capacity", "5 gigawatts", "power", 5000, 5000, "exact", None),
        ("its 750-megawatt campus", "750-megawatt", "power", 750, 750, "exact", None),
        ("少なくとも10ギガワットの", "少なくとも10ギガワット", "power", 10000, 10000, "at_least", None),
        ("170億ドルを超える", "170億ドルを超える", "money", 17 * B, 17 * B, "at_least", "USD"),
        ("3000億ドル規模の契約", "3000億ドル規模", "money", 300 * B, 300 * B, "about", "USD"),
        ("about 18,000 Grace Blackwell chips", "about 18,000 Grace Blackwell chips", "count", 18000, 18000, "about", None),
        ("between 4 million and 5 million GPUs", "4 million and 5 million GPUs", "count", 4e6, 5e6, "exact", None),
    ],
)
def test_a_figure_as_written(text, span, measure, low, high, qualifier, currency):
    [figure] = find_figures(text)
    assert text[figure.start : figure.end] == figure.text == span
    assert (figure.measure, figure.low, figure.high, figure.qualifier, figure.currency) == (
        measure,
        pytest.approx(low),
        pytest.approx(high),
        qualifier,
        currency,
    )


@pytest.mark.parametrize(
    "text",
    [
        "NVIDIA H100 processors",  # a model number is not a count
        "the Colossus 2 chips",  # nor a cluster's number
        "1ドル=154円台で推移",  # an exchange rate is not an amount, and 円台 is a level, not units
        "selling 37.5 million shares at $40 apiece",  # a share price is not a financing fact
    ],
)
def test_what_is_not_a_figure(text):
    assert [(f.text, f.measure) for f in find_figures(text)] == []


def test_two_figures_joined_by_and_are_two_figures_not_a_range():
    figures = find_figures("$7.5 billion of equity and $12.5 billion of debt")
    assert [(f.text, f.low) for f in figures] == [("$7.5 billion", 7.5 * B), ("$12.5 billion", 12.5 * B)]


def test_a_yen_figure_in_parentheses_restates_the_dollar_figure_before_it():
    text = "NVIDIAは最大20億ドル(約3000億円)の出資を検討、負債は最大125億ドル(約1兆8700億円)。"
    pairs = pair_restatements(text, find_figures(text))
    assert [(main.text, alt.text if alt else None) for main, alt in pairs] == [
        ("最大20億ドル", "約3000億円"),
        ("最大125億ドル", "約1兆8700億円"),
    ]


def test_the_founding_article_figures_are_all_found():
    text = (SHARED_DIR / "seeds" / "000_4924a81d120c33b8.txt").read_text(encoding="utf-8")
    pairs = pair_restatements(text, find_figures(text))
    usd = {(main.low, main.high, main.qualifier) for main, _ in pairs if main.currency == "USD"}
    assert {
        (20 * B, 20 * B, "about"),  # the total
        (2 * B, 2 * B, "up_to"),  # NVIDIA
        (7.5 * B, 7.5 * B, "about"),  # equity
        (12.5 * B, 12.5 * B, "up_to"),  # debt
        (35 * B, 40 * B, "about"),  # Colossus 2's estimate
        (13 * B, 13 * B, "up_to"),  # the 2025 burn
    } <= usd
    counts = {(main.low, main.high) for main, _ in pairs if main.measure == "count"}
    assert {(2e5, 2e5), (5e5, 1e6)} <= counts
    # every yen figure is the restatement of a dollar figure, never a fact of its own
    assert not [main for main, _ in pairs if main.currency == "JPY"]
