"""The report: `data/report/index.html` (or `COMPUTE_LEDGER_REPORT`), one file with a chart
per question the marts answer, readable offline. Rebuilt after the marts it reads; `make
report` rebuilds it from the warehouse without a run.
"""

import dagster as dg

from assets.marts import upstream_keys
from assets.resources import Inputs, Warehouse
from assets.table_metadata import check_results
from ledger.report import REPORT_SQL, write_report
from ledger.settings import report_path
from ledger.warehouse import load_sql

REPORT_KEY = dg.AssetKey(["reports", "ledger_report"])
_READS = sorted({key for name in REPORT_SQL for key in upstream_keys(load_sql(name))}, key=lambda k: k.to_user_string())


@dg.asset(
    key=REPORT_KEY,
    group_name="reports",
    kinds={"html", "vega"},
    deps=_READS,
    description="One HTML file that opens offline: leverage, money flows, runway, capex, GPU prices and data quality "
    "as charts, each saying what it shows, its as-of date and the marts it comes from.",
    automation_condition=dg.AutomationCondition.eager(),
)
def ledger_report(context: dg.AssetExecutionContext, warehouse: Warehouse, inputs: Inputs) -> dg.MaterializeResult:
    """Write the report from the marts and this run's check results (read-only: it never
    waits for the write lock)."""
    path = report_path()
    checks = check_results(context.instance, context.run.run_id)
    with warehouse.read() as con:
        sections = write_report(con, path, as_of=inputs.as_of_date, checks=checks)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(path)),
            "url": dg.MetadataValue.url(path.resolve().as_uri()),
            "charts": dg.MetadataValue.json([s.key for s in sections]),
            "bytes": path.stat().st_size,
            "as_of": str(inputs.as_of_date),
            "checks_shown": checks.height,
        }
    )


REPORT_ASSETS = [ledger_report]
