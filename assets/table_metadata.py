"""What a table's page in the Dagster UI shows beside its description: the row count, the
column schema, a preview, and the checks of the tables it was built from."""

from __future__ import annotations

import dagster as dg

from assets.quality.suites import load_suites
from assets.warehouse import markdown_preview

#: The expectations of each staged table: (name, severity), from expectations/*.yaml.
_CHECKS = {dg.AssetKey(s.table.split(".")): [(e.name, e.severity) for e in s.expectations] for s in load_suites()}


def table_metadata(con, table: str) -> dict:
    """Row count, column schema (name and DuckDB type) and the first rows of `table`."""
    columns = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        table.split("."),
    ).fetchall()
    rows = con.execute(f"select count(*) from {table}").fetchall()[0][0]
    return {
        "dagster/row_count": rows,
        "dagster/column_schema": dg.TableSchema(columns=[dg.TableColumn(name, kind) for name, kind in columns]),
        "preview": dg.MetadataValue.md(markdown_preview(con, table)),
    }


def input_checks(instance: dg.DagsterInstance, inputs: list[dg.AssetKey]) -> dg.MetadataValue:
    """The latest result of every check on the inputs that have checks, as a Markdown table
    (one row per input: checks passed, and those that did not pass by name), so a mart's
    page says what vetted the data it was built from."""
    lines = ["| input | checks passed | blocking | not passed |", "| --- | --- | --- | --- |"]
    for key in inputs:
        checks = _CHECKS.get(key)
        if not checks:
            continue
        passed, failed = 0, []
        for name, severity in checks:
            record = instance.get_latest_asset_check_evaluation_record(dg.AssetCheckKey(key, name))
            status = record.status.value if record else "not run"  # PLANNED: not finished
            if status == "SUCCEEDED":
                passed += 1
            else:
                failed.append(f"{name} ({severity}{'' if status == 'FAILED' else ', not run'})")
        blocking = sum(severity == "error" for _, severity in checks)
        lines.append(f"| {key.to_user_string()} | {passed} of {len(checks)} | {blocking} | {', '.join(failed) or '–'} |")
    return dg.MetadataValue.md("\n".join(lines) if len(lines) > 2 else "no checked inputs")
