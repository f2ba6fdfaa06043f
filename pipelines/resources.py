"""Resources: the warehouse file and the folders inputs are read from."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb

from assets.warehouse import connect, ensure_schemas, transaction

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_WAREHOUSE = PROJECT_DIR / "data" / "warehouse.duckdb"
DEFAULT_INPUT = PROJECT_DIR / "data" / "input"


def warehouse_path() -> str:
    """`COMPUTE_LEDGER_DB`, else data/warehouse.duckdb in the project."""
    return os.environ.get("COMPUTE_LEDGER_DB") or str(DEFAULT_WAREHOUSE)


class Warehouse(dg.ConfigurableResource):
    """The DuckDB warehouse file. Writers get one transaction; readers a read-only handle."""

    path: str

    @contextmanager
    def write(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection inside a transaction: committed if the block succeeds, else rolled back."""
        con = connect(self.path)
        try:
            ensure_schemas(con)
            with transaction(con):
                yield con
        finally:
            con.close()

    @contextmanager
    def read(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection: it never takes the write lock."""
        con = connect(self.path, read_only=True)
        try:
            yield con
        finally:
            con.close()


class Inputs(dg.ConfigurableResource):
    """Where inputs come from, and the date the marts are computed as of."""

    input_dir: str
    as_of: str = ""

    @property
    def folder(self) -> Path:
        return Path(self.input_dir)

    @property
    def as_of_date(self) -> date:
        """`as_of` (YYYY-MM-DD), or today when blank."""
        return date.fromisoformat(self.as_of) if self.as_of else date.today()


def default_resources() -> dict[str, dg.ConfigurableResource]:
    """Resources from the environment: `COMPUTE_LEDGER_DB`, `COMPUTE_LEDGER_INPUT`,
    `COMPUTE_LEDGER_AS_OF`."""
    return {
        "warehouse": Warehouse(path=warehouse_path()),
        "inputs": Inputs(
            input_dir=os.environ.get("COMPUTE_LEDGER_INPUT") or str(DEFAULT_INPUT),
            as_of=os.environ.get("COMPUTE_LEDGER_AS_OF", ""),
        ),
    }
