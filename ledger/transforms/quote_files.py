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

from ledger.transforms.discovery import by_precedence
from ledger.transforms.stable_files import is_partial_name

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
    """Regular CSV files (no symlinks, none still being written) in `folder` that can hold
    quotes for [start, end] — files dated in the range, and every undated file — in
    precedence order (oldest-modified first: a quote id given twice keeps the earlier file's
    row, see `discovery.by_precedence`)."""
    if not folder.is_dir():
        return []
    found = []
    for path in by_precedence([p for p in folder.iterdir() if p.is_file() and not p.is_symlink()]):
        if path.suffix.lower() != ".csv" or is_partial_name(path):
            continue
        day = file_day(path)
        if day is None or start <= day <= end:
            found.append(QuoteFile(path, day))
    return found
