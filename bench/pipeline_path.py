"""The project's real GPU-price path, as users run it: Dagster runs of the project's assets.

    python -m bench.pipeline_path --input DIR --db PATH [--as-of 2026-11-01] [--route curated|feed]
                                  [--result JSON]

Materializes, with `dagster.materialize` on an ephemeral instance and the project's
resources `Warehouse(path=DB)` and `Inputs(input_dir=DIR, as_of=...)`:
    ref/* + raw/gpu_prices + staging/gpu_prices + marts/gpu_price_index
and every asset check attached to them (the selection is an AssetSelection, which brings
checks along).

The index's other inputs come along (its SQL reads them; e.g. the daily quote feed
raw+staging/gpu_price_quotes). Partitioned and unpartitioned assets cannot share a run, so
the selection is cut into consecutive runs where partitioning changes along a dependency;
a partitioned run covers every partition at once (single-run range tags). The quote
folder is an empty folder of the run (`--quotes-dir`), unless `--route feed` puts the
generated file there instead of in the curated input folder.

Per stage it prints the step's wall time from Dagster's step events (the asset body plus
Dagster's work around it), and the peak RSS seen while the step ran (sampled every 20 ms).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import threading
import time
import traceback
from pathlib import Path

START = time.perf_counter()

import dagster as dg  # noqa: E402

from assets.resources import Inputs, Warehouse  # noqa: E402
from bench._common import Stages, write_result  # noqa: E402
from pipelines.definitions import defs  # noqa: E402
from pipelines.jobs import QUOTE_FEED_SELECTION  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - START

INDEX = dg.AssetKey(["marts", "gpu_price_index"])
CURATED = [dg.AssetKey(["raw", "gpu_prices"]), dg.AssetKey(["staging", "gpu_prices"])]
FEED = [dg.AssetKey(["raw", "gpu_price_quotes"]), dg.AssetKey(["staging", "gpu_price_quotes"])]
RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"
LOGGING = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


def plan(route: str) -> list[tuple[str, list[dg.AssetKey], dict[str, str]]]:
    """The runs to launch, in order: (label, asset keys, run tags).

    Partitioned and unpartitioned assets cannot share a run, so the selection is cut into
    runs wherever partitioning changes along a dependency; a partitioned run covers every
    partition at once (single-run range tags). The index's inputs all come along (its SQL
    reads them all), with the keys their multi-asset cannot leave out."""
    graph = defs.resolve_asset_graph()
    wanted = set(dg.AssetSelection.key_prefixes(["ref"]).resolve(graph)) | set(CURATED) | {INDEX}
    if route == "feed":
        missing = [k for k in FEED if not graph.has(k)]
        if missing:
            raise SystemExit(f"--route feed: the project has no {', '.join(k.to_user_string() for k in missing)}")
        wanted |= set(FEED)
    # the index reads the quote feed's table too, but creates it empty when the feed never ran
    wanted |= {k for k in graph.get(INDEX).parent_keys if route == "feed" or k not in FEED}
    for key in list(wanted):
        assets_def = defs.resolve_assets_def(key)
        if not assets_def.can_subset:
            wanted |= set(assets_def.keys)

    def partitioned(key: dg.AssetKey) -> bool:
        return graph.get(key).partitions_def is not None

    phase: dict[dg.AssetKey, int] = {}

    def phase_of(key: dg.AssetKey) -> int:
        if key not in phase:
            parents = [p for p in graph.get(key).parent_keys if p in wanted]
            phase[key] = max((phase_of(p) + (partitioned(p) != partitioned(key)) for p in parents), default=0)
        return phase[key]

    for key in wanted:
        phase_of(key)
    for _ in range(len(wanted)):  # keys of one multi-asset run together, in the latest phase of any
        changed = False
        for key in wanted:
            group = max(phase[k] for k in defs.resolve_assets_def(key).keys if k in wanted)
            if phase[key] != group:
                phase[key], changed = group, True
        if not changed:
            break

    runs = []
    for step in sorted({(phase[k], partitioned(k)) for k in wanted}):
        keys = sorted((k for k in wanted if (phase[k], partitioned(k)) == step), key=str)
        if not step[1]:
            runs.append(("unpartitioned", keys, {}))
        else:
            partition_keys = graph.get(keys[0]).partitions_def.get_partition_keys()
            first, last = partition_keys[0], partition_keys[-1]
            runs.append((f"partitioned {first}..{last}", keys, {RANGE_START: first, RANGE_END: last}))
    return runs


def _value(entry):
    return getattr(entry, "value", entry)


def _step_windows(instance: dg.DagsterInstance, run_id: str) -> dict[str, tuple[float, float, str]]:
    """step key → (start, end, status) from the run's step events (wall-clock timestamps)."""
    windows: dict[str, list] = {}
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        key = entry.step_key
        if event is None or not key:
            continue
        if event.event_type_value == "STEP_START":
            windows[key] = [entry.timestamp, None, "running"]
        elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE") and key in windows:
            windows[key][1] = entry.timestamp
            windows[key][2] = "ok" if event.event_type_value == "STEP_SUCCESS" else "failed"
    return {k: (v[0], v[1] or v[0], v[2]) for k, v in windows.items()}


class _Progress:
    """Prints each step as it ends, while the run goes on (polls the in-memory event log)."""

    def __init__(self, instance: dg.DagsterInstance, started: float):
        self.instance, self.started = instance, started
        self.seen: set[tuple[str, str]] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(1.0):
            try:
                for run in self.instance.get_runs():
                    for entry in self.instance.all_logs(run.run_id):
                        event = entry.dagster_event
                        if event is None or event.event_type_value not in ("STEP_SUCCESS", "STEP_FAILURE"):
                            continue
                        if (run.run_id, entry.step_key) in self.seen:
                            continue
                        self.seen.add((run.run_id, entry.step_key))
                        state = "done" if event.event_type_value == "STEP_SUCCESS" else "FAILED"
                        print(f"    … {entry.step_key} {state} at +{entry.timestamp - self.started:.1f} s", flush=True)
            except Exception:  # progress is best effort
                pass

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)


def run(input_dir: str, db: str, as_of: str, route: str = "curated", quotes_dir: str | None = None) -> dict:
    for suffix in ("", ".wal"):
        Path(db + suffix).unlink(missing_ok=True)
    inputs_kwargs = {"input_dir": input_dir, "as_of": as_of}
    fields = getattr(Inputs, "model_fields", {})
    work = Path(db).parent / (Path(db).stem + "_inputs")
    if "quotes_dir" in fields or "landing_dir" in fields:
        # Never read the project's own data/quotes or data/landing.
        shutil.rmtree(work, ignore_errors=True)
        (work / "landing").mkdir(parents=True)
        quotes = Path(quotes_dir) if quotes_dir else work / "quotes"
        quotes.mkdir(parents=True, exist_ok=True)
        if "quotes_dir" in fields:
            inputs_kwargs["quotes_dir"] = str(quotes)
        if "landing_dir" in fields:
            inputs_kwargs["landing_dir"] = str(work / "landing")
    if route == "feed":
        if "quotes_dir" not in fields:
            raise SystemExit("--route feed: Inputs has no quotes_dir")
        # The file goes to the quote folder; the curated folder keeps only reference/.
        source = Path(input_dir)
        curated = work / "input"
        curated.mkdir(parents=True, exist_ok=True)
        shutil.copytree(source / "reference", curated / "reference", dirs_exist_ok=True)
        for csv in sorted(source.glob("gpu_prices*.csv")):
            target = Path(inputs_kwargs["quotes_dir"]) / csv.name
            try:
                os.link(csv, target)  # a hard link: the feed skips symlinks
            except OSError:
                shutil.copyfile(csv, target)
        inputs_kwargs["input_dir"] = str(curated)

    stages = Stages()
    assets = [*defs.assets, *(getattr(defs, "asset_checks", None) or [])]
    instance = dg.DagsterInstance.ephemeral()
    resources = {"warehouse": Warehouse(path=db), "inputs": Inputs(**inputs_kwargs)}
    runs = plan(route)
    start_wall, start = time.time(), time.perf_counter()
    progress = _Progress(instance, start_wall)
    results = []
    for label, keys, tags in runs:
        print(f"  run ({label}): {', '.join(k.to_user_string() for k in keys)} + their checks", flush=True)
        result = dg.materialize(
            assets,
            instance=instance,
            selection=dg.AssetSelection.assets(*keys),
            resources=resources,
            tags=tags or None,
            raise_on_error=False,
            run_config=LOGGING,
        )
        results.append(result)
        if not result.success:
            break
    progress.stop()
    wall = time.perf_counter() - start
    stages.sampler.sample()
    end_wall = time.time()

    print(f"  {'stage':<34}{'step s':>9}{'rows':>12}{'peak MB':>10}")
    steps_total = 0.0
    checks = []
    for result in results:
        windows = _step_windows(instance, result.run_id)
        materialized: dict[str, list] = {}
        for event in result.get_asset_materialization_events():
            mat = event.event_specific_data.materialization
            materialized.setdefault(event.step_key, []).append((mat.asset_key.to_user_string(), mat.metadata))
        for step_key, (s, e, status) in sorted(windows.items(), key=lambda kv: kv[1][0]):
            mats = materialized.get(step_key) or [(step_key.replace("__", "/"), {})]
            # A multi-asset step reports several assets, and a run over a partition range
            # one materialization per partition: name the step by its distinct assets and
            # take the last one's metadata.
            _, metadata = mats[-1]
            name = " + ".join(dict.fromkeys(n for n, _ in mats))
            partitions = len(mats) // max(len(dict.fromkeys(n for n, _ in mats)), 1)
            if partitions > 1:
                name += f" ({partitions} partitions)"
            rows = _value(metadata.get("dagster/row_count")) if metadata else None
            step_s = e - s
            steps_total += step_s
            peak = stages.sampler.peak_between(s, e) / 2**20
            extra = {}
            for k in ("rows_read", "rows_loaded", "rows_duplicate", "rows_quarantined", "validation_seconds"):
                if metadata and k in metadata:
                    extra[k] = _value(metadata[k])
            stages.add(name, step_s, round(peak, 1), rows=rows, status=status, **extra)
            rows_text = f"{rows:>12,}" if isinstance(rows, int) else f"{'':>12}"
            print(f"  {name:<34}{step_s:9.3f}{rows_text}{peak:10.1f}  {status}", flush=True)
        for evaluation in result.get_asset_check_evaluations():
            checks.append(
                {"check": f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}", "passed": evaluation.passed}
            )
    failed = [c["check"] for c in checks if not c["passed"]]
    if checks:
        print(
            f"  asset checks: {len(checks) - len(failed)}/{len(checks)} passed"
            + (f"; FAILED: {', '.join(failed)}" if failed else "")
        )
    else:
        print("  (no asset checks are attached to the selected assets)")
    overhead = wall - steps_total
    stages.add("dagster outside steps", overhead, round(stages.sampler.peak_between(start_wall, end_wall) / 2**20, 1))
    print(f"  {'dagster runs total':<34}{'':>9}{wall:9.3f}   (steps {steps_total:.3f} s, outside steps {overhead:.3f} s)")

    ok = all(r.success for r in results) and len(results) == len(runs)
    error = None
    if not ok:
        failures = []
        for result in results:
            for event in result.get_step_failure_events():
                err = event.step_failure_data.error
                cause = err
                while cause is not None and cause.cause is not None:
                    cause = cause.cause
                failures.append(f"{event.step_key}: {(cause or err).cls_name}: {(cause or err).message.strip()}")
        error = "; ".join(failures) or "the run failed"
        print(f"  FAILED: {error}", flush=True)
    stages.sampler.stop()
    return {
        "path": "pipeline",
        "ok": ok,
        "error": error,
        "wall_s": round(wall, 4),
        "import_s": round(IMPORT_SECONDS, 4),
        "stages": stages.records,
        "checks": checks,
        "runs": [label for label, _, _ in runs],
        "route": route,
        "staged_table": "staging.gpu_price_quotes" if route == "feed" else "staging.gpu_prices",
        "quarantine_entity": "gpu_price_quotes" if route == "feed" else "gpu_prices",
        "db": db,
    }


INCREMENTAL_DAY = "2026-10-15"  # after the generated history (which ends 2026-09-30)


#: Times the new day is loaded, each into a fresh copy of the full run's warehouse: one
#: run of a few seconds spread 2.4–3.9 s on this shared machine, so the median is reported.
INCREMENTAL_REPEATS = 3


def incremental(result: dict, input_dir: str, db: str, as_of: str, rows: int, repeats: int = INCREMENTAL_REPEATS) -> dict:
    """One new day of quotes into the warehouse the full run built: `rows` quotes (the
    history's first rows, re-dated to one new day with new ids, as a catalog scraped again
    looks) dropped in the quote folder, then what the daily schedule's `daily_quotes` job
    runs — that day's partition of the feed, its checks and the price index — in the same
    process (code and Great Expectations already loaded, as in a long-running code server).
    Done `repeats` times, each on a fresh copy of the warehouse; the median is reported."""
    import polars as pl

    quotes = Path(db).parent / (Path(db).stem + "_inputs") / "quotes"
    quotes.mkdir(parents=True, exist_ok=True)
    source = next(Path(input_dir).glob("gpu_prices*.csv"))
    day_file = quotes / f"gpu_price_quotes_{INCREMENTAL_DAY}.csv"
    (
        pl.scan_csv(source, infer_schema=False)
        .head(rows)
        .with_columns(pl.lit(INCREMENTAL_DAY).alias("observed_date"), ("inc-" + pl.col("quote_id")).alias("quote_id"))
        .collect()
        .write_csv(day_file)
    )
    # The day's file arrived before the daily schedule fired: dated an hour back, so the run
    # reads it at once. (A file written the moment before makes a run wait until it has
    # stayed unchanged for COMPUTE_LEDGER_SETTLE_SECONDS: time spent asleep, not working.)
    arrived = time.time() - 3600
    os.utime(day_file, (arrived, arrived))
    inputs = Inputs(input_dir=input_dir, as_of=as_of, quotes_dir=str(quotes), landing_dir=str(quotes.parent / "landing"))
    # A copy of the warehouse the full run built, so the comparison with the baseline still
    # reads the full run's tables (copying is not timed).
    copy = str(Path(db).with_name(Path(db).stem + "_incremental.duckdb"))
    assets = [*defs.assets, *(getattr(defs, "asset_checks", None) or [])]
    samples, months, ok = [], None, True
    for _ in range(repeats):
        shutil.copyfile(db, copy)
        # Dagster's instance is made before the clock starts, as the full run's is: a
        # deployment keeps one, and making an ephemeral one takes 0.04-0.05 s
        instance = dg.DagsterInstance.ephemeral()
        start = time.perf_counter()
        run = dg.materialize(
            assets,
            instance=instance,
            # what the daily_quotes job (the daily schedule) runs, but the report: it draws every
            # mart, and the benchmark's warehouse holds only the price ones
            selection=QUOTE_FEED_SELECTION - dg.AssetSelection.assets(["reports", "ledger_report"]),
            resources={"warehouse": Warehouse(path=copy), "inputs": inputs},
            partition_key=INCREMENTAL_DAY,
            raise_on_error=False,
            run_config=LOGGING,
        )
        samples.append(round(time.perf_counter() - start, 4))
        ok = ok and run.success
        for event in run.get_asset_materialization_events():
            if event.asset_key == INDEX:
                months = _value(event.materialization.metadata.get("months_rebuilt"))
    seconds = sorted(samples)[len(samples) // 2]
    share = seconds / result["wall_s"] if result.get("wall_s") else float("nan")
    print(
        f"  incremental: one day ({rows:,} quotes) into the warehouse holding the history: median {seconds:.3f} s "
        f"of {samples} = {share:.1%} of the full run; index months rebuilt: {months}; ok: {ok}",
        flush=True,
    )
    return {
        "rows": rows,
        "seconds": seconds,
        "samples_s": samples,
        "share_of_full": share,
        "months_rebuilt": months,
        "ok": ok,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The project's GPU-price path through Dagster.")
    parser.add_argument("--input", required=True, help="input folder (COMPUTE_LEDGER_INPUT layout)")
    parser.add_argument("--db", required=True, help="warehouse file to create (replaced)")
    parser.add_argument("--as-of", default="2026-11-01")
    parser.add_argument(
        "--route",
        choices=("curated", "feed"),
        default="curated",
        help="curated: the file is read by raw/gpu_prices (default); feed: by the daily quote feed",
    )
    parser.add_argument("--quotes-dir", help="quote folder for the feed (default: an empty folder next to --db)")
    parser.add_argument(
        "--incremental-rows",
        type=int,
        default=0,
        help="after the full run, load one new day of this many quotes through the daily feed and time it",
    )
    parser.add_argument("--result", help="write the result JSON here")
    args = parser.parse_args(argv)
    code = Path(sys.modules["pipelines"].__file__).resolve().parent.parent
    print(f"pipeline (dagster.materialize; imports {IMPORT_SECONDS:.2f} s; code in {code})", flush=True)
    try:
        result = run(args.input, args.db, args.as_of, args.route, args.quotes_dir)
        if result.get("ok") and args.incremental_rows:
            result["incremental"] = incremental(result, args.input, args.db, args.as_of, args.incremental_rows)
    except BaseException as err:  # the harness reports, it does not crash
        traceback.print_exc()
        result = {"path": "pipeline", "ok": False, "error": f"{type(err).__name__}: {err}", "stages": []}
    write_result(args.result, result)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
