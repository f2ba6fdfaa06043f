"""What every writing asset shares: the retry policy for transient I/O, and failing at once
on everything retrying cannot fix. (Writes are serialized by the `Warehouse` resource's file
lock, not by a Dagster pool: see `ledger.warehouse.write_lock`.)"""

from collections.abc import Callable
from contextlib import contextmanager
from typing import TypeVar

import dagster as dg
import duckdb

from ledger.transforms.errors import InputFileError
from ledger.transforms.stable_files import FileStillChangingError

#: Transient I/O (a busy disk, a network share that hiccups, the warehouse lock held past
#: its wait): retried with backoff and jitter. Only errors `is_transient` accepts reach it:
#: the assets that carry it run their body inside `retry_only_transient_io`.
IO_RETRY = dg.RetryPolicy(max_retries=2, delay=2, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS)

#: OS errors that the same call would raise again: a missing file, a folder where a file
#: should be (or the reverse), no permission.
_PERMANENT_OS_ERRORS = (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError)


def is_transient(err: BaseException) -> bool:
    """Whether trying again later could succeed: I/O errors of the disk or the warehouse
    lock, not a bad file, a bug or a missing partition."""
    if isinstance(err, FileStillChangingError):  # a copy still running: later it will be whole
        return True
    if isinstance(err, _PERMANENT_OS_ERRORS):
        return False
    return isinstance(err, (OSError, TimeoutError, duckdb.IOException))


@contextmanager
def retry_only_transient_io():
    """Let transient I/O errors through to the asset's `IO_RETRY`; turn every other error
    into a Dagster Failure that skips the retry policy, so a wrong file, a bug or a run
    launched without what it needs fails at once with its message in the UI. A file-level
    input error keeps its file, row and column as metadata."""
    try:
        yield
    except dg.Failure:
        raise
    except InputFileError as err:
        if is_transient(err):
            raise
        metadata = {"file": err.path, "problem": err.problem}
        if err.row is not None:
            metadata["row"] = err.row
        if err.column is not None:
            metadata["column"] = err.column
        raise dg.Failure(description=str(err), metadata=metadata, allow_retries=False) from err
    except Exception as err:
        if is_transient(err):
            raise
        raise dg.Failure(description=f"{type(err).__name__}: {err}", allow_retries=False) from err


T = TypeVar("T")


def read_selected(
    context: dg.AssetExecutionContext, read: Callable[[dg.AssetKey], T], label: Callable[[dg.AssetKey], str]
) -> tuple[dict[dg.AssetKey, T], list[str]]:
    """For a multi-asset step with one file per asset: each selected asset's file read on
    its own (`read`, inside `retry_only_transient_io`), so one bad file does not keep the
    others out. Returns what was read and, for the rest, `<label>: <what is wrong>`, each
    also logged; the step writes what was read, then calls `fail_for_unread`."""
    read_ok: dict[dg.AssetKey, T] = {}
    failed: list[str] = []
    for key in sorted(context.selected_asset_keys, key=lambda k: k.to_user_string()):
        try:
            with retry_only_transient_io():
                read_ok[key] = read(key)
        except dg.Failure as err:
            failed.append(f"{label(key)}: {err.description}")
            context.log.error(failed[-1])
    return read_ok, failed


def fail_for_unread(what: str, failed: list[str]) -> None:
    """Fail the step, naming every file `read_selected` could not read (no retry: a bad
    file stays bad)."""
    if failed:
        raise dg.Failure(description=f"{what} not loaded — " + "; ".join(failed), allow_retries=False)
