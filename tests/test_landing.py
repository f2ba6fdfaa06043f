"""The landing folder: a colleague drops a CSV, the sensor picks it up, the marts change."""

import os
import time
from contextlib import contextmanager

import dagster as dg
import pytest

from assets.landing import LANDING_KEY
from assets.resources import Inputs, Warehouse
from helpers import MINI_INPUT, copy_input, materialize_everything, query, run_request, sensor_tick
from pipelines.definitions import defs

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
        "inputs": Inputs(
            input_dir=str(folder), as_of="2025-09-30", quotes_dir=str(tmp_path / "quotes"), landing_dir=str(landing)
        ),
    }
    return db, landing, resources


_INSTANCE: list[dg.DagsterInstance] = []


@pytest.fixture(autouse=True)
def _one_instance_per_test():
    """The sensor and the runs of a test share one Dagster instance, as in `dagster dev`
    (the sensor reads which runs are active and when raw tables were last loaded)."""
    with dg.instance_for_test() as instance:
        _INSTANCE.append(instance)
        yield
        _INSTANCE.pop()


@contextmanager
def shared_instance():
    yield _INSTANCE[-1]


def _tick(instance=None):
    return sensor_tick(instance or _INSTANCE[-1])


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
    with shared_instance() as instance:
        assert run_request(request, resources, instance).success
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
    with shared_instance() as instance:
        (landing / "funding_events_a.csv").write_text(NEW_ROUND)
        [first] = _tick()
        assert run_request(first, resources, instance).success
        rows = query(db, "select count(*) as n from staging.funding_events")[0]["n"]
        (landing / "funding_events_a_again.csv").write_text(NEW_ROUND)
        [second] = _tick()
        assert second.run_key != first.run_key and second.run_key.split(":")[1] == first.run_key.split(":")[1]
        assert run_request(second, resources, instance).success
    assert query(db, "select count(*) as n from staging.funding_events")[0]["n"] == rows
    assert (landing / "duplicates" / "funding_events_a_again.csv").exists()
    statuses = [r["status"] for r in query(db, "select status from audit.ingest_log order by logged_at")]
    assert statuses == ["accepted", "loaded", "duplicate"]


def test_a_file_that_fails_is_set_aside_and_reported(setup):
    """A quote never closed: set aside at triage, so it holds back no other file's rows."""
    db, landing, resources = setup
    marts_before = query(db, "select * from marts.leverage order by all")
    (landing / "funding_events_broken.csv").write_text(NEW_ROUND + 'b-r3,Lab B,b-r3,2025-06-01,equity,,"1,USD\n')
    (landing / "funding_events_good.csv").write_text(NEW_ROUND)
    [request] = _tick()
    with shared_instance() as instance:
        assert run_request(request, resources, instance).success
    assert (landing / "failed" / "funding_events_broken.csv").exists()
    reason = (landing / "failed" / "funding_events_broken.csv.error.txt").read_text()
    assert "row 3" in reason and "never closed" in reason
    log = query(db, "select file_name, status, reason from audit.ingest_log order by logged_at, file_name")
    assert [(r["file_name"], r["status"]) for r in log] == [
        ("funding_events_broken.csv", "failed"),
        ("funding_events_good.csv", "accepted"),
        ("funding_events_good.csv", "loaded"),
    ]
    assert "never closed" in log[0]["reason"]
    assert query(db, "select count(*) as n from staging.funding_events where event_id = 'b-r2-equity'") == [{"n": 1}]
    assert query(db, "select * from marts.leverage order by all") != marts_before  # the good file's round
    assert _tick() == []  # not retried forever


def test_a_failed_file_of_the_same_name_does_not_replace_the_first(setup):
    db, landing, resources = setup
    for attempt in ("a", "b"):
        (landing / "funding_events_broken.csv").write_text(f'event_id,company\n{attempt},"\n')
        [request] = _tick()
        with shared_instance() as instance:
            assert run_request(request, resources, instance).success
    kept = sorted(p.name for p in (landing / "failed").iterdir() if not p.name.endswith(".error.txt"))
    assert kept == ["funding_events_broken (2).csv", "funding_events_broken.csv"]
    assert (landing / "failed" / "funding_events_broken (2).csv.error.txt").exists()


def test_waiting_files_make_one_run_per_domain(setup):
    db, landing, resources = setup
    for i in range(5):
        (landing / f"funding_events_{i}.csv").write_text(NEW_ROUND.replace("b-r2", f"b-x{i}"))
    (landing / "cash_burn_x.csv").write_text("figure_id,company\n")
    (landing / "notes.txt.part").write_text("still copying")
    requests = _tick()
    assert sorted(r.job_name for r in requests) == ["burn", "funding"]
    with shared_instance() as instance:
        [funding] = [r for r in requests if r.job_name == "funding"]
        assert run_request(funding, resources, instance).success
    # the funding run took every funding file, and left the burn file to the burn run
    assert query(db, "select count(*) as n from staging.funding_events where event_id like 'b-x%'") == [{"n": 5}]
    assert sorted(p.name for p in landing.iterdir() if p.is_file()) == ["cash_burn_x.csv", "notes.txt.part"]
    with shared_instance() as instance:
        [burn] = [r for r in requests if r.job_name == "burn"]
        assert run_request(burn, resources, instance).success
    assert (landing / "failed" / "cash_burn_x.csv.error.txt").exists()  # its header lacks columns
    assert sorted(p.name for p in landing.iterdir() if p.is_file()) == ["notes.txt.part"]  # never taken


def test_a_file_still_being_written_waits(setup, monkeypatch):
    db, landing, resources = setup
    monkeypatch.setenv("COMPUTE_LEDGER_SETTLE_SECONDS", "60")
    path = landing / "funding_events_new.csv"
    path.write_text(NEW_ROUND)
    assert _tick() == []  # changed seconds ago: not yet
    os.utime(path, (time.time() - 120, time.time() - 120))
    [request] = _tick()
    with shared_instance() as instance:
        assert run_request(request, resources, instance).success
    assert not path.exists()


def test_a_blocked_move_leaves_the_file_to_be_taken_later_not_lost(setup):
    """Issue 19: the move to accepted/ fails (a plain file where its folder should be): the
    file stays in the landing folder, unlogged; once the disk is fixed, the next tick asks
    again and the file is loaded — never set aside as a duplicate of itself."""
    db, landing, resources = setup
    (landing / "accepted").mkdir()
    (landing / "accepted" / "funding_events").write_text("in the way")
    (landing / "funding_events_colleague.csv").write_text(NEW_ROUND)
    with shared_instance() as instance:
        [first] = _tick(instance)
        assert not run_request(first, resources, instance).success
        assert (landing / "funding_events_colleague.csv").exists()
        assert query(db, "select count(*) as n from audit.ingest_log") == [{"n": 0}]
        (landing / "accepted" / "funding_events").unlink()
        [second] = _tick(instance)
        assert second.run_key != first.run_key
        assert run_request(second, resources, instance).success
    log = query(db, "select status from audit.ingest_log order by logged_at")
    assert [r["status"] for r in log] == ["accepted", "loaded"]
    assert not (landing / "duplicates").exists()
    assert query(db, "select count(*) as n from staging.funding_events where event_id = 'b-r2-equity'") == [{"n": 1}]


def test_a_file_of_no_known_entity_is_set_aside(setup):
    db, landing, resources = setup
    (landing / "notes.csv").write_text("a,b\n1,2\n")
    [request] = _tick()
    assert [k.to_user_string() for k in request.asset_selection] == ["raw/landing_files"]
    with shared_instance() as instance:
        assert run_request(request, resources, instance).success
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


WORKER = """
import os, socket, sys
import dagster as dg
from pipelines.definitions import defs
from assets.resources import Inputs, Warehouse
from pipelines.run_health import HOST_TAG, PID_TAG
db, folder, landing, job_name, keys, tags = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
resources = {"warehouse": Warehouse(path=db), "inputs": Inputs(input_dir=folder, as_of="2025-09-30", landing_dir=landing)}
local = dg.Definitions(assets=list(defs.assets), asset_checks=list(defs.asset_checks), jobs=list(defs.jobs), resources=resources)
selection = [dg.AssetKey.from_user_string(k) for k in keys.split(",")]
tags = dict(t.split("=", 1) for t in tags.split(";"))
tags.update({PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()})
local.resolve_job_def(job_name).execute_in_process(asset_selection=selection, tags=tags, instance=dg.DagsterInstance.get())
"""


def test_a_run_killed_before_its_triage_is_marked_failed_and_its_file_taken_later(setup, tmp_path):
    """Issue 19: a run worker killed (SIGKILL) while its landing step waits for the
    warehouse leaves the run 'started' and the file in the landing folder. The `dead_runs`
    sensor marks the run failed; the landing sensor then asks again and the file loads."""
    import fcntl
    import signal
    import subprocess
    import sys

    from pipelines.sensors import dead_runs

    db, landing, resources = setup
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    (landing / "funding_events_colleague.csv").write_text(NEW_ROUND)
    instance = dg.DagsterInstance.from_config(str(home))
    [first] = _tick(instance)
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    with open(f"{db}.write-lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the landing step will wait here, its run started
        worker = subprocess.Popen(
            [
                sys.executable,
                "-c",
                WORKER,
                str(db),
                resources["inputs"].input_dir,
                str(landing),
                first.job_name,
                ",".join(k.to_user_string() for k in first.asset_selection),
                ";".join(f"{k}={v}" for k, v in first.tags.items()),
            ],
            env=env,
            cwd=os.path.dirname(os.path.dirname(__file__)),
        )
        deadline = time.monotonic() + 120
        while not instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED])):
            assert time.monotonic() < deadline and worker.poll() is None, "the worker's run never started"
            time.sleep(0.5)
        time.sleep(2)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    [run] = instance.get_runs()
    assert run.status == dg.DagsterRunStatus.STARTED  # what Dagster alone leaves behind
    assert (landing / "funding_events_colleague.csv").exists()
    assert _tick(instance) == []  # the domain's run still counts as running
    context = dg.build_sensor_context(repository_def=defs.get_repository_def(), instance=instance)
    assert "marked failed" in dead_runs(context).skip_message
    assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.FAILURE
    [second] = _tick(instance)
    assert second.run_key != first.run_key
    assert run_request(second, resources, instance).success
    assert not (landing / "funding_events_colleague.csv").exists()
    assert query(db, "select count(*) as n from staging.funding_events where event_id = 'b-r2-equity'") == [{"n": 1}]


def test_a_file_accepted_by_a_run_that_died_before_loading_it_gets_arun_request(setup):
    """Issue 19 (found by the soak): a run killed between its triage and its raw step leaves
    the file in accepted/, where no landing-folder listing sees it; the sensor asks for a
    run of its domain because it is newer than the entity's last raw load."""
    db, landing, resources = setup
    with shared_instance() as instance:
        (landing / "funding_events_first.csv").write_text(NEW_ROUND)
        [first] = _tick()
        assert run_request(first, resources, instance).success
        assert _tick() == []
        folder = landing / "accepted" / "funding_events"
        (folder / "0123456789ab_funding_events_orphan.csv").write_text(NEW_ROUND.replace("b-r2", "b-orphan"))
        [request] = _tick()
        assert request.job_name == "funding"
        assert run_request(request, resources, instance).success
        assert _tick() == []
    assert query(db, "select count(*) as n from staging.funding_events where event_id = 'b-orphan-equity'") == [{"n": 1}]


def test_a_file_loaded_by_a_run_that_died_before_staging_it_gets_arun_request(setup):
    """Found by the soak under load: a run killed after its raw step, before staging, left
    the file's rows in raw but never staged; the sensor asks again because the file was
    accepted after the entity's staged table was last built."""
    db, landing, resources = setup
    with shared_instance() as instance:
        (landing / "funding_events_cut_short.csv").write_text(NEW_ROUND.replace("b-r2", "b-cut"))
        [request] = _tick()
        # the run as far as its raw step (then killed)
        cut_short = dg.RunRequest(
            job_name=request.job_name,
            asset_selection=[LANDING_KEY, dg.AssetKey(["raw", "funding_events"])],
            tags=request.tags,
        )
        assert run_request(cut_short, resources, instance).success
        assert query(db, "select count(*) as n from staging.funding_events where event_id = 'b-cut-equity'") == [{"n": 0}]
        [again] = _tick()
        assert again.job_name == "funding" and dg.AssetKey(["staging", "funding_events"]) in again.asset_selection
        assert run_request(again, resources, instance).success
        assert _tick() == []
    assert query(db, "select count(*) as n from staging.funding_events where event_id = 'b-cut-equity'") == [{"n": 1}]


def test_files_moved_by_a_run_that_died_before_logging_them_are_logged_later(setup):
    """Move first, then log: a run killed between the two leaves files moved but not in
    audit.ingest_log; the next landing step logs each where it found it."""
    db, landing, resources = setup
    (landing / "accepted" / "funding_events").mkdir(parents=True)
    (landing / "accepted" / "funding_events" / "0123456789ab_funding_events_x.csv").write_text(NEW_ROUND)
    (landing / "duplicates").mkdir()
    (landing / "duplicates" / "funding_events_copy.csv").write_text(NEW_ROUND)
    (landing / "failed").mkdir()
    (landing / "failed" / "notes.csv").write_text("a,b\n")
    (landing / "failed" / "notes.csv.error.txt").write_text("notes.csv: cannot tell which entity it holds\n")
    [request] = _tick()  # the accepted file was never loaded
    with shared_instance() as instance:
        assert run_request(request, resources, instance).success
        assert run_request(request, resources, instance).success  # a second run logs nothing again
    log = query(db, "select file_name, status, reason from audit.ingest_log order by status, file_name")
    assert [(r["file_name"], r["status"]) for r in log] == [
        ("funding_events_x.csv", "accepted"),
        ("funding_events_copy.csv", "duplicate"),
        ("notes.csv", "failed"),
        ("funding_events_x.csv", "loaded"),
    ]
    assert all("logged by a later run" in r["reason"] for r in log if r["status"] != "loaded")
    assert "cannot tell which entity" in log[2]["reason"]
