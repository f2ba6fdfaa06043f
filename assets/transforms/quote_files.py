"""Daily GPU price quote files: which files feed which days.

A quote feed lands as CSV files in the gpu_prices format (data/README.md). A file whose
name carries a date (`gpu_price_quotes_2026-11-27.csv`, `aws-2026-11-27.csv`) holds that
day's quotes; a file without one (a history export) is read whole and its rows sorted into
days by `observed_date`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

_DAY = re.compile(r"(\d{4}-\d{2}-\d{2})")


@dataclass(frozen=True)
class QuoteFile:
    path: Path
    day: date | None  # None: an undated history file

    @property
    def name(self) -> str:
        return self.path.name


def file_day(path: Path) -> date | None:
    """The day in a file's name, if it has a valid one."""
    match = _DAY.search(path.name)
    if not match:
        return None
    try:
        return date.fromisoformat(match.group(1))
    except ValueError:
        return None


def quote_files(folder: Path, start: date, end: date) -> list[QuoteFile]:
    """Regular CSV files (no symlinks) in `folder` that can hold quotes for [start, end]:
    files dated in the range, and every undated file."""
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() != ".csv" or not path.is_file() or path.is_symlink():
            continue
        day = file_day(path)
        if day is None or start <= day <= end:
            found.append(QuoteFile(path, day))
    return found
