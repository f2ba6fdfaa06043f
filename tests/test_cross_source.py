"""Facts from two sources: duplicates within tolerance, conflicts beyond it, precedence."""

import polars as pl

from helpers import raw_rows, references
from ledger.transforms.cross_source import resolve_sources
from ledger.transforms.normalize import normalize

REFS = references()


def tranche(event_id, dataset, amount, status="closed", announced="2025-03-01", source_date=None):
    return {
        "event_id": event_id,
        "company": "Lab A",
        "round_id": event_id,
        "announced_date": announced,
        "instrument": "equity",
        "amount_high": amount,
        "currency": "USD",
        "unit": "billion",
        "status": status,
        "source_publication": "test",
        "source_date": source_date or announced,
        "_dataset": dataset,
    }


def staged(rows):
    raw = raw_rows("funding_events", rows).with_columns(pl.Series("dataset", [r["_dataset"] for r in rows]))
    return resolve_sources(normalize("funding_events", raw, REFS), "funding_events")


def test_agreeing_sources_are_one_fact_counted_once():
    out = staged([tranche("ours", "curated", "6"), tranche("theirs", "epoch", "6.2", announced="2025-03-20")])
    assert out["_duplicate_of"].to_list() == [None, "test.csv:2"]  # within 5%: a duplicate


def test_disagreeing_sources_are_both_kept_and_one_is_preferred():
    out = staged([tranche("ours", "curated", "6", status="reported"), tranche("theirs", "epoch", "9", status="closed")])
    assert out["_duplicate_of"].to_list() == [None, None]
    assert out["fact_id"].to_list() == ["ours", "ours"]
    assert out["is_preferred"].to_list() == [False, True]  # closed over reported
    assert out["preferred_reason"][0] == "closed over reported"


def test_precedence_then_newer_source_then_ours():
    newer = staged(
        [
            tranche("ours", "curated", "6", source_date="2025-03-01"),
            tranche("theirs", "epoch", "9", source_date="2025-04-01"),
        ]
    )
    assert newer["is_preferred"].to_list() == [False, True]
    tie = staged([tranche("ours", "curated", "6"), tranche("theirs", "epoch", "9")])
    assert tie["is_preferred"].to_list() == [True, False]
    assert tie["preferred_reason"][1] == "our curated figure over Epoch AI's"


def test_far_apart_or_different_instruments_do_not_match():
    far = staged([tranche("ours", "curated", "6"), tranche("theirs", "epoch", "6", announced="2025-06-01")])
    assert far["fact_id"].to_list() == ["ours", "theirs"] and far["_duplicate_of"].to_list() == [None, None]
    two_curated = staged([tranche("a", "curated", "6"), tranche("b", "curated", "9")])
    assert two_curated["is_preferred"].to_list() == [True, True]  # one source: separate tranches


def test_a_convertible_note_and_an_equity_row_for_the_same_money_match():
    ours = tranche("ours", "curated", "6.6") | {"instrument": "convertible"}
    out = staged([ours, tranche("theirs", "epoch", "6.6")])
    assert out["_duplicate_of"].to_list() == [None, "test.csv:2"]
    debt = staged([tranche("ours", "curated", "6.6") | {"instrument": "debt"}, tranche("theirs", "epoch", "6.6")])
    assert debt["_duplicate_of"].to_list() == [None, None] and debt["fact_id"].to_list() == ["ours", "theirs"]


def test_a_round_recorded_in_tranches_matches_its_total_elsewhere():
    first = tranche("t1", "curated", "1.25", announced="2023-09-25") | {"round_id": "r"}
    second = tranche("t2", "curated", "2.75", announced="2024-03-27") | {"round_id": "r"}
    out = staged([first, second, tranche("theirs", "epoch", "4", announced="2024-03-27")])
    assert out["_duplicate_of"].to_list() == [None, None, "test.csv:2"]  # the round's first tranche
    assert out["fact_id"].to_list() == ["t1", "t2", "theirs"]  # no conflict with a single tranche
    # a total that does not add up is no match for the round, only a conflict with the closest tranche
    off = staged([first, second, tranche("theirs", "epoch", "9", announced="2024-03-27")])
    assert off["_duplicate_of"].to_list() == [None, None, None]
    assert off["fact_id"].to_list() == ["t1", "t2", "t2"]


def test_a_later_tranche_of_the_same_round_matches_beyond_the_date_window():
    first = tranche("t1", "curated", "10", announced="2025-03-31") | {"round_id": "r"}
    last = tranche("t3", "curated", "22.5", announced="2025-10-25", status="reported") | {"round_id": "r"}
    out = staged([first, last, tranche("theirs", "epoch", "22.5", announced="2025-03-31", status="reported")])
    assert out["_duplicate_of"].to_list() == [None, None, "test.csv:3"]


def test_a_different_deal_inside_a_rounds_span_is_no_conflict_with_its_far_tranches():
    first = tranche("t1", "curated", "1.25", announced="2023-09-25") | {"round_id": "r"}
    second = tranche("t2", "curated", "2.75", announced="2024-03-27") | {"round_id": "r"}
    other = tranche("series-d", "epoch", "0.75", announced="2024-01-11")  # 76+ days from either tranche
    out = staged([first, second, other])
    assert out["fact_id"].to_list() == ["t1", "t2", "series-d"]
    assert out["is_preferred"].to_list() == [True, True, True]
