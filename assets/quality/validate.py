"""Running a suite with Great Expectations, over every row, at warehouse scale.

GX 1.x cannot validate DuckDB through its SQL datasource (every expectation fails with
`MetricResolutionError: list index out of range`, GX issues #10738 and #11579), and its
pandas datasource is slow on millions of rows. So every row is validated through what GX
needs to see: for each expectation, DuckDB groups the rows by the columns it reads and
counts them; GX validates the distinct combinations (with its pandas datasource, all
expectations in one run), and the unexpected combinations' row counts give the unexpected
rows. Every row's values are checked — nothing is sampled — and a table of ten million
quotes with a few thousand distinct prices costs a few thousand rows of GX work.

Expectations read columns as they are, except `expect_column_values_to_not_be_null`,
which only needs to know whether a value is there (so ids with millions of distinct values
do not make millions of groups). Cross-row facts (duplicates, round totals) are columns
the suite's SQL query computes, so every expectation is row-wise.
"""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import duckdb
import pandas as pd

from assets.quality.suites import ExpectationSpec, Suite

SAMPLE_SIZE = 10
ROWS = "__rows"
SET = "__set"
_PRESENCE_ONLY = {"expect_column_values_to_not_be_null"}
_COLUMN_KWARGS = ("column", "column_A", "column_B")
_WORDS = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_STRINGS = re.compile(r"'[^']*'|\"[^\"]*\"")
_KEYWORDS = {"and", "or", "not", "in", "True", "False", "None", "is", "null"}


@dataclass
class Outcome:
    """What one expectation found over the whole table (counts are rows, not groups)."""

    spec: ExpectationSpec
    element_count: int = 0
    missing_count: int = 0
    unexpected_count: int = 0
    sample: list[str] = field(default_factory=list)
    error: str | None = None
    docs_url: str | None = None

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


def grouped_frame(suite: Suite, con: duckdb.DuckDBPyConnection, select_sql: str, params: dict) -> pd.DataFrame:
    """One frame of the distinct value combinations each expectation reads, with the
    number of rows each stands for (`__rows`) and the expectation it belongs to (`__set`).
    One pass over the rows (GROUPING SETS)."""
    projections, sets, flags = [], [], []
    for i, spec in enumerate(suite.expectations):
        columns = expectation_columns(spec)
        for column in columns:
            expression = f'"{column}"'
            if spec.expect in _PRESENCE_ONLY and column == spec.kwargs.get("column"):
                expression = f'case when "{column}" is null then null else 1 end'
            projections.append(f'{expression} as "{_alias(i, column)}"')
        aliases = [f'"{_alias(i, c)}"' for c in columns]
        sets.append("(" + ", ".join(aliases) + ")")
        flags.append(f"grouping({aliases[0]}) as g{i}")
    sql = (
        f"with source_rows as ({select_sql}), projected as (select {', '.join(projections)} from source_rows) "
        f"select *, {', '.join(flags)}, count(*) as {ROWS} from projected group by grouping sets ({', '.join(sets)})"
    )
    frame = con.sql(sql, params=params).df()
    parts = []
    for i in range(len(suite.expectations)):
        part = frame[frame[f"g{i}"] == 0]
        parts.append(part.assign(**{SET: i}))
    stacked = pd.concat(parts, ignore_index=True) if parts else frame
    return stacked.drop(columns=[f"g{i}" for i in range(len(suite.expectations))])


def _gx_kwargs(i: int, spec: ExpectationSpec) -> dict:
    columns = expectation_columns(spec)
    kwargs = dict(spec.kwargs)
    for key in _COLUMN_KWARGS:
        if key in kwargs:
            kwargs[key] = _alias(i, kwargs[key])
    if "column_list" in kwargs:
        kwargs["column_list"] = [_alias(i, c) for c in kwargs["column_list"]]
    condition = f"{SET} == {i}"
    if kwargs.get("row_condition"):
        condition += f" and ({_rename_condition(kwargs['row_condition'], i, columns)})"
    kwargs["row_condition"] = condition
    kwargs["condition_parser"] = "pandas"
    return kwargs


@lru_cache(maxsize=4)
def _context(docs_dir: str | None):
    """One ephemeral GX context per process (creating one takes seconds)."""
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
    return context


def _run_gx(suite: Suite, frame: pd.DataFrame, docs_dir: str | None):
    """Validate the grouped frame with GX in one checkpoint run; (results by position, docs URL)."""
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    context = _context(docs_dir)
    unique = f"{suite.table}-{uuid.uuid4().hex[:8]}"
    batch = context.data_sources.get("warehouse").add_dataframe_asset(unique).add_batch_definition_whole_dataframe("rows")
    gx_suite = context.suites.add(gx.ExpectationSuite(name=unique))
    for i, spec in enumerate(suite.expectations):
        config = ExpectationConfiguration(
            type=spec.expect,
            kwargs=_gx_kwargs(i, spec),
            meta={"name": spec.name, "severity": spec.severity, "dimension": spec.dimension, "notes": spec.description},
        )
        gx_suite.add_expectation(config.to_domain_obj())
    definition = context.validation_definitions.add(gx.ValidationDefinition(name=unique, data=batch, suite=gx_suite))
    actions = [gx.checkpoint.UpdateDataDocsAction(name="data_docs", site_names=["compute_ledger"])] if docs_dir else []
    checkpoint = context.checkpoints.add(
        gx.Checkpoint(
            name=unique,
            validation_definitions=[definition],
            actions=actions,
            result_format={"result_format": "COMPLETE", "partial_unexpected_count": SAMPLE_SIZE},
        )
    )
    run = checkpoint.run(batch_parameters={"dataframe": frame})
    [(identifier, result)] = list(run.run_results.items())
    url = None
    if docs_dir:
        urls = context.get_docs_sites_urls(resource_identifier=identifier, site_names=["compute_ledger"])
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
        missing = rows[main].isna().any(axis=1) if spec.kwargs.get("ignore_row_if") == "either_value_is_missing" else rows[main[0]].isna()
        if spec.expect not in _PRESENCE_ONLY:
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


def validate_query(
    suite: Suite, con: duckdb.DuckDBPyConnection, select_sql: str, params: dict | None = None, docs_dir: Path | None = None
) -> list[Outcome]:
    """Validate every row `select_sql` returns against `suite`; one Outcome per expectation."""
    frame = grouped_frame(suite, con, select_sql, params or {})
    docs = str(docs_dir) if docs_dir else None
    by_name, url = _run_gx(suite, frame, docs)
    return [_outcome(i, spec, frame, by_name.get(spec.name), url) for i, spec in enumerate(suite.expectations)]


def validate_frame(suite: Suite, frame: pd.DataFrame, docs_dir: Path | None = None) -> list[Outcome]:
    """Validate an in-memory frame (tests call checks this way on good and bad frames)."""
    with duckdb.connect() as con:
        con.register("rows_to_check", frame)
        return validate_query(suite, con, "select * from rows_to_check", {}, docs_dir)
