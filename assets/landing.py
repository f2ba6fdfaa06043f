"""The landing folder as an asset: every file dropped there is triaged and logged once."""

import dagster as dg
import polars as pl

from assets.policies import IO_RETRY, WAREHOUSE_POOL, retry_only_transient_io
from assets.timing import Stopwatch
from assets.transforms.landing import DUPLICATES, FAILED, accept, landed_files, set_aside, triage
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


@dg.asset(
    key=LANDING_KEY,
    group_name="sources",
    kinds={"csv"},
    pool=WAREHOUSE_POOL,
    retry_policy=IO_RETRY,
    description="Files dropped in the landing folder (COMPUTE_LEDGER_LANDING, data/landing/): each is "
    "accepted for its entity, set aside as a duplicate of a file already accepted, or set aside as failed "
    "with its reason; every one is recorded in audit.ingest_log with its content hash.",
)
def landing_files(context: dg.AssetExecutionContext, warehouse: Warehouse, inputs: Inputs) -> dg.MaterializeResult:
    watch = Stopwatch()
    with retry_only_transient_io():
        folder = inputs.landing_folder
        landed = [triage(p) for p in landed_files(folder)]
        with warehouse.write() as con:
            known = {
                sha for (sha,) in con.execute(
                    "select distinct sha256 from audit.ingest_log where status in ('accepted', 'loaded')"
                ).fetchall()
            }
            decisions, rows = [], []
            for f in landed:
                if f.problem:
                    status, reason = "failed", f.problem
                elif f.sha256 in known:
                    status, reason = "duplicate", "the same content was accepted before: it adds nothing"
                else:
                    status, reason = "accepted", None
                    known.add(f.sha256)
                decisions.append((f, status, reason))
                rows.append(
                    {"file_name": f.path.name, "sha256": f.sha256, "entity": f.entity, "status": status, "rows": None,
                     "reason": reason, "stored_as": None, "run_id": context.run_id, "logged_at": now()}
                )
            log_files(con, rows)
        moved = {"accepted": 0, "duplicate": 0, "failed": 0}
        for f, status, reason in decisions:
            if status == "accepted":
                accept(f, folder)
            else:
                set_aside(f.path, folder, DUPLICATES if status == "duplicate" else FAILED, reason)
            moved[status] += 1
            if status == "failed":
                context.log.warning(f"landing file set aside: {reason}")
    return dg.MaterializeResult(
        metadata={"dagster/row_count": len(landed), **{f"files_{k}": v for k, v in moved.items()}, "seconds": watch.seconds}
    )
