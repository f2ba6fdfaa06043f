"""Shared by the benchmark paths: stage timers with peak RSS, and the result file.

Each path runs in its own process and writes one JSON result:
    {"path": ..., "ok": bool, "error": str|None, "wall_s": float (the work, imports excluded),
     "import_s": float, "stages": [{"name", "seconds", "peak_rss_mb"}], "extra": {...}}
The process-level peak RSS is measured by the parent (os.wait4) and added by bench.run.
"""

from __future__ import annotations

import json
import os
import threading
import time
from contextlib import contextmanager
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(__file__).resolve().parent
OUT_DIR = BENCH_DIR / "out"
REFERENCE_DIR = PROJECT_DIR / "data" / "input" / "reference"

_PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_bytes() -> int:
    """Resident set size of this process now (Linux /proc; 0 elsewhere)."""
    try:
        with open("/proc/self/statm", "rb") as handle:
            return int(handle.read().split()[1]) * _PAGE
    except OSError:
        return 0


class RssSampler:
    """A daemon thread sampling this process's RSS every `interval` seconds.

    Keeps (time.time(), rss) samples so a peak can be attributed to any time window
    (e.g. a Dagster step, from its event timestamps) after the fact."""

    def __init__(self, interval: float = 0.02):
        self.interval = interval
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="rss-sampler")
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self) -> int:
        rss = rss_bytes()
        self.samples.append((time.time(), rss))
        return rss

    def peak_between(self, start: float, end: float) -> int:
        inside = [r for t, r in self.samples if start <= t <= end]
        return max(inside) if inside else 0

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=1)


class Stages:
    """Named stages: wall seconds and the peak RSS seen while each ran."""

    def __init__(self) -> None:
        self.sampler = RssSampler()
        self.records: list[dict] = []

    @contextmanager
    def stage(self, name: str):
        self.sampler.sample()
        start_wall, start = time.time(), time.perf_counter()
        try:
            yield
        finally:
            seconds = time.perf_counter() - start
            self.sampler.sample()
            peak = self.sampler.peak_between(start_wall, time.time())
            self.records.append({"name": name, "seconds": round(seconds, 4), "peak_rss_mb": round(peak / 2**20, 1)})
            print(f"    {name:<34}{seconds:9.3f} s  peak {peak / 2**20:8.1f} MB", flush=True)

    def add(self, name: str, seconds: float, peak_rss_mb: float | None = None, **extra) -> None:
        self.records.append({"name": name, "seconds": round(seconds, 4), "peak_rss_mb": peak_rss_mb, **extra})


def write_result(path: str | Path | None, result: dict) -> None:
    """Write a path's result JSON (atomically) for bench.run to read."""
    if not path:
        return
    path = Path(path)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")
    tmp.replace(path)
