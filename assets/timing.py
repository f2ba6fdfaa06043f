"""A stopwatch for the seconds each asset reports in its metadata."""

from __future__ import annotations

import time


class Stopwatch:
    def __init__(self) -> None:
        self._start = time.perf_counter()

    @property
    def seconds(self) -> float:
        return round(time.perf_counter() - self._start, 3)
