"""The founding article's figures, through the whole pipeline on the bundled data.

The article (../shared/seeds/000_4924a81d120c33b8.txt): xAI raising about $20B, about
$7.5B equity and up to $12.5B debt, NVIDIA up to $2B of the equity; a 2025 burn of up
to $13B; Colossus 2 at 500k–1M GPUs for $35–40B; every figure also printed in yen.
"""

import statistics

import pytest

from helpers import query


def test_the_xai_round(bundled_warehouse):
    [r] = query(bundled_warehouse, "select * from marts.leverage_rounds where round_id = 'xai-2025-10'")
    assert r["equity_usd_mid"] == pytest.approx(7.5e9)
    assert r["debt_usd_high"] == pytest.approx(12.5e9)
    assert r["total_usd_mid"] == pytest.approx(20e9)
    assert r["debt_to_equity_high"] == pytest.approx(12.5 / 7.5)  # ≈ 1.667
    assert r["vendor_usd_mid"] == pytest.approx(2e9)  # NVIDIA, as vendor money
    assert r["vendor_share_of_equity_mid"] == pytest.approx(2 / 7.5)  # ≈ 0.267
    assert r["vendor_investors"] == "NVIDIA"


def test_the_2025_burn_is_about_1_08b_a_month(bundled_warehouse):
    [r] = query(bundled_warehouse, "select * from marts.net_burn where company = 'xAI'")
    assert r["monthly_net_burn_usd_mid"] == pytest.approx(13e9 / 12)  # ≈ 1.083B
    assert r["annual_net_burn_usd_mid"] == pytest.approx(13e9)


def test_colossus_2_reported_capex_beside_the_estimate(bundled_warehouse):
    [r] = query(bundled_warehouse, "select * from marts.capex where cluster_id = 'xai-colossus-2'")
    assert (r["reported_capex_usd_low"], r["reported_capex_usd_high"]) == (35e9, 40e9)
    assert (r["gpu_count_low"], r["gpu_count_high"]) == (500_000, 1_000_000)
    assert r["total_capex_usd_mid"] > 0
    assert r["estimate_to_reported_mid"] == pytest.approx(r["total_capex_usd_mid"] / 37.5e9)


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
        ("xai-colossus-2", "reported_capex"),
    }
    implied = statistics.median(r["implied_units_per_usd"] for r in rows)
    assert 148 < implied < 151  # the article converts at about 149–150 yen to the dollar
    for r in rows:
        # the article rounds yen to 100億 (10^10): each figure sits within 1% of its median rate
        assert abs(r["deviation_from_source_median"]) < 0.01
        # and within 3% of the Fed's rate for the month (147.16 on 2025-10-01)
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


def test_bundled_data_loads_without_quarantine(bundled_warehouse):
    rejected = query(bundled_warehouse, "select source_file, row_number, reason from quarantine.rejected_rows")
    assert rejected == []
    for r in query(bundled_warehouse, "select * from audit.reconciliation"):
        assert r["rows_read"] == r["rows_loaded"] + r["rows_duplicate"] + r["rows_quarantined"]


def test_every_bundled_figure_has_a_source(bundled_warehouse):
    for table in ("funding_events", "gpu_prices", "cash_burn", "clusters"):
        missing = query(
            bundled_warehouse,
            f"select * from staging.{table} where coalesce(source_url, source_publication) is null or source_date is null",
        )
        assert missing == [], (table, missing[:3])
