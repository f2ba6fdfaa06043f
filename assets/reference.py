"""Reference tables: FX rates, the GPU catalogue, company aliases and assumptions."""

import dagster as dg
import polars as pl

from assets.policies import WAREHOUSE_POOL, retry_only_transient_io
from assets.resources import Inputs, Warehouse
from assets.timing import Stopwatch
from assets.transforms.entities import REFERENCE
from assets.transforms.reading import read_reference_file
from assets.transforms.reference import (
    References,
    normalize_assumptions,
    normalize_companies,
    normalize_fx_rates,
    normalize_gpu_catalog,
)
from assets.warehouse import read_table, replace_table

GROUP = "reference"


def _result(tables: dict[str, int], watch: Stopwatch, source: str) -> dg.MaterializeResult:
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": sum(tables.values()),
            "tables": dg.MetadataValue.json(tables),
            "source_file": source,
            "seconds": watch.seconds,
        }
    )


def _read(inputs: Inputs, name: str) -> tuple[pl.DataFrame, str]:
    path = inputs.folder / "reference" / f"{name}.csv"
    with retry_only_transient_io():
        return read_reference_file(path, REFERENCE[name]), str(path)


@dg.asset(key=["ref", "fx_rates"], group_name=GROUP, kinds={"duckdb", "polars"}, pool=WAREHOUSE_POOL)
def fx_rates(warehouse: Warehouse, inputs: Inputs) -> dg.MaterializeResult:
    """Currency units per US dollar by date (EUR, JPY, CNY, GBP). Amounts are converted at
    the latest rate on or before their date."""
    watch = Stopwatch()
    raw, path = _read(inputs, "fx_rates")
    with retry_only_transient_io():
        rates = normalize_fx_rates(raw)
    with warehouse.write() as con:
        rows = replace_table(con, "ref.fx_rates", rates)
    return _result({"ref.fx_rates": rows}, watch, path)


@dg.asset(key=["ref", "gpu_catalog"], group_name=GROUP, kinds={"duckdb", "polars"}, pool=WAREHOUSE_POOL)
def gpu_catalog(warehouse: Warehouse, inputs: Inputs) -> dg.MaterializeResult:
    """GPU models by canonical name, with H100-equivalent factor, TDP and memory, and every
    alias real files use for them (`ref.gpu_aliases`)."""
    watch = Stopwatch()
    raw, path = _read(inputs, "gpu_catalog")
    with retry_only_transient_io():
        catalog, aliases = normalize_gpu_catalog(raw)
    with warehouse.write() as con:
        tables = {
            "ref.gpu_catalog": replace_table(con, "ref.gpu_catalog", catalog),
            "ref.gpu_aliases": replace_table(con, "ref.gpu_aliases", aliases),
        }
    return _result(tables, watch, path)


@dg.asset(key=["ref", "company_aliases"], group_name=GROUP, kinds={"duckdb", "polars"}, pool=WAREHOUSE_POOL)
def company_aliases(warehouse: Warehouse, inputs: Inputs) -> dg.MaterializeResult:
    """Companies by canonical name, whether they sell AI labs chips or compute (vendor
    money), and their aliases (`ref.company_aliases`)."""
    watch = Stopwatch()
    raw, path = _read(inputs, "company_aliases")
    with retry_only_transient_io():
        companies, aliases = normalize_companies(raw)
    with warehouse.write() as con:
        tables = {
            "ref.companies": replace_table(con, "ref.companies", companies),
            "ref.company_aliases": replace_table(con, "ref.company_aliases", aliases),
        }
    return _result(tables, watch, path)


@dg.asset(key=["ref", "assumptions"], group_name=GROUP, kinds={"duckdb", "polars"}, pool=WAREHOUSE_POOL)
def assumptions(warehouse: Warehouse, inputs: Inputs) -> dg.MaterializeResult:
    """Sourced assumptions with low / mid / high values: server, network and facility
    overhead multipliers, PUE, interest rate, and the range conventions."""
    watch = Stopwatch()
    raw, path = _read(inputs, "assumptions")
    with retry_only_transient_io():
        table = normalize_assumptions(raw)
    with warehouse.write() as con:
        rows = replace_table(con, "ref.assumptions", table)
    return _result({"ref.assumptions": rows}, watch, path)


REFERENCE_ASSETS = [fx_rates, gpu_catalog, company_aliases, assumptions]


def load_references(con) -> References:
    """The reference tables as the normalizers need them."""
    return References(
        fx_rates=read_table(con, "ref.fx_rates"),
        gpu_catalog=read_table(con, "ref.gpu_catalog"),
        gpu_aliases=read_table(con, "ref.gpu_aliases"),
        companies=read_table(con, "ref.companies"),
        company_aliases=read_table(con, "ref.company_aliases"),
        assumptions=read_table(con, "ref.assumptions"),
    )
