"""What every writing asset shares: the pool that serializes warehouse writes, the retry
policy for transient I/O, and failing fast on input that retrying cannot fix."""

from contextlib import contextmanager

import dagster as dg

from assets.transforms.errors import InputFileError

#: DuckDB allows one writing process per file: every asset that writes the warehouse runs
#: in this pool, limited to one step at a time by dagster.yaml (and by the file lock).
WAREHOUSE_POOL = "warehouse_writer"

#: Transient I/O (a file still being copied in, a busy disk, the warehouse lock held past
#: its wait): retried with backoff and jitter.
IO_RETRY = dg.RetryPolicy(max_retries=2, delay=2, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS)


@contextmanager
def fail_fast_on_bad_input():
    """Turn a file-level input error into a Dagster Failure that skips the retry policy:
    retrying cannot fix a file, and the message (file, row, column) shows in the UI."""
    try:
        yield
    except InputFileError as err:
        metadata = {"file": err.path, "problem": err.problem}
        if err.row is not None:
            metadata["row"] = err.row
        if err.column is not None:
            metadata["column"] = err.column
        raise dg.Failure(description=str(err), metadata=metadata, allow_retries=False) from err
