"""Every expectation in expectations/*.yaml as its own Dagster asset check.

One multi-asset check per suite reads the staged table once (read-only) and yields one
result per expectation, so each expectation has its own row in the UI. Expectations of
severity `error` are blocking: when one fails, the marts built from that table do not run
in that run, and keep their previous contents.
"""

import dagster as dg

from assets.resources import Inputs, Warehouse
from ledger.quality.suites import Suite, load_suites
from ledger.quality.validate import validate_query
from ledger.settings import docs_dir, validation_cache_dir
from ledger.warehouse import load_sql, sql_params


def _key(table: str) -> dg.AssetKey:
    return dg.AssetKey(table.split("."))


def _other_tables(suite: Suite) -> list[dg.AssetKey]:
    """Staged tables the suite's query reads besides its own (checks run after them)."""
    from assets.marts import upstream_keys

    own = _key(suite.table)
    sql = load_sql(suite.query) if suite.query else ""
    return [k for k in upstream_keys(sql) if k != own and k.path[0] == "staging"]


def _check_metadata(outcome) -> dict:
    spec = outcome.spec
    metadata = {
        "dimension": spec.dimension,
        "severity": spec.severity,
        "expectation": dg.MetadataValue.json({"type": spec.expect, **spec.kwargs}),
        "element_count": outcome.element_count,
        "checked_count": outcome.element_count - outcome.missing_count,
        "unexpected_count": outcome.unexpected_count,
        "unexpected_percent": round(outcome.unexpected_percent, 4),
        "unexpected_sample": dg.MetadataValue.json(outcome.sample),
    }
    if outcome.error:
        metadata["error"] = outcome.error
    if outcome.reused:
        metadata["result_reused"] = True  # the same data as an earlier validation: its result
    if outcome.docs_url:
        metadata["data_docs"] = dg.MetadataValue.url(outcome.docs_url)
    return metadata


def suite_check(suite: Suite) -> dg.AssetChecksDefinition:
    """The multi-asset check that runs `suite` over its table."""
    key = _key(suite.table)
    others = _other_tables(suite)
    specs = [
        dg.AssetCheckSpec(
            name=spec.name,
            asset=key,
            blocking=spec.severity == "error",
            description=f"{spec.description} ({spec.dimension}; {spec.severity})",
            additional_deps=others,
        )
        for spec in suite.expectations
    ]

    @dg.multi_asset_check(specs=specs, name=f"{suite.name}_expectations", description=suite.description)
    def run_suite(warehouse: Warehouse, inputs: Inputs):
        select = load_sql(suite.query) if suite.query else f"select * from {suite.table}"
        with warehouse.read() as con:
            params = sql_params(select, {"as_of": inputs.as_of_date})
            outcomes = validate_query(suite, con, select, params, docs_dir(), validation_cache_dir())
        for outcome in outcomes:
            yield dg.AssetCheckResult(
                check_name=outcome.spec.name,
                asset_key=key,
                passed=outcome.passed,
                severity=dg.AssetCheckSeverity.ERROR if outcome.spec.severity == "error" else dg.AssetCheckSeverity.WARN,
                metadata=_check_metadata(outcome),
            )

    return run_suite


SUITE_CHECKS = [suite_check(s) for s in load_suites()]
