"""Which files are complete: the one rule for every folder we read.

A file being copied in (a download, an `scp`, a program appending rows) must not be read
half-way. The rule, everywhere (input folder, landing folder, quote feed):

- a name that says it is still being written — `*.part`, `*.partial`, `*.tmp`,
  `*.crdownload`, `*.download`, `*~`, or a dot-file — is never read: write under such a
  name, then rename (an atomic step) when done;
- any other file is read once it has not changed (size and modification time) for
  `settle_seconds()` (COMPUTE_LEDGER_SETTLE_SECONDS, 2 s by default), and only if it is
  still the same after it was read; otherwise it is left for later (the landing folder)
  or the run stops naming it (the input folder and the quote feed).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from ledger.transforms.errors import InputFileError

#: Suffixes of files still being written by browsers, copy tools and editors.
PARTIAL_SUFFIXES = (".part", ".partial", ".tmp", ".crdownload", ".download", "~")
DEFAULT_SETTLE_SECONDS = 2.0


def settle_seconds() -> float:
    """How long a file must stay unchanged before it is read."""
    return float(os.environ.get("COMPUTE_LEDGER_SETTLE_SECONDS") or DEFAULT_SETTLE_SECONDS)


def is_partial_name(path: Path) -> bool:
    """A name that says the file is still being written (or hidden): never read."""
    name = path.name.lower()
    return name.startswith(".") or name.endswith(PARTIAL_SUFFIXES)


@dataclass(frozen=True)
class FileState:
    """What changes when a file is written: its size and modification time (ns)."""

    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: Path) -> FileState:
        stat = path.stat()
        return cls(stat.st_size, stat.st_mtime_ns)

    def age_seconds(self, now: float | None = None) -> float:
        return (now if now is not None else time.time()) - self.mtime_ns / 1e9


class FileStillChangingError(InputFileError):
    """A file that changed while we waited for it or read it. Transient: it is retried,
    and a file still changing after the retries stops the run with this message."""

    def __init__(self, path: Path):
        super().__init__(
            path,
            "is still being written (its size or modification time changed while it was read): "
            "run again once the copy has finished, or write it under a .part name and rename it when done",
        )


def is_settled(path: Path, seconds: float | None = None) -> bool:
    """Unchanged for `seconds` (settle_seconds() by default), by its modification time."""
    wait = settle_seconds() if seconds is None else seconds
    age = FileState.of(path).age_seconds()
    # a time more than a minute ahead says nothing about now (a clock ahead, a copy that
    # kept its time): the size-and-time check around reading still catches a live writer
    return age >= wait or age < -60


def wait_until_settled(path: Path, seconds: float | None = None) -> FileState:
    """Wait (at most `seconds`) until `path` has been unchanged for `seconds`; its state.
    Raises FileStillChangingError when it changed meanwhile."""
    wait = settle_seconds() if seconds is None else seconds
    state = FileState.of(path)
    # never longer than `wait`: a modification time in the future (a clock ahead, a copy
    # that kept its time) must not hold a run for days
    remaining = min(wait, wait - state.age_seconds())
    if remaining > 0:
        time.sleep(remaining)
        if FileState.of(path) != state:
            raise FileStillChangingError(path)
    return state


def ensure_unchanged(path: Path, before: FileState) -> None:
    """Raise FileStillChangingError if `path` changed since `before` (call after reading)."""
    if FileState.of(path) != before:
        raise FileStillChangingError(path)
