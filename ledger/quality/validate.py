"""Running a suite with Great Expectations, over every row, at warehouse scale.

GX 1.x cannot validate DuckDB through its SQL datasource (every expectation fails with
`MetricResolutionError: list index out of range`, GX issues #10738 and #11579), and its
pandas datasource is slow on millions of rows. So every row is validated through what GX
needs to see: for each expectation, DuckDB groups the rows by the columns it reads and
counts them; GX validates the distinct combinations (with its pandas datasource, all
expectations in one run), and the unexpected combinations' row counts give the unexpected
rows. Every row's values are checked — nothing is sampled — and a table of ten million
quotes with a few thousand distinct prices costs a few thousand rows of GX work.

The combinations of all expectations are stacked in one frame, each expectation's under
columns of its own (`e3__status`); another expectation's rows are null there, which GX's
row-wise expectations skip as missing values (`not_be_null` sees them as present, `be_null`
as expected), so no row condition is needed to keep the expectations apart.

Expectations read columns as they are, except `expect_column_values_to_not_be_null`,
which only needs to know whether a value is there (so ids with millions of distinct values
do not make millions of groups). Cross-row facts (duplicates, round totals) are columns
the suite's SQL query computes, so every expectation is row-wise.

GX's verdict depends only on the suite and on those combinations, so it is kept (in
`cache_dir`, keyed by GX's version, this module's code, the suite and the combinations'
exact contents) and reused when a later run sees the same data: a re-run after editing
one input file validates that file's table only, and does not even import GX when
nothing changed.
"""

from __future__ import annotations

import gc
import hashlib
import json
import math
import os
import re
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from ledger.quality.suites import ExpectationSpec, Suite

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

SAMPLE_SIZE = 10
ROWS = "__rows"
SET = "__set"
#: Results kept per suite in the cache (older ones are removed).
CACHE_KEEP = 16
_PRESENCE_ONLY = {"expect_column_values_to_not_be_null"}
#: Row-wise expectations that skip rows whose columns are all missing (GX's defaults for
#: `ignore_row_if`), so the rows of other expectations need no row condition.
_SKIP_MISSING = {
    "expect_column_values_to_be_in_set",
    "expect_column_values_to_not_be_in_set",
    "expect_column_values_to_be_between",
    "expect_column_values_to_match_regex",
    "expect_column_values_to_not_match_regex",
    "expect_column_values_to_not_be_null",
    "expect_column_pair_values_a_to_be_greater_than_b",
    "expect_column_pair_values_to_be_equal",
}
#: Expectations that expect a null: the other expectations' rows (null in their columns)
#: pass them with no row condition, and none of their own rows is missing (a null is a
#: value they check).
_NULL_EXPECTED = {"expect_column_values_to_be_null"}
_COLUMN_KWARGS = ("column", "column_A", "column_B")
_WORDS = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_STRINGS = re.compile(r"'[^']*'|\"[^\"]*\"")
_KEYWORDS = {"and", "or", "not", "in", "True", "False", "None", "is", "null"}


@dataclass
class Outcome:
    """What one expectation found over the whole table (counts are rows, not groups).
    `reused`: taken from an earlier validation of exactly the same data."""

    spec: ExpectationSpec
    element_count: int = 0
    missing_count: int = 0
    unexpected_count: int = 0
    sample: list[str] = field(default_factory=list)
    error: str | None = None
    docs_url: str | None = None
    reused: bool = False

    @property
    def unexpected_percent(self) -> float:
        checked = self.element_count - self.missing_count
        return 100.0 * self.unexpected_count / checked if checked else 0.0

    @property
    def passed(self) -> bool:
        if self.error:
            return False
        mostly = self.spec.kwargs.get("mostly")
        if mostly is not None:
            return self.unexpected_percent <= 100.0 * (1 - float(mostly)) + 1e-9
        return self.unexpected_count == 0


def _show(value) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "null"
    if isinstance(value, tuple):
        return "(" + ", ".join(_show(v) for v in value) + ")"
    return str(getattr(value, "item", lambda: value)())


def condition_columns(condition: str | None) -> list[str]:
    """Columns a pandas row_condition reads."""
    if not condition:
        return []
    words = _WORDS.findall(_STRINGS.sub(" ", condition))
    return list(dict.fromkeys(w for w in words if w not in _KEYWORDS))


def expectation_columns(spec: ExpectationSpec) -> list[str]:
    """Columns an expectation reads: its column arguments and its row condition's."""
    columns = [spec.kwargs[k] for k in _COLUMN_KWARGS if k in spec.kwargs]
    columns += list(spec.kwargs.get("column_list", []))
    columns += condition_columns(spec.kwargs.get("row_condition"))
    return list(dict.fromkeys(columns))


def _alias(i: int, column: str) -> str:
    return f"e{i}__{column}"


def _rename_condition(condition: str, i: int, columns: list[str]) -> str:
    out, last = [], 0
    # rename identifiers outside string literals
    for match in _STRINGS.finditer(condition):
        out.append(_rename_words(condition[last : match.start()], i, columns))
        out.append(match.group(0))
        last = match.end()
    out.append(_rename_words(condition[last:], i, columns))
    return "".join(out)


def _rename_words(text: str, i: int, columns: list[str]) -> str:
    return _WORDS.sub(lambda m: _alias(i, m.group(0)) if m.group(0) in columns else m.group(0), text)


def _needs_set_condition(spec: ExpectationSpec) -> bool:
    """Whether GX must be told which rows are this expectation's (`__set == i`)."""
    return (
        (spec.expect not in _SKIP_MISSING and spec.expect not in _NULL_EXPECTED)
        or bool(spec.kwargs.get("row_condition"))
        or spec.kwargs.get("ignore_row_if") in ("neither", "never")
    )


def grouped_sql(suite: Suite, select_sql: str) -> str:
    """The query of the distinct value combinations each expectation reads, stacked: the
    expectation they belong to (`__set`), then its columns, then the number of rows each
    combination stands for (`__rows`). One pass over the rows (GROUPING SETS), in a fixed
    order so that the same data gives the same result."""
    projections, sets, cases, outputs = [], [], [], []
    for i, spec in enumerate(suite.expectations):
        columns = expectation_columns(spec)
        for column in columns:
            expression = f'"{column}"'
            presence = spec.expect in _PRESENCE_ONLY and column == spec.kwargs.get("column")
            if presence:
                expression = f'case when "{column}" is null then null else 1 end'
            projections.append(f'{expression} as "{_alias(i, column)}"')
            # outside its own rows a presence column reads "present", so GX skips those rows
            output = f'"{_alias(i, column)}"'
            outputs.append(f"case when {SET} = {i} then {output} else 1 end as {output}" if presence else output)
        aliases = [f'"{_alias(i, c)}"' for c in columns]
        sets.append("(" + ", ".join(aliases) + ")")
        cases.append(f"when grouping({aliases[0]}) = 0 then {i}")
    return (
        f"with source_rows as ({select_sql}), projected as (select {', '.join(projections)} from source_rows), "
        f"grouped as (select case {' '.join(cases)} end as {SET}, *, count(*) as {ROWS} "
        f"from projected group by grouping sets ({', '.join(sets)})) "
        f"select {SET}, {', '.join(outputs)}, {ROWS} from grouped order by all"
    )


def grouped_table(suite: Suite, con: duckdb.DuckDBPyConnection, select_sql: str, params: dict) -> pa.Table:
    """The stacked combinations (see `grouped_sql`) as an Arrow table."""
    return con.sql(grouped_sql(suite, select_sql), params=params).to_arrow_table()


def _as_pandas(table: pa.Table) -> pd.DataFrame:
    """The frame DuckDB itself gives for `table` (`from_arrow(table).df()`, what GX saw in
    every earlier run), made by Arrow: DuckDB's conversion took 1.1-1.9 s for the 1.18M
    combinations of ten million curated prices, this 0.09 s (0.58 s on a process's first
    call). DuckDB's rules, kept:
    integer and boolean columns with a null become pandas' nullable types (without one,
    NumPy's), dates datetimes in microseconds, decimals floats, and a text column of nulls
    only objects (None). An empty table, or one with any other type, is left to DuckDB."""
    import pandas as pd
    import pyarrow as pa

    nullable = {
        **{getattr(pa, f"{sign}int{bits}")(): f"{sign.upper()}Int{bits}" for sign in ("", "u") for bits in (8, 16, 32, 64)},
        pa.bool_(): "boolean",
    }
    plain = (pa.types.is_floating, pa.types.is_string, pa.types.is_large_string, pa.types.is_timestamp, pa.types.is_null)
    if not table.num_rows or not all(
        f.type in nullable or pa.types.is_date32(f.type) or pa.types.is_decimal(f.type) or any(t(f.type) for t in plain)
        for f in table.schema
    ):
        with duckdb.connect() as con:
            return con.from_arrow(table).df()
    columns = {}
    for name, column in zip(table.column_names, table.columns, strict=True):
        kind = column.type
        if pa.types.is_decimal(kind):
            column = column.cast(pa.float64())
        if kind in nullable and column.null_count:
            columns[name] = column.to_pandas(types_mapper={kind: pd.api.types.pandas_dtype(nullable[kind])}.get)
        elif (pa.types.is_string(kind) or pa.types.is_large_string(kind)) and column.null_count == len(column):
            columns[name] = pd.Series([None] * len(column), dtype=object)
        elif pa.types.is_date32(kind):
            columns[name] = column.to_pandas(date_as_object=False).astype("datetime64[us]")
        else:
            columns[name] = column.to_pandas()
    return pd.DataFrame(columns, copy=False)


def _gx_kwargs(i: int, spec: ExpectationSpec) -> dict:
    columns = expectation_columns(spec)
    kwargs = dict(spec.kwargs)
    for key in _COLUMN_KWARGS:
        if key in kwargs:
            kwargs[key] = _alias(i, kwargs[key])
    if "column_list" in kwargs:
        kwargs["column_list"] = [_alias(i, c) for c in kwargs["column_list"]]
    if _needs_set_condition(spec):
        condition = f"{SET} == {i}"
        if kwargs.get("row_condition"):
            condition += f" and ({_rename_condition(kwargs['row_condition'], i, columns)})"
        kwargs["row_condition"] = condition
        kwargs["condition_parser"] = "pandas"
    return kwargs


def fingerprint(suite: Suite) -> str:
    """A digest of everything in the suite that decides a result."""
    specs = [[s.name, s.expect, s.kwargs, s.severity, s.dimension] for s in suite.expectations]
    text = json.dumps([suite.table, suite.query, specs], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


#: GX checkpoints by (suite fingerprint, docs folder): a Suite holds lists, so is no key.
_CHECKPOINTS: dict = {}


@lru_cache(maxsize=4)
def _context(docs_dir: str | None):
    """One ephemeral GX context per process and docs folder (creating one takes seconds)."""
    import great_expectations as gx

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}
    if docs_dir:
        context.add_data_docs_site(
            "compute_ledger",
            {
                "class_name": "SiteBuilder",
                "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": docs_dir},
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            },
        )
    context.data_sources.add_pandas("warehouse")
    # GX brings ~205,000 objects the cyclic garbage collector would walk on every full
    # collection for the rest of the process (0.17 s each with the pipeline's code loaded;
    # one day's run in three met one in the benchmark's process, which runs step after
    # step): they live as long as the process, so they are moved out of its reach.
    gc.freeze()
    return context


def _checkpoint(suite: Suite, docs_dir: str | None):
    """The GX suite, batch and checkpoint for `suite`, built once per process and reused
    with each new frame."""
    key = (fingerprint(suite), docs_dir)
    if key not in _CHECKPOINTS:
        import great_expectations as gx
        from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

        context = _context(docs_dir)
        name = f"{suite.name}-{key[0][:12]}"
        batch = context.data_sources.get("warehouse").add_dataframe_asset(name).add_batch_definition_whole_dataframe("rows")
        expectations = [
            ExpectationConfiguration(
                type=spec.expect,
                kwargs=_gx_kwargs(i, spec),
                meta={"name": spec.name, "severity": spec.severity, "dimension": spec.dimension, "notes": spec.description},
            ).to_domain_obj()
            for i, spec in enumerate(suite.expectations)
        ]
        gx_suite = context.suites.add(gx.ExpectationSuite(name=name, expectations=expectations))
        definition = context.validation_definitions.add(gx.ValidationDefinition(name=name, data=batch, suite=gx_suite))
        actions = [gx.checkpoint.UpdateDataDocsAction(name="data_docs", site_names=["compute_ledger"])] if docs_dir else []
        _CHECKPOINTS[key] = context.checkpoints.add(
            gx.Checkpoint(
                name=name,
                validation_definitions=[definition],
                actions=actions,
                result_format={"result_format": "COMPLETE", "partial_unexpected_count": SAMPLE_SIZE},
            )
        )
    return _CHECKPOINTS[key]


def _run_gx(suite: Suite, frame: pd.DataFrame, docs_dir: str | None):
    """Validate the grouped frame with GX in one checkpoint run; (results by name, docs URL)."""
    run = _checkpoint(suite, docs_dir).run(batch_parameters={"dataframe": frame})
    [(identifier, result)] = list(run.run_results.items())
    url = None
    if docs_dir:
        urls = _context(docs_dir).get_docs_sites_urls(resource_identifier=identifier, site_names=["compute_ledger"])
        url = urls[0]["site_url"] if urls else None
    by_name = {(r.expectation_config.meta or {}).get("name"): r for r in result.results}
    return by_name, url


def _outcome(i: int, spec: ExpectationSpec, frame: pd.DataFrame, result, url: str | None) -> Outcome:
    outcome = Outcome(spec, docs_url=url)
    rows = frame[frame[SET] == i]
    condition = spec.kwargs.get("row_condition")
    if condition:
        rows = rows.query(_rename_condition(condition, i, expectation_columns(spec)), engine="python")
    outcome.element_count = int(rows[ROWS].sum())
    main = [_alias(i, spec.kwargs[k]) for k in _COLUMN_KWARGS if k in spec.kwargs]
    if main:
        missing = (
            rows[main].isna().any(axis=1)
            if spec.kwargs.get("ignore_row_if") == "either_value_is_missing"
            else rows[main[0]].isna()
        )
        if spec.expect not in _PRESENCE_ONLY and spec.expect not in _NULL_EXPECTED:
            outcome.missing_count = int(rows.loc[missing, ROWS].sum())
    if result is None:
        outcome.error = "Great Expectations returned no result for this expectation"
        return outcome
    if result.exception_info and result.exception_info.get("raised_exception"):
        outcome.error = str(result.exception_info.get("exception_message"))
        return outcome
    details = result.result or {}
    index = details.get("unexpected_index_list") or []
    if index and isinstance(index[0], dict):  # GX may give index rows as dicts
        index = [next(iter(v.values())) if len(v) == 1 else v.get("index") for v in index]
    if index:
        outcome.unexpected_count = int(frame.loc[index, ROWS].sum())
    elif not result.success:
        outcome.unexpected_count = max(1, int(details.get("unexpected_count") or 0))
    outcome.sample = [_show(v) for v in (details.get("partial_unexpected_list") or [])[:SAMPLE_SIZE]]
    return outcome


@lru_cache(maxsize=1)
def _code_digest() -> bytes:
    """This module turns GX's results into row counts: a change to it is a new verdict."""
    return hashlib.sha256(Path(__file__).read_bytes()).digest()


def _cache_file(cache_dir: Path, suite: Suite, table: pa.Table) -> Path:
    digest = hashlib.sha256()
    digest.update(f"great_expectations {version('great_expectations')}\n{fingerprint(suite)}\n".encode())
    digest.update(_code_digest())
    digest.update(str(table.schema).encode())
    # values, not Arrow's buffers: those differ with chunking and under null slots
    digest.update(json.dumps(table.to_pydict(), default=str).encode())
    return cache_dir / suite.name / f"{digest.hexdigest()}.json"


def _load_cached(path: Path, suite: Suite) -> list[Outcome] | None:
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    by_name = {entry["name"]: entry for entry in saved}
    if set(by_name) != {spec.name for spec in suite.expectations}:
        return None
    fields = ("element_count", "missing_count", "unexpected_count", "sample")
    return [Outcome(spec, **{k: by_name[spec.name][k] for k in fields}, reused=True) for spec in suite.expectations]


def _save(path: Path, outcomes: list[Outcome]) -> None:
    """Write the outcomes atomically, and keep only the newest `CACHE_KEEP` of the suite."""
    path.parent.mkdir(parents=True, exist_ok=True)
    saved = [
        {
            "name": o.spec.name,
            "element_count": o.element_count,
            "missing_count": o.missing_count,
            "unexpected_count": o.unexpected_count,
            "sample": o.sample,
        }
        for o in outcomes
    ]
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(saved, out)
    os.replace(temporary, path)
    kept = sorted(path.parent.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in kept[CACHE_KEEP:]:
        old.unlink(missing_ok=True)


def validate_query(
    suite: Suite,
    con: duckdb.DuckDBPyConnection,
    select_sql: str,
    params: dict | None = None,
    docs_dir: Path | None = None,
    cache_dir: Path | None = None,
) -> list[Outcome]:
    """Validate every row `select_sql` returns against `suite`; one Outcome per expectation.

    With `cache_dir` (and no `docs_dir`, whose pages need a GX run), a result GX gave for
    exactly these combinations before is reused."""
    table = grouped_table(suite, con, select_sql, params or {})
    cached = _cache_file(cache_dir, suite, table) if cache_dir and not docs_dir else None
    if cached is not None:
        outcomes = _load_cached(cached, suite)
        if outcomes is not None:
            return outcomes
    frame = _as_pandas(table)
    docs = str(docs_dir) if docs_dir else None
    by_name, url = _run_gx(suite, frame, docs)
    outcomes = [_outcome(i, spec, frame, by_name.get(spec.name), url) for i, spec in enumerate(suite.expectations)]
    if cached is not None and not any(o.error for o in outcomes):
        _save(cached, outcomes)
    return outcomes


def validate_frame(
    suite: Suite, frame: pd.DataFrame, docs_dir: Path | None = None, cache_dir: Path | None = None
) -> list[Outcome]:
    """Validate an in-memory frame (tests call checks this way on good and bad frames)."""
    with duckdb.connect() as con:
        con.register("rows_to_check", frame)
        return validate_query(suite, con, "select * from rows_to_check", {}, docs_dir, cache_dir)
