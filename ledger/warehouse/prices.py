"""What GPU price loads share: the days they touched (for the price index to rebuild only
those) and quote ids repeated across batches or files."""

from __future__ import annotations

from datetime import datetime

import duckdb

from ledger.warehouse.tables import now


def mark_price_days_touched(con: duckdb.DuckDBPyConnection, days_sql: str, params: list, touched_by: str, run_id: str) -> None:
    """Record days whose GPU prices changed (rows added, replaced or removed), for the price
    index to rebuild them and their months (and only those). `days_sql` selects one column
    of dates."""
    con.execute(
        f"insert into audit.price_days_touched select distinct d, ?, ?, ? from ({days_sql}) as t(d) where d is not null",
        [touched_by, run_id, now(), *params],
    )


def settle_repeated_quotes(
    con: duckdb.DuckDBPyConnection,
    table: str,
    entity: str,
    where: str,
    params: dict,
    run_id: str,
    at: datetime,
    files_by_precedence: list[str] | None = None,
) -> dict[str, tuple[int, int]]:
    """Quote ids staged twice in `table` among the rows `where` selects (written in
    different batches or files): the first copy stays — by file precedence
    (`files_by_precedence`, earlier wins; files not listed after, by name), then row — a
    later copy with the same content is a duplicate and is removed, one with different
    content goes to quarantine naming the copy kept. Returns {source_file: (duplicates,
    conflicts)}. Cheap when no id repeats (one grouped scan)."""
    content = "md5(concat_ws('|', gpu_model, price_type, usd_per_gpu_mid, usd_per_gpu_hour_mid, observed_date, provider, region))"
    rank = "coalesce(list_position($files, source_file), 2147483647)"
    order = f"partition by quote_id order by {rank}, source_file, row_number"
    con.execute(
        f"""
        create or replace temp table _repeated as
        with ranked as (
            select
                quote_id, source_file, row_number, raw_row_id, dataset,
                {"partition_date" if "quotes" in entity else "null::date"} as partition_date,
                row_number() over ({order}) as copy,
                first(raw_row_id) over ({order}) as first_row,
                {content} as content,
                first({content}) over ({order}) as first_content
            from {table}
            where {where}
                and quote_id in (select quote_id from {table} where {where} group by quote_id having count(*) > 1)
        )
        select * from ranked where copy > 1
        """,
        {**params, "files": files_by_precedence or []},
    )
    per_file = {
        name: (int(dups), int(conflicts))
        for name, dups, conflicts in con.execute(
            "select source_file, count(*) filter (where content = first_content), "
            "count(*) filter (where content <> first_content) from _repeated group by source_file"
        ).fetchall()
    }
    if per_file:
        con.execute(
            """
            insert into quarantine.rejected_rows
                (entity, dataset, source_file, row_number, raw_row_id, "column", reason, raw_record, run_id,
                 quarantined_at, partition_date)
            select $entity, dataset, source_file, row_number, raw_row_id, 'quote_id',
                'quote_id: ' || quote_id || ' is already used by ' || first_row || ' with different values',
                null, $run_id, $at, partition_date
            from _repeated
            where content <> first_content
            """,
            {"entity": entity, "run_id": run_id, "at": at},
        )
        con.execute(f"delete from {table} where raw_row_id in (select raw_row_id from _repeated)")
    con.execute("drop table _repeated")
    return per_file
