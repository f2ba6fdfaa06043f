"""The landing folder as an asset: every complete file dropped there is triaged and logged once."""

import dagster as dg
import polars as pl

from assets.policies import IO_RETRY, WAREHOUSE_POOL, retry_only_transient_io
from assets.timing import Stopwatch
from assets.transforms.landing import (
    DUPLICATES,
    FAILED,
    LandingFile,
    accept,
    accepted_hashes,
    landed_files,
    set_aside,
    triage,
)
from assets.transforms.stable_files import FileState, is_settled
from assets.warehouse import now
from pipelines.resources import Inputs, Warehouse

LANDING_KEY = dg.AssetKey(["raw", "landing_files"])


def log_files(con, rows: list[dict]) -> None:
    """Append rows to audit.ingest_log."""
    if rows:
        frame = pl.DataFrame(rows, schema_overrides={"rows": pl.Int64})
        con.register("_log", frame.to_arrow())
        try:
            con.execute("insert into audit.ingest_log by name select * from _log")
        finally:
            con.unregister("_log")


def _known_hashes(con) -> set[str]:
    """Content hashes of files accepted or loaded before."""
    return {
        sha for (sha,) in con.execute(
            "select distinct sha256 from audit.ingest_log where status in ('accepted', 'loaded')"
        ).fetchall()
    }


def _decide(landed: LandingFile, known: set[str]) -> tuple[str, str | None]:
    if landed.problem:
        return "failed", landed.problem
    if landed.sha256 in known or landed.sha256[:12] in known:
        return "duplicate", "the same content was accepted before: it adds nothing"
    return "accepted", None


@dg.asset(
    key=LANDING_KEY,
    group_name="sources",
    kinds={"csv"},
    pool=WAREHOUSE_POOL,
    retry_policy=IO_RETRY,
    description="Files dropped in the landing folder (COMPUTE_LEDGER_LANDING, data/landing/): each complete "
    "file is accepted for its entity, set aside as a duplicate of a file already accepted, or set aside as "
    "failed with its reason; every one is recorded in audit.ingest_log with its content hash. Files still "
    "being written (a .part name, or changed in the last seconds) wait for the next run.",
)
def landing_files(context: dg.AssetExecutionContext, warehouse: Warehouse, inputs: Inputs) -> dg.MaterializeResult:
    watch = Stopwatch()
    folder = inputs.landing_folder
    moved = {"accepted": 0, "duplicate": 0, "failed": 0, "waiting": 0}
    with retry_only_transient_io():
        paths = landed_files(folder)
        ready = [p for p in paths if is_settled(p)]
        moved["waiting"] = len(paths) - len(ready)
        with warehouse.write() as con:
            known = _known_hashes(con) | accepted_hashes(folder)
        rows = []
        # Move first, then log: a crash between the two leaves the file where it now is
        # (accepted/ files are read and logged by the raw step), never logged as accepted
        # while still in the landing folder, which would make it a duplicate of itself.
        for path in ready:
            try:
                landed = triage(path)
                if landed.state != FileState.of(path):  # written to while it was hashed
                    moved["waiting"] += 1
                    continue
            except FileNotFoundError:  # taken meanwhile by another run's triage
                continue
            status, reason = _decide(landed, known)
            if status == "accepted":
                stored = accept(landed, folder)
                known.add(landed.sha256)
            else:
                stored = set_aside(path, folder, DUPLICATES if status == "duplicate" else FAILED, reason)
                context.log.warning(f"landing file {path.name} set aside as {status}: {reason}")
            moved[status] += 1
            rows.append(
                {"file_name": path.name, "sha256": landed.sha256, "entity": landed.entity, "status": status,
                 "rows": None, "reason": reason, "stored_as": str(stored), "run_id": context.run_id, "logged_at": now()}
            )
        if rows:
            with warehouse.write() as con:
                log_files(con, rows)
    return dg.MaterializeResult(
        metadata={"dagster/row_count": len(rows), **{f"files_{k}": v for k, v in moved.items()}, "seconds": watch.seconds}
    )
