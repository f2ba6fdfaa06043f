"""Epoch AI's exports through the whole pipeline, beside the curated data.

Reads the real, unmodified exports in ../shared/datasets/epoch (never copied here).
"""

from pathlib import Path

import dagster as dg
import pytest

from assets.quotes import days_with_files_tags
from assets.resources import Inputs, Warehouse
from helpers import BUNDLED_INPUT, SHARED_DIR, all_assets, query

EPOCH_DIR = SHARED_DIR / "datasets" / "epoch"
pytestmark = pytest.mark.skipif(not EPOCH_DIR.is_dir(), reason=f"Epoch exports not found at {EPOCH_DIR}")
EPOCH_FILES = [
    "ai_companies_funding_rounds.csv",
    "data_center_timelines.csv",
    "gpu_clusters.csv",
    "hardware_prices.csv",
    "nvidia_annual_prices.csv",
    "xai_datacenter_timelines.csv",
]


@pytest.fixture(scope="module")
def epoch_warehouse(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("epoch")
    db = folder / "w.duckdb"
    dg.materialize(
        all_assets(),
        resources={
            "warehouse": Warehouse(path=str(db)),
            "inputs": Inputs(
                input_dir=str(BUNDLED_INPUT),
                as_of="2026-11-01",
                epoch_dir=str(EPOCH_DIR),
                quotes_dir=str(folder / "quotes"),
                landing_dir=str(folder / "landing"),
            ),
        },
        tags=days_with_files_tags(folder / "quotes"),
    )
    return db


def test_every_epoch_file_reconciles_and_mostly_loads(epoch_warehouse):
    rows = {r["source_file"]: r for r in query(epoch_warehouse, "select * from audit.reconciliation where dataset = 'epoch'")}
    assert sorted(rows) == EPOCH_FILES
    for name, r in rows.items():
        raw_rows = query(epoch_warehouse, f"select count(*) as n from raw.epoch_{name.removesuffix('.csv')}")[0]["n"]
        assert r["rows_read"] == raw_rows, name  # every row of the export is counted
        assert r["rows_read"] == r["rows_loaded"] + r["rows_duplicate"] + r["rows_quarantined"], name
        assert (r["rows_loaded"] + r["rows_duplicate"]) / r["rows_read"] >= 0.80, (name, r)
        quarantined = query(epoch_warehouse, "select count(*) as n from quarantine.rejected_rows where source_file = ?", [name])[
            0
        ]["n"]
        assert quarantined == r["parts_quarantined"], name


def test_an_epoch_row_with_several_prices_counts_once(epoch_warehouse):
    """nvidia_annual_prices.csv has a row per year with a price range per chip: 2022 has an
    H100 range staged and two unfinished ranges quarantined (loaded, not quarantined);
    2023's ranges are all in our curated data (a duplicate)."""
    [r] = query(epoch_warehouse, "select * from audit.reconciliation where source_file = 'nvidia_annual_prices.csv'")
    counts = (r["rows_read"], r["rows_loaded"], r["rows_duplicate"], r["rows_quarantined"], r["parts_quarantined"])
    assert counts == (4, 3, 1, 0, 2)


def test_quarantined_epoch_rows_say_why(epoch_warehouse):
    reasons = [r["reason"] for r in query(epoch_warehouse, "select reason from quarantine.rejected_rows where dataset = 'epoch'")]
    # the adapter's own reasons, and one of our checks: Epoch's H200 price of 2024-03-27,
    # before the H200 shipped (tests/test_data_truth.py)
    assert reasons and all((r.startswith("Epoch AI export: ") and len(r) > 30) or "shipped only from" in r for r in reasons)
    assert sum("H200 shipped only from" in r for r in reasons) == 1


def test_xai_rounds_reach_the_leverage_marts(epoch_warehouse):
    rounds = query(epoch_warehouse, "select * from marts.leverage_rounds where company = 'xAI' order by announced_date")
    assert [r["round_name"] for r in rounds][:2] == ["Series B", "Series C"]
    [founding] = [r for r in rounds if r["round_id"] == "xai-2025-10"]
    # the latest stage: xAI's closed $20B Series E, beside the SPV's reported debt
    assert founding["equity_usd_mid"] == pytest.approx(20e9)
    assert founding["debt_to_equity_high"] == pytest.approx(12.5 / 20)
    # Epoch's copy of the $6B Series B is the same fact: counted as a duplicate, not twice
    assert sum(r["equity_usd_mid"] for r in rounds if r["round_name"] == "Series B") == pytest.approx(6e9)


def test_money_both_sources_record_is_counted_once(epoch_warehouse, bundled_warehouse):
    """Epoch's rows for rounds we curate (Amazon's notes in Anthropic, which Epoch records as
    equity and in one figure; OpenAI's Oct 2024 round; the last tranche of its 2025 round)
    are duplicates: with Epoch on, a company's equity grows only by the rounds we lack."""
    sql = "select company, equity_usd_mid from marts.leverage where company in ('Anthropic', 'OpenAI')"
    ours = {r["company"]: r["equity_usd_mid"] for r in query(bundled_warehouse, sql)}
    both = {r["company"]: r["equity_usd_mid"] for r in query(epoch_warehouse, sql)}
    # Epoch-only rounds, from the export: Anthropic's Series A–D ($124M, $580M, $450M,
    # $750M); OpenAI's 2019 seed and Microsoft investments and Apr 2023 ($50M, $1B, $2B, $300M)
    assert both["Anthropic"] - ours["Anthropic"] == pytest.approx(1.904e9)
    assert both["OpenAI"] - ours["OpenAI"] == pytest.approx(3.35e9)
    staged = {
        r["event_id"] for r in query(epoch_warehouse, "select event_id from staging.funding_events where dataset = 'epoch'")
    }
    for counted_once in (
        "epoch-anthropic-amazon-march-2024-equity",  # = our $1.25B + $2.75B tranches
        "epoch-anthropic-amazon-nov-2024-equity",  # = our convertible note
        "epoch-anthropic-microsoft-nvidia-equity",  # = our $5B + $10B
        "epoch-openai-oct-2024-157b-equity",  # = our convertible
        "epoch-openai-300b-final-stage-equity",  # = our last tranche, dated months later
    ):
        assert counted_once not in staged


def test_colossus_sites_reach_capex_with_epochs_cost_beside_our_estimate(epoch_warehouse):
    rows = query(
        epoch_warehouse,
        "select * from marts.capex where company = 'xAI' and dataset = 'epoch' and cluster like '%Colossus%' "
        "and calculated_capex_usd_mid > 0",
    )
    assert len(rows) >= 5
    for r in rows:
        assert r["total_capex_usd_mid"] > 0  # our estimate from GPU prices and overheads
        assert r["estimate_to_calculated_mid"] == pytest.approx(r["total_capex_usd_mid"] / r["calculated_capex_usd_mid"])
    [phase1] = query(epoch_warehouse, "select * from marts.capex where cluster = 'xAI Colossus Memphis Phase 1'")
    assert (phase1["gpu_count_mid"], phase1["gpu_count_unit"]) == (100_000, "gpus")
    # the data-center timelines count H100-equivalents, never compared with counts of chips
    timelines = query(epoch_warehouse, "select distinct gpu_count_unit from marts.capex where phase like 'Epoch snapshot%'")
    assert [r["gpu_count_unit"] for r in timelines] == ["h100e"]
    snapshots = query(epoch_warehouse, "select distinct gpu_count_unit from staging.clusters where phase like 'Epoch snapshot%'")
    assert [r["gpu_count_unit"] for r in snapshots] == ["h100e"]
    assert query(epoch_warehouse, "select * from marts.source_conflicts where fact like '%Epoch snapshot%'") == []


def test_a_disagreement_is_kept_and_shown(epoch_warehouse):
    rows = query(
        epoch_warehouse,
        "select * from marts.source_conflicts where company = 'xAI' and measure = 'amount_usd_mid' and fact like 'equity%' "
        "order by used_by_marts desc",
    )
    used, other = rows[0], rows[1]
    assert (used["dataset"], used["value"]) == ("curated", pytest.approx(7.5e9))
    assert (other["dataset"], other["value"], other["used_by_marts"]) == ("epoch", pytest.approx(10e9), False)
    assert other["relative_difference"] == pytest.approx(10 / 7.5 - 1)
    assert used["why"].startswith("newer source")
    # both are staged; only the preferred one counts in the marts
    staged = query(epoch_warehouse, "select count(*) as n from staging.funding_events where fact_id = ?", [used["fact_id"]])
    assert staged[0]["n"] == 2


def test_without_an_epoch_folder_the_epoch_tables_are_empty(bundled_warehouse):
    for name in EPOCH_FILES:
        assert query(bundled_warehouse, f"select count(*) as n from raw.epoch_{name.removesuffix('.csv')}")[0]["n"] == 0
