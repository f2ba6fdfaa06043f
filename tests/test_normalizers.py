"""Each entity's normalization rules, on frames built in the test."""

import math

import pytest

from helpers import staged

SOURCE = {"source_publication": "test", "confidence": "high"}


def funding(**overrides):
    row = {
        "event_id": "e1",
        "company": "Lab A",
        "round_id": "r1",
        "announced_date": "2025-03-01",
        "instrument": "equity",
        "amount_high": "6",
        "currency": "USD",
        "unit": "billion",
        "status": "closed",
        **SOURCE,
    }
    row.update(overrides)
    return row


def test_funding_in_usd_at_the_rate_of_its_date():
    out = staged("funding_events", [funding(currency="EUR", amount_high="900", unit="million", announced_date="2025-02-01")])
    row = out.row(0, named=True)
    assert row["_problems"] is None
    assert row["amount_usd_mid"] == pytest.approx(1e9)  # 900M EUR at 0.9 EUR per USD
    assert row["fx_units_per_usd"] == 0.9
    assert str(row["fx_rate_date"]) == "2025-01-01"  # nearest earlier rate


def test_fx_rate_is_the_nearest_earlier_not_a_later_one():
    out = staged("funding_events", [funding(currency="EUR", announced_date="2024-12-31")])
    assert out["fx_units_per_usd"][0] == 0.8


def test_no_fx_rate_before_the_first_one_is_quarantined():
    out = staged("funding_events", [funding(currency="EUR", announced_date="2023-06-01")])
    assert "no EUR rate on or before 2023-06-01" in out["_problems"][0]


def test_company_aliases_become_canonical_names():
    out = staged("funding_events", [funding(company="lab-a inc"), funding(event_id="e2", company=" LabA ")])
    assert out["company"].to_list() == ["Lab A", "Lab A"]
    assert out["_problems"].to_list() == [None, None]


def test_unknown_company_is_quarantined_not_guessed():
    out = staged("funding_events", [funding(company="Lab Z")])
    assert out["company"][0] is None
    assert "unknown company Lab Z" in out["_problems"][0]
    assert out["_problem_columns"][0] == "company"


def test_vendor_part_of_a_tranche():
    out = staged("funding_events", [funding(vendor_investor="Chip Co", vendor_amount_high="2", vendor_amount_qualifier="up_to")])
    row = out.row(0, named=True)
    assert row["vendor_investor"] == "ChipCo"
    assert (row["vendor_amount_usd_low"], row["vendor_amount_usd_mid"], row["vendor_amount_usd_high"]) == (1e9, 2e9, 2e9)


def test_vendor_without_amount_means_the_whole_tranche():
    row = staged("funding_events", [funding(vendor_investor="ChipCo")]).row(0, named=True)
    assert row["vendor_amount_usd_mid"] == row["amount_usd_mid"] == 6e9


def test_vendor_financing_is_vendor_money_by_definition():
    row = staged("funding_events", [funding(instrument="vendor financing")]).row(0, named=True)
    assert row["instrument"] == "vendor_financing"
    assert row["vendor_amount_usd_mid"] == 6e9


@pytest.mark.parametrize(
    ("overrides", "column", "fragment"),
    [
        ({"vendor_investor": "Fund X"}, "vendor_investor", "not flagged sells_compute"),
        ({"vendor_investor": "ChipCo", "vendor_amount_high": "7"}, "vendor_amount_high", "larger than the tranche"),
        ({"instrument": "grant"}, "instrument", "grant is not one of"),
        ({"status": ""}, "status", "required value is missing"),
        ({"closed_date": "2025-13-01"}, "closed_date", "not a calendar date"),
        ({"announced_date": "2025-02-30"}, "announced_date", "not a calendar date"),
        ({"currency": "XYZ"}, "currency", "unknown currency XYZ"),
        ({"amount_high": "€5", "currency": "USD"}, "currency", "written in EUR"),
        ({"amount_high": "¥3000億", "currency": "", "unit": ""}, "currency", "could be JPY|CNY"),
        ({"source_publication": "", "source_url": ""}, "source_url", "no source"),
        ({"confidence": "certain"}, "confidence", "certain is not one of"),
        ({"amount_high": "", "amount_low": ""}, "amount_high", "no amount"),
        # issue 11: plausibility
        ({"amount_high": "-0"}, "amount_high", "amount is zero (-0)"),
        ({"amount_high": "0.0"}, "amount_high", "amount is zero (0.0)"),
        ({"instrument": "valuation", "amount_high": "0"}, "amount_high", "amount is zero (0)"),
        ({"vendor_investor": "ChipCo", "vendor_amount_high": "0"}, "vendor_amount_high", "vendor_amount is zero (0)"),
        ({"round_total_high": "0"}, "round_total_high", "round_total is zero (0)"),
        ({"announced_date": "2999-10-07"}, "announced_date", "2999-10-07 is outside the plausible dates"),
        ({"closed_date": "1900-01-01"}, "closed_date", "1900-01-01 is outside the plausible dates"),
        ({"source_date": "1999-12-31"}, "source_date", "1999-12-31 is outside the plausible dates"),
        ({"announced_date": "02/03/2025"}, "announced_date", "02/03/2025 is ambiguous: 2 March or 3 February?"),
        (
            {"amount_high": "1.234", "currency": "EUR", "unit": "million"},
            "amount_high",
            "1.234 in EUR is ambiguous: is the dot a decimal point (1.234) or a thousands separator (1234)?",
        ),
        ({"amount_high": "€1.234 Mrd", "currency": "", "unit": ""}, "amount_high", "€1.234 Mrd in EUR is ambiguous"),
        ({"vendor_investor": "ChipCo", "vendor_amount_high": "1,500", "currency": "EUR"}, "vendor_amount_high", "ambiguous"),
    ],
)
def test_funding_rows_that_are_quarantined(overrides, column, fragment):
    out = staged("funding_events", [funding(**overrides)])
    assert out["_problems"][0] is not None and fragment in out["_problems"][0]
    assert column in out["_problem_columns"][0].split(", ")


@pytest.mark.parametrize(
    ("amount", "currency", "unit", "usd"),
    [
        ("1.2340", "EUR", "million", 1.234e6 / 0.9),  # four digits: a decimal point
        ("1234", "EUR", "million", 1234e6 / 0.9),
        ("1.234,5", "EUR", "million", 1234.5e6 / 0.9),
        ("€1,7 Mrd", "EUR", "", 1.7e9 / 0.9),
        ("1.234", "USD", "million", 1.234e6),  # dollar writers use a decimal point
    ],
)
def test_amounts_that_read_one_way_are_staged(amount, currency, unit, usd):
    row = staged("funding_events", [funding(amount_high=amount, currency=currency, unit=unit)]).row(0, named=True)
    assert row["_problems"] is None
    assert row["amount_usd_mid"] == pytest.approx(usd)


def test_a_range_from_zero_is_staged():
    row = staged("funding_events", [funding(amount_low="0", amount_high="5")]).row(0, named=True)
    assert row["_problems"] is None
    assert (row["amount_usd_low"], row["amount_usd_mid"], row["amount_usd_high"]) == (0, 2.5e9, 5e9)


def test_yen_amount_written_with_symbol_and_oku():
    row = staged("funding_events", [funding(amount_high="¥9000億", currency="JPY", unit="", announced_date="2025-03-01")]).row(
        0, named=True
    )
    assert row["_problems"] is None
    assert row["amount_usd_mid"] == pytest.approx(9e11 / 150)


def price(**overrides):
    row = {
        "quote_id": "q1",
        "gpu_model": "H100",
        "price_type": "on_demand",
        "price_high": "16",
        "currency": "USD",
        "observed_date": "2025-02-01",
        **SOURCE,
    }
    row.update(overrides)
    return row


def test_per_instance_price_becomes_per_gpu_hour():
    row = staged("gpu_prices", [price(price_per="instance", gpus_per_instance="8")]).row(0, named=True)
    assert row["price_unit"] == "usd_per_gpu_hour"
    assert row["usd_per_gpu_hour_mid"] == 2.0
    assert row["usd_per_gpu_mid"] is None


def test_a_zero_price_is_refused_once():
    assert staged("gpu_prices", [price(price_high="0")])["_problems"][0] == "price_high: a price of zero"


def test_a_euro_price_below_one_reads_one_way():
    row = staged("gpu_prices", [price(price_high="0.950", currency="EUR")]).row(0, named=True)
    assert row["_problems"] is None
    assert row["usd_per_gpu_hour_mid"] == pytest.approx(0.95 / 0.9)


def test_monthly_rental_becomes_per_hour():
    row = staged("gpu_prices", [price(price_high="1460", billing_period="month", currency="EUR")]).row(0, named=True)
    assert row["usd_per_gpu_hour_mid"] == pytest.approx(1460 / 0.9 / 730)


def test_purchase_price_per_gpu_and_gpu_alias():
    row = staged(
        "gpu_prices", [price(gpu_model="H100 SXM5 80GB", price_type="purchase", price_low="$20,000", price_high="$30,000")]
    ).row(0, named=True)
    assert row["gpu_model"] == "H100"
    assert (row["usd_per_gpu_low"], row["usd_per_gpu_mid"], row["usd_per_gpu_high"]) == (20000, 25000, 30000)
    assert row["usd_per_gpu_hour_mid"] is None


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"gpu_model": "H900"}, "unknown GPU model H900"),
        ({"price_per": "instance"}, "needs the instance's GPU count"),
        ({"price_type": "purchase", "billing_period": "hour"}, "no billing period"),
        ({"price_high": "0"}, "a price of zero"),
        ({"price_type": "lease"}, "lease is not one of"),
        ({"price_high": "-34589"}, "negative amount -34589"),  # the text as written, not a parsed float
        ({"price_low": "6", "price_high": "5"}, "low 6 is greater than high 5"),
        ({"currency": ""}, "currency: required value is missing"),
        ({"price_high": "-0"}, "a price of zero"),
        ({"price_high": "2.500", "currency": "EUR"}, "2.500 in EUR is ambiguous"),
        ({"observed_date": "1900-01-01"}, "observed_date: 1900-01-01 is outside the plausible dates"),
        ({"observed_date": "02/03/2025"}, "02/03/2025 is ambiguous"),
    ],
)
def test_price_rows_that_are_quarantined(overrides, fragment):
    out = staged("gpu_prices", [price(**overrides)])
    assert fragment in out["_problems"][0]


def burn(**overrides):
    row = {
        "figure_id": "b1",
        "company": "Lab A",
        "period_start": "2025-01-01",
        "period_end": "2025-12-31",
        "metric": "net_burn",
        "amount_high": "13",
        "amount_qualifier": "up_to",
        "currency": "USD",
        "unit": "billion",
        **SOURCE,
    }
    row.update(overrides)
    return row


def test_a_calendar_year_of_burn_is_twelve_months():
    row = staged("cash_burn", [burn()]).row(0, named=True)
    assert row["period_months"] == 12
    assert row["monthly_usd_mid"] == pytest.approx(13e9 / 12)  # ≈ 1.083B a month
    assert row["monthly_usd_low"] == pytest.approx(6.5e9 / 12)


def test_a_part_month_period_counts_days():
    row = staged("cash_burn", [burn(period_start="2025-01-15", period_end="2025-02-14")]).row(0, named=True)
    assert row["period_months"] == pytest.approx(31 / 30.4375)


def test_cash_on_hand_is_a_stock_without_a_monthly_rate():
    row = staged(
        "cash_burn", [burn(metric="cash_on_hand", period_start="2025-03-31", period_end="2025-03-31", amount_qualifier="")]
    ).row(0, named=True)
    assert row["_problems"] is None
    assert row["monthly_usd_mid"] is None


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"amount_high": "-5", "amount_qualifier": ""}, "negative"),
        ({"period_end": "2024-12-31"}, "ends before it starts"),
        ({"period_end": "2025-01-01"}, "longer than one day"),
        ({"metric": "ebitda"}, "ebitda is not one of"),
    ],
)
def test_burn_rows_that_are_quarantined(overrides, fragment):
    out = staged("cash_burn", [burn(**overrides)])
    assert fragment in out["_problems"][0]


@pytest.mark.parametrize(
    ("metric", "meaningful"),
    [
        ("net_burn", True),  # break-even
        ("operating_cash_flow", True),  # break-even
        ("levered_free_cash_flow", True),  # break-even
        ("revenue", True),  # no revenue yet
        ("cash_on_hand", True),  # out of cash
        ("gross_burn", False),  # every operating lab spends
        ("capex", False),  # a lab without capex has no capex figure to report
    ],
)
def test_a_zero_figure_is_kept_only_where_zero_means_something(metric, meaningful):
    dates = {"period_start": "2025-03-31", "period_end": "2025-03-31"} if metric == "cash_on_hand" else {}
    row = staged("cash_burn", [burn(metric=metric, amount_high="-0", amount_qualifier="", **dates)]).row(0, named=True)
    if meaningful:
        assert row["_problems"] is None
        assert row["amount_usd_mid"] == 0 and math.copysign(1, row["amount_usd_mid"]) == 1  # 0, not -0
    else:
        assert row["_problems"] == "amount_high: amount is zero (-0)"


def test_burn_dates_outside_the_window_are_quarantined():
    out = staged("cash_burn", [burn(period_end="2999-12-31")])
    assert "period_end: 2999-12-31 is outside the plausible dates 2000-01-01 to 2100-12-31" in out["_problems"][0]


def test_cash_flows_may_be_negative():
    row = staged("cash_burn", [burn(metric="levered_free_cash_flow", amount_high="-3", amount_qualifier="")]).row(0, named=True)
    assert row["_problems"] is None and row["amount_usd_mid"] == -3e9


def cluster(**overrides):
    row = {
        "cluster_id": "c1",
        "company": "Lab A",
        "cluster": "One",
        "status": "planned",
        "gpu_model": "GB200 NVL72",
        "gpu_count_low": "500,000",
        "gpu_count_high": "1,000,000",
        **SOURCE,
        "source_date": "2025-10-08",
    }
    row.update(overrides)
    return row


def test_cluster_counts_ranges_and_price_date():
    row = staged("clusters", [cluster()]).row(0, named=True)
    assert row["_problems"] is None
    assert row["gpu_model"] == "GB200"
    assert (row["gpu_count_low"], row["gpu_count_mid"], row["gpu_count_high"]) == (5e5, 7.5e5, 1e6)
    assert str(row["price_date"]) == "2025-10-08"  # no target date: priced at the source's date


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"gpu_count_low": "1000", "gpu_count_high": "10"}, "greater than high"),
        ({"gpu_model_2": "H100"}, "without its count"),
        ({"status": "rumoured"}, "rumoured is not one of"),
        ({"reported_capex_high": "40", "unit": "billion"}, "needs a currency"),
        ({"gpu_count_low": "many"}, "not a non-negative number"),
        ({"reported_capex_high": "0", "currency": "USD", "unit": "billion"}, "reported_capex is zero (0)"),
        ({"calculated_capex_high": "-0", "currency": "USD", "unit": "billion"}, "calculated_capex is zero (-0)"),
        ({"reported_capex_high": "12.500", "currency": "EUR", "unit": "million"}, "12.500 in EUR is ambiguous"),
        ({"target_date": "2999-12-31"}, "target_date: 2999-12-31 is outside the plausible dates"),
    ],
)
def test_cluster_rows_that_are_quarantined(overrides, fragment):
    assert fragment in staged("clusters", [cluster(**overrides)])["_problems"][0]


def test_a_cluster_planned_decades_ahead_with_no_gpus_yet_is_staged():
    row = staged("clusters", [cluster(gpu_count_low="0", gpu_count_high="0", target_date="2045-06-30")]).row(0, named=True)
    assert row["_problems"] is None
    assert (row["gpu_count_mid"], str(row["target_date"])) == (0, "2045-06-30")


def test_a_capex_of_zero_is_kept_for_a_phase_with_nothing_installed_yet():
    """Epoch's data-center timelines price each snapshot's installed compute: before any
    building runs, 0 H100-equivalents cost 0. With GPUs, a zero capex is quarantined."""
    empty = cluster(gpu_count_low="0", gpu_count_high="0", calculated_capex_high="0", currency="USD", unit="billion")
    row = staged("clusters", [empty]).row(0, named=True)
    assert row["_problems"] is None and row["calculated_capex_usd_mid"] == 0
    built = cluster(calculated_capex_high="0", currency="USD", unit="billion")
    assert staged("clusters", [built])["_problems"][0] == "calculated_capex_high: calculated_capex is zero (0)"


def test_same_id_same_content_is_a_duplicate_different_content_a_conflict():
    out = staged("funding_events", [funding(), funding(), funding(amount_high="7")])
    assert out["_duplicate_of"].to_list() == [None, "test.csv:2", None]
    assert out["_problems"][0] is None and out["_problems"][1] is None
    assert "already used by test.csv:2" in out["_problems"][2]


def restatement(**overrides):
    row = {
        "entity": "funding_events",
        "row_id": "e1",
        "column": "amount",
        "alt_amount_high": "9000",
        "alt_currency": "JPY",
        "alt_unit": "oku",
        "source_publication": "test",
        "source_date": "2025-03-01",
    }
    row.update(overrides)
    return row


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"alt_amount_high": "0"}, "alt_amount_high: alt_amount is zero (0)"),
        ({"alt_amount_high": "1.234", "alt_currency": "EUR", "alt_unit": "million"}, "1.234 in EUR is ambiguous"),
        ({"source_date": "2999-03-01"}, "source_date: 2999-03-01 is outside the plausible dates"),
    ],
)
def test_restatements_that_are_quarantined(overrides, fragment):
    assert staged("alt_currency_figures", [restatement()])["_problems"][0] is None
    assert fragment in staged("alt_currency_figures", [restatement(**overrides)])["_problems"][0]


@pytest.mark.parametrize(
    ("written", "model"),
    [("H100-SXM", "H100"), ("h100_sxm", "H100"), ("H100  SXM5 80GB", "H100"), ("A100-80GB", "A100"), ("H200-SXM", "H200")],
)
def test_gpu_names_as_cloud_catalogs_write_them_find_their_model(written, model):
    """Issue 17: SkyPilot and other catalogs write "H100-SXM", "A100-80GB": case, spaces,
    hyphens and underscores do not stop a name from finding its alias ("H100 SXM")."""
    from pathlib import Path

    import polars as pl

    from helpers import BUNDLED_INPUT
    from ledger.transforms.reference import canonical_names, read_references

    refs = read_references(Path(BUNDLED_INPUT) / "reference")
    out = canonical_names(pl.DataFrame({"name": [written]}), "name", refs.gpu_aliases, "model", "gpu_model")
    assert out["model"][0] == model
