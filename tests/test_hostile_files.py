"""Ordinary-but-odd files (issue 11): names that look like glob patterns are read exactly,
which of two conflicting rows wins does not depend on how file names sort, and files still
being copied in are never read half-way — in the input folder, the landing folder and the
quote feed."""

from __future__ import annotations

import os
import threading
import time

import dagster as dg
import pytest

from assets.resources import Inputs, Warehouse
from helpers import MINI_INPUT, all_assets, copy_input, materialize_everything, query

HEADER = "event_id,company,round_id,announced_date,instrument,amount_low,amount_high,currency,unit,status,source_publication\n"
QUOTE_HEADER = "quote_id,gpu_model,price_type,price_high,currency,observed_date,price_per,provider,source_publication\n"


def round_row(event_id: str, billions: float, company: str = "Lab B") -> str:
    return f"{event_id},{company},{event_id},2025-05-01,equity,,{billions},USD,billion,closed,test fixture\n"


def raw_and_downstream(db, folder, entity="funding_events", raise_on_error=True, quotes=None):
    return dg.materialize(
        all_assets(),
        selection=dg.AssetSelection.assets(["raw", entity]).downstream(),
        resources={
            "warehouse": Warehouse(path=str(db)),
            "inputs": Inputs(
                input_dir=str(folder),
                as_of="2025-09-30",
                quotes_dir=str(quotes or folder / "quotes"),
                landing_dir=str(folder / "landing"),
            ),
        },
        raise_on_error=raise_on_error,
    )


@pytest.fixture
def folder(tmp_path):
    return copy_input(MINI_INPUT, tmp_path / "input")


@pytest.fixture
def db(tmp_path, folder):
    db = tmp_path / "w.duckdb"
    materialize_everything(db, folder, "2025-09-30")
    return db


def recon(db, entity="funding_events") -> dict[str, tuple[int, int, int, int]]:
    rows = query(
        db,
        "select source_file, rows_read, rows_loaded, rows_duplicate, rows_quarantined from audit.reconciliation "
        "where entity = ? and run_id = (select run_id from audit.reconciliation where entity = ? "
        "order by loaded_at desc limit 1)",
        [entity, entity],
    )
    return {r["source_file"]: (r["rows_read"], r["rows_loaded"], r["rows_duplicate"], r["rows_quarantined"]) for r in rows}


# --- 1. names read as patterns ----------------------------------------------------------


def test_names_that_look_like_patterns_are_read_exactly(db, folder, tmp_path):
    (folder / "funding_events_[1].csv").write_text(HEADER + round_row("g-bracket", 1))
    (folder / "funding_events_1.csv").write_text(HEADER + round_row("g-one", 2) + round_row("g-one-b", 3))
    (folder / "funding_events_*.csv").write_text(HEADER + round_row("g-star", 4))
    (folder / "funding_events_{a,b}?.csv").write_text(HEADER + round_row("g-brace", 5))
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "funding_events_secret.csv").write_text(HEADER + round_row("g-secret", 6))
    os.symlink(outside / "funding_events_secret.csv", folder / "funding_events_link.csv")
    raw_and_downstream(db, folder)
    counts = recon(db)
    assert counts["funding_events_[1].csv"] == (1, 1, 0, 0)
    assert counts["funding_events_1.csv"] == (2, 2, 0, 0)
    assert counts["funding_events_*.csv"] == (1, 1, 0, 0)
    assert counts["funding_events_{a,b}?.csv"] == (1, 1, 0, 0)
    assert "funding_events_link.csv" not in counts  # a symlink is never read
    staged = {r["event_id"]: r["source_file"] for r in query(db, "select event_id, source_file from staging.funding_events")}
    assert staged["g-bracket"] == "funding_events_[1].csv" and staged["g-star"] == "funding_events_*.csv"
    assert "g-secret" not in staged


def test_a_quote_file_whose_name_looks_like_a_pattern_is_read(db, folder, tmp_path):
    quotes = tmp_path / "quotes"
    quotes.mkdir()
    (quotes / "cloud_[1]_2025-03-10.csv").write_text(QUOTE_HEADER + "q1,H100,on_demand,2.5,USD,2025-03-10,gpu,c1,t\n")
    (quotes / "cloud_1_2025-03-10.csv").write_text(QUOTE_HEADER + "q2,H100,on_demand,3.5,USD,2025-03-10,gpu,c2,t\n")
    raw_and_downstream(db, folder, entity="gpu_price_quotes", quotes=quotes)
    rows = query(db, "select quote_id, source_file from staging.gpu_price_quotes order by quote_id")
    assert rows == [
        {"quote_id": "q1", "source_file": "cloud_[1]_2025-03-10.csv"},
        {"quote_id": "q2", "source_file": "cloud_1_2025-03-10.csv"},
    ]


# --- 2. which conflicting row wins ------------------------------------------------------


def test_the_curated_file_wins_over_a_browser_copy_whatever_the_names(db, folder):
    """`funding_events (1).csv` sorts before `funding_events.csv`; the curated row stays."""
    curated = query(db, "select amount_usd_mid from staging.funding_events where event_id = 'a-r1-equity'")[0]
    copy = folder / "funding_events (1).csv"
    copy.write_text(HEADER + round_row("a-r1-equity", 8, company="Lab A"))
    os.utime(copy, (1_000_000_000, 1_000_000_000))  # even an older copy does not win over the curated file
    raw_and_downstream(db, folder)
    assert query(db, "select amount_usd_mid from staging.funding_events where event_id = 'a-r1-equity'")[0] == curated
    [rejected] = query(db, "select source_file, reason from quarantine.rejected_rows where entity = 'funding_events'")
    assert rejected["source_file"] == "funding_events (1).csv"
    assert "already used by funding_events.csv:2" in rejected["reason"]


def test_between_other_files_the_older_one_wins(db, folder):
    late, early = folder / "funding_events_a_late.csv", folder / "funding_events_z_early.csv"
    late.write_text(HEADER + round_row("x-1", 1))
    early.write_text(HEADER + round_row("x-1", 2))
    os.utime(early, (1_700_000_000, 1_700_000_000))
    os.utime(late, (1_750_000_000, 1_750_000_000))
    raw_and_downstream(db, folder)
    assert query(db, "select amount_usd_mid from staging.funding_events where event_id = 'x-1'") == [{"amount_usd_mid": 2e9}]
    [rejected] = query(db, "select source_file, reason from quarantine.rejected_rows where entity = 'funding_events'")
    assert rejected["source_file"] == late.name and early.name in rejected["reason"]


def test_between_quote_files_the_older_one_wins(db, folder, tmp_path):
    quotes = tmp_path / "quotes"
    quotes.mkdir()
    early, late = quotes / "z_2025-03-10.csv", quotes / "a_2025-03-10.csv"
    early.write_text(QUOTE_HEADER + "q1,H100,on_demand,2.5,USD,2025-03-10,gpu,c1,t\n")
    late.write_text(QUOTE_HEADER + "q1,H100,on_demand,9.5,USD,2025-03-10,gpu,c1,t\n")
    os.utime(early, (1_700_000_000, 1_700_000_000))
    os.utime(late, (1_750_000_000, 1_750_000_000))
    raw_and_downstream(db, folder, entity="gpu_price_quotes", quotes=quotes)
    assert query(db, "select usd_per_gpu_hour_mid as p from staging.gpu_price_quotes") == [{"p": 2.5}]
    [rejected] = query(db, "select source_file, reason from quarantine.rejected_rows where entity = 'gpu_price_quotes'")
    assert rejected["source_file"] == late.name and early.name in rejected["reason"]


# --- 3. files still being copied in ----------------------------------------------------


def test_files_named_as_partial_are_never_read(db, folder, tmp_path):
    (folder / "funding_events_new.csv.part").write_text(HEADER + round_row("p-1", 1))
    (folder / "funding_events_new.csv.crdownload").write_text(HEADER + round_row("p-2", 1))
    raw_and_downstream(db, folder)
    assert set(recon(db)) == {"funding_events.csv"}


def test_an_input_file_still_being_written_stops_the_run_naming_it(db, folder, monkeypatch):
    """A writer appends a row every 0.2 s for longer than the retries wait: the run stops
    with a message naming the file as still changing, and the warehouse is as it was."""
    monkeypatch.setenv("COMPUTE_LEDGER_SETTLE_SECONDS", "1")
    before = query(db, "select * from staging.funding_events order by event_id")
    path = folder / "funding_events_copying.csv"
    path.write_text(HEADER)
    stop = threading.Event()

    def write_slowly():
        i = 0
        while not stop.is_set():
            with path.open("a") as handle:
                handle.write(round_row(f"w-{i}", 1))
            i += 1
            time.sleep(0.2)

    writer = threading.Thread(target=write_slowly)
    writer.start()
    try:
        result = raw_and_downstream(db, folder, raise_on_error=False)
    finally:
        stop.set()
        writer.join()
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    message = failure.step_failure_data.error.to_string()
    assert "funding_events_copying.csv" in message and "still being written" in message
    assert query(db, "select * from staging.funding_events order by event_id") == before


def test_a_file_whose_copy_finishes_during_the_retries_is_loaded(db, folder, monkeypatch):
    monkeypatch.setenv("COMPUTE_LEDGER_SETTLE_SECONDS", "1")
    path = folder / "funding_events_copying.csv"
    path.write_text(HEADER)

    def finish_soon():
        time.sleep(0.5)
        with path.open("a") as handle:
            handle.write(round_row("w-done", 1))

    writer = threading.Thread(target=finish_soon)
    writer.start()
    result = raw_and_downstream(db, folder)
    writer.join()
    assert result.success
    assert recon(db)["funding_events_copying.csv"] == (1, 1, 0, 0)


def test_a_spot_price_above_on_demand_is_flagged_by_a_warning(db, folder, tmp_path):
    """Issue 17: a feed that lists a spot price above the same provider's on-demand price
    for the same GPU, region and day (prices swapped, a stale row) warns; the run goes on.
    Spot below on-demand, or spot from a provider with no on-demand price, is no warning."""
    quotes = tmp_path / "quotes"
    quotes.mkdir()
    header = "quote_id,gpu_model,price_type,price_high,currency,observed_date,price_per,provider,region,source_publication\n"
    (quotes / "cloud_2025-03-10.csv").write_text(
        header
        + "c1-od,H100,on_demand,2.5,USD,2025-03-10,gpu,c1,us-east,t\n"
        + "c1-spot,H100,spot,3.1,USD,2025-03-10,gpu,c1,us-east,t\n"  # above on-demand: flagged
        + "c1-spot-eu,H100,spot,3.1,USD,2025-03-10,gpu,c1,eu-west,t\n"  # no on-demand there
        + "c2-od,H100,on_demand,4.0,USD,2025-03-10,gpu,c2,us-east,t\n"
        + "c2-spot,H100,spot,1.2,USD,2025-03-10,gpu,c2,us-east,t\n"  # a discount
    )
    result = raw_and_downstream(db, folder, entity="gpu_price_quotes", quotes=quotes)
    assert result.success
    [evaluation] = [
        e
        for e in result.get_asset_check_evaluations()
        if e.check_name == "spot_not_above_on_demand" and e.asset_key == dg.AssetKey(["staging", "gpu_price_quotes"])
    ]
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.WARN
    metadata = {k: v.value for k, v in evaluation.metadata.items()}
    assert metadata["unexpected_count"] == 1
    assert metadata["unexpected_sample"] == ["c1-spot: spot $3.1 above on-demand $2.5 per GPU-hour"]
