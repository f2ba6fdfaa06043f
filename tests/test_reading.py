"""File-level problems name the file, the row and the column."""

import bz2
import gzip
import io
import json
import lzma
import zipfile

import pytest

from ledger.transforms.entities import FUNDING_EVENTS, GPU_PRICES, REFERENCE
from ledger.transforms.errors import InputFileError
from ledger.transforms.reading import (
    MAX_FIELD_CHARS,
    MAX_HEADER_BYTES,
    collect_file,
    locate_csv_problem,
    read_header,
    read_reference_file,
    scan_entity_file,
)

HEADER = ",".join(FUNDING_EVENTS.columns)


def _read(path):
    header = read_header(path)
    from ledger.transforms.reading import check_header

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
    path = _write(
        tmp_path,
        "status,event_id,company,round_id,announced_date,instrument,amount_low,amount_high,currency\nclosed,e1,A,r,2025-01-01,equity,,1,USD\n",
    )
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
    ids=[
        "empty",
        "blank",
        "missing-column",
        "wrong-delimiter",
        "duplicate-column",
        "not-utf8",
        "unterminated-quote",
        "ragged",
        "truncated-at-eof",
    ],
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
    from ledger.transforms.reference import normalize_fx_rates

    with pytest.raises(InputFileError) as err:
        normalize_fx_rates(read_reference_file(path, REFERENCE["fx_rates"]))
    assert err.value.row == 3 and err.value.column == "units_per_usd"


def test_alias_naming_two_models_is_refused(tmp_path):
    path = _write(
        tmp_path, "gpu_model,aliases,vendor,h100e_factor\nH100,H1|Hopper,NVIDIA,1\nH200,Hopper,NVIDIA,1\n", "gpu_catalog.csv"
    )
    from ledger.transforms.reference import normalize_gpu_catalog

    with pytest.raises(InputFileError) as err:
        normalize_gpu_catalog(read_reference_file(path, REFERENCE["gpu_catalog"]))
    assert "names more than one" in str(err.value)


def test_a_variant_of_a_family_the_catalogue_lacks_is_refused_with_its_row(tmp_path):
    catalog = (
        "gpu_model,family,aliases,vendor,h100e_factor\n"
        "H100,,NVIDIA H100,NVIDIA,1\n"
        "H100 PCIe,H100,NVIDIA H100 PCIe,NVIDIA,0.764\n"
        "B200 HGX,B200,HGX B200,NVIDIA,2.274\n"
    )
    path = _write(tmp_path, catalog, "gpu_catalog.csv")
    from ledger.transforms.reference import normalize_gpu_catalog

    with pytest.raises(InputFileError) as err:
        normalize_gpu_catalog(read_reference_file(path, REFERENCE["gpu_catalog"]))
    assert (err.value.row, err.value.column) == (4, "family") and "'B200'" in str(err.value)


def test_a_variant_is_found_by_its_aliases_and_keeps_its_family(tmp_path):
    catalog = (
        "gpu_model,family,aliases,vendor,h100e_factor\nH100,,NVIDIA H100,NVIDIA,1\nH100 PCIe,H100,NVIDIA H100 PCIe,NVIDIA,0.764\n"
    )
    path = _write(tmp_path, catalog, "gpu_catalog.csv")
    from ledger.transforms.reference import normalize_gpu_catalog

    table, aliases = normalize_gpu_catalog(read_reference_file(path, REFERENCE["gpu_catalog"]))
    assert table.select("gpu_variant", "gpu_model").rows() == [("H100", "H100"), ("H100 PCIe", "H100")]
    assert dict(zip(aliases["alias"], zip(aliases["gpu_variant"], aliases["gpu_model"]))) == {
        "H100": ("H100", "H100"),
        "NVIDIA H100": ("H100", "H100"),
        "H100 PCIe": ("H100 PCIe", "H100"),
        "NVIDIA H100 PCIe": ("H100 PCIe", "H100"),
    }


# --- issue 11, hostile files -------------------------------------------------------------


def test_a_header_longer_than_64_kib_is_read_whole(tmp_path):
    """10,000 extra columns make a header of ~190 KB: it used to be cut at 64 KiB and every
    row reported as wider than the header."""
    extras = [f"extra_column_{i:05d}" for i in range(10_000)]
    row = _row(event_id="e1") + "," + ",".join("v" for _ in extras)
    path = _write(tmp_path, ",".join([HEADER, *extras]) + "\n" + row + "\n")
    assert len(read_header(path)) == len(FUNDING_EVENTS.columns) + 10_000
    frame = _read(path)
    assert frame["event_id"].to_list() == ["e1"]
    assert len(json.loads(frame["extra_columns"][0])) == 10_000

    ragged = _write(tmp_path, ",".join([HEADER, *extras]) + "\n" + row + ",one too many\n", "funding_events_ragged.csv")
    with pytest.raises(InputFileError) as err:
        _read(ragged)
    width = len(FUNDING_EVENTS.columns) + 10_000
    assert f"has {width + 1} fields where the header has {width}" in str(err.value) and err.value.row == 2


def test_a_header_longer_than_16_mib_is_refused(tmp_path):
    path = _write(tmp_path, b"a" * (MAX_HEADER_BYTES + 10) + b"\n1\n")
    with pytest.raises(InputFileError) as err:
        read_header(path)
    assert err.value.row == 1 and "the header row is longer than 16 MiB" in str(err.value)


def test_a_cell_of_3_mb_is_read(tmp_path):
    """Python's csv module stops at 131,072 characters a field by default: a 3 MB cell was
    reported as a quote never closed."""
    big = "y" * 3_000_000
    path = _write(tmp_path, HEADER + "\n" + _row(event_id="e1") + "\n" + _row(event_id="e2", notes=f'"{big}"') + "\n")
    assert _read(path)["notes"].to_list() == [None, big]
    # DuckDB's reader (the raw tables) refuses rows over 2,000,000 bytes by default: the
    # row is named with its real length, not blamed on a quote
    problem = locate_csv_problem(path, len(FUNDING_EVENTS.columns), "Invalid Input Error: CSV Error on Line: 3")
    assert problem.row == 3
    assert "is 3,000,0" in problem.problem and "bytes long, more than the 2,000,000 bytes" in problem.problem
    assert "never closed" not in problem.problem


def test_a_quote_never_closed_in_a_huge_file_says_the_field_is_too_long(tmp_path):
    path = _write(tmp_path, HEADER + "\n" + _row(event_id='"e1') + "\n" + "x" * (MAX_FIELD_CHARS + 10) + "\n")
    with pytest.raises(InputFileError) as err:
        _read(path)
    assert err.value.row == 2
    assert f"a field is longer than {MAX_FIELD_CHARS:,} characters" in str(err.value)


def test_text_after_a_closing_quote_is_named_as_such(tmp_path):
    path = _write(tmp_path, HEADER + "\n" + _row(event_id='"e1"x') + "\n")
    problem = locate_csv_problem(path, len(FUNDING_EVENTS.columns))
    assert problem.row == 2 and "text follows a closing quote" in problem.problem


def _zip(name: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, HEADER + "\n")
    return buffer.getvalue()


CSV_BYTES = (HEADER + "\n" + _row(event_id="e1") + "\n").encode()


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (gzip.compress(CSV_BYTES), "is gzip-compressed: decompress it first"),
        (_zip("[Content_Types].xml"), "is an Excel workbook (.xlsx) or a zip file"),
        (_zip("funding_events.csv"), "is an Excel workbook (.xlsx) or a zip file"),
        (bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 100, "is an Excel 97-2003 (.xls)"),
        (bz2.compress(CSV_BYTES), "is bzip2-compressed"),
        (lzma.compress(CSV_BYTES), "is xz-compressed"),
        (bytes.fromhex("28b52ffd") + b"\0" * 20, "is zstd-compressed"),
        (HEADER.encode("utf-16"), "is UTF-16 text"),
    ],
    ids=["gzip", "xlsx", "zip", "xls", "bzip2", "xz", "zstd", "utf16"],
)
def test_a_compressed_or_binary_file_is_named_for_what_it_is(tmp_path, content, fragment):
    path = _write(tmp_path, content)
    with pytest.raises(InputFileError) as err:
        _read(path)
    assert fragment in str(err.value) and "not UTF-8" not in str(err.value)
    assert err.value.row is None


def test_a_header_starting_like_bzip2_text_is_still_csv(tmp_path):
    """Only the full signature counts: a column may well be called BZh…"""
    path = _write(tmp_path, "BZh1," + HEADER + "\n" + "x," + _row(event_id="e1") + "\n")
    assert _read(path)["event_id"].to_list() == ["e1"]


def test_a_quote_file_named_like_a_pattern_with_a_column_named_like_the_row_index(tmp_path):
    """`gpu_prices_[1].csv` is that file, not the pattern matching gpu_prices_1.csv; a
    column called `_record` is an unknown column like any other."""
    header = ",".join(GPU_PRICES.columns)
    row = {c: "" for c in GPU_PRICES.columns} | {"gpu_model": "H100", "price_type": "purchase", "currency": "USD"}
    bracket = _write(
        tmp_path, header + ",_record\n" + ",".join({**row, "quote_id": "q-bracket"}.values()) + ",mine\n", "gpu_prices_[1].csv"
    )
    _write(tmp_path, header + "\n" + ",".join({**row, "quote_id": "q-other"}.values()) + "\n", "gpu_prices_1.csv")
    scan = scan_entity_file(bracket, GPU_PRICES, bracket.name)
    frame = collect_file(scan, bracket, len(GPU_PRICES.columns) + 1)
    assert frame["quote_id"].to_list() == ["q-bracket"]
    assert frame["row_number"].to_list() == [2]
    assert json.loads(frame["extra_columns"][0]) == {"_record": "mine"}
    assert frame["raw_row_id"].to_list() == ["gpu_prices_[1].csv:2"]


def test_a_symlinked_reference_file_is_refused_without_quoting_it(tmp_path):
    secret = _write(tmp_path, "root:x:0:0:the-secret-first-line\n", "secret.txt")
    folder = tmp_path / "reference"
    folder.mkdir()
    (folder / "fx_rates.csv").symlink_to(secret)
    with pytest.raises(InputFileError) as err:
        read_reference_file(folder / "fx_rates.csv", REFERENCE["fx_rates"])
    assert "is a symbolic link" in str(err.value)
    assert "secret" not in str(err.value).replace(str(tmp_path), "")


def test_a_header_in_an_error_is_listed_short_and_printable(tmp_path):
    names = [f"\x1b[2J{'n' * 100}{i}" for i in range(50)]
    path = _write(tmp_path, ",".join(names) + "\n1\n")
    with pytest.raises(InputFileError) as err:
        _read(path)
    message = str(err.value)
    assert "missing required column(s) event_id" in message and "… and 30 more" in message
    listed = message.split("the header has: ")[1].split(" … and")[0].split(", ")
    assert len(listed) == 20 and all(len(name) <= 40 for name in listed)
    assert "\x1b" not in message and len(err.value.problem) < 1200


def test_a_message_is_one_printable_line_whatever_the_file_holds(tmp_path):
    name = "\x1b]0;pwned\x07col\u2028name"  # a terminal escape, a bell, a line separator
    path = _write(tmp_path, f'{HEADER},"{name}","{name}"\n')
    with pytest.raises(InputFileError) as err:
        _read(path)
    assert "appears twice" in str(err.value)
    assert not any(ch in str(err.value) for ch in "\x1b\x07\u2028")


def test_a_line_break_inside_a_quoted_header_name_is_named(tmp_path):
    path = _write(tmp_path, f'{HEADER},"two\nlines"\n' + _row(event_id="e1") + ",x\n")
    with pytest.raises(InputFileError) as err:
        _read(path)
    assert err.value.row == 1 and "line break inside its quotes" in str(err.value)
