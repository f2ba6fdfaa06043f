"""The `compute-ledger` console script, run as a user runs it."""

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import MINI_INPUT

SCRIPT = Path(sys.executable).parent / "compute-ledger"


def cli(*args, db=None, env=None):
    environment = {**os.environ, **(env or {})}
    if db is not None:
        environment["COMPUTE_LEDGER_DB"] = str(db)
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, env=environment, timeout=300)


def test_sql_prints_a_table(mini_warehouse):
    out = cli("sql", "select company, round_id, equity_usd_mid from marts.leverage_rounds where company = 'Lab A' order by round_id", db=mini_warehouse)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].split("|")[1].strip() == "company"
    assert "a-r1" in out.stdout and "6,000,000,000" in out.stdout


def test_sql_csv_and_json(mini_warehouse):
    out = cli("sql", "select round_id, debt_usd_high from marts.leverage_rounds where round_id = 'a-r1'", "--format", "csv", db=mini_warehouse)
    assert out.stdout.splitlines() == ["round_id,debt_usd_high", "a-r1,4000000000.0"]
    out = cli("sql", "select round_id, debt_usd_high from marts.leverage_rounds where round_id = 'a-r1'", "--format", "json", db=mini_warehouse)
    assert json.loads(out.stdout) == [{"round_id": "a-r1", "debt_usd_high": 4e9}]


def test_bad_sql_is_a_clear_error(mini_warehouse):
    out = cli("sql", "select nope from marts.leverage", db=mini_warehouse)
    assert out.returncode == 1
    assert out.stderr.startswith("error: BinderException") and "nope" in out.stderr
    assert "Traceback" not in out.stderr


def test_sql_is_read_only(mini_warehouse):
    out = cli("sql", "delete from marts.leverage", db=mini_warehouse)
    assert out.returncode == 1 and "read-only" in out.stderr
    target = mini_warehouse.parent / "copied.csv"
    copy = cli("sql", f"copy (select 1) to '{target}'", db=mini_warehouse)
    assert copy.returncode == 1 and not target.exists()
    count = cli("sql", "select count(*) as n from marts.leverage", "--format", "csv", db=mini_warehouse)
    assert count.stdout.splitlines()[1] == "2"


def test_missing_warehouse(tmp_path):
    out = cli("sql", "select 1", db=tmp_path / "nothing.duckdb")
    assert out.returncode == 2
    assert "no warehouse at" in out.stderr and "make run" in out.stderr
    assert not (tmp_path / "nothing.duckdb").exists()


def test_run_prints_progress_and_marts(tmp_path):
    db = tmp_path / "w.duckdb"
    out = cli(
        "run",
        db=db,
        env={"COMPUTE_LEDGER_INPUT": str(MINI_INPUT), "COMPUTE_LEDGER_AS_OF": "2025-09-30", "DAGSTER_HOME": str(tmp_path / "home")},
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "✓ staging/funding_events" in out.stdout and "6 rows" in out.stdout
    assert "## Runway" in out.stdout and "Lab A" in out.stdout
    assert f"Warehouse: {db}" in out.stdout


def test_run_failure_names_the_file_row_and_column(tmp_path):
    folder = tmp_path / "input"
    subprocess.run(["cp", "-r", str(MINI_INPUT), str(folder)], check=True)
    assumptions = folder / "reference" / "assumptions.csv"
    assumptions.write_text(assumptions.read_text().replace("1.5,1.5,1.5", "1.5,one and a half,1.5"))
    out = cli("run", db=tmp_path / "w.duckdb", env={"COMPUTE_LEDGER_INPUT": str(folder), "DAGSTER_HOME": str(tmp_path / "home")})
    assert out.returncode == 1
    assert "assumptions.csv, row 2, column 'value_mid'" in out.stderr
    assert "Traceback" not in out.stdout + out.stderr
