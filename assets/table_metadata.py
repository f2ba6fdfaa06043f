"""What a table's page in the Dagster UI shows beside its description: the row count, the
column schema, a preview, and the checks of the tables it was built from."""

from __future__ import annotations

import base64
from concurrent.futures import Executor, Future

import dagster as dg
import polars as pl

from ledger.quality.suites import load_suites
from ledger.warehouse import markdown_preview

#: The expectations of each staged table: (name, severity), from expectations/*.yaml.
_CHECKS = {dg.AssetKey(s.table.split(".")): [(e.name, e.severity) for e in s.expectations] for s in load_suites()}


def mart_pictures_and_numbers(con, mart: str) -> dict:
    """What a mart's page shows beyond its table: its report chart as a picture (Markdown,
    for the marts that carry one) and the numbers a user follows across runs, which Dagster
    plots over materializations."""
    return _with_picture(*_numbers_and_chart(con, mart))


def start_mart_pictures_and_numbers(con, mart: str, drawer: Executor) -> Future:
    """`mart_pictures_and_numbers`, its numbers and chart data read on `con` now (inside
    the caller's transaction, so they are the rows it just wrote) and the chart drawn on
    `drawer` while the caller goes on: vl-convert draws without holding the GIL (0.1–0.15 s
    for the price index's chart)."""
    return drawer.submit(_with_picture, *_numbers_and_chart(con, mart))


def _numbers_and_chart(con, mart: str) -> tuple[str, dict, object]:
    from ledger.report import mart_chart, mart_metrics  # Altair and vl-convert only here

    metrics = {name: dg.MetadataValue.float(value) for name, value in mart_metrics(con, mart).items()}
    return mart, metrics, mart_chart(con, mart)


def _with_picture(mart: str, metadata: dict, chart) -> dict:
    from ledger.report import chart_svg

    if chart is not None:
        image = base64.b64encode(chart_svg(chart).encode("utf-8")).decode("ascii")
        metadata = metadata | {"chart": dg.MetadataValue.md(f"![{mart}](data:image/svg+xml;base64,{image})")}
    return metadata


def column_schema(con, table: str) -> dg.TableSchema:
    """`table`'s columns (name and DuckDB type) as Dagster shows them."""
    columns = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        table.split("."),
    ).fetchall()
    return dg.TableSchema(columns=[dg.TableColumn(name, kind) for name, kind in columns])


def table_metadata(con, table: str) -> dict:
    """Row count, column schema (name and DuckDB type) and the first rows of `table`."""
    rows = con.execute(f"select count(*) from {table}").fetchall()[0][0]
    return {
        "dagster/row_count": rows,
        "dagster/column_schema": column_schema(con, table),
        "preview": dg.MetadataValue.md(markdown_preview(con, table)),
    }


def _this_run(instance: dg.DagsterInstance, run_id: str | None) -> dict[dg.AssetCheckKey, str]:
    """The status of each check evaluated in run `run_id` so far (one query)."""
    if run_id is None:
        return {}
    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION).records
    evaluations = (r.event_log_entry.dagster_event.event_specific_data for r in records)
    return {e.asset_check_key: "SUCCEEDED" if e.passed else "FAILED" for e in evaluations}


def check_results(instance: dg.DagsterInstance, run_id: str) -> pl.DataFrame:
    """Every check evaluated in run `run_id`: table, check, severity (error or warn), passed."""
    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION).records
    evaluations = [r.event_log_entry.dagster_event.event_specific_data for r in records]
    return pl.DataFrame(
        {
            "table": [e.asset_check_key.asset_key.to_user_string() for e in evaluations],
            "check": [e.asset_check_key.name for e in evaluations],
            "severity": [e.severity.value.lower() for e in evaluations],
            "passed": [e.passed for e in evaluations],
        },
        schema={"table": pl.String, "check": pl.String, "severity": pl.String, "passed": pl.Boolean},
    )


def input_checks(instance: dg.DagsterInstance, inputs: list[dg.AssetKey], run_id: str | None = None) -> dg.MetadataValue:
    """The latest result of every check on the inputs that have checks, as a Markdown table
    (one row per input: checks passed, and those that did not pass by name), so a mart's
    page says what vetted the data it was built from. Checks evaluated in run `run_id` are
    read in one query, the others' latest evaluations in another."""
    lines = ["| input | checks passed | blocking | not passed |", "| --- | --- | --- | --- |"]
    this_run = _this_run(instance, run_id)
    earlier = [dg.AssetCheckKey(key, name) for key in inputs for name, _ in _CHECKS.get(key, [])]
    earlier = [check for check in earlier if check not in this_run]
    # the storage call Dagster's get_latest_asset_check_evaluation_record makes for one key
    latest = instance.event_log_storage.get_latest_asset_check_execution_by_key(earlier) if earlier else {}
    for key in inputs:
        checks = _CHECKS.get(key)
        if not checks:
            continue
        passed, failed = 0, []
        for name, severity in checks:
            check = dg.AssetCheckKey(key, name)
            status = this_run.get(check)
            if status is None:
                record = latest.get(check)
                status = record.status.value if record else "not run"  # PLANNED: not finished
            if status == "SUCCEEDED":
                passed += 1
            else:
                failed.append(f"{name} ({severity}{'' if status == 'FAILED' else ', not run'})")
        blocking = sum(severity == "error" for _, severity in checks)
        lines.append(f"| {key.to_user_string()} | {passed} of {len(checks)} | {blocking} | {', '.join(failed) or '–'} |")
    return dg.MetadataValue.md("\n".join(lines) if len(lines) > 2 else "no checked inputs")
