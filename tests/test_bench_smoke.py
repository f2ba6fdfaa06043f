"""Smoke test of the benchmark harness (bench/): tiny N, end to end, in subprocesses.

Generates 2,000 quotes into a temporary folder, runs the pipeline (a real Dagster run),
the bare-DuckDB baseline and the pandas version, and checks the summary line and that the
pipeline and the baseline built the same gpu_price_index.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb

PROJECT_DIR = Path(__file__).resolve().parent.parent
ROWS = 2000
LAST_LINE = re.compile(r"^rows=(\d+) pipeline_s=(\d+\.\d+) baseline_s=(\d+\.\d+) ratio_wall=(\d+\.\d+) ratio_rss=(\d+\.\d+)$")


def test_bench_end_to_end(tmp_path):
    out = tmp_path / "bench_out"
    proc = subprocess.run(
        [sys.executable, "-m", "bench.run", "--rows", str(ROWS), "--out-dir", str(out)],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COMPUTE_LEDGER_GX_DOCS": str(tmp_path / "gx_docs")},
    )
    output = proc.stdout.strip().splitlines()
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    match = LAST_LINE.match(output[-1])
    assert match, output[-1]
    assert int(match.group(1)) == ROWS
    assert float(match.group(2)) > 0 and float(match.group(3)) > 0

    summary = json.loads((out / f"run_r{ROWS}_s7" / "summary.json").read_text())
    assert summary["index_match"] is True
    assert summary["comparisons"]["index"]["ok"], summary["comparisons"]["index"]
    injected = summary["input"]["injected"]
    assert all(
        injected[kind] >= 1
        for kind in (
            "unknown_gpu_model",
            "negative_price",
            "unreadable_price",
            "impossible_date",
            "unknown_currency",
            "instance_without_gpu_count",
        )
    ), injected

    # The same index, independently of the harness's own comparison.
    def index(db: Path) -> list[tuple]:
        with duckdb.connect(str(db), read_only=True) as con:
            return con.sql(
                "select month, gpu_model, price_type, price_unit, quote_count, median_usd from marts.gpu_price_index order by all"
            ).fetchall()

    run_dir = out / f"run_r{ROWS}_s7"
    pipeline, baseline = index(run_dir / "pipeline.duckdb"), index(run_dir / "baseline.duckdb")
    assert len(pipeline) == len(baseline) > 0
    for p, b in zip(pipeline, baseline):
        assert p[:5] == b[:5]
        assert abs(p[5] - b[5]) <= 1e-9 * max(abs(p[5]), abs(b[5]))
