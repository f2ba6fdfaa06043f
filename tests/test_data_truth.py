"""Corrections to the bundled data from the audit of issue 14, each checked on the warehouse
built from it."""

from datetime import date

from helpers import query


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
