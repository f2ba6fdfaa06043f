"""Comparing the outputs of two paths, in DuckDB over both warehouse files (read-only).

- the index: same (month, gpu_model, gpu_variant, provider_family, price_type, price_unit) rows, same quote_count, and
  every numeric column within a relative tolerance (1e-9 by default); the daily index likewise, by day;
- staging.gpu_prices: the same raw rows staged, column by column (floats with tolerance);
- quarantine: the same rows rejected, with the same `column` list and reason.
"""

from __future__ import annotations

import duckdb

INDEX_KEY = ("month", "gpu_model", "gpu_variant", "provider_family", "price_type", "price_unit")
DAILY_KEY = ("day", *INDEX_KEY[1:])
EXAMPLES = 5


def _connect(**sources: str) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(
        "create macro close_to(x, y, tol) as case "
        "when x is null and y is null then true when x is null or y is null then false "
        "else x = y or abs(x - y) <= tol * greatest(abs(x), abs(y)) end"
    )
    for alias, path in sources.items():
        if path.endswith(".parquet"):
            quoted = path.replace("'", "''")
            con.execute(f"create view {alias}_index as select * from read_parquet('{quoted}')")
        else:
            quoted = path.replace("'", "''")
            con.execute(f"attach '{quoted}' as {alias} (read_only)")
    return con


def _columns(con, relation: str) -> dict[str, str]:
    return {row[0]: row[1] for row in con.execute(f"describe {relation}").fetchall()}


def _is_float(sql_type: str) -> bool:
    return sql_type.upper() in ("DOUBLE", "FLOAT", "REAL") or sql_type.upper().startswith("DECIMAL")


def _diff(con, left: str, right: str, key: tuple[str, ...], tol: float, label_key: str, ignore: tuple[str, ...] = ()) -> dict:
    """Row and column differences between two relations joined on `key`."""
    lc, rc = _columns(con, left), _columns(con, right)
    common = [c for c in lc if c in rc and c not in key and c not in ignore]
    on = " and ".join(f"a.{k} is not distinct from b.{k}" for k in key)
    counts = [
        "count(*) filter (where a._present and b._present is null) as only_left",
        "count(*) filter (where b._present and a._present is null) as only_right",
        "count(*) filter (where a._present and b._present) as both",
    ]
    conditions = {}
    for c in common:
        if _is_float(lc[c]) or _is_float(rc[c]):
            conditions[c] = f"not close_to(cast(a.{c} as double), cast(b.{c} as double), {tol!r})"
        else:
            conditions[c] = f"a.{c} is distinct from b.{c}"
        counts.append(f'count(*) filter (where a._present and b._present and ({conditions[c]})) as "{c}"')
    sql = f"""
        select {", ".join(counts)}
        from (select *, true as _present from {left}) a
        full join (select *, true as _present from {right}) b on {on}
    """
    row = con.execute(sql).fetchone()
    result = {"only_left": row[0], "only_right": row[1], "both": row[2], "columns": {}}
    for c, n in zip(common, row[3:]):
        if n:
            sample = con.execute(
                f"""
                select {", ".join(f"coalesce(a.{k}, b.{k})" for k in key)}, a.{c}, b.{c}
                from {left} a join {right} b on {on}
                where {conditions[c]} limit {EXAMPLES}
                """
            ).fetchall()
            result["columns"][c] = {"rows": n, "examples": [[str(v) for v in s] for s in sample]}
    for side, which, other in (("only_left", left, right), ("only_right", right, left)):
        if result[side]:
            sample = con.execute(
                f"select {', '.join(f'x.{k}' for k in key)} from {which} x anti join {other} y on "
                + " and ".join(f"x.{k} is not distinct from y.{k}" for k in key)
                + f" limit {EXAMPLES}"
            ).fetchall()
            result[side + "_examples"] = [[str(v) for v in s] for s in sample]
    result["ok"] = not (result["only_left"] or result["only_right"] or result["columns"])
    result["key"] = label_key
    return result


#: The pandas reference computes the family roll-up only (gpu_variant and provider_family
#: null in the index), by the first method (every quote alike): informational.
FAMILY_KEY = ("month", "gpu_model", "price_type", "price_unit")
FAMILY_ROWS = "gpu_variant is null and provider_family is null"


def compare_index(left_db: str, right: str, tol: float = 1e-9, *, families_only: bool = False) -> dict:
    """marts.gpu_price_index of `left_db` against `right` (a warehouse file or an index
    Parquet); `families_only`: the left's family roll-up rows against every right row."""
    con = _connect(l=left_db, r=right)
    right_rel = "r_index" if right.endswith(".parquet") else "r.marts.gpu_price_index"
    left_rel = f"(select * from l.marts.gpu_price_index where {FAMILY_ROWS})" if families_only else "l.marts.gpu_price_index"
    try:
        return _diff(con, left_rel, right_rel, FAMILY_KEY if families_only else INDEX_KEY, tol, "index")
    finally:
        con.close()


def compare_daily_index(left_db: str, right_db: str, tol: float = 1e-9) -> dict:
    """marts.gpu_price_index_daily of two warehouse files."""
    con = _connect(l=left_db, r=right_db)
    try:
        return _diff(con, "l.marts.gpu_price_index_daily", "r.marts.gpu_price_index_daily", DAILY_KEY, tol, "daily index")
    finally:
        con.close()


def compare_staging(left_db: str, right_db: str, tol: float = 1e-9, left_table: str = "staging.gpu_prices") -> dict:
    """Staged rows of the left warehouse (`left_table`) against the right's staging.gpu_prices."""
    con = _connect(l=left_db, r=right_db)
    try:
        # `dataset` labels the route (curated or quotes), not the quote.
        return _diff(con, f"l.{left_table}", "r.staging.gpu_prices", ("raw_row_id",), tol, "staging", ("dataset",))
    finally:
        con.close()


def compare_quarantine(left_db: str, right_db: str, left_entity: str = "gpu_prices") -> dict:
    con = _connect(l=left_db, r=right_db)
    try:
        left = f"(select raw_row_id, \"column\", reason from l.quarantine.rejected_rows where entity = '{left_entity}')"
        right = "(select raw_row_id, \"column\", reason from r.quarantine.rejected_rows where entity = 'gpu_prices')"
        return _diff(con, left, right, ("raw_row_id",), 0.0, "quarantine")
    finally:
        con.close()


def describe(result: dict, left: str, right: str) -> list[str]:
    """Human lines for a comparison result."""
    name = result["key"]
    if result["ok"]:
        return [f"  {name}: {left} = {right} ({result['both']:,} rows)"]
    lines = [
        f"  {name}: MISMATCH {left} vs {right}: {result['both']:,} rows in both, "
        f"{result['only_left']:,} only in {left}, {result['only_right']:,} only in {right}"
    ]
    for side, who in (("only_left", left), ("only_right", right)):
        for example in result.get(side + "_examples", []):
            lines.append(f"    only in {who}: {', '.join(example)}")
    for column, info in result["columns"].items():
        lines.append(f"    {column}: {info['rows']:,} rows differ, e.g.")
        for example in info["examples"][:3]:
            lines.append(f"      {' | '.join(example)}")
    return lines
