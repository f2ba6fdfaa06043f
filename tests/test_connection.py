"""Opening the warehouse file: any file name a user gives COMPUTE_LEDGER_DB opens, for
writing and for reading, and writers append in row groups of ROW_GROUP_ROWS."""

import pytest

from ledger.warehouse import connect, cursor
from ledger.warehouse.connection import ROW_GROUP_ROWS


@pytest.mark.parametrize("name", ["memory", "temp", "system", "main", "w[1]", "it's", "my warehouse"])
def test_any_file_name_opens(tmp_path, name):
    """DuckDB's own database names (memory, temp, system) and names with quotes, spaces
    or glob characters are file names like any other."""
    path = tmp_path / f"{name}.duckdb"
    con = connect(path)
    con.execute("create schema raw")
    con.execute("create table raw.t as select 1 as x")
    assert cursor(con).execute("select x from raw.t").fetchall() == [(1,)]
    con.close()
    reader = connect(path, read_only=True)
    assert reader.execute("select x from raw.t").fetchall() == [(1,)]
    reader.close()
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".duckdb"] == [path.name]


def test_writers_append_in_smaller_row_groups(tmp_path):
    con = connect(tmp_path / "w.duckdb")
    con.execute(f"create table t as select range as i from range({ROW_GROUP_ROWS * 3})")
    con.execute("checkpoint")
    [(groups,)] = con.execute("select count(distinct row_group_id) from pragma_storage_info('t')").fetchall()
    con.close()
    assert groups == 3


def test_a_reader_has_the_macros_a_file_from_an_earlier_version_lacks(tmp_path):
    """Checks run on read-only connections; a warehouse last written by an earlier version
    lacks a macro added since (formula_like, say), which a writer would add to the file."""
    from ledger.warehouse import ensure_schemas

    db = tmp_path / "old.duckdb"
    con = connect(db)
    ensure_schemas(con)
    con.execute("drop macro formula_like")
    con.close()
    with connect(db, read_only=True) as reader:
        assert reader.execute("select formula_like('=1+1'), formula_like('fine')").fetchall() == [("=1+1", None)]
        assert reader.execute("select source_host('https://www.example.com/a')").fetchall() == [("example.com",)]
