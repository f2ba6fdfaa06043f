"""Staged tables: normalized, in US dollars, canonical names, every figure low/mid/high.

Each entity's staging step reads its raw rows (curated files and landed ones) and the raw
Epoch AI exports that map into it, normalizes them all with the same rules, resolves facts
given by two sources (`ledger.transforms.cross_source`), and writes in one transaction.
Rows that break a rule go to `quarantine.rejected_rows` with the reason; every row read is
counted in `audit.reconciliation` as loaded, duplicate or quarantined.
"""

from concurrent.futures import ThreadPoolExecutor

import dagster as dg
import polars as pl

from assets.epoch import asset_key as epoch_asset_key
from assets.epoch import files_for, table_name
from assets.reference import REFERENCE_KEYS, load_references
from assets.resources import Warehouse
from assets.table_metadata import table_metadata
from ledger.transforms.cross_source import resolve_sources
from ledger.transforms.entities import ENTITIES, Entity
from ledger.transforms.epoch import EPOCH_FILES
from ledger.transforms.epoch.common import ADAPTER_PROBLEM
from ledger.transforms.normalize import normalize
from ledger.transforms.price_batches import annotate_prices, split_annotated
from ledger.transforms.problems import PROBLEM_COLUMNS, PROBLEMS
from ledger.warehouse import (
    RECONCILIATION_COLUMNS,
    LoadCounts,
    cursor,
    frame_to_markdown,
    insert_by_name,
    mark_price_days_touched,
    now,
    quarantine_rows,
    raw_records,
    read_table,
    record_reconciliation,
    registered,
    settle_repeated_quotes,
    table_exists,
    transaction,
    write_staged,
)

GROUP = "staging"

_DESCRIPTIONS = {
    "funding_events": "Funding tranches in US dollars (low/mid/high) at the rate of their announcement date, "
    "with canonical company names and the part that is vendor money.",
    "gpu_prices": "GPU prices in US dollars: purchase prices per GPU and rentals per GPU-hour.",
    "cash_burn": "Burn, revenue, capex and cash in US dollars, with a monthly rate for flows.",
    "clusters": "Cluster phases with canonical GPU models, counts, power (MW) and reported capex in US dollars.",
    "alt_currency_figures": "Figures restated in a second currency by their source, in plain units of that currency.",
    "compute_commitments": "Compute contracts and commitments, buyer paying seller, in US dollars at the rate of their "
    "announcement: cloud capacity, chips, leases, power and backstops, with status, binding and term.",
}


def file_rank(con, entity: str) -> dict[str, int]:
    """Each raw file of `entity` and its place in the last raw load, which was in
    precedence order (`discovery.by_precedence`): the earlier file wins a conflict."""
    return dict(
        con.execute("select source_file, file_id from audit.raw_files where entity = ? order by file_id", [entity]).fetchall()
    )


def _epoch_rows(con, entity: str) -> tuple[pl.DataFrame | None, pl.DataFrame | None, list[pl.DataFrame]]:
    """Epoch rows mapped into `entity`: (rows to normalize, rows the adapter could not map,
    the Epoch records read)."""
    mapped, problems, records = [], [], []
    for file_name in files_for(entity):
        table = table_name(file_name)
        if not table_exists(con, table):
            continue
        raw = read_table(con, table)
        if raw.height == 0:
            continue
        records.append(raw_records(raw))
        adapted = EPOCH_FILES[file_name].adapter(raw.drop("file_sha256", "loaded_at", "run_id"))
        mapped.append(adapted.filter(pl.col(ADAPTER_PROBLEM).is_null()).drop(ADAPTER_PROBLEM))
        problems.append(
            adapted.filter(pl.col(ADAPTER_PROBLEM).is_not_null()).select(
                "dataset",
                "source_file",
                "row_number",
                "raw_row_id",
                pl.lit("(Epoch row)").alias(PROBLEM_COLUMNS),
                pl.format("Epoch AI export: {}", ADAPTER_PROBLEM).alias(PROBLEMS),
                pl.lit(None, pl.String).alias("_duplicate_of"),
            )
        )
    return (
        pl.concat(mapped, how="diagonal_relaxed") if mapped else None,
        pl.concat(problems, how="diagonal_relaxed") if problems else None,
        records,
    )


#: Rows per batch when price rows stream from raw to staging: three of the Arrow batches
#: DuckDB hands out (122,880 rows each). Two batches are in memory at once (one written,
#: one normalized); at 10M quotes, batches of 614,400 rows took as long and ~0.5 GB more.
PRICE_BATCH_ROWS = 3 * 122_880


def stage_prices(warehouse: Warehouse, run_id: str) -> LoadCounts:
    """`staging.gpu_prices` in batches: price history is where the volume is (tens of
    millions of quotes), so raw rows stream from DuckDB to Polars through Arrow, a batch at
    a time, and staged rows stream back into a new table, each batch committed so memory
    stays at one batch. One short transaction then settles ids repeated across batches,
    matches Epoch's rows (few) against ours as for any entity, and swaps the new table in:
    readers see the old prices or the new ones, never half."""
    table, building, rejected_table = "staging.gpu_prices", "staging.gpu_prices__next", "quarantine.gpu_prices__next"
    loaded_at = now()
    counts: dict[str, dict[str, int]] = {}
    with warehouse.session() as con:
        refs = load_references(con)
        ranks = file_rank(con, "gpu_prices")
        empty = resolve_sources(annotate_prices(con.sql("select * from raw.gpu_prices limit 0").pl(), refs), "gpu_prices")
        with registered(con, "_schema", empty.drop(PROBLEM_COLUMNS, PROBLEMS, "_duplicate_of")):
            con.execute(f"create or replace table {building} as select * from _schema")
        con.execute(f"create or replace table {rejected_table} as select * from quarantine.rejected_rows limit 0")

        def write(batch: pl.DataFrame, annotated: pl.DataFrame, one_row_per_source_row: bool = True) -> None:
            part = split_annotated(batch, annotated)
            insert_by_name(con, building, part.staged)
            insert_by_name(con, rejected_table, quarantine_rows("gpu_prices", part.rejected, run_id, loaded_at))
            ok = pl.col(PROBLEMS).is_null() & pl.col("_duplicate_of").is_null()
            if one_row_per_source_row:  # raw rows map one to one: counting rows is enough
                per_file = annotated.group_by("source_file").agg(pl.len().alias("read"), ok.sum().alias("loaded"))
            else:
                per_file = annotated.group_by("source_file").agg(
                    pl.col("raw_row_id").n_unique().alias("read"),
                    pl.col("raw_row_id").filter(ok).n_unique().alias("loaded"),
                )
            for name, read, loaded in per_file.iter_rows():
                c = counts.setdefault(name, {"read": 0, "loaded": 0})
                c["read"] += read
                c["loaded"] += loaded

        reader = cursor(con)
        try:
            # DuckDB writes one batch while Polars normalizes the next (both release the
            # GIL): at 10M quotes the writes are 17 s of the step's 55 s when done in turn.
            with ThreadPoolExecutor(1) as writer:
                pending = None
                for batch in _batches(reader.sql("select * from raw.gpu_prices").to_arrow_reader(PRICE_BATCH_ROWS)):
                    annotated = resolve_sources(annotate_prices(batch, refs, ranks), "gpu_prices")
                    if pending is not None:
                        pending.result()  # at most one batch waits: memory stays at two
                    pending = writer.submit(write, batch, annotated)
                if pending is not None:
                    pending.result()
        finally:
            reader.close()
        epoch, epoch_problems, epoch_records = _epoch_rows(con, "gpu_prices")
        if epoch is not None:
            annotated = annotate_prices(epoch, refs)
            # only our rows that could match an Epoch quote (same model, type and day)
            with registered(con, "_epoch_keys", annotated.select("gpu_model", "price_type", "observed_date").unique()):
                ours = con.sql(
                    f"select t.* from {building} as t join _epoch_keys using (gpu_model, price_type, observed_date) "
                    "where t.dataset <> 'epoch'"
                ).pl()
            candidates = ours.with_columns(
                pl.lit(None, pl.String).alias(PROBLEM_COLUMNS),
                pl.lit(None, pl.String).alias(PROBLEMS),
                pl.lit(None, pl.String).alias("_duplicate_of"),
            )
            resolved = resolve_sources(pl.concat([candidates, annotated], how="diagonal_relaxed"), "gpu_prices")
            resolved = resolved.filter(pl.col("dataset") == "epoch")
            if epoch_problems is not None:
                resolved = pl.concat([resolved, epoch_problems], how="diagonal_relaxed")
            epoch_raw = pl.concat([r.select("raw_row_id", "raw_record") for r in epoch_records])
            write(epoch_raw, resolved, one_row_per_source_row=False)

        with transaction(con):
            if table_exists(con, table):
                # days of the price points being replaced: the index rebuilds them too
                mark_price_days_touched(con, f"select observed_date from {table}", [], table, run_id)
            con.execute(f"drop table if exists {table}")
            con.execute(f"alter table {building} rename to gpu_prices")
            con.execute("delete from quarantine.rejected_rows where entity = 'gpu_prices'")
            con.execute(f"insert into quarantine.rejected_rows by name select * from {rejected_table}")
            con.execute(f"drop table {rejected_table}")
            for name, (duplicates, conflicts) in settle_repeated_quotes(
                con, table, "gpu_prices", "true", {}, run_id, loaded_at, list(ranks)
            ).items():
                counts[name]["loaded"] -= duplicates + conflicts
            mark_price_days_touched(con, f"select observed_date from {table}", [], table, run_id)
            return _record_price_reconciliation(con, counts, run_id, loaded_at)


def _batches(reader, rows: int = PRICE_BATCH_ROWS):
    """Polars frames of about `rows` rows from an Arrow reader (DuckDB hands out at most
    122,880 rows at a time; bigger batches amortize each step's fixed cost)."""
    pending, size = [], 0
    for arrow_batch in reader:
        pending.append(pl.from_arrow(arrow_batch))
        size += arrow_batch.num_rows
        if size >= rows:
            yield pl.concat(pending, rechunk=False)
            pending, size = [], 0
    if pending:
        yield pl.concat(pending, rechunk=False)


def _record_price_reconciliation(con, counts: dict, run_id: str, at) -> LoadCounts:
    """One audit row per file: rows read, loaded, quarantined (a row with nothing staged
    and a quarantine entry), duplicate (the rest). Only an Epoch row can give several
    prices (one per chip), so only Epoch rows can be partly staged and partly quarantined."""
    quarantined = dict(
        con.execute(
            "select source_file, count(distinct raw_row_id) from quarantine.rejected_rows "
            "where entity = 'gpu_prices' and (dataset <> 'epoch' or raw_row_id not in "
            "(select raw_row_id from staging.gpu_prices where dataset = 'epoch')) group by 1"
        ).fetchall()
    )
    parts = dict(
        con.execute(
            "select source_file, count(*) from quarantine.rejected_rows where entity = 'gpu_prices' group by 1"
        ).fetchall()
    )
    files = con.sql("select source_file, dataset, file_sha256 from audit.raw_files where entity = 'gpu_prices'").pl()
    epoch = [{"source_file": n, "dataset": "epoch", "file_sha256": None} for n in counts if n not in set(files["source_file"])]
    files = pl.concat([files, pl.DataFrame(epoch, schema=files.schema)]) if epoch else files
    rows = []
    for name, dataset, sha in files.iter_rows():
        c = counts.get(name, {"read": 0, "loaded": 0})
        q = min(quarantined.get(name, 0), c["read"] - c["loaded"])
        rows.append(
            {
                "source_file": name,
                "dataset": dataset,
                "file_sha256": sha,
                "rows_read": c["read"],
                "rows_loaded": c["loaded"],
                "rows_duplicate": c["read"] - c["loaded"] - q,
                "rows_quarantined": q,
                "parts_quarantined": parts.get(name, 0),
            }
        )
    # typed, so a load with no price file at all (prices from the quote feed only) records nothing
    schema = {c: pl.String if c in ("source_file", "dataset", "file_sha256") else pl.Int64 for c in RECONCILIATION_COLUMNS}
    return record_reconciliation(con, "gpu_prices", pl.DataFrame(rows, schema=schema), run_id, at)


def stage_entity(con, entity: Entity, run_id: str):
    """Normalize `raw.<entity>` and the Epoch rows for it into `staging.<entity>`; returns
    the load counts. (`gpu_prices` streams: see `stage_prices`.)"""
    table = f"staging.{entity.name}"
    raw = read_table(con, f"raw.{entity.name}")
    epoch, epoch_problems, epoch_records = _epoch_rows(con, entity.name)
    rows = raw if epoch is None else pl.concat([raw, epoch], how="diagonal_relaxed")
    annotated = normalize(entity.name, rows, load_references(con), file_rank(con, entity.name))
    if epoch_problems is not None:
        annotated = pl.concat([annotated, epoch_problems], how="diagonal_relaxed")
    annotated = resolve_sources(annotated, entity.name)
    records = pl.concat([raw_records(raw), *epoch_records], how="diagonal_relaxed")
    files_read = con.sql(
        "select source_file, dataset, file_sha256 from audit.raw_files where entity = ?", params=[entity.name]
    ).pl()
    return write_staged(con, entity.name, table, records, annotated, run_id=run_id, files_read=files_read)


def _staging_asset(entity: Entity) -> dg.AssetsDefinition:
    @dg.asset(
        name=entity.name,
        key_prefix=["staging"],
        group_name=GROUP,
        kinds={"duckdb", "polars"},
        deps=[
            ["raw", entity.name],
            *[epoch_asset_key(f) for f in files_for(entity.name)],
            *REFERENCE_KEYS,
        ],
        description=_DESCRIPTIONS[entity.name],
    )
    def staged_entity(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
        if entity.name == "gpu_prices":
            counts = stage_prices(warehouse, context.run.run_id)
        with warehouse.write() as con:
            if entity.name != "gpu_prices":
                counts = stage_entity(con, entity, context.run.run_id)
            table = table_metadata(con, f"staging.{entity.name}")
            reasons = con.sql(
                "select reason, count(*) as rows from quarantine.rejected_rows where entity = ? "
                "group by reason order by rows desc limit 10",
                params=[entity.name],
            ).pl()
        metadata = {
            **table,
            "rows_read": counts.rows_read,
            "rows_loaded": counts.rows_loaded,
            "rows_duplicate": counts.rows_duplicate,
            "rows_quarantined": counts.rows_quarantined,
        }
        if reasons.height:
            metadata["quarantine_reasons"] = dg.MetadataValue.md(frame_to_markdown(reasons))
        return dg.MaterializeResult(metadata=metadata)

    return staged_entity


STAGING_ASSETS = [_staging_asset(e) for e in ENTITIES.values()]
