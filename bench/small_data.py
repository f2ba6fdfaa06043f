"""Small data, side by side: this checkout against another (the baseline), on the bundled data.

    python -m bench.small_data --baseline /path/to/other/checkout [--repeat 5]

Both checkouts run with their own virtual environment (`.venv` in each), their own
DAGSTER_HOME, warehouse and cache in a temporary folder, and the same inputs (this
checkout's `data/input`), alternately, so that load on a shared machine falls on both.
What it times, as a user meets it (wall seconds, median of `--repeat`):

- `run, unchanged`: `compute-ledger run` again on inputs that did not change (after one
  unmeasured run), the "warm make run";
- `run, one file edited`: `compute-ledger run` after one amount in funding_events.csv
  changed (to a new value each time);
- `sql "select 1"`: the read-only query command's start-up;
- per suite, in one process with GX imported and its context made (each timed apart):
  `validate_query` on the warehouse's staged table, nothing reused, the first time in the
  process — what a run pays for it, building the suite's GX objects included.

Both run on the same inputs (`--inputs`), so a checkout that stages more of them (a newer entity the
other ignores) does more work in the same time. It prints a table and writes
bench/out/small_data.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._common import OUT_DIR, PROJECT_DIR

#: Run in each checkout's interpreter: the GX import, the GX context (both paid once per
#: process), then each suite validated once, nothing reused.
_SUITES_SCRIPT = """
import inspect, json, sys, time
from datetime import date
import duckdb
t = time.perf_counter(); import great_expectations; gx_import = time.perf_counter() - t
try:  # the library's home since issue 12; older checkouts kept it in assets/
    from ledger.quality import validate
    from ledger.quality.suites import load_suites
    from ledger.warehouse import load_sql, sql_params
except ImportError:
    from assets.quality import validate
    from assets.quality.suites import load_suites
    from assets.warehouse import load_sql, sql_params
t = time.perf_counter(); validate._context(None); gx_context = time.perf_counter() - t
fresh = {"cache_dir": None} if "cache_dir" in inspect.signature(validate.validate_query).parameters else {}
out = {"gx_import_s": gx_import, "gx_context_s": gx_context, "suites": {}}
with duckdb.connect(sys.argv[1], read_only=True) as con:
    for suite in load_suites():
        select = load_sql(suite.query) if suite.query else f"select * from {suite.table}"
        params = sql_params(select, {"as_of": date(2026, 11, 1)})
        t = time.perf_counter()
        validate.validate_query(suite, con, select, params, None, **fresh)
        out["suites"][suite.name] = time.perf_counter() - t
print(json.dumps(out))
"""


class Checkout:
    """One checkout with its own interpreter and a scratch folder for its state."""

    def __init__(self, name: str, root: Path, scratch: Path, inputs: Path):
        self.name, self.root = name, root
        self.bin = root / ".venv" / "bin"
        home = scratch / name / "dagster_home"
        home.mkdir(parents=True)
        shutil.copy(root / "dagster.yaml", home / "dagster.yaml")
        self.db = scratch / name / "warehouse.duckdb"
        self.env = {
            **os.environ,
            "DAGSTER_HOME": str(home),
            "COMPUTE_LEDGER_DB": str(self.db),
            "COMPUTE_LEDGER_INPUT": str(inputs),
            "COMPUTE_LEDGER_QUOTES": str(scratch / name / "quotes"),
            "COMPUTE_LEDGER_LANDING": str(scratch / name / "landing"),
            "COMPUTE_LEDGER_CACHE": str(scratch / name / "cache"),
            "COMPUTE_LEDGER_AS_OF": "2026-11-01",
        }

    def timed(self, *args: str) -> float:
        started = time.perf_counter()
        done = subprocess.run(
            [str(self.bin / "compute-ledger"), *args], env=self.env, cwd=self.root, capture_output=True, text=True
        )
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(
                f"{self.name}: compute-ledger {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
            )
        return seconds

    def suites(self) -> dict:
        done = subprocess.run(
            [str(self.bin / "python"), "-c", _SUITES_SCRIPT, str(self.db)],
            env=self.env,
            cwd=self.root,
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(done.stdout.splitlines()[-1])


def _edit(funding: Path, original: str, turn: int) -> None:
    """Change one amount (xAI's 2024 Series B: $6B → $6.1B, $6.2B…, new each turn, so no
    earlier result of the suite can be reused)."""
    old = "xai-2024-05-series-b-equity,xAI,xai-2024-05,Series B,2024-05-26,2024-05-26,equity,,6,exact,"
    if old not in original:
        raise SystemExit(f"{funding}: the row this benchmark edits is not there any more; update bench/small_data.py")
    funding.write_text(original.replace(old, old.replace(",,6,exact,", f",,{6 + (turn + 1) / 10:.1f},exact,")))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, required=True, help="another checkout with its own .venv")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--suites-only", action="store_true", help="only the per-suite validation times")
    parser.add_argument(
        "--inputs",
        type=Path,
        default=PROJECT_DIR / "data" / "input",
        help="the input folder both run on (default this checkout's data/input; give the baseline's own when "
        "this checkout's data fails the baseline's checks)",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="small-data-") as folder:
        scratch = Path(folder)
        inputs = scratch / "input"
        shutil.copytree(args.inputs, inputs)
        funding = inputs / "funding_events.csv"
        original = funding.read_text(encoding="utf-8")
        checkouts = [
            Checkout("baseline", args.baseline.resolve(), scratch, inputs),
            Checkout("this", PROJECT_DIR, scratch, inputs),
        ]
        times: dict[str, dict[str, list[float]]] = {c.name: {} for c in checkouts}
        for checkout in checkouts:
            checkout.timed("run")  # builds the warehouse, the run history and caches
        for turn in range(0 if args.suites_only else args.repeat):
            for checkout in checkouts:
                funding.write_text(original, encoding="utf-8")
                checkout.timed("run")  # back to the original data, unmeasured
                times[checkout.name].setdefault("run, unchanged", []).append(checkout.timed("run"))
                _edit(funding, original, turn)
                times[checkout.name].setdefault("run, one file edited", []).append(checkout.timed("run"))
                times[checkout.name].setdefault('sql "select 1"', []).append(checkout.timed("sql", "select 1"))
            print(f"  round {turn + 1} of {args.repeat} done", flush=True)
        funding.write_text(original, encoding="utf-8")
        for checkout in checkouts:
            checkout.timed("run")
        suites = {c.name: c.suites() for c in checkouts}
    medians = {name: {what: statistics.median(values) for what, values in per.items()} for name, per in times.items()}
    rounds = "" if args.suites_only else f"median of {args.repeat}, "
    print(f"\n| what ({rounds}wall s) | baseline | this | this / baseline |")
    print("| --- | ---: | ---: | ---: |")
    for what in medians["this"]:
        base, this = medians["baseline"][what], medians["this"][what]
        print(f"| {what} | {base:.2f} | {this:.2f} | {this / base:.0%} |")
    for what, key in (("GX import", "gx_import_s"), ("GX context", "gx_context_s")):
        print(f"| {what} (once per process) | {suites['baseline'][key]:.2f} | {suites['this'][key]:.2f} | |")
    for name, this in suites["this"]["suites"].items():
        base = suites["baseline"]["suites"].get(name)  # a suite the baseline does not have: this side only
        ratio = f"{this / base:.0%}" if base else ""
        base_text = f"{base:.2f}" if base else "–"
        print(f"| validate {name} (once, nothing reused) | {base_text} | {this:.2f} | {ratio} |")
    OUT_DIR.mkdir(exist_ok=True)
    result = {"repeat": args.repeat, "times": times, "medians": medians, "suites": suites, "baseline": str(args.baseline)}
    (OUT_DIR / "small_data.json").write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
