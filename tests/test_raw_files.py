"""Raw loads: a file checked by DuckDB's strict reader, streamed in by Polars' in batches.

The rows are written in batches and in no particular order within a batch, so what ties
a raw row to its place in the file is its `row_number` alone: these tests load a file in
several small batches and check every row's number, cell by cell.
"""

import hashlib

import duckdb
import pytest

from ledger.transforms.entities import GPU_PRICES
from ledger.transforms.errors import InputFileError
from ledger.warehouse import append_csv_file, create_raw_table, ensure_schemas, raw_files

ROWS = 50
MULTI_LINE_ROW = 10  # the record whose notes cell spans two lines


def _write_quotes(path, short_row: int | None = None) -> bytes:
    lines = [",".join(GPU_PRICES.columns)]
    for i in range(ROWS):
        cells = {c: "" for c in GPU_PRICES.columns}
        cells.update(quote_id=f"q{i}", gpu_model="H100", price_type="on_demand", price_high="2.5", currency="USD")
        cells.update(observed_date="2026-11-02", provider="Lambda", source_url="https://lambda.ai/pricing")
        cells["region"] = '""' if i % 3 == 0 else "us-east-1"  # a quoted empty cell is null, as an unquoted one
        if i == MULTI_LINE_ROW:
            cells["notes"] = '"first line\nsecond line"'
        line = ",".join(cells[c] for c in GPU_PRICES.columns)
        if i == short_row:
            line = line.rsplit(",", 1)[0]  # one cell fewer than the header
        lines.append(line)
    content = ("\r\n".join(lines) + "\r\n").encode()
    path.write_bytes(content)
    return content


@pytest.fixture
def con(tmp_path):
    connection = duckdb.connect(str(tmp_path / "w.duckdb"))
    ensure_schemas(connection)
    create_raw_table(connection, GPU_PRICES, "raw.gpu_prices")
    yield connection
    connection.close()


def test_rows_loaded_in_several_batches_keep_their_row_numbers(tmp_path, con, monkeypatch):
    monkeypatch.setattr(raw_files, "RAW_BATCH_ROWS", 7)  # 50 rows: 8 batches
    path = tmp_path / "gpu_prices.csv"
    content = _write_quotes(path)

    rows, sha = append_csv_file(con, "raw.gpu_prices", path, GPU_PRICES, file_id=3)

    assert (rows, sha) == (ROWS, hashlib.sha256(content).hexdigest())
    loaded = con.execute(
        "select row_number, quote_id, region, notes, file_id from raw.gpu_prices_rows order by row_number"
    ).fetchall()
    # the header is row 1; a record spanning two lines is one row, so numbers stay records
    assert [(r[0], r[1]) for r in loaded] == [(i + 2, f"q{i}") for i in range(ROWS)]
    assert [r[2] for r in loaded] == [None if i % 3 == 0 else "us-east-1" for i in range(ROWS)]
    assert loaded[MULTI_LINE_ROW][3] == "first line\nsecond line"
    assert {r[4] for r in loaded} == {3}
    # the load lets DuckDB write in any order, and gives the setting back
    assert con.execute("select current_setting('preserve_insertion_order')").fetchone() == (True,)


def test_a_row_with_a_cell_missing_fails_the_file_with_its_row_and_appends_nothing(tmp_path, con, monkeypatch):
    monkeypatch.setattr(raw_files, "RAW_BATCH_ROWS", 7)
    path = tmp_path / "gpu_prices.csv"
    _write_quotes(path, short_row=30)  # Polars' reader alone would pad the row with a null

    with pytest.raises(InputFileError) as err:
        append_csv_file(con, "raw.gpu_prices", path, GPU_PRICES, file_id=0)

    assert err.value.row == 32  # record 30 is row 32: the header and the row numbers from 0
    assert "fields where the header has" in str(err.value)
    assert con.execute("select count(*) from raw.gpu_prices_rows").fetchone() == (0,)
