"""The landing folder: a colleague drops a CSV, the sensor picks it up, the marts change."""

import os

import dagster as dg
import pytest

from conftest import MINI_INPUT, copy_input, materialize_everything, query
from pipelines.definitions import defs
from pipelines.resources import Inputs, Warehouse
from pipelines.sensors import landing_folder

NEW_ROUND = (
    "event_id,company,round_id,announced_date,instrument,amount_low,amount_high,currency,unit,status,source_publication\n"
    "b-r2-equity,Lab B,b-r2,2025-05-01,equity,,2,USD,billion,closed,test fixture\n"
)


@pytest.fixture
def setup(tmp_path, monkeypatch):
    folder = copy_input(MINI_INPUT, tmp_path / "input")
    landing = tmp_path / "landing"
    landing.mkdir()
    monkeypatch.setenv("COMPUTE_LEDGER_LANDING", str(landing))
    db = tmp_path / "w.duckdb"
    materialize_everything(db, folder, "2025-09-30", landing_dir=landing)
    resources = {
        "warehouse": Warehouse(path=str(db)),
        "inputs": Inputs(input_dir=str(folder), as_of="2025-09-30", quotes_dir=str(tmp_path / "quotes"), landing_dir=str(landing)),
    }
    return db, landing, resources


def _tick():
    context = dg.build_sensor_context(repository_def=defs.get_repository_def())
    result = landing_folder(context)
    return [] if isinstance(result, dg.SkipReason) else list(result)


def _run(request, resources, instance):
    """Execute a sensor's run request in this process, on the test's warehouse."""
    local = dg.Definitions(assets=list(defs.assets), asset_checks=list(defs.asset_checks), jobs=list(defs.jobs), resources=resources)
    job = local.resolve_job_def(request.job_name)
    return job.execute_in_process(
        asset_selection=request.asset_selection, tags=request.tags, instance=instance, raise_on_error=False
    )


def test_a_dropped_file_reaches_the_marts(setup):
    db, landing, resources = setup
    before = query(db, "select equity_usd_mid from marts.leverage where company = 'Lab B'")[0]["equity_usd_mid"]
    (landing / "funding_events_colleague.csv").write_text(NEW_ROUND)
    [request] = _tick()
    assert request.job_name == "funding"
    assert request.run_key.startswith("landing:")
    keys = {k.to_user_string() for k in request.asset_selection}
    assert {"raw/landing_files", "raw/funding_events", "staging/funding_events", "marts/leverage"} <= keys
    assert "raw/cash_burn" not in keys
    with dg.instance_for_test() as instance:
        assert _run(request, resources, instance).success
    after = query(db, "select equity_usd_mid from marts.leverage where company = 'Lab B'")[0]["equity_usd_mid"]
    assert after == pytest.approx(before + 2e9)
    assert not (landing / "funding_events_colleague.csv").exists()
    accepted = list((landing / "accepted" / "funding_events").iterdir())
    assert len(accepted) == 1 and accepted[0].name.endswith("_funding_events_colleague.csv")
    log = query(db, "select file_name, entity, status, rows from audit.ingest_log order by logged_at")
    assert [(r["status"], r["rows"]) for r in log] == [("accepted", None), ("loaded", 1)]
    assert query(db, "select dataset from staging.funding_events where event_id = 'b-r2-equity'") == [{"dataset": "landing"}]
    assert _tick() == []  # nothing left to pick up


def test_the_same_file_twice_adds_nothing(setup):
    db, landing, resources = setup
    with dg.instance_for_test() as instance:
        (landing / "funding_events_a.csv").write_text(NEW_ROUND)
        [first] = _tick()
        assert _run(first, resources, instance).success
        rows = query(db, "select count(*) as n from staging.funding_events")[0]["n"]
        (landing / "funding_events_a_again.csv").write_text(NEW_ROUND)
        [second] = _tick()
        assert second.run_key != first.run_key and second.run_key.split(":")[1] == first.run_key.split(":")[1]
        assert _run(second, resources, instance).success
    assert query(db, "select count(*) as n from staging.funding_events")[0]["n"] == rows
    assert (landing / "duplicates" / "funding_events_a_again.csv").exists()
    statuses = [r["status"] for r in query(db, "select status from audit.ingest_log order by logged_at")]
    assert statuses == ["accepted", "loaded", "duplicate"]


def test_a_file_that_fails_is_set_aside_and_reported(setup):
    db, landing, resources = setup
    marts_before = query(db, "select * from marts.leverage order by all")
    (landing / "funding_events_broken.csv").write_text(NEW_ROUND + 'b-r3,Lab B,b-r3,2025-06-01,equity,,"1,USD\n')
    [request] = _tick()
    with dg.instance_for_test() as instance:
        result = _run(request, resources, instance)
    assert not result.success
    assert (landing / "failed" / "funding_events_broken.csv").exists()
    reason = (landing / "failed" / "funding_events_broken.csv.error.txt").read_text()
    assert "row 3" in reason and "never closed" in reason
    log = query(db, "select status, reason from audit.ingest_log order by logged_at")
    assert [r["status"] for r in log] == ["accepted", "failed"] and "never closed" in log[1]["reason"]
    assert query(db, "select * from marts.leverage order by all") == marts_before
    assert _tick() == []  # not retried forever


def test_a_file_of_no_known_entity_is_set_aside(setup):
    db, landing, resources = setup
    (landing / "notes.csv").write_text("a,b\n1,2\n")
    [request] = _tick()
    assert [k.to_user_string() for k in request.asset_selection] == ["raw/landing_files"]
    with dg.instance_for_test() as instance:
        assert _run(request, resources, instance).success
    assert "cannot tell which entity" in (landing / "failed" / "notes.csv.error.txt").read_text()


def test_only_regular_files_inside_the_folder_are_read(setup, tmp_path):
    db, landing, resources = setup
    outside = tmp_path / "outside.csv"
    outside.write_text(NEW_ROUND)
    os.symlink(outside, landing / "funding_events_link.csv")
    (landing / "sub").mkdir()
    (landing / "sub" / "funding_events_nested.csv").write_text(NEW_ROUND)
    (landing / ".funding_events_partial.csv").write_text(NEW_ROUND)
    assert _tick() == []
    assert outside.exists() and (landing / "funding_events_link.csv").is_symlink()
