"""Resources: the warehouse file and the folders inputs are read from."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
from pydantic import PrivateAttr

from ledger.settings import DEFAULT_INPUT, DEFAULT_LANDING, DEFAULT_QUOTES, landing_path, warehouse_path
from ledger.warehouse import connect, ensure_schemas, transaction, write_lock


class Warehouse(dg.ConfigurableResource):
    """The DuckDB warehouse file. Writers get one transaction; readers a read-only handle."""

    path: str
    _log: logging.Logger | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._log = context.log

    def _waiting(self) -> None:
        if self._log is not None:
            self._log.info(f"Waiting for the warehouse: another step or process is writing {self.path}")

    @contextmanager
    def write(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection inside a transaction: committed if the block succeeds, else rolled back.

        Writers take the file lock first, so two runs never write at once."""
        with write_lock(self.path, on_wait=self._waiting):
            con = connect(self.path)
            try:
                ensure_schemas(con)
                with transaction(con):
                    yield con
            finally:
                con.close()

    @contextmanager
    def session(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A writing connection without a wrapping transaction (each statement commits), for
        bulk loads that write a new table in steps and then swap it in with one short
        `transaction(con)`: a transaction holding millions of uncommitted rows keeps them in
        memory, this keeps memory at one batch."""
        with write_lock(self.path, on_wait=self._waiting):
            con = connect(self.path)
            try:
                ensure_schemas(con)
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
    quotes_dir: str = str(DEFAULT_QUOTES)
    landing_dir: str = str(DEFAULT_LANDING)
    epoch_dir: str = ""

    @property
    def folder(self) -> Path:
        return Path(self.input_dir)

    @property
    def landing_folder(self) -> Path:
        """Where colleagues drop files (COMPUTE_LEDGER_LANDING)."""
        return Path(self.landing_dir)

    @property
    def quotes_folder(self) -> Path:
        """Where daily GPU price quote files land (COMPUTE_LEDGER_QUOTES)."""
        return Path(self.quotes_dir)

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
            quotes_dir=os.environ.get("COMPUTE_LEDGER_QUOTES") or str(DEFAULT_QUOTES),
            landing_dir=landing_path(),
            epoch_dir=os.environ.get("COMPUTE_LEDGER_EPOCH_DIR", ""),
        ),
    }
