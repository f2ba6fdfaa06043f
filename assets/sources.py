"""Raw tables: every input row as ingested, as text, with its file, row and load time."""

from pathlib import Path

import dagster as dg

from assets.landing import LANDING_KEY, log_files
from assets.policies import IO_RETRY, retry_only_transient_io
from assets.resources import Inputs, Warehouse
from ledger.transforms.discovery import entity_files
from ledger.transforms.entities import ENTITIES, Entity
from ledger.transforms.errors import InputFileError
from ledger.transforms.landing import FAILED, accepted_files, original_name, set_aside
from ledger.transforms.reading import file_sha256
from ledger.transforms.stable_files import ensure_unchanged, wait_until_settled
from ledger.warehouse import append_csv_file, create_raw_table, now, record_raw_files

GROUP = "sources"

_DESCRIPTIONS = {
    "funding_events": "Funding events as ingested: equity, debt, vendor money and valuations, one row per tranche.",
    "gpu_prices": "GPU price quotes as ingested: purchase prices and rental rates, as quoted.",
    "cash_burn": "Burn, revenue, capex and cash-on-hand figures as ingested.",
    "clusters": "Compute-cluster phases as ingested: GPUs, power, dates, reported capex.",
    "alt_currency_figures": "Figures the sources also printed in a second currency, as ingested.",
    "compute_commitments": "Compute contracts and commitments between companies, as ingested.",
}


def load_entity_files(con, entity: Entity, files: list[tuple[Path, str, str]], run_id: str) -> dict[str, int]:
    """Replace `raw.<entity>` by the rows of `files` ((path, name shown, dataset) each, in
    precedence order: a file's `file_id` is its place, which decides conflicts). Call
    inside a transaction: a file that cannot be read rolls the whole table back."""
    table = f"raw.{entity.name}"
    create_raw_table(con, entity, table)
    loaded_at = now()
    rows: dict[str, int] = {}
    read = []
    for file_id, (path, shown, dataset) in enumerate(files):
        try:
            # a file still being copied in is not read half-way (stable_files)
            state = wait_until_settled(path)
            rows[shown], sha = append_csv_file(con, table, path, entity, file_id=file_id)
            ensure_unchanged(path, state)
        except InputFileError as err:
            err.failed_path = path
            raise
        read.append(
            {
                "entity": entity.name,
                "file_id": file_id,
                "source_file": shown,
                "dataset": dataset,
                "file_sha256": sha,
                "rows": rows[shown],
                "run_id": run_id,
                "loaded_at": loaded_at,
            }
        )
    record_raw_files(con, entity.name, read)
    return rows


def _raw_asset(entity: Entity) -> dg.AssetsDefinition:
    @dg.asset(
        name=entity.name,
        key_prefix=["raw"],
        group_name=GROUP,
        kinds={"duckdb", "csv"},
        deps=[LANDING_KEY],
        retry_policy=IO_RETRY,
        description=_DESCRIPTIONS[entity.name]
        + f" Read from `{entity.name}*.csv` in the input folder (COMPUTE_LEDGER_INPUT) and from files"
        " accepted from the landing folder.",
    )
    def raw_entity(context: dg.AssetExecutionContext, warehouse: Warehouse, inputs: Inputs) -> dg.MaterializeResult:
        landing = inputs.landing_folder
        landed = accepted_files(landing, entity.name)
        files = [(p, p.name, "curated") for p in entity_files(inputs.folder, entity.name)]
        files += [(p, f"landing/{p.name}", "landing") for p in landed]
        try:
            with retry_only_transient_io(), warehouse.write() as con:
                rows = load_entity_files(con, entity, files, context.run.run_id)
                _log_loaded(con, landed, rows, context.run.run_id)
        except dg.Failure as failure:
            err = failure.__cause__
            failed = getattr(err, "failed_path", None)
            if failed is not None and failed in landed:
                # A landed file that cannot be read is set aside, not retried on every run.
                row = _log_row(failed, entity.name, "failed", None, str(err), context.run.run_id)
                row["stored_as"] = str(set_aside(failed, landing, FAILED, str(err)))
                with warehouse.write() as con:
                    log_files(con, [row])
            raise
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": sum(rows.values()),
                "rows_per_file": dg.MetadataValue.json(rows),
                "input_folder": str(inputs.folder),
            }
        )

    return raw_entity


def _log_row(path: Path, entity: str, status: str, rows: int | None, reason: str | None, run_id: str) -> dict:
    return {
        "file_name": original_name(path),
        "sha256": file_sha256(path),
        "entity": entity,
        "status": status,
        "rows": rows,
        "reason": reason,
        "stored_as": str(path),
        "run_id": run_id,
        "logged_at": now(),
    }


def _log_loaded(con, landed: list[Path], rows: dict[str, int], run_id: str) -> None:
    """Record the landed files this load read, with their row counts, once each."""
    already = {stored for (stored,) in con.execute("select stored_as from audit.ingest_log where status = 'loaded'").fetchall()}
    log_files(
        con,
        [_log_row(p, p.parent.name, "loaded", rows[f"landing/{p.name}"], None, run_id) for p in landed if str(p) not in already],
    )


RAW_ASSETS = [_raw_asset(e) for e in ENTITIES.values()]
