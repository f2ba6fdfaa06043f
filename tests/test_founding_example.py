"""The founding article's figures, through the whole pipeline on the bundled data.

The article (../shared/seeds/000_4924a81d120c33b8.txt): xAI raising about $20B, about
$7.5B equity and up to $12.5B debt, NVIDIA up to $2B of the equity (the round's reported
stage; xAI later announced the Series E closed at $20B, which the marts count); a 2025 burn of up
to $13B; Colossus 2 at 500k–1M GPUs for $35–40B (an industry estimate); every figure also printed in yen.
"""

import statistics

import pytest

from helpers import query


def test_the_xai_round(bundled_warehouse):
    # the article's split is the round's reported stage, kept in its history
    stages = {
        r["event_id"]: r for r in query(bundled_warehouse, "select * from marts.round_history where round_id = 'xai-2025-10'")
    }
    reported_equity, spv = stages["xai-2025-10-equity"], stages["xai-2025-10-spv-debt"]
    assert (reported_equity["status"], reported_equity["amount_usd_mid"]) == ("reported", pytest.approx(7.5e9))
    assert reported_equity["vendor_amount_usd_mid"] == pytest.approx(2e9)  # NVIDIA, as vendor money
    assert not reported_equity["is_latest"] and reported_equity["superseded_by"] == "xai-2026-01-series-e"
    assert (spv["amount_usd_high"], spv["is_latest"]) == (pytest.approx(12.5e9), True)
    # the marts count the latest stage: xAI announced the Series E closed at $20B
    [r] = query(bundled_warehouse, "select * from marts.leverage_rounds where round_id = 'xai-2025-10'")
    assert r["equity_usd_mid"] == pytest.approx(20e9)
    assert r["debt_usd_high"] == pytest.approx(12.5e9)
    assert r["total_usd_mid"] == pytest.approx(32.5e9)  # "up to" counts at its cap in mid
    assert r["vendor_usd_mid"] == pytest.approx(2e9)
    assert r["vendor_share_of_equity_mid"] == pytest.approx(2 / 20)
    assert r["vendor_investors"] == "NVIDIA"


def test_the_2025_burn_is_about_1_08b_a_month(bundled_warehouse):
    [r] = query(bundled_warehouse, "select * from marts.net_burn where company = 'xAI'")
    assert r["monthly_net_burn_usd_mid"] == pytest.approx(13e9 / 12)  # ≈ 1.083B
    assert r["annual_net_burn_usd_mid"] == pytest.approx(13e9)


def test_colossus_2_industry_estimate_beside_ours(bundled_warehouse):
    [r] = query(bundled_warehouse, "select * from marts.capex where cluster_id = 'xai-colossus-2'")
    # the article's $35-40B is an industry estimate, not capex xAI reported
    assert r["reported_capex_usd_mid"] is None
    assert (r["calculated_capex_usd_low"], r["calculated_capex_usd_high"]) == (35e9, 40e9)
    assert (r["gpu_count_low"], r["gpu_count_high"]) == (500_000, 1_000_000)
    assert r["total_capex_usd_mid"] > 0
    assert r["estimate_to_calculated_mid"] == pytest.approx(r["total_capex_usd_mid"] / 37.5e9)


def test_the_yen_figures_reconcile_at_the_articles_implied_rate(bundled_warehouse):
    rows = query(
        bundled_warehouse,
        "select * from marts.currency_restatements where alt_currency = 'JPY' and source like 'Seed article%'",
    )
    assert {(r["row_id"], r["figure"]) for r in rows} == {
        ("xai-2025-10-equity", "amount"),
        ("xai-2025-10-equity", "vendor_amount"),
        ("xai-2025-10-spv-debt", "amount"),
        ("xai-2025-burn", "amount"),
        ("xai-colossus-2", "calculated_capex"),
    }
    implied = statistics.median(r["implied_units_per_usd"] for r in rows)
    assert 148 < implied < 151  # the article converts at about 149–150 yen to the dollar
    for r in rows:
        # the article rounds yen to 100億 (10^10): each figure sits within 1% of its median rate
        assert abs(r["deviation_from_source_median"]) < 0.01
        # and within 3% of the Fed's rate on the source's date (152.72 on 2025-10-08)
        assert abs(r["deviation_from_fx_table"]) < 0.03


def test_at_least_three_companies_reach_every_mart(bundled_warehouse):
    companies = {
        mart: {r["company"] for r in query(bundled_warehouse, f"select distinct company from marts.{mart}")}
        for mart in ("leverage_rounds", "leverage", "net_burn", "runway", "capex")
    }
    capex_priced = {
        r["company"] for r in query(bundled_warehouse, "select company from marts.capex where total_capex_usd_mid is not null")
    }
    everywhere = set.intersection(*companies.values()) & capex_priced
    assert {"xAI", "OpenAI", "CoreWeave"} <= everywhere, companies


def test_bundled_data_loads_with_only_the_flagged_h200_price_in_quarantine(bundled_warehouse):
    rejected = query(bundled_warehouse, "select source_file, row_number, reason from quarantine.rejected_rows")
    # the one row the audit flagged on purpose (tests/test_data_truth.py)
    assert [(r["source_file"], r["row_number"]) for r in rejected] == [("gpu_prices.csv", 13)]
    for r in query(bundled_warehouse, "select * from audit.reconciliation"):
        assert r["rows_read"] == r["rows_loaded"] + r["rows_duplicate"] + r["rows_quarantined"]


def test_every_bundled_figure_has_a_source(bundled_warehouse):
    for table in ("funding_events", "gpu_prices", "cash_burn", "clusters"):
        missing = query(
            bundled_warehouse,
            f"select * from staging.{table} where coalesce(source_url, source_publication) is null or source_date is null",
        )
        assert missing == [], (table, missing[:3])
