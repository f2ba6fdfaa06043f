"""File-level problems name the file, the row and the column."""

import polars as pl
import pytest

from assets.transforms.entities import FUNDING_EVENTS, REFERENCE
from assets.transforms.errors import InputFileError
from assets.transforms.reading import collect_file, read_header, read_reference_file, scan_entity_file

HEADER = ",".join(FUNDING_EVENTS.columns)


def _read(path):
    header = read_header(path)
    from assets.transforms.reading import check_header

    check_header(path, header, FUNDING_EVENTS)
    return collect_file(scan_entity_file(path, FUNDING_EVENTS, path.name), path, len(header))


def _write(tmp_path, content: bytes | str, name="funding_events.csv"):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


def _row(**values):
    return ",".join(values.get(c, "") for c in FUNDING_EVENTS.columns)


def test_rows_keep_file_row_number_and_unknown_columns(tmp_path):
    path = _write(tmp_path, HEADER + ",my_note\n" + _row(event_id="e1") + ",hello\n" + _row(event_id="e2") + ",\n")
    frame = _read(path)
    assert frame["event_id"].to_list() == ["e1", "e2"]
    assert frame["row_number"].to_list() == [2, 3]  # the header is row 1
    assert frame["raw_row_id"].to_list() == ["funding_events.csv:2", "funding_events.csv:3"]
    assert frame["extra_columns"][0] == '{"my_note":"hello"}'


def test_columns_in_any_order_and_optional_ones_absent(tmp_path):
    path = _write(tmp_path, "status,event_id,company,round_id,announced_date,instrument,amount_low,amount_high,currency\nclosed,e1,A,r,2025-01-01,equity,,1,USD\n")
    frame = _read(path)
    assert frame.row(0, named=True)["status"] == "closed"
    assert frame["round_name"][0] is None


def test_byte_order_mark_is_ignored(tmp_path):
    path = _write(tmp_path, b"\xef\xbb\xbf" + (HEADER + "\n" + _row(event_id="e1") + "\n").encode())
    assert _read(path)["event_id"].to_list() == ["e1"]


def test_header_only_file_has_no_rows(tmp_path):
    assert _read(_write(tmp_path, HEADER + "\n")).height == 0


@pytest.mark.parametrize(
    ("content", "row", "column", "fragment"),
    [
        (b"", None, None, "the file is empty"),
        (b"  \n", None, None, "the file is empty"),
        ("event_id,company\ne1,A\n", 1, "round_id", "missing required column(s) round_id"),
        (HEADER.replace(",", ";") + "\n", 1, "event_id", "separated by ';'"),
        (HEADER + ",company\n", 1, "company", "appears twice"),
        (HEADER.encode() + b"\n" + _row(event_id="e1", company="Soci\xe9t\xe9").encode("latin-1") + b"\n", 2, None, "not UTF-8"),
        (HEADER + "\n" + _row(event_id="e1") + "\n" + _row(event_id='"e2') + "\n", 3, None, "never closed"),
        (HEADER + "\n" + _row(event_id="e1") + ",extra,fields\n", 2, None, "fields where the header has"),
        (HEADER + "\n" + _row(event_id="e1") + "\n" + _row(event_id='"e2 truncated'), 3, None, "never closed"),
    ],
    ids=["empty", "blank", "missing-column", "wrong-delimiter", "duplicate-column", "not-utf8", "unterminated-quote", "ragged", "truncated-at-eof"],
)
def test_file_level_problems(tmp_path, content, row, column, fragment):
    path = _write(tmp_path, content)
    with pytest.raises(InputFileError) as err:
        _read(path)
    assert fragment in str(err.value)
    assert str(path) in str(err.value)
    assert err.value.row == row
    assert err.value.column == column


def test_reference_problem_names_row_and_column(tmp_path):
    path = _write(tmp_path, "currency,rate_date,units_per_usd\nEUR,2025-01-01,0.9\nJPY,2025-01-01,-3\n", "fx_rates.csv")
    from assets.transforms.reference import normalize_fx_rates

    with pytest.raises(InputFileError) as err:
        normalize_fx_rates(read_reference_file(path, REFERENCE["fx_rates"]))
    assert err.value.row == 3 and err.value.column == "units_per_usd"


def test_alias_naming_two_models_is_refused(tmp_path):
    path = _write(tmp_path, "gpu_model,aliases,vendor,h100e_factor\nH100,H1|Hopper,NVIDIA,1\nH200,Hopper,NVIDIA,1\n", "gpu_catalog.csv")
    from assets.transforms.reference import normalize_gpu_catalog

    with pytest.raises(InputFileError) as err:
        normalize_gpu_catalog(read_reference_file(path, REFERENCE["gpu_catalog"]))
    assert "names more than one" in str(err.value)
