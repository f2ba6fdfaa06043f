"""Reference tables: FX rates, the GPU catalogue, company aliases, source domains and assumptions.

One asset per reference file, materialized together in one step (`reference_tables`,
subsettable): each file is read and normalized on its own, every table that could be
built is written in one transaction, and the step then fails naming the files it could
not read. A step per file cost a run about 0.1 s each in Dagster's step events and a
warehouse connection.
"""

from collections.abc import Callable
from dataclasses import dataclass

import dagster as dg
import polars as pl

from assets.policies import fail_for_unread, read_selected, retry_only_transient_io
from assets.resources import Inputs, Warehouse
from ledger.transforms.entities import REFERENCE
from ledger.transforms.reading import empty_reference, read_reference_file
from ledger.transforms.reference import (
    References,
    normalize_assumptions,
    normalize_companies,
    normalize_fx_rates,
    normalize_gpu_catalog,
    normalize_source_domains,
)
from ledger.warehouse import read_table, replace_table

GROUP = "reference"


@dataclass(frozen=True)
class ReferenceFile:
    """A file in `data/input/reference/` and the warehouse tables built from it."""

    name: str
    description: str
    build: Callable[[pl.DataFrame], dict[str, pl.DataFrame]]
    #: An optional file may be absent from an input folder: its tables are then empty.
    optional: bool = False

    @property
    def key(self) -> dg.AssetKey:
        return dg.AssetKey(["ref", self.name])


REFERENCE_FILES = (
    ReferenceFile(
        "fx_rates",
        "Currency units per US dollar by day (the Federal Reserve's H.10 daily rates for EUR, JPY, CNY, GBP). A dated "
        "figure converts at the latest rate on or before its date, a flow over a period at the period's average rate.",
        lambda raw: {"ref.fx_rates": normalize_fx_rates(raw)},
    ),
    ReferenceFile(
        "gpu_catalog",
        "GPU models by canonical name, with H100-equivalent factor, TDP and memory, and every alias real files use "
        "for them (`ref.gpu_aliases`).",
        lambda raw: dict(zip(("ref.gpu_catalog", "ref.gpu_aliases"), normalize_gpu_catalog(raw), strict=True)),
    ),
    ReferenceFile(
        "company_aliases",
        "Companies by canonical name, whether they sell AI labs chips or compute (vendor money), and their aliases "
        "(`ref.company_aliases`).",
        lambda raw: dict(zip(("ref.companies", "ref.company_aliases"), normalize_companies(raw), strict=True)),
    ),
    ReferenceFile(
        "source_domains",
        "Sites that republish others' reporting (aggregators, syndication, copies): a figure whose source URL is "
        "on one names no original source, and a warn check lists it.",
        lambda raw: {"ref.source_domains": normalize_source_domains(raw)},
        optional=True,
    ),
    ReferenceFile(
        "assumptions",
        "Sourced assumptions with low / mid / high values: server, network and facility overhead multipliers, PUE, "
        "interest rate, and the range conventions.",
        lambda raw: {"ref.assumptions": normalize_assumptions(raw)},
    ),
)

REFERENCE_KEYS = [ref.key for ref in REFERENCE_FILES]
_BY_KEY = {ref.key: ref for ref in REFERENCE_FILES}


@dg.multi_asset(
    name="reference_tables",
    specs=[
        dg.AssetSpec(ref.key, group_name=GROUP, kinds={"duckdb", "polars"}, description=ref.description)
        for ref in REFERENCE_FILES
    ],
    can_subset=True,
)
def reference_tables(context: dg.AssetExecutionContext, warehouse: Warehouse, inputs: Inputs):
    """Each selected reference file normalized, then written (tables replaced whole)."""

    def build(key: dg.AssetKey) -> tuple[dict[str, pl.DataFrame], str]:
        ref = _BY_KEY[key]
        path = inputs.folder / "reference" / f"{ref.name}.csv"
        if ref.optional and not path.exists() and not path.is_symlink():
            context.log.info(f"No {ref.name}.csv in {path.parent}: {ref.name} is empty")
            return ref.build(empty_reference(REFERENCE[ref.name])), str(path)
        return ref.build(read_reference_file(path, REFERENCE[ref.name])), str(path)

    built, failed = read_selected(context, build, lambda key: f"{_BY_KEY[key].name}.csv")
    with retry_only_transient_io(), warehouse.write() as con:
        rows = {
            key: {table: replace_table(con, table, frame) for table, frame in tables.items()}
            for key, (tables, _) in built.items()
        }
    for key, (_, path) in built.items():
        yield dg.MaterializeResult(
            asset_key=key,
            metadata={
                "dagster/row_count": sum(rows[key].values()),
                "tables": dg.MetadataValue.json(rows[key]),
                "source_file": path,
            },
        )
    fail_for_unread("Reference files", failed)


REFERENCE_ASSETS = [reference_tables]


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
