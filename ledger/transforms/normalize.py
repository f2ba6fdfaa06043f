"""Which normalizer stages which entity."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from ledger.transforms.alt_currency import normalize_alt_currency_figures
from ledger.transforms.cash_burn import normalize_cash_burn
from ledger.transforms.clusters import normalize_clusters
from ledger.transforms.commitments import normalize_compute_commitments
from ledger.transforms.dedup import mark_duplicates
from ledger.transforms.entities import ENTITIES
from ledger.transforms.funding import normalize_funding_events
from ledger.transforms.gpu_prices import normalize_gpu_prices
from ledger.transforms.reference import References

Normalizer = Callable[[pl.DataFrame, References], pl.DataFrame]

NORMALIZERS: dict[str, Normalizer] = {
    "funding_events": normalize_funding_events,
    "gpu_prices": normalize_gpu_prices,
    "cash_burn": normalize_cash_burn,
    "clusters": normalize_clusters,
    "alt_currency_figures": normalize_alt_currency_figures,
    "compute_commitments": normalize_compute_commitments,
}


def normalize(entity: str, raw: pl.DataFrame, refs: References, file_rank: dict[str, int] | None = None) -> pl.DataFrame:
    """Raw rows of `entity` → staged rows with `_problems` and `_duplicate_of` marked
    (`file_rank`: which file wins a conflict, see `dedup`)."""
    staged = NORMALIZERS[entity](raw, refs)
    return mark_duplicates(staged, ENTITIES[entity].key, file_rank)
