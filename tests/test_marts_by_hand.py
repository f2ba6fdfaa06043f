"""Every mart on the synthetic fixture, against values computed by hand.

The fixture (tests/fixtures/mini_input) uses round numbers; the arithmetic is in comments.
"""

from datetime import date

import pytest

from helpers import query


def one(db, sql, params=None):
    rows = query(db, sql, params)
    assert len(rows) == 1, rows
    return rows[0]


def test_round_split_with_vendor_money_and_up_to_debt(mini_warehouse):
    r = one(mini_warehouse, "select * from marts.leverage_rounds where round_id = 'a-r1'")
    assert r["equity_usd_mid"] == 6e9
    # debt "up to 4B": low = 2B (half), mid = high = 4B
    assert (r["debt_usd_low"], r["debt_usd_mid"], r["debt_usd_high"]) == (2e9, 4e9, 4e9)
    assert r["vendor_usd_mid"] == 1e9  # ChipCo's part of the equity
    assert r["total_usd_mid"] == 10e9
    assert r["debt_to_equity_high"] == pytest.approx(4 / 6)
    assert r["debt_to_equity_low"] == pytest.approx(2 / 6)
    assert r["debt_share_mid"] == pytest.approx(0.4)
    assert r["vendor_share_of_equity_mid"] == pytest.approx(1 / 6)
    assert r["post_money_valuation_usd_mid"] == 50e9
    assert r["status"] == "announced"  # the least settled tranche


def test_euro_round_converted_at_its_date(mini_warehouse):
    r = one(mini_warehouse, "select * from marts.leverage_rounds where round_id = 'b-r1'")
    assert r["equity_usd_mid"] == pytest.approx(900e6 / 0.9)


def test_company_leverage_leaves_out_rumors(mini_warehouse):
    r = one(mini_warehouse, "select * from marts.leverage where company = 'Lab A'")
    assert r["equity_usd_mid"] == 6e9  # the rumored 100B is not counted
    assert r["debt_usd_mid"] == 6e9  # 4B debt + 2B vendor financing
    assert r["vendor_usd_mid"] == 3e9  # 1B equity + 2B vendor financing
    assert r["debt_to_capital_mid"] == pytest.approx(0.5)
    assert r["debt_to_valuation_mid"] == pytest.approx(6 / 50)
    assert r["annual_net_burn_usd_mid"] == pytest.approx(18e9)  # 12–24B a year, mid 18B
    assert r["debt_to_annual_burn_mid"] == pytest.approx(6 / 18)
    assert r["annual_interest_usd_mid"] == pytest.approx(0.6e9)  # 10% of 6B


def test_net_burn_from_levered_free_cash_flow(mini_warehouse):
    r = one(mini_warehouse, "select * from marts.net_burn where company = 'Lab B'")
    # -270M EUR over Jan–Jun at 0.9 EUR/USD = 300M USD burned in 6 months
    assert r["metric"] == "levered_free_cash_flow"
    assert r["monthly_net_burn_usd_mid"] == pytest.approx(50e6)


def test_runway_scenarios(mini_warehouse):
    rows = {r["scenario"]: r for r in query(mini_warehouse, "select * from marts.runway where company = 'Lab A'")}
    # cash 3B on 2025-01-31; funding after it: 6B equity + up-to-4B debt + 2B vendor financing
    assert rows["low"]["committed_funding_usd"] == 12e9
    assert rows["high"]["committed_funding_usd"] == 10e9  # the debt at its low end, 2B
    assert rows["low"]["runway_months"] == pytest.approx((3 + 12) / 1)
    assert rows["base"]["runway_months"] == pytest.approx((3 + 12) / 1.5)
    assert rows["high"]["runway_months"] == pytest.approx((3 + 10) / 2)
    assert rows["base"]["cash_out_date"] == date(2025, 12, 1)  # 2025-01-31 + 10 × 30.4375 days


def test_capex_prices_gpus_as_of_the_phase_date(mini_warehouse):
    r = one(mini_warehouse, "select * from marts.capex where cluster_id = 'a-c1'")
    # H100: Feb 2025 quotes 20–30k and 30k → medians low 25k, mid 27.5k, high 30k.
    # GB200: no quote by March 2025, so the earliest after: 60k (May 2025).
    # Overheads 1.5 × 1.0 × 1.2 = 1.8.
    assert r["gpu_capex_usd_mid"] == pytest.approx(100_000 * 27_500 + 10_000 * 60_000)
    assert r["total_capex_usd_mid"] == pytest.approx(3.35e9 * 1.8)
    assert r["total_capex_usd_low"] == pytest.approx((100_000 * 25_000 + 10_000 * 60_000) * 1.8)
    assert r["estimate_to_reported_mid"] == pytest.approx(3.35e9 * 1.8 / 5e9)
    assert r["capex_per_gpu_usd_mid"] == pytest.approx(3.35e9 * 1.8 / 110_000)
    assert r["capex_per_mw_usd_mid"] == pytest.approx(3.35e9 * 1.8 / 200)
    assert r["h100e_mid"] == pytest.approx(100_000 + 10_000 * 2.5)
    assert r["funding_to_date_usd_mid"] == 12e9
    assert r["funding_coverage_mid"] == pytest.approx(12e9 / (3.35e9 * 1.8))
    assert "earliest after" in r["unit_prices_used"]


def test_gpu_price_index(mini_warehouse):
    r = one(
        mini_warehouse,
        "select * from marts.gpu_price_index where gpu_model = 'H100' and price_type = 'on_demand' "
        "and gpu_variant is null and provider_family is null",  # the family roll-up
    )
    # 16 $/h for 8 GPUs = 2; 3; 1,460 EUR a month / 0.9 / 730 h = 2.222
    assert r["quote_count"] == 3
    assert r["median_usd"] == pytest.approx(1460 / 0.9 / 730)
    assert r["p10_usd"] == pytest.approx(2 + 0.2 * (1460 / 0.9 / 730 - 2))
    assert r["price_unit"] == "usd_per_gpu_hour"


def test_currency_restatements_imply_the_fixture_rate(mini_warehouse):
    rows = query(mini_warehouse, "select * from marts.currency_restatements")
    assert {r["figure"] for r in rows} == {"amount", "vendor_amount"}
    for r in rows:
        assert r["implied_units_per_usd"] == pytest.approx(150)
        assert r["deviation_from_fx_table"] == pytest.approx(0)


def test_every_row_read_is_accounted_for(mini_warehouse):
    rows = query(mini_warehouse, "select * from audit.reconciliation")
    assert {r["entity"] for r in rows} == {
        "funding_events",
        "gpu_prices",
        "cash_burn",
        "clusters",
        "alt_currency_figures",
        "compute_commitments",
    }
    for r in rows:
        assert r["rows_read"] == r["rows_loaded"] + r["rows_duplicate"] + r["rows_quarantined"]
    raw = one(mini_warehouse, "select count(*) as n from raw.funding_events")["n"]
    staged = one(mini_warehouse, "select count(*) as n from staging.funding_events")["n"]
    assert raw == staged == 6


def test_staged_rows_keep_their_source_and_raw_row(mini_warehouse):
    rows = query(mini_warehouse, "select source_publication, raw_row_id from staging.funding_events")
    assert all(r["source_publication"] and r["raw_row_id"].startswith("funding_events.csv:") for r in rows)
