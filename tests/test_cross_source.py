"""Facts from two sources: duplicates within tolerance, conflicts beyond it, precedence."""

import polars as pl

from assets.transforms.cross_source import resolve_sources
from helpers import raw_rows, references
from assets.transforms.normalize import normalize

REFS = references()


def tranche(event_id, dataset, amount, status="closed", announced="2025-03-01", source_date=None):
    return {
        "event_id": event_id, "company": "Lab A", "round_id": event_id, "announced_date": announced,
        "instrument": "equity", "amount_high": amount, "currency": "USD", "unit": "billion", "status": status,
        "source_publication": "test", "source_date": source_date or announced, "_dataset": dataset,
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
    newer = staged([
        tranche("ours", "curated", "6", source_date="2025-03-01"),
        tranche("theirs", "epoch", "9", source_date="2025-04-01"),
    ])
    assert newer["is_preferred"].to_list() == [False, True]
    tie = staged([tranche("ours", "curated", "6"), tranche("theirs", "epoch", "9")])
    assert tie["is_preferred"].to_list() == [True, False]
    assert tie["preferred_reason"][1] == "our curated figure over Epoch AI's"


def test_far_apart_or_different_instruments_do_not_match():
    far = staged([tranche("ours", "curated", "6"), tranche("theirs", "epoch", "6", announced="2025-06-01")])
    assert far["fact_id"].to_list() == ["ours", "theirs"] and far["_duplicate_of"].to_list() == [None, None]
    two_curated = staged([tranche("a", "curated", "6"), tranche("b", "curated", "9")])
    assert two_curated["is_preferred"].to_list() == [True, True]  # one source: separate tranches
