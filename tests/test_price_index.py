"""The daily price index's method on prices worked out by hand (sql/mart_gpu_price_index_daily.sql,
run by DuckDB on a table of provider prices as sql/mart_gpu_price_provider_days.sql writes it)."""

from datetime import date

import duckdb
import pytest

from ledger.warehouse import load_sql, sql_params

DAILY = load_sql("mart_gpu_price_index_daily").strip().rstrip(";")


def _daily(rows: list[tuple], last_day: date, staleness_days: int = 7) -> list[dict]:
    """The daily index's family roll-up rows over `rows` (day, variant, provider, price)."""
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute(
        "create table marts.gpu_price_provider_days (month date, observed_date date, gpu_model varchar, "
        "gpu_variant varchar, provider_family varchar, price_type varchar, price_unit varchar, provider_key varchar, "
        "quotes bigint, price_usd double, low_usd double, high_usd double, methodology_version integer)"
    )
    con.executemany(
        "insert into marts.gpu_price_provider_days values (date_trunc('month', ?::date), ?, 'H100', ?, 'neocloud', "
        "'on_demand', 'usd_per_gpu_hour', ?, 1, ?, ?, ?, 3)",
        [(day, day, variant, provider, price, price, price) for day, variant, provider, price in rows],
    )
    params = sql_params(
        DAILY,
        {
            "months": None,
            "day_from": None,
            "day_to": None,
            "staleness_days": staleness_days,
            "last_day": last_day,
            "methodology_version": 3,
        },
    )
    cursor = con.execute(f"select * from ({DAILY}) where gpu_variant is null and provider_family is null", params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_the_trimmed_mean_drops_the_top_and_bottom_tenth():
    prices = [1, 2, 3, 4, 5, 6, 7, 8, 9, 100]  # one provider quotes 100 by mistake
    [row] = _daily([(date(2026, 1, 1), "H100 SXM5 80GB", f"p{i}", p) for i, p in enumerate(prices)], date(2026, 1, 1))
    assert row["provider_count"] == 10
    assert row["trimmed_mean_usd"] == pytest.approx(5.5)  # 2..9; the plain mean would be 14.5
    assert row["median_usd"] == pytest.approx(5.5)


def test_below_ten_prices_nothing_is_trimmed():
    [row] = _daily([(date(2026, 1, 1), "H100 SXM5 80GB", f"p{i}", p) for i, p in enumerate([1.0, 2.0, 9.0])], date(2026, 1, 1))
    assert row["trimmed_mean_usd"] == pytest.approx(4.0)


def test_a_price_counts_until_a_newer_one_or_for_seven_days():
    rows = [
        (date(2025, 12, 25), "H100 SXM5 80GB", "weekly", 3.0),  # counts Dec 25 .. Dec 31
        (date(2025, 12, 26), "H100 SXM5 80GB", "daily", 2.0),
        (date(2025, 12, 27), "H100 SXM5 80GB", "daily", 2.2),  # replaces the Dec 26 price
    ]
    by_day = {r["day"]: r for r in _daily(rows, date(2026, 1, 5))}
    assert sorted(by_day) == [date(2025, 12, d) for d in range(25, 32)] + [date(2026, 1, d) for d in range(1, 3)]
    assert by_day[date(2025, 12, 26)]["median_usd"] == pytest.approx(2.5)  # 3.0 and 2.0
    assert by_day[date(2025, 12, 27)]["median_usd"] == pytest.approx(2.6)  # 3.0 and 2.2, not 2.0
    assert (by_day[date(2025, 12, 31)]["provider_count"], by_day[date(2025, 12, 31)]["carried_price_count"]) == (2, 2)
    # Jan 1: the weekly price is 7 days old and no longer counts; the daily one (age 5) does
    assert (by_day[date(2026, 1, 1)]["provider_count"], by_day[date(2026, 1, 1)]["median_usd"]) == (1, pytest.approx(2.2))
    assert by_day[date(2026, 1, 2)]["staleness_days"] == 7  # Jan 2 is the Dec 27 price's last day


def test_no_day_after_the_latest_quote_is_written():
    rows = [(date(2026, 3, 1), "H100 PCIe", "a", 2.0)]
    assert [r["day"] for r in _daily(rows, date(2026, 3, 3))] == [date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3)]
