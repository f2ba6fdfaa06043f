"""Great Expectations suites as Dagster checks: pass/fail on good and bad frames, severity,
metadata, and blocking in a real run."""

import shutil
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from assets.checks import SUITE_CHECKS
from assets.resources import Inputs, Warehouse
from helpers import MINI_INPUT, copy_input, materialize_everything, query
from ledger.quality.suites import DIMENSIONS, load_suites
from ledger.quality.validate import validate_frame

SUITES = {s.name: s for s in load_suites()}
STAGED = [
    "alt_currency_figures",
    "cash_burn",
    "clusters",
    "compute_commitments",
    "funding_events",
    "gpu_price_quotes",
    "gpu_prices",
]


def test_every_staged_table_has_a_suite_covering_the_dimensions():
    assert sorted(SUITES) == STAGED
    for name in STAGED:
        dimensions = {e.dimension for e in SUITES[name].expectations}
        expected = set(DIMENSIONS) - ({"freshness"} if "price" not in name else set())
        assert dimensions == expected, name
    for suite in SUITES.values():
        assert {e.severity for e in suite.expectations} <= {"error", "warn"}


def _frame(db, suite_name):
    from ledger.warehouse import load_sql, sql_params

    suite = SUITES[suite_name]
    sql = load_sql(suite.query)
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        return con.sql(sql, params=sql_params(sql, {"as_of": "2025-09-30"})).df()


def _outcomes(suite_name, frame):
    return {o.spec.name: o for o in validate_frame(SUITES[suite_name], frame)}


@pytest.mark.parametrize("suite_name", [s for s in STAGED if s != "gpu_price_quotes"])
def test_good_frames_pass(mini_warehouse, suite_name):
    outcomes = _outcomes(suite_name, _frame(mini_warehouse, suite_name))
    failed = {n: (o.unexpected_count, o.sample, o.error) for n, o in outcomes.items() if not o.passed}
    assert failed == {}


def _mutate(frame, row, **values):
    frame = frame.copy()
    for column, value in values.items():
        frame.loc[row, column] = value
    return frame


@pytest.mark.parametrize(
    ("suite_name", "changes", "failing"),
    [
        ("gpu_prices", {"usd_per_gpu_hour_mid": 3000.0, "usd_per_gpu_hour_high": 3000.0}, "gpu_hour_plausible"),
        ("gpu_prices", {"quote_id": None}, "quote_id_present"),
        ("gpu_prices", {"quote_id_occurrences": 2}, "quote_id_unique"),
        ("gpu_prices", {"price_type": "lease"}, "price_type_known"),
        ("gpu_prices", {"gpu_model_in_catalog": False}, "gpu_model_in_catalog"),
        ("gpu_prices", {"days_since_latest_quote": 900}, "prices_fresh"),
        ("funding_events", {"amount_usd_low": 9e12}, "amount_low_le_mid"),
        ("funding_events", {"round_total_gap": 0.5}, "round_tranches_add_up"),
        ("funding_events", {"company_in_reference": False}, "company_in_reference"),
        ("funding_events", {"round_tranches_usd_mid": 250e9}, "round_under_200b"),
        ("cash_burn", {"period_start": pd.Timestamp("2030-01-01")}, "period_ordered"),
        ("clusters", {"gpu_count_total_high": 9_000_000, "status": "operational"}, "gpu_count_plausible"),
        ("alt_currency_figures", {"alt_amount_low": 9e15}, "alt_amount_low_le_mid"),
        ("alt_currency_figures", {"source": None}, "source_present"),
    ],
)
def test_bad_frames_fail_the_right_expectation(mini_warehouse, suite_name, changes, failing):
    frame = _frame(mini_warehouse, suite_name)
    row = frame.index[frame["usd_per_gpu_hour_mid"].notna()][0] if "usd_per_gpu_hour_mid" in changes else frame.index[0]
    outcomes = _outcomes(suite_name, _mutate(frame, row, **changes))
    failed = sorted(n for n, o in outcomes.items() if not o.passed)
    assert failing in failed
    outcome = outcomes[failing]
    assert outcome.unexpected_count == 1
    assert outcome.unexpected_percent > 0
    assert outcome.sample and len(outcome.sample) == 1


def test_a_restatement_whose_implied_rate_is_far_from_the_fx_table_is_flagged(mini_warehouse, tmp_path):
    db = tmp_path / "w.duckdb"
    shutil.copyfile(mini_warehouse, db)
    import duckdb

    with duckdb.connect(str(db)) as con:  # a typo: 9,000 oku restated as 90,000
        con.execute("update staging.alt_currency_figures set alt_amount_mid = alt_amount_mid * 10 where figure = 'amount'")
    outcome = _outcomes("alt_currency_figures", _frame(db, "alt_currency_figures"))["implied_rate_plausible"]
    assert not outcome.passed and outcome.unexpected_count == 1
    assert outcome.spec.severity == "warn"


def test_h100_purchase_plausibility_only_looks_at_h100_purchases():
    frame = pd.DataFrame(
        {
            "gpu_model": ["H100", "H100", "B200"],
            "price_type": ["purchase", "on_demand", "purchase"],
            "usd_per_gpu_mid": [500.0, None, 500.0],
        }
    )
    from ledger.quality.suites import Suite

    suite = Suite("staging.x", "", [e for e in SUITES["gpu_prices"].expectations if e.name == "h100_purchase_plausible"])
    [outcome] = validate_frame(suite, frame)
    assert not outcome.passed and outcome.unexpected_count == 1 and outcome.sample == ["500.0"]


def test_the_dagster_check_yields_one_result_per_expectation_with_severity_and_metadata(mini_warehouse):
    check = next(c for c in SUITE_CHECKS if c.node_def.name == "gpu_prices_expectations")
    specs = {s.name: s for s in check.check_specs}
    assert len(specs) == len(SUITES["gpu_prices"].expectations)
    assert specs["gpu_hour_plausible"].blocking and not specs["prices_fresh"].blocking
    results = list(
        check(warehouse=Warehouse(path=str(mini_warehouse)), inputs=Inputs(input_dir=str(MINI_INPUT), as_of="2025-09-30"))
    )
    by_name = {r.check_name: r for r in results}
    assert len(by_name) == len(specs)
    fresh = by_name["prices_fresh"]
    assert fresh.severity == dg.AssetCheckSeverity.WARN and fresh.passed
    plausible = by_name["gpu_hour_plausible"]
    assert plausible.severity == dg.AssetCheckSeverity.ERROR
    assert {"dimension", "unexpected_count", "unexpected_percent", "unexpected_sample", "element_count"} <= set(
        plausible.metadata
    )


def test_a_failing_blocking_check_keeps_the_marts_it_feeds(tmp_path):
    db = tmp_path / "w.duckdb"
    materialize_everything(db, MINI_INPUT, "2025-09-30")
    before = {t: query(db, f"select * from marts.{t} order by all") for t in ("gpu_price_index", "capex", "leverage")}
    folder = copy_input(MINI_INPUT, tmp_path / "input")
    prices = folder / "gpu_prices.csv"
    prices.write_text(prices.read_text().replace("r2,H100,on_demand,3,3,", "r2,H100,on_demand,3000,3000,"))
    funding = folder / "funding_events.csv"
    funding.write_text(
        funding.read_text().replace(
            "b-r1-equity,Lab B,b-r1,Seed,2025-02-01,,equity,900,900", "b-r1-equity,Lab B,b-r1,Seed,2025-02-01,,equity,1800,1800"
        )
    )
    result = materialize_everything(db, folder, "2025-09-30", raise_on_error=False)
    assert not result.success
    evaluations = [e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    failed = [(e.asset_key.to_user_string(), e.check_name) for e in evaluations if not e.passed]
    assert failed == [("staging/gpu_prices", "gpu_hour_plausible")]
    # The bad quote reached staging, but not the marts built from it.
    assert query(db, "select max(usd_per_gpu_hour_mid) as m from staging.gpu_prices")[0]["m"] == 3000
    assert query(db, "select * from marts.gpu_price_index order by all") == before["gpu_price_index"]
    assert query(db, "select * from marts.capex order by all") == before["capex"]
    # Marts that do not read gpu prices were rebuilt with the new funding figure.
    after = query(db, "select * from marts.leverage where company = 'Lab B'")[0]
    assert after["equity_usd_mid"] == pytest.approx(2e9)


def test_data_docs_are_built_and_linked_from_the_checks(mini_warehouse, tmp_path, monkeypatch):
    monkeypatch.setenv("COMPUTE_LEDGER_GX_DOCS", str(tmp_path / "docs"))
    check = next(c for c in SUITE_CHECKS if c.node_def.name == "cash_burn_expectations")
    results = list(
        check(warehouse=Warehouse(path=str(mini_warehouse)), inputs=Inputs(input_dir=str(MINI_INPUT), as_of="2025-09-30"))
    )
    url = results[0].metadata["data_docs"].value
    assert url.startswith("file://") and url.endswith(".html")
    page = url.removeprefix("file://")
    assert page.startswith(str(tmp_path / "docs")) and "figure_id" in Path(page).read_text()
    assert (tmp_path / "docs" / "index.html").exists()


def _summary(outcomes):
    return {o.spec.name: (o.element_count, o.missing_count, o.unexpected_count, o.sample, o.passed) for o in outcomes}


def test_a_result_is_reused_for_the_same_data_only(mini_warehouse, tmp_path, monkeypatch):
    from ledger.quality import validate

    suite = SUITES["gpu_prices"]
    frame = _frame(mini_warehouse, "gpu_prices")
    first = validate_frame(suite, frame, cache_dir=tmp_path)
    assert not any(o.reused for o in first) and all(o.passed for o in first)

    def no_gx(*_args, **_kwargs):
        raise AssertionError("GX ran although the data had not changed")

    with monkeypatch.context() as patched:
        patched.setattr(validate, "_run_gx", no_gx)
        again = validate_frame(suite, frame.sample(frac=1, random_state=3), cache_dir=tmp_path)  # same rows, other order
    assert all(o.reused for o in again) and _summary(again) == _summary(first)

    changed = _mutate(frame, 1, usd_per_gpu_hour_mid=3000.0, usd_per_gpu_hour_high=3000.0)
    outcomes = {o.spec.name: o for o in validate_frame(suite, changed, cache_dir=tmp_path)}
    assert not any(o.reused for o in outcomes.values())
    assert not outcomes["gpu_hour_plausible"].passed and outcomes["gpu_hour_plausible"].unexpected_count == 1
    # the changed data's result is kept too: both are reused from now on
    assert len(list((tmp_path / "gpu_prices").glob("*.json"))) == 2


def test_expectations_stacked_in_one_frame_see_only_their_own_rows():
    """Each expectation's columns are null in the other expectations' rows: GX skips them
    as missing, a presence check reads them as present and a null check as expected. (The
    same counts as when each expectation was told its rows by a row condition.)"""
    from ledger.quality.suites import ExpectationSpec, Suite
    from ledger.quality.validate import _gx_kwargs

    def spec(name, expect, **kwargs):
        return ExpectationSpec(name, expect, kwargs, "error", "validity", name)

    suite = Suite(
        "staging.x",
        "",
        [
            spec("id_present", "expect_column_values_to_not_be_null", column="id"),
            spec("kind_known", "expect_column_values_to_be_in_set", column="kind", value_set=["a", "b"]),
            spec(
                "high_ge_low", "expect_column_pair_values_a_to_be_greater_than_b", column_A="high", column_B="low", or_equal=True
            ),
            spec(
                "small_when_a",
                "expect_column_values_to_be_between",
                column="high",
                max_value=10,
                row_condition='kind == "a"',
                condition_parser="pandas",
            ),
            spec("no_flag", "expect_column_values_to_be_null", column="flag"),
        ],
    )
    frame = pd.DataFrame(
        {
            "id": ["1", None, "3", "4", None],
            "kind": ["a", "b", "c", "a", None],
            "low": [1.0, 5.0, 2.0, 20.0, None],
            "high": [2.0, 4.0, 3.0, 30.0, 1.0],
            "flag": [None, "x: spot above on-demand", None, None, None],
        }
    )
    outcomes = {o.spec.name: o for o in validate_frame(suite, frame)}
    assert (outcomes["id_present"].unexpected_count, outcomes["id_present"].element_count) == (2, 5)
    assert (outcomes["kind_known"].unexpected_count, outcomes["kind_known"].missing_count) == (1, 1)
    assert outcomes["kind_known"].sample == ["c"]
    # GX's default for pairs skips a row only when both values are missing
    assert outcomes["high_ge_low"].sample == ["(1.0, null)", "(4.0, 5.0)"]
    assert (outcomes["small_when_a"].element_count, outcomes["small_when_a"].unexpected_count) == (2, 1)
    # a null is what the null check expects: every row is checked, one is not null
    no_flag = outcomes["no_flag"]
    assert (no_flag.element_count, no_flag.missing_count, no_flag.unexpected_count) == (5, 0, 1)
    assert no_flag.sample == ["x: spot above on-demand"] and no_flag.unexpected_percent == 20.0
    assert "row_condition" not in _gx_kwargs(4, suite.expectations[4])  # no condition needed


def test_gx_gets_the_frame_duckdb_would_give(bundled_warehouse):
    """The grouped combinations reach GX through Arrow's conversion, not DuckDB's (1.1–1.9 s
    → 0.09 s on ten million prices): the frame must be DuckDB's to the dtype — nullable
    integers and booleans where a column has a null, dates as datetimes, an all-null text
    column as objects — or GX could judge the same values differently."""
    import duckdb

    from ledger.quality.validate import _as_pandas, grouped_table
    from ledger.warehouse import connect, load_sql, sql_params

    con = duckdb.connect()
    kinds = con.sql(
        "select * from (values (1, 2::bigint, true, 'a', date '2024-01-02', timestamp '2024-01-02 03:04:05', 1.5, "
        "2.25::decimal(10, 2), timestamptz '2024-01-02 03:04:05+00', null, 7::tinyint, 8::usmallint), "
        "(null, null, null, null, null, null, null, null, null, null, 9, 10)) as t(i, b, yes, s, d, ts, f, dec, tz, n, ti, us)"
    ).to_arrow_table()
    tables = {"every kind, nulls": kinds, "no nulls": kinds.slice(0, 1), "nulls only": kinds.slice(1, 1)}
    tables["empty"] = kinds.slice(0, 0)
    tables["a list column"] = con.sql("select [1, 2] as l, 'x' as s").to_arrow_table()
    with connect(bundled_warehouse, read_only=True) as warehouse:
        for suite in load_suites():
            select = load_sql(suite.query) if suite.query else f"select * from {suite.table}"
            params = sql_params(select, {"as_of": "2026-11-01"})
            tables[suite.name] = grouped_table(suite, warehouse, select, params)
    for name, table in tables.items():
        pd.testing.assert_frame_equal(_as_pandas(table), con.from_arrow(table).df(), check_exact=True, obj=name)
