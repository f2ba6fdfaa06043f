"""Run the benchmark: generate once, run every path in its own process, compare.

    python -m bench.run --rows 100000 [--seed 7] [--skip-pandas | --with-pandas] [--as-of 2026-11-01] [--repeat 3]

1. Generates bench/out/quotes_r<rows>_s<seed>_v<version>_<reference hash>/ (gpu_prices.csv
   + a copy of data/input/reference/), or reuses it when it is already there.
2. Runs, each in its own subprocess (so peak RSS is per path, from os.wait4):
   - pipeline  — bench.pipeline_path: dagster.materialize of ref/*, raw/gpu_prices,
                 staging/gpu_prices, marts/gpu_price_index and their asset checks;
   - baseline  — bench.baseline_duckdb: the same work in bare DuckDB;
   - pandas    — bench.baseline_pandas (reference only; run up to PANDAS_MAX_ROWS rows unless
                 --with-pandas: it holds every frame in memory, ~2.2 GB per million rows).
3. Prints per-stage seconds and peak RSS per path, then checks that the pipeline's
   marts.gpu_price_index equals the baseline's (same rows, same counts, numbers within
   1e-9 relative), and also compares staging and quarantine row by row.
4. Its last line is
       rows=N pipeline_s=.. baseline_s=.. ratio_wall=.. ratio_rss=..
   where *_s is the wall time of the work inside each process (interpreter start and
   imports excluded, printed separately), ratio_wall = pipeline_s / baseline_s and
   ratio_rss = the pipeline process's peak RSS / the baseline process's. With `--repeat N`
   the two paths run N times, alternating which goes first, and *_s are the medians: on a
   shared machine one 10M run of the same code took 87 s and the next 102 s.

The children run from a copy of the project's code taken at the start (bench/out/run_*/src;
`--no-snapshot` to run the live tree), so edits made while a long run goes on do not
leak into it.

Exit status 0 when both paths succeeded and the indexes match, else 1.
Outputs go to bench/out/run_r<rows>_s<seed>/ (warehouse files, results, summary.json).

`--route feed` sends the generated file through the daily quote feed instead of
raw/gpu_prices (when the project has one); its outputs go to run_r<rows>_s<seed>_feed/.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench._common import OUT_DIR, PROJECT_DIR
from bench.compare import compare_daily_index, compare_index, compare_quarantine, compare_staging, describe
from bench.generate_quotes import GENERATOR_VERSION, generate, reference_digest


def dataset(rows: int, seed: int, out_dir: Path) -> tuple[Path, dict]:
    """The generated input folder for (rows, seed), generated if not cached."""
    # The folder holds a copy of data/input/reference: a change there is a new dataset.
    folder = out_dir / f"quotes_r{rows}_s{seed}_v{GENERATOR_VERSION}_{reference_digest()}"
    meta_path = folder / "generated.json"
    if meta_path.exists() and (folder / "gpu_prices.csv").exists():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("rows") == rows and meta.get("seed") == seed and meta.get("generator_version") == GENERATOR_VERSION:
            print(f"input: {folder} (cached: {meta['bytes'] / 2**20:,.1f} MiB)", flush=True)
            return folder, meta
    if folder.exists():
        shutil.rmtree(folder)
    print(f"input: generating {rows:,} rows into {folder}", flush=True)
    meta = generate(rows, folder / "gpu_prices.csv", seed)
    print(f"  {meta['bytes'] / 2**20:,.1f} MiB in {meta['seconds']:.1f} s; injected {meta['injected']}", flush=True)
    return folder, meta


#: What a run needs of the project's sources, copied at the start of a run (see snapshot_sources).
SNAPSHOT_DIRS = ("assets", "pipelines", "sql", "expectations", "bench")


def snapshot_sources(run_dir: Path) -> Path:
    """A copy of the project's code (assets, pipelines, sql, expectations, bench) taken now.

    The children run from it (it is their working directory, so it comes first on
    sys.path, before the editable install): the tree is shared and edited while a long
    benchmark runs, and a run must not mix code (or a SQL file) from two moments."""
    dest = run_dir / "src"
    shutil.rmtree(dest, ignore_errors=True)
    out_dir = (PROJECT_DIR / "bench" / "out").resolve()

    def ignore(folder: str, names: list[str]) -> set[str]:
        skipped = {n for n in names if n == "__pycache__" or n.endswith(".pyc")}
        if Path(folder).resolve() == out_dir.parent:
            skipped.add("out")
        return skipped

    for name in SNAPSHOT_DIRS:
        if (PROJECT_DIR / name).is_dir():
            shutil.copytree(PROJECT_DIR / name, dest / name, ignore=ignore)
    return dest


def run_child(name: str, args: list[str], result_path: Path, env: dict[str, str], cwd: Path = PROJECT_DIR) -> dict:
    """Run `python -m <args>` in its own process; its result JSON plus wall and peak RSS."""
    result_path.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", *args, "--result", str(result_path)]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if result_path.exists():
        result = json.loads(result_path.read_text(encoding="utf-8"))
    else:
        result = {"path": name, "ok": False, "error": f"exited with status {proc.returncode} and no result", "stages": []}
    result["process_s"] = round(wall, 3)
    result["peak_rss_mb"] = round(usage.ru_maxrss / 1024, 1)  # ru_maxrss is in KiB on Linux
    result["exit_code"] = proc.returncode
    return result


def _median(values: list) -> float:
    """The median of the runs' seconds; NaN when any run failed."""
    if any(v is None for v in values):
        return float("nan")
    return statistics.median(values)


def _fmt(value, spec: str, missing: str = "-") -> str:
    return (
        format(value, spec)
        if isinstance(value, (int, float)) and not (isinstance(value, float) and math.isnan(value))
        else missing
    )


def print_table(results: list[dict]) -> None:
    print()
    print("== per path ==")
    print(f"{'path':<10}{'ok':>4}{'work s':>10}{'process s':>11}{'imports s':>11}{'peak RSS MB':>13}")
    for r in results:
        print(
            f"{r['path']:<10}{'yes' if r.get('ok') else 'NO':>4}{_fmt(r.get('wall_s'), '10.3f'):>10}"
            f"{_fmt(r.get('process_s'), '11.3f'):>11}{_fmt(r.get('import_s'), '11.3f'):>11}"
            f"{_fmt(r.get('peak_rss_mb'), '13.1f'):>13}"
        )
        if r.get("error"):
            print(f"    error: {r['error']}")
    for r in results:
        print()
        print(f"== {r['path']}: stages (seconds, peak RSS MB while the stage ran) ==")
        for s in r.get("stages", []):
            rows = f"  {s['rows']:,} rows" if isinstance(s.get("rows"), int) else ""
            print(f"  {s['name']:<36}{s['seconds']:9.3f} s{_fmt(s.get('peak_rss_mb'), '10.1f'):>10} MB{rows}")


#: Above this many rows the pandas reference is skipped unless asked for (--with-pandas):
#: at 2.2 GB peak per million rows (measured at 1M) it would not fit in 24 GiB at 10M.
PANDAS_MAX_ROWS = 2_000_000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="GPU-price benchmark: pipeline vs bare DuckDB vs pandas.")
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--seed", type=int, default=7)
    pandas = parser.add_mutually_exclusive_group()
    pandas.add_argument("--skip-pandas", action="store_true", help="do not run the pandas path")
    pandas.add_argument("--with-pandas", action="store_true", help=f"run the pandas path even above {PANDAS_MAX_ROWS:,} rows")
    parser.add_argument("--as-of", default="2026-11-01")
    parser.add_argument("--out-dir", default=str(OUT_DIR), help="where inputs and runs go (default bench/out)")
    parser.add_argument("--tolerance", type=float, default=1e-9, help="relative tolerance for index numbers")
    parser.add_argument(
        "--route",
        choices=("curated", "feed"),
        default="curated",
        help="pipeline: read the file as curated gpu_prices (default) or through the daily quote feed",
    )
    parser.add_argument(
        "--incremental-rows",
        type=int,
        default=100_000,
        help="after the full run, time one new day of this many quotes through the daily feed (0: skip)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run the pipeline and the baseline this many times, alternating which goes first, and compare "
        "their medians (the first round's warehouses are the ones compared; later rounds skip the incremental day)",
    )
    parser.add_argument(
        "--no-snapshot",
        action="store_true",
        help="run the paths on the live tree instead of a copy of the code taken at the start",
    )
    args = parser.parse_args(argv)

    out_dir = Path(args.out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    folder, meta = dataset(args.rows, args.seed, out_dir)
    run_dir = (
        out_dir / f"run_r{args.rows}_s{args.seed}"
        if args.route == "curated"
        else out_dir / f"run_r{args.rows}_s{args.seed}_{args.route}"
    )
    run_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    # Runs build no GX Data Docs unless COMPUTE_LEDGER_GX_DOCS names a folder (a user's
    # default, and the baseline builds none); set it to time a run that builds them too.
    env.setdefault("COMPUTE_LEDGER_GX_DOCS", "off")
    # every run validates afresh: a result reused from an earlier run of the same file
    # would measure the cache, not the validation
    env["COMPUTE_LEDGER_CACHE"] = "off"
    env["PYTHONUNBUFFERED"] = "1"

    if args.no_snapshot:
        code_dir = PROJECT_DIR
    else:
        code_dir = snapshot_sources(run_dir)
        print(f"code: snapshot of {', '.join(SNAPSHOT_DIRS)} in {code_dir} ({time.strftime('%H:%M:%S')})", flush=True)
    pipeline_db, baseline_db = run_dir / "pipeline.duckdb", run_dir / "baseline.duckdb"
    children = [
        (
            "pipeline",
            [
                "bench.pipeline_path",
                "--input",
                str(folder),
                "--db",
                str(pipeline_db),
                "--as-of",
                args.as_of,
                "--route",
                args.route,
                "--incremental-rows",
                str(min(args.incremental_rows, args.rows)),
            ],
        ),
        ("baseline", ["bench.baseline_duckdb", "--input", str(folder), "--db", str(baseline_db), "--as-of", args.as_of]),
    ]
    run_pandas = not args.skip_pandas and (args.rows <= PANDAS_MAX_ROWS or args.with_pandas)
    if not run_pandas and not args.skip_pandas:
        print(f"pandas reference skipped above {PANDAS_MAX_ROWS:,} rows (--with-pandas to run it)", flush=True)
    if run_pandas:
        children.append(("pandas", ["bench.baseline_pandas", "--input", str(folder), "--out", str(run_dir / "pandas")]))
    results = []
    for name, child in children:
        print(flush=True)
        results.append(run_child(name, child, run_dir / f"{name}.json", env, code_dir))
    by_path = {r["path"]: r for r in results}
    print_table(results)
    walls = {"pipeline": [by_path["pipeline"].get("wall_s")], "baseline": [by_path["baseline"].get("wall_s")]}
    for round_number in range(2, args.repeat + 1):
        # later rounds alternate the order, so load on the shared machine falls on both paths
        order = ("baseline", "pipeline") if round_number % 2 == 0 else ("pipeline", "baseline")
        for name in order:
            child = dict(children[:2])[name]
            db = run_dir / f"{name}_round.duckdb"
            child = [db.as_posix() if a == str(pipeline_db if name == "pipeline" else baseline_db) else a for a in child]
            if name == "pipeline":
                child[child.index("--incremental-rows") + 1] = "0"
            result = run_child(name, child, run_dir / f"{name}_round.json", env, code_dir)
            walls[name].append(result.get("wall_s") if result.get("ok") else None)
            for leftover in run_dir.glob(f"{name}_round.duckdb*"):
                leftover.unlink()
        print(f"  round {round_number}: pipeline {walls['pipeline'][-1]} s, baseline {walls['baseline'][-1]} s", flush=True)

    print()
    print("== comparisons ==")
    comparisons = {}
    pipeline, baseline = by_path["pipeline"], by_path["baseline"]
    index_ok = False
    if pipeline.get("ok") and baseline.get("ok"):
        index = compare_index(str(pipeline_db), str(baseline_db), args.tolerance)
        daily = compare_daily_index(str(pipeline_db), str(baseline_db), args.tolerance)
        comparisons["index"], comparisons["daily_index"] = index, daily
        index_ok = index["ok"] and daily["ok"]
        for result in (index, daily):
            for line in describe(result, "pipeline", "baseline"):
                print(line)
        comparisons["staging"] = compare_staging(
            str(pipeline_db), str(baseline_db), args.tolerance, pipeline.get("staged_table", "staging.gpu_prices")
        )
        comparisons["quarantine"] = compare_quarantine(
            str(pipeline_db), str(baseline_db), pipeline.get("quarantine_entity", "gpu_prices")
        )
        for name in ("staging", "quarantine"):
            for line in describe(comparisons[name], "pipeline", "baseline"):
                print(line)
    else:
        print("  index: not compared (a path failed)")
    if "pandas" in by_path and by_path["pandas"].get("ok") and baseline.get("ok"):
        comparisons["pandas_index"] = compare_index(
            str(baseline_db), by_path["pandas"]["index_parquet"], args.tolerance, families_only=True
        )
        for line in describe(comparisons["pandas_index"], "baseline", "pandas"):
            print(line.replace("  index:", "  index (pandas, informational):"))

    def ratio(a, b):
        return a / b if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b else float("nan")

    p_s = _median(walls["pipeline"]) if pipeline.get("ok") else float("nan")
    b_s = _median(walls["baseline"]) if baseline.get("ok") else float("nan")
    summary = {
        "rows": args.rows,
        "seed": args.seed,
        "input": meta,
        "results": results,
        "comparisons": comparisons,
        "pipeline_s": p_s,
        "baseline_s": b_s,
        "ratio_wall": ratio(p_s, b_s),
        "ratio_rss": ratio(pipeline.get("peak_rss_mb"), baseline.get("peak_rss_mb")),
        "walls_s": walls,
        "index_match": index_ok,
    }
    inc = pipeline.get("incremental")
    if inc:
        summary["incremental"] = inc
        print(
            f"  incremental: one new day of {inc['rows']:,} quotes took {inc['seconds']:.3f} s "
            f"(median of {inc.get('samples_s') or [inc['seconds']]}) = "
            f"{inc['share_of_full']:.1%} of the full pipeline run; index months rebuilt: {inc['months_rebuilt']}"
        )
    validation = sum(s["seconds"] for s in pipeline.get("stages", []) if s["name"].endswith("_expectations"))
    first_s = pipeline.get("wall_s") if pipeline.get("ok") else None
    if first_s:  # the first round's stages, against that round's time
        summary["validation_share"] = validation / first_s
        print(f"  validation (every row, GX): {validation:.3f} s = {validation / first_s:.1%} of the pipeline")
    if args.repeat > 1:
        print(f"  {args.repeat} rounds, medians compared: pipeline {walls['pipeline']} s, baseline {walls['baseline']} s")
    (run_dir / "summary.json").write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")
    print(f"  (details: {run_dir / 'summary.json'})")
    ok = bool(pipeline.get("ok") and baseline.get("ok") and index_ok)
    print(
        f"rows={args.rows} pipeline_s={p_s:.3f} baseline_s={b_s:.3f} "
        f"ratio_wall={summary['ratio_wall']:.2f} ratio_rss={summary['ratio_rss']:.2f}",
        flush=True,
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
