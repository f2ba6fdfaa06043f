"""GPU price quotes by day: the high-volume feed (cloud catalogs scraped several times a
day), partitioned by the day quoted so a day loads without rewriting the rest.

One step reads each file once, in batches, and writes the raw rows, the staged rows and
the quarantined ones for the days being loaded, replacing those days atomically, and
records those days, which the price index then rebuilds with their months (and only
those). The `gpu_price_quotes` suite then validates the rows of the latest load.
"""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta

import dagster as dg
import polars as pl

from assets.policies import IO_RETRY, retry_only_transient_io
from assets.reference import REFERENCE_KEYS, load_references
from assets.resources import Inputs, Warehouse
from assets.table_metadata import column_schema
from ledger.transforms.catalogs import SCANNERS, catalog_format, written_day
from ledger.transforms.entities import GPU_PRICES
from ledger.transforms.errors import InputFileError
from ledger.transforms.gpu_prices import STAGED_COLUMNS
from ledger.transforms.quote_files import quote_files
from ledger.transforms.quotes import PARTITION_DATE, QuoteBatch, rows_of_days, split_quote_batch
from ledger.transforms.reading import check_header, iter_file_batches, read_header, read_through, scan_entity_file
from ledger.transforms.stable_files import ensure_unchanged, wait_until_settled
from ledger.warehouse import (
    RAW_METADATA,
    count_csv_records,
    insert_by_name,
    mark_price_days_touched,
    now,
    quarantine_rows,
    record_reconciliation,
    registered,
    settle_repeated_quotes,
    table_exists,
)

QUOTES_START = "2023-01-01"
QUOTE_DAYS = dg.DailyPartitionsDefinition(start_date=QUOTES_START, end_offset=1)
RAW_KEY = dg.AssetKey(["raw", "gpu_price_quotes"])
STAGED_KEY = dg.AssetKey(["staging", "gpu_price_quotes"])


def day_range_tags(start: str, end: str) -> dict[str, str]:
    """Run tags that make one run load the quote days from `start` to `end`."""
    return {"dagster/asset_partition_range_start": start, "dagster/asset_partition_range_end": end}


def all_days_tags() -> dict[str, str]:
    """Run tags that make one run cover every day of the quote feed (a full rebuild)."""
    return day_range_tags(QUOTE_DAYS.get_first_partition_key(), QUOTE_DAYS.get_last_partition_key())


def days_with_files(folder) -> tuple[date, date]:
    """The days the quote folder has files for, through today: every day if an undated
    history file is there, only today's (empty) partition if there is none. What a run
    launched without a partition loads (`make run`, the Launchpad's defaults); the weekly
    rebuild covers every day."""
    first = date.fromisoformat(QUOTE_DAYS.get_first_partition_key())
    last = date.fromisoformat(QUOTE_DAYS.get_last_partition_key())
    files = quote_files(folder, first, last)
    if any(f.day is None for f in files):
        return first, last
    return min((f.day for f in files), default=last), last


def days_with_files_tags(folder) -> dict[str, str]:
    """Run tags for the days `days_with_files` gives."""
    start, end = days_with_files(folder)
    return day_range_tags(start.isoformat(), end.isoformat())


def _days_to_load(context, inputs: Inputs) -> tuple[date, date, bool]:
    """(first day, last day, whether that is every day): the run's partition or range; a run
    launched without one (the Launchpad's defaults, `make run`) loads the days with files."""
    if context.has_partition_key or context.has_partition_key_range:
        window = context.partition_time_window
        start, end = window.start.date(), (window.end - timedelta(days=1)).date()
    else:
        start, end = days_with_files(inputs.quotes_folder)
    keys = QUOTE_DAYS.get_partition_keys(dynamic_partitions_store=context.instance)
    return start, end, (start.isoformat(), end.isoformat()) == (keys[0], keys[-1])


def _prepare_tables(con, refs, loaded_at, rebuild: bool) -> None:
    """The raw and staged quote tables, made anew for a rebuild, else made if missing."""
    columns = [f'"{c}" varchar' for c in GPU_PRICES.columns] + [f"{c} {t}" for c, t in RAW_METADATA]
    columns.append(f"{PARTITION_DATE} date")
    verb = "create or replace table" if rebuild else "create table if not exists"
    con.execute(f"{verb} raw.gpu_price_quotes ({', '.join(columns)})")
    if rebuild or not table_exists(con, "staging.gpu_price_quotes"):
        # the staged columns are what normalizing gives (worked out only when needed: it
        # costs as much as normalizing a small file)
        day = date.fromisoformat(QUOTES_START)
        staged = split_quote_batch(rows_of_days(_empty_batch(), None, day, day), refs, None).staged
        with registered(con, "_schema", staged.with_columns(pl.lit(loaded_at).alias("loaded_at"))):
            con.execute("create or replace table staging.gpu_price_quotes as select * from _schema")


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            RAW_KEY,
            group_name="sources",
            kinds={"duckdb", "csv"},
            description="GPU price quotes by day as ingested (every column as text), from the quote files "
            "in COMPUTE_LEDGER_QUOTES (data/quotes/).",
        ),
        dg.AssetSpec(
            STAGED_KEY,
            group_name="staging",
            kinds={"duckdb", "polars"},
            deps=[RAW_KEY, *REFERENCE_KEYS],
            description="GPU price quotes by day in US dollars: purchases per GPU, rentals per GPU-hour, "
            "canonical GPU models. Partitioned by the day quoted.",
            freshness_policy=dg.FreshnessPolicy.time_window(fail_window=timedelta(days=3), warn_window=timedelta(days=2)),
        ),
    ],
    partitions_def=QUOTE_DAYS,
    backfill_policy=dg.BackfillPolicy.single_run(),
    retry_policy=IO_RETRY,
)
def gpu_price_quotes(context: dg.AssetExecutionContext, warehouse: Warehouse, inputs: Inputs):
    with retry_only_transient_io():
        start, end, rebuild = _days_to_load(context, inputs)
        load = _load_days(warehouse, inputs, start, end, rebuild, context.run.run_id)
        if load.reloaded_every_day:
            context.log.warning("staging.gpu_price_quotes had an earlier version's columns: every quote day was reloaded")
        start, end, rebuild = load.start, load.end, load.rebuild
    if not (context.has_partition_key or context.has_partition_key_range):
        # Launched without a partition: each day loaded is recorded as materialized, as a
        # run over the same range would record it, so the partitions view shows them.
        for day in QUOTE_DAYS.get_partition_keys_in_range(dg.PartitionKeyRange(start.isoformat(), end.isoformat())):
            for key in (RAW_KEY, STAGED_KEY):
                context.log_event(dg.AssetMaterialization(asset_key=key, partition=day))
    yield dg.MaterializeResult(
        asset_key=RAW_KEY,
        metadata={"dagster/row_count": load.totals["rows_read"], "files": load.files, "days": f"{start} .. {end}"},
    )
    yield dg.MaterializeResult(
        asset_key=STAGED_KEY,
        metadata={
            "dagster/row_count": load.staged_rows,
            "dagster/column_schema": load.schema,
            **load.totals,
            "days": f"{start} .. {end}",
            "full_rebuild": rebuild,
        },
    )


def _built_by_an_earlier_version(con) -> bool:
    """Whether the staged quote table lacks a column this version stages."""
    if not table_exists(con, "staging.gpu_price_quotes"):
        return False
    have = {d[0] for d in con.execute("select * from staging.gpu_price_quotes limit 0").description}
    return not set(STAGED_COLUMNS) <= have


@dataclass
class _Load:
    """What a load of quote days did: the days it replaced (every day when it found the
    staged table built by an earlier version), files read, row counts, staged rows in
    those days and the staged table's columns."""

    start: date
    end: date
    rebuild: bool
    reloaded_every_day: bool
    files: int
    totals: dict[str, int]
    staged_rows: int
    schema: dg.TableSchema


def _load_days(warehouse: Warehouse, inputs: Inputs, start: date, end: date, rebuild: bool, run_id: str) -> _Load:
    """Replace the quote days [start, end] by what the quote files give for them, in one
    transaction. Days staged with other columns (before GPU variants, say) cannot sit
    beside new ones: finding them, the load reloads every day from the quote files, once."""
    per_file: dict[str, dict[str, int]] = {}
    loaded_at = now()
    with warehouse.write() as con:
        reloaded_every_day = not rebuild and _built_by_an_earlier_version(con)
        if reloaded_every_day:
            start, end = (
                date.fromisoformat(k) for k in (QUOTE_DAYS.get_first_partition_key(), QUOTE_DAYS.get_last_partition_key())
            )
            rebuild = True
        files = quote_files(inputs.quotes_folder, start, end)
        refs = load_references(con)
        _prepare_tables(con, refs, loaded_at, rebuild)
        for table in ("raw.gpu_price_quotes", "staging.gpu_price_quotes"):
            con.execute(f"delete from {table} where {PARTITION_DATE} between ? and ?", [start, end])
        names = [f.name for f in files]
        shas: dict[str, str] = {}
        con.execute("delete from raw.gpu_price_quotes where partition_date is null and list_contains(?, source_file)", [names])
        con.execute(
            "delete from quarantine.rejected_rows where entity = 'gpu_price_quotes' and "
            "(partition_date between ? and ? or (partition_date is null and list_contains(?, source_file)))",
            [start, end, names],
        )
        # DuckDB writes a batch's raw rows while Polars normalizes them, and its staged rows
        # while Polars reads and normalizes the next batch (both release the GIL)
        writer = ThreadPoolExecutor(1)
        try:
            for quote_file in files:
                shas[quote_file.name], per_file[quote_file.name] = _load_file(
                    con, writer, quote_file, refs, (start, end), loaded_at, run_id
                )
        finally:
            # no write may run on the connection once the transaction commits or rolls back
            writer.shutdown(cancel_futures=True)
        settled = settle_repeated_quotes(
            con,
            "staging.gpu_price_quotes",
            "gpu_price_quotes",
            "partition_date between $start and $end",
            {"start": start, "end": end},
            run_id,
            loaded_at,
            names,
        )
        for name, (dups, conflicts) in settled.items():
            counts = per_file[name]
            counts["rows_loaded"] -= dups + conflicts
            counts["rows_duplicate"] += dups
            counts["rows_quarantined"] += conflicts
        _record_reconciliation(con, per_file, shas, loaded_at, run_id)
        mark_price_days_touched(
            con,
            "select unnest(generate_series(?::date, ?::date, interval 1 day))::date",
            [start, end],
            "gpu_price_quotes",
            run_id,
        )
        staged_rows = con.execute(
            "select count(*) from staging.gpu_price_quotes where partition_date between ? and ?", [start, end]
        ).fetchall()[0][0]
        schema = column_schema(con, "staging.gpu_price_quotes")
    totals = {k: sum(c[k] for c in per_file.values()) for k in ("rows_read", "rows_loaded", "rows_duplicate", "rows_quarantined")}
    return _Load(start, end, rebuild, reloaded_every_day, len(files), totals, staged_rows, schema)


def _load_file(con, writer: ThreadPoolExecutor, quote_file, refs, days: tuple[date, date], loaded_at, run_id: str):
    """Append a quote file's rows of `days` (first, last): raw, staged and quarantined, a
    batch at a time, DuckDB writing on `writer`'s thread; (its SHA-256, its row counts)."""
    state = wait_until_settled(quote_file.path)  # not a file still being copied in
    sha, unclosed_quote = read_through(quote_file.path)  # one pass: hash, quotes
    header = read_header(quote_file.path)
    # DuckDB's strict reader counts the records (a short row fails the file there) while
    # Polars reads them; the two counts are compared at the end
    records = writer.submit(count_csv_records, quote_file.path)
    catalog = catalog_format(header)
    if catalog:  # a cloud catalog (SkyPilot's vms.csv, gpuhunt's CSV): one record per price
        day = quote_file.day or written_day(quote_file.path)
        known_gpus = frozenset(refs.gpu_aliases["alias_key"].to_list())
        scan = SCANNERS[catalog](quote_file.path, quote_file.name, day, header, known_gpus)
    else:
        check_header(quote_file.path, header, GPU_PRICES)
        scan = scan_entity_file(quote_file.path, GPU_PRICES, quote_file.name)
    lineage = (pl.lit(sha).alias("file_sha256"), pl.lit(loaded_at).alias("loaded_at"), pl.lit(run_id).alias("run_id"))
    counts = {"rows_read": 0, "rows_loaded": 0, "rows_duplicate": 0, "rows_quarantined": 0}
    writes = []  # the previous batch's, waited for once the next one is normalized
    batches = iter_file_batches(
        scan.with_columns(pl.lit("quotes").alias("dataset")), quote_file.path, len(header), unclosed_quote=unclosed_quote
    )
    read = 0
    for batch in batches:
        read += batch.height
        rows = rows_of_days(batch, quote_file.day, *days)
        raw_written = writer.submit(insert_by_name, con, "raw.gpu_price_quotes", rows.with_columns(*lineage))
        part = split_quote_batch(rows, refs, quote_file.day)
        for write in writes:
            write.result()  # at most two batches held: memory stays bounded
        writes = [raw_written, writer.submit(_write_split, con, part, run_id, loaded_at)]
        counts["rows_read"] += rows.height
        counts["rows_loaded"] += part.staged.height
        counts["rows_duplicate"] += part.duplicates
        counts["rows_quarantined"] += part.rejected.height
    for write in writes:
        write.result()
    counted = records.result()
    if not catalog and read != counted:  # a catalog's scan may give a record several rows
        raise InputFileError(
            quote_file.path, f"its records were counted as {counted:,} by one CSV reader and {read:,} by another"
        )
    ensure_unchanged(quote_file.path, state)
    return sha, counts


def _write_split(con, part: QuoteBatch, run_id: str, loaded_at) -> None:
    """Append a batch's staged rows and its quarantined ones."""
    insert_by_name(con, "staging.gpu_price_quotes", part.staged.with_columns(pl.lit(loaded_at).alias("loaded_at")))
    rejected = quarantine_rows("gpu_price_quotes", part.rejected, run_id, loaded_at)
    insert_by_name(con, "quarantine.rejected_rows", rejected.with_columns(part.rejected.get_column(PARTITION_DATE)))


def _empty_batch() -> pl.DataFrame:
    schema = {c: pl.String for c in GPU_PRICES.columns}
    schema.update(
        {
            "extra_columns": pl.String,
            "source_file": pl.String,
            "row_number": pl.Int64,
            "raw_row_id": pl.String,
            "dataset": pl.String,
        }
    )
    return pl.DataFrame(schema=schema)


def _record_reconciliation(con, per_file, shas, loaded_at, run_id) -> None:
    """One audit row per file read in this load."""
    rows = [{"source_file": name, "dataset": "quotes", "file_sha256": shas[name], **counts} for name, counts in per_file.items()]
    if rows:
        record_reconciliation(con, "gpu_price_quotes", pl.DataFrame(rows), run_id, loaded_at)


QUOTE_ASSETS = [gpu_price_quotes]
