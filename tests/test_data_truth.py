"""Corrections to the bundled data from the audit of issue 14, each checked on the warehouse
built from it."""

import csv
import statistics
from datetime import date

import pytest

from helpers import BUNDLED_INPUT, query, references, staged
from ledger.warehouse import load_sql, sql_params


def test_fairwater_atlanta_is_operational_on_gb200_since_october_2025(bundled_warehouse):
    # Microsoft: operations began in October 2025, on GB200 systems (the data said planned, B200)
    row = query(bundled_warehouse, "select * from staging.clusters where cluster_id = 'microsoft-fairwater-atlanta'")[0]
    assert (row["status"], row["gpu_model"], row["target_date"]) == ("operational", "GB200", date(2025, 10, 1))
    assert row["source_date"] >= date(2025, 11, 1)


def test_openai_oracle_spending_starts_in_2027(bundled_warehouse):
    # WSJ (2025-09-10): about $300B over five years, starting in 2027
    years = query(
        bundled_warehouse,
        "select min(year) as first, max(year) as last from (select unnest(generate_series(year(start_date), year(end_date))) as year "
        "from staging.compute_commitments where commitment_id = 'openai-oracle-2025-07')",
    )[0]
    assert (years["first"], years["last"]) == (2027, 2031)


# --- Exchange rates: the daily H.10 series, and the period's average for flows ---


def _bundled_rates(currency: str) -> dict[date, float]:
    with (BUNDLED_INPUT / "reference" / "fx_rates.csv").open(encoding="utf-8") as f:
        return {
            date.fromisoformat(r["rate_date"]): float(r["units_per_usd"]) for r in csv.DictReader(f) if r["currency"] == currency
        }


def test_the_fx_table_is_daily_across_the_span_for_each_currency():
    for currency in ("EUR", "JPY", "GBP", "CNY"):
        rates = _bundled_rates(currency)
        days = sorted(rates)
        assert days[0] <= date(2022, 1, 3) and days[-1] >= date(2026, 9, 25), currency
        # every US business day but the H.10's holidays: no gap longer than a long weekend
        assert max((b - a).days for a, b in zip(days, days[1:])) <= 4, currency
        assert len(days) > 1150, currency


def test_a_figure_converts_at_its_own_days_rate():
    # xAI's raise of 2025-10-07: the H.10 rate that day was 151.17 yen per dollar (the
    # monthly table gave 147.16, the rate of 1 October)
    frame = staged(
        "funding_events",
        [
            {
                "event_id": "yen-raise",
                "company": "xAI",
                "round_id": "r",
                "announced_date": "2025-10-07",
                "instrument": "equity",
                "amount_high": "1511.7",
                "currency": "JPY",
                "unit": "billion",
                "status": "reported",
                "source_url": "https://example.com/a",
            }
        ],
        references(BUNDLED_INPUT / "reference"),
    )
    row = frame.row(0, named=True)
    assert row["_problems"] is None
    assert (row["fx_units_per_usd"], row["fx_rate_date"]) == (151.17, date(2025, 10, 7))
    assert row["amount_usd_mid"] == pytest.approx(10e9)


def test_a_flow_over_a_year_converts_at_the_years_average_rate():
    rates = _bundled_rates("EUR")
    average = statistics.fmean(v for d, v in rates.items() if d.year == 2025)
    frame = staged(
        "cash_burn",
        [
            {
                "figure_id": "eur-burn",
                "company": "Mistral AI",
                "period_start": "2025",
                "period_end": "2025",
                "metric": "net_burn",
                "amount_high": "1",
                "amount_qualifier": "about",
                "currency": "EUR",
                "unit": "billion",
                "source_url": "https://example.com/b",
            }
        ],
        references(BUNDLED_INPUT / "reference"),
    )
    row = frame.row(0, named=True)
    assert row["_problems"] is None
    # "2025" to "2025" is the calendar year, known to the year at both ends
    assert (row["period_start"], row["period_end"], row["period_months"]) == (date(2025, 1, 1), date(2025, 12, 31), 12)
    assert (row["period_start_precision"], row["period_end_precision"]) == ("year", "year")
    assert row["fx_units_per_usd"] == pytest.approx(average)
    assert row["fx_rate_basis"] == f"period_average of {sum(1 for d in rates if d.year == 2025)} days"
    # the year-end rate alone would give a different figure
    assert abs(rates[max(d for d in rates if d.year == 2025)] / average - 1) > 0.005
    assert row["amount_usd_mid"] == pytest.approx(1e9 / average)


# --- Each round's latest stage ---


def test_the_xai_series_e_history_runs_from_report_to_close(bundled_warehouse):
    rows = query(
        bundled_warehouse,
        "select event_id, status, amount_usd_mid, is_latest, source from marts.round_history "
        "where round_id = 'xai-2025-10' and instrument = 'equity' order by announced_date",
    )
    stages = [(r["status"], r["amount_usd_mid"], r["is_latest"]) for r in rows]
    # Bloomberg's $7.5B (2025-10-07) → WSJ's $15B target (2025-11-18) → xAI's closed $20B (2026-01-06)
    assert stages == [("reported", 7.5e9, False), ("rumored", 15e9, False), ("closed", 20e9, True)]
    assert rows[-1]["source"] == "https://x.ai/news/series-e"


def test_marts_count_only_the_latest_stage_of_every_round(bundled_warehouse):
    counted = query(
        bundled_warehouse,
        "select sum(equity_usd_mid) as equity from marts.leverage_rounds where company = 'xAI'",
    )[0]["equity"]
    latest = query(
        bundled_warehouse,
        "select sum(amount_usd_mid) as equity from marts.round_history "
        "where company = 'xAI' and instrument = 'equity' and is_latest and part_of is null",
    )[0]["equity"]
    assert counted == pytest.approx(latest)
    # every superseded event names a later stage that is staged
    orphans = query(
        bundled_warehouse,
        "select h.event_id from marts.round_history as h left join marts.round_history as l on l.event_id = h.superseded_by "
        "where h.superseded_by is not null and l.event_id is null",
    )
    assert orphans == []


# --- Flags and estimates ---


def test_an_h200_price_dated_before_the_h200_shipped_is_quarantined_with_the_reason(bundled_warehouse):
    # Epoch's 2024-03-27 "8x H200" board at $270,565 sits $10 from that day's H100 board
    # ($270,555) on the same shop's history, and NVIDIA shipped the H200 from Q2 2024
    [row] = query(
        bundled_warehouse,
        "select reason from quarantine.rejected_rows where source_file = 'gpu_prices.csv' and row_number = 13",
    )
    assert row["reason"].startswith("observed_date: observed 2024-03-27 but the H200 shipped only from 2024-04-01")
    staged_ids = {r["quote_id"] for r in query(bundled_warehouse, "select quote_id from staging.gpu_prices")}
    assert "h200-hgx-anafra-2024-03" not in staged_ids and "h200-hgx-2025-01" in staged_ids


def test_a_price_in_the_month_a_model_shipped_is_kept():
    rows = [
        {
            "quote_id": q,
            "gpu_model": "H200",
            "price_type": "server_per_gpu",
            "price_high": "35000",
            "currency": "USD",
            "observed_date": d,
            "source_url": "https://example.com/p",
        }
        for q, d in (("in-q2", "2024-04"), ("march", "2024-03"), ("year", "2024"))
    ]
    frame = staged("gpu_prices", rows, references(BUNDLED_INPUT / "reference"))
    problems = dict(zip(frame["quote_id"], frame["_problems"]))
    # "2024" may be after the launch, so it is not refused; March 2024 is before Q2 whatever its day
    assert problems["in-q2"] is None and problems["year"] is None
    assert "shipped only from" in problems["march"]


def test_xais_late_2024_valuation_is_shown_from_both_sources(bundled_warehouse):
    rows = query(
        bundled_warehouse,
        "select row_id, value, used_value, why from marts.source_conflicts where company = 'xAI' order by value",
    )
    # Epoch (TechCrunch, 2024-12-25): $45B; the Wall Street Journal (2024-11-20): $50B
    assert [(r["row_id"], r["value"]) for r in rows] == [
        ("xai-2024-12-series-c-valuation", 45e9),
        ("xai-2024-11-valuation-wsj", 50e9),
    ]
    assert {r["used_value"] for r in rows} == {45e9}
    [r] = query(
        bundled_warehouse, "select post_money_valuation_usd_mid from marts.leverage_rounds where round_id = 'xai-2024-12'"
    )
    assert r["post_money_valuation_usd_mid"] == 45e9


def test_coreweaves_q1_2025_burn_keeps_the_precision_of_its_rounded_input(bundled_warehouse):
    [r] = query(bundled_warehouse, "select * from staging.cash_burn where figure_id = 'coreweave-2025q1-net-burn'")
    # about $1.4B of investing outflow (rounded to $0.1B) less $61.2M of operating inflow
    assert (r["amount_usd_low"], r["amount_usd_high"]) == (pytest.approx(1.29e9), pytest.approx(1.39e9))
    assert r["amount_usd_high"] - r["amount_usd_low"] == pytest.approx(0.1e9)


# --- Overlaps: the same money recorded twice under two names ---


def test_no_money_is_recorded_twice_under_two_names(bundled_warehouse):
    # Counted tranches (latest stage, not inside another event, the preferred source) of one
    # company with the same kind of money, an investor in common, amounts within 5% and
    # dates within 90 days are one deal written twice.
    twice = query(
        bundled_warehouse,
        """
        with counted as (
            select *, list_transform(string_split(coalesce(investors, vendor_investor, ''), ';'), lambda x: trim(x)) as names
            from staging.funding_events
            where superseded_by is null and part_of is null and is_preferred and instrument <> 'valuation'
        )
        select a.event_id, b.event_id as other
        from counted as a
        join counted as b on a.company = b.company and a.event_id < b.event_id and a.instrument = b.instrument
        where abs(a.amount_usd_mid - b.amount_usd_mid) <= 0.05 * greatest(a.amount_usd_mid, b.amount_usd_mid)
            and abs(date_diff('day', a.announced_date, b.announced_date)) <= 90
            and len(list_filter(list_intersect(a.names, b.names), lambda x: x <> '')) > 0
        """,
    )
    assert twice == []
    same_contract = query(
        bundled_warehouse,
        """
        with counted as (
            select * from staging.compute_commitments where superseded_by is null and part_of is null
        )
        select a.commitment_id, b.commitment_id as other
        from counted as a
        join counted as b on a.buyer = b.buyer and a.seller = b.seller and a.commitment_id < b.commitment_id
        where abs(a.amount_usd_mid - b.amount_usd_mid) <= 0.05 * greatest(a.amount_usd_mid, b.amount_usd_mid)
            and abs(date_diff('day', a.announced_date, b.announced_date)) <= 90
        """,
    )
    assert same_contract == []


# --- Sources: the original, with a mirror only as retrieved_via ---


def _check_rows(db, entity: str) -> list[dict]:
    sql = load_sql(f"check_{entity}")
    return query(db, sql, sql_params(sql, {"as_of": "2026-11-01"}))


def test_the_aggregator_warning_lists_the_figures_that_name_no_original_source(bundled_warehouse):
    flagged = {
        entity: sorted(r["aggregator_only_source"] for r in _check_rows(bundled_warehouse, entity) if r["aggregator_only_source"])
        for entity in ("funding_events", "cash_burn", "clusters", "compute_commitments", "gpu_prices")
    }
    # three figures still cite only a site that republishes others' reporting
    assert flagged == {
        "funding_events": [
            "coreweave-2023-04-nvidia: businesstech.news",
            "nebius-2025-09-convertible: bourse.fortuneo.fr",
            "nebius-2025-09-equity: bourse.fortuneo.fr",
        ],
        "cash_burn": [],
        "clusters": [],
        "compute_commitments": [],
        "gpu_prices": [],
    }


def test_mirrors_are_kept_as_retrieved_via_beside_the_original(bundled_warehouse):
    rows = query(
        bundled_warehouse,
        "select figure_id, source_url, source_publication, retrieved_via from staging.cash_burn order by figure_id",
    )
    mirrored = [r for r in rows if r["retrieved_via"]]
    assert len(mirrored) >= 16
    for r in mirrored:
        # the original is named, and the mirror is not the source
        assert r["source_publication"] and r["source_url"] != r["retrieved_via"], r["figure_id"]
    filings = {r["figure_id"]: r["source_url"] for r in rows if r["figure_id"].startswith("coreweave-2025q1")}
    assert all(url.startswith("https://www.sec.gov/") for url in filings.values()), filings


def test_a_subdomain_of_a_listed_site_is_flagged_and_a_lookalike_is_not(bundled_warehouse):
    rows = query(
        bundled_warehouse,
        "select source_host(u) as host, exists (select 1 from ref.source_domains as d where source_host(u) = d.domain "
        "or source_host(u) like '%.' || d.domain) as listed from (values "
        "('https://fox28spokane.marketminute.com/article/x'), ('https://www.tradepost.ai/a'), ('https://nottradepost.ai/a'), "
        "('https://www.sec.gov/x')) as t (u) order by host",
    )
    assert [(r["host"], r["listed"]) for r in rows] == [
        ("fox28spokane.marketminute.com", True),
        ("nottradepost.ai", False),
        ("sec.gov", False),
        ("tradepost.ai", True),
    ]


def test_an_input_folder_without_a_source_domain_list_loads_with_an_empty_one(mini_warehouse):
    # the mini fixture predates reference/source_domains.csv, as a user's own folder may
    assert query(mini_warehouse, "select count(*) as n from ref.source_domains") == [{"n": 0}]


def test_softbanks_remaining_openai_money_counts_at_its_closing(bundled_warehouse):
    rows = query(
        bundled_warehouse,
        "select event_id, status, is_latest from marts.round_history where round_id = 'openai-2025-03' and investors = 'SoftBank' "
        "order by announced_date",
    )
    assert [(r["event_id"], r["status"], r["is_latest"]) for r in rows] == [
        ("openai-2025-10-softbank-remainder", "reported", False),
        ("openai-2025-12-softbank-second-closing", "closed", True),
    ]
    [r] = query(bundled_warehouse, "select equity_usd_mid, status from marts.leverage_rounds where round_id = 'openai-2025-03'")
    # $10B + $8.3B + $22.5B: SoftBank's $41B round with its co-investors, every tranche closed
    assert (r["equity_usd_mid"], r["status"]) == (pytest.approx(40.8e9), "closed")
