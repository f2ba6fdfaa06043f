"""Two runs at once, and a run killed in the middle of a write: the warehouse stays right.

These start the real command (`compute-ledger run`) in separate processes sharing one
DAGSTER_HOME and one warehouse file, as two users or a schedule and a user would.
"""

import fcntl
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from helpers import MINI_INPUT, PROJECT_DIR, query

SCRIPT = Path(sys.executable).parent / "compute-ledger"


def _env(tmp_path, quotes=None):
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "COMPUTE_LEDGER_DB": str(tmp_path / "w.duckdb"),
        "COMPUTE_LEDGER_INPUT": str(MINI_INPUT),
        "COMPUTE_LEDGER_QUOTES": str(quotes or tmp_path / "quotes"),
        "COMPUTE_LEDGER_LANDING": str(tmp_path / "landing"),
        "COMPUTE_LEDGER_AS_OF": "2025-09-30",
        "COMPUTE_LEDGER_GX_DOCS": "off",
    }


def _start(env, log):
    return subprocess.Popen([str(SCRIPT), "run"], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=PROJECT_DIR)


def test_two_runs_at_once_both_succeed(tmp_path):
    env = _env(tmp_path)
    logs = [open(tmp_path / f"{name}.log", "w+") for name in ("a", "b")]  # noqa: SIM115 (closed with the processes)
    runs = [_start(env, log) for log in logs]
    codes = [run.wait(timeout=600) for run in runs]
    outputs = [(tmp_path / f"{name}.log").read_text() for name in ("a", "b")]
    assert codes == [0, 0], outputs
    for output in outputs:
        assert "Could not set lock" not in output
        assert "✓ marts/leverage_rounds" in output
    assert query(tmp_path / "w.duckdb", "select count(*) as n from staging.funding_events")[0]["n"] == 6


def _big_quote_file(path: Path, rows: int) -> None:
    header = "quote_id,gpu_model,price_type,price_high,currency,observed_date,price_per,gpus_per_instance,provider,source_publication\n"
    with path.open("w") as handle:
        handle.write(header)
        for block in range(rows // 1000):
            handle.write(
                "".join(
                    f"k{block}-{i},H100,on_demand,{2 + i % 7}.5,USD,2025-03-{1 + i % 28:02d},gpu,,p{i % 5},test\n"
                    for i in range(1000)
                )
            )


def _lock_held(db: Path) -> bool:
    with open(f"{db}.write-lock", "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def test_a_run_killed_mid_write_leaves_the_warehouse_as_it_was(tmp_path):
    db = tmp_path / "w.duckdb"
    quotes = tmp_path / "quotes"
    quotes.mkdir()
    env = _env(tmp_path, quotes)
    assert subprocess.run([str(SCRIPT), "run"], env=env, capture_output=True, cwd=PROJECT_DIR).returncode == 0
    marts = query(db, "select * from marts.leverage order by all")
    staged = query(db, "select count(*) as n from staging.gpu_price_quotes")[0]["n"]

    _big_quote_file(quotes / "history.csv", 400_000)
    log = open(tmp_path / "killed.log", "w+")  # noqa: SIM115 (the run writes it until killed)
    run = _start(env, log)
    deadline = time.monotonic() + 300
    held_since = None
    while time.monotonic() < deadline:
        assert run.poll() is None, (tmp_path / "killed.log").read_text()
        log_text = (tmp_path / "killed.log").read_text()
        if "✓ raw/gpu_prices" in log_text and _lock_held(db):
            held_since = held_since or time.monotonic()
            if time.monotonic() - held_since > 1.0:  # the quote load is writing
                break
        else:
            held_since = None
        time.sleep(0.05)
    # killed while the quote load held the write lock, not after a timeout
    assert held_since is not None and time.monotonic() < deadline, (tmp_path / "killed.log").read_text()
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    assert "✓ raw/gpu_price_quotes" not in (tmp_path / "killed.log").read_text()

    # The file opens; the tables are as they were before the killed run.
    assert query(db, "select * from marts.leverage order by all") == marts
    assert query(db, "select count(*) as n from staging.gpu_price_quotes")[0]["n"] == staged
    assert query(db, "select count(*) as n from raw.gpu_price_quotes")[0]["n"] == 0

    # The next run marks the dead one failed and succeeds.
    nxt = subprocess.run([str(SCRIPT), "run"], env=env, capture_output=True, text=True, cwd=PROJECT_DIR, timeout=600)
    assert nxt.returncode == 0, nxt.stdout + nxt.stderr
    assert "had died mid-way" in nxt.stdout
    assert query(db, "select count(*) as n from staging.gpu_price_quotes")[0]["n"] == 400_000
    shutil.rmtree(quotes)


_HOLD_A_WRITE = """
import sys, time
from assets.resources import Warehouse
with Warehouse(path=sys.argv[1]).write() as con:
    con.execute("create table main.written as select 42 as answer")
    print("writing", flush=True)
    time.sleep(2)
"""


def test_a_reader_waits_for_an_open_write_and_never_takes_the_write_lock(tmp_path):
    from assets.resources import Warehouse

    db = tmp_path / "w.duckdb"
    with Warehouse(path=str(db)).write() as con:
        con.execute("create table main.before as select 1 as x")
    writer = subprocess.Popen([sys.executable, "-c", _HOLD_A_WRITE, str(db)], stdout=subprocess.PIPE, text=True, cwd=PROJECT_DIR)
    assert writer.stdout.readline().strip() == "writing"
    assert _lock_held(db)
    # opened while the other process writes: the reader waits for the commit, then sees it
    with Warehouse(path=str(db)).read() as con:
        assert con.execute("select answer from main.written").fetchall() == [(42,)]
        assert writer.wait(timeout=60) == 0
        assert not _lock_held(db)  # reading holds no write lock
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute("create table main.nope as select 1")


_HOLD_THE_LOCK = """
import sys, time
from ledger.warehouse import write_lock
with write_lock(sys.argv[1]):
    print("held", flush=True)
    time.sleep(1.5)
"""


def test_a_step_that_waits_for_another_writer_says_so_in_its_run_log(tmp_path):
    import dagster as dg

    from assets.resources import Warehouse

    db = tmp_path / "w.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", _HOLD_THE_LOCK, str(db)], stdout=subprocess.PIPE, text=True, cwd=PROJECT_DIR)
    assert holder.stdout.readline().strip() == "held"

    @dg.asset
    def written(warehouse: Warehouse) -> None:
        with warehouse.write() as con:
            con.execute("create table main.t as select 1 as x")

    with dg.instance_for_test() as instance:
        result = dg.materialize([written], resources={"warehouse": Warehouse(path=str(db))}, instance=instance)
        messages = [entry.user_message for entry in instance.all_logs(result.run_id)]
    assert result.success and holder.wait(timeout=60) == 0
    assert any(m.startswith("Waiting for the warehouse: another step or process is writing") for m in messages), messages
