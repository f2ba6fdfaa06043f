"""The project's real GPU-price path, as users run it: one Dagster run.

    python -m bench.pipeline_path --input DIR --db PATH [--as-of 2026-11-01] [--result JSON]

Materializes ref/*, raw/gpu_prices, staging/gpu_prices and marts/gpu_price_index (and any
asset checks attached to them: the selection is an AssetSelection, which brings checks
along) with `dagster.materialize`, on an ephemeral instance, with the project's resources
`Warehouse(path=DB)` and `Inputs(input_dir=DIR, as_of=...)`.

Per stage it prints the seconds the asset reports in its metadata ("seconds"), the step's
wall time from Dagster's own step events (which adds Dagster's overhead around the asset
body), and the peak RSS seen while the step ran (sampled).
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from pathlib import Path

START = time.perf_counter()

import dagster as dg  # noqa: E402

from bench._common import Stages, rss_bytes, write_result  # noqa: E402
from pipelines.definitions import defs  # noqa: E402
from pipelines.resources import Inputs, Warehouse  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - START

TARGETS = [
    dg.AssetKey(["raw", "gpu_prices"]),
    dg.AssetKey(["staging", "gpu_prices"]),
    dg.AssetKey(["marts", "gpu_price_index"]),
]


def selection() -> dg.AssetSelection:
    """ref/* + the GPU-price chain; asset checks on these assets come along."""
    return dg.AssetSelection.key_prefixes(["ref"]) | dg.AssetSelection.assets(*TARGETS)


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


def run(input_dir: str, db: str, as_of: str) -> dict:
    db_path = Path(db)
    for suffix in ("", ".wal"):
        Path(str(db_path) + suffix).unlink(missing_ok=True)
    stages = Stages()
    assets = [*defs.assets, *(getattr(defs, "asset_checks", None) or [])]
    instance = dg.DagsterInstance.ephemeral()
    run_start_wall = time.time()
    start = time.perf_counter()
    result = dg.materialize(
        assets,
        instance=instance,
        selection=selection(),
        resources={"warehouse": Warehouse(path=db), "inputs": Inputs(input_dir=input_dir, as_of=as_of)},
        raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
    )
    wall = time.perf_counter() - start
    stages.sampler.sample()
    run_end_wall = time.time()

    windows = _step_windows(instance, result.run_id)
    materialized = {}
    for event in result.get_asset_materialization_events():
        mat = event.event_specific_data.materialization
        materialized[event.step_key] = (mat.asset_key.to_user_string(), mat.metadata)
    print(f"  {'stage':<34}{'asset s':>9}{'step s':>9}{'rows':>12}{'peak MB':>10}")
    steps_total = 0.0
    for step_key, (s, e, status) in sorted(windows.items(), key=lambda kv: kv[1][0]):
        name, metadata = materialized.get(step_key, (step_key.replace("__", "/"), {}))
        asset_s = _value(metadata.get("seconds")) if metadata else None
        rows = _value(metadata.get("dagster/row_count")) if metadata else None
        step_s = e - s
        steps_total += step_s
        peak = stages.sampler.peak_between(s, e) / 2**20
        extra = {}
        if metadata:
            for k in ("rows_read", "rows_loaded", "rows_duplicate", "rows_quarantined"):
                if k in metadata:
                    extra[k] = _value(metadata[k])
        stages.add(name, step_s, round(peak, 1), asset_seconds=asset_s, rows=rows, status=status, **extra)
        asset_text = f"{asset_s:9.3f}" if isinstance(asset_s, (int, float)) else f"{'-':>9}"
        rows_text = f"{rows:>12,}" if isinstance(rows, int) else f"{'':>12}"
        print(f"  {name:<34}{asset_text}{step_s:9.3f}{rows_text}{peak:10.1f}  {status}", flush=True)
    checks = []
    for evaluation in result.get_asset_check_evaluations():
        checks.append(
            {
                "check": f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}",
                "passed": evaluation.passed,
                "seconds": _value(evaluation.metadata.get("seconds")) if evaluation.metadata else None,
            }
        )
    failed = [c["check"] for c in checks if not c["passed"]]
    if checks:
        print(f"  asset checks: {len(checks) - len(failed)}/{len(checks)} passed" + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    else:
        print("  (no asset checks are attached to the selected assets)")
    overhead = wall - steps_total
    stages.add("dagster overhead (run - steps)", overhead, round(stages.sampler.peak_between(run_start_wall, run_end_wall) / 2**20, 1))
    print(f"  {'dagster run total':<34}{'':>9}{wall:9.3f}   (steps {steps_total:.3f} s, outside steps {overhead:.3f} s)")

    error = None
    if not result.success:
        failures = []
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
        "ok": bool(result.success),
        "error": error,
        "wall_s": round(wall, 4),
        "import_s": round(IMPORT_SECONDS, 4),
        "stages": stages.records,
        "checks": checks,
        "db": db,
        "self_peak_rss_mb": round(max(r for _, r in stages.sampler.samples) / 2**20, 1) if stages.sampler.samples else rss_bytes() / 2**20,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The project's GPU-price path through Dagster.")
    parser.add_argument("--input", required=True, help="input folder (COMPUTE_LEDGER_INPUT layout)")
    parser.add_argument("--db", required=True, help="warehouse file to create (replaced)")
    parser.add_argument("--as-of", default="2026-11-01")
    parser.add_argument("--result", help="write the result JSON here")
    args = parser.parse_args(argv)
    print(f"pipeline (dagster.materialize; imports {IMPORT_SECONDS:.2f} s)", flush=True)
    try:
        result = run(args.input, args.db, args.as_of)
    except Exception as err:  # the harness reports, it does not crash
        traceback.print_exc()
        result = {"path": "pipeline", "ok": False, "error": f"{type(err).__name__}: {err}", "stages": []}
    write_result(args.result, result)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
