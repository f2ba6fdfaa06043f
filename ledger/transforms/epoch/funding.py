"""ai_companies_funding_rounds.csv → funding_events (see the package docstring)."""

from __future__ import annotations

import polars as pl

from ledger.transforms.epoch.common import (
    ADAPTER_PROBLEM,
    HUB_URLS,
    Problem,
    adapt_rows,
    cell,
    first_url,
    iso_date,
    join_notes,
    number,
    number_text,
    row_content,
    slug,
    unique_ids,
)

FILE = "ai_companies_funding_rounds.csv"

STATUS = {"closed": "closed", "late discussions": "reported", "announced": "announced"}
CONFIDENCE = {"confident": "high", "likely": "medium", "uncertain": "low"}
#: Epoch columns → our instrument; the order is the order of the output rows.
AMOUNTS = (("Funding (equity)", "equity"), ("Funding (debt)", "debt"), ("Valuation (post-money)", "valuation"))


def _duplicate_rounds(raw: pl.DataFrame) -> dict[str, str]:
    """raw_row_id → the earlier row it repeats: the same company, close date, equity and
    debt (Epoch lists Mistral AI's June 2024 round twice, once with the total raised in the
    valuation column). The later row is reported, not loaded twice."""
    seen: dict[tuple, tuple[int, str]] = {}
    repeats: dict[str, str] = {}
    for row in raw.iter_rows(named=True):
        equity, debt = cell(row, "Funding (equity)"), cell(row, "Funding (debt)")
        if not (equity or debt) or not cell(row, "Close date"):
            continue
        key = (cell(row, "Company"), cell(row, "Close date"), equity, debt)
        if key in seen:
            number_, name = seen[key]
            repeats[row["raw_row_id"]] = f"row {number_} ({name!r})"
        else:
            seen[key] = (row["row_number"], cell(row, "Id") or "")
    return repeats


def adapt_ai_companies_funding_rounds(raw: pl.DataFrame) -> pl.DataFrame:
    """Funding rounds → an equity tranche, a debt tranche and a post-money valuation row per
    round, sharing `round_id` = "epoch-<company>-<Epoch Id>"."""
    base = [f"epoch-{slug(cell(r, 'Company') or 'unknown')}-{slug(cell(r, 'Id') or 'round')}" for r in raw.iter_rows(named=True)]
    contents = [row_content(r) for r in raw.iter_rows(named=True)]
    round_ids = dict(zip(raw.get_column("raw_row_id").to_list(), unique_ids(base, contents, identical_are_distinct=False)))
    repeats = _duplicate_rounds(raw)

    def context(row: dict) -> dict:
        return {
            "company": cell(row, "Company"),
            "round_name": cell(row, "Id"),
            "source_url": first_url(cell(row, "Source 1"), cell(row, "Source 2"), cell(row, "Source 3")) or HUB_URLS[FILE],
            "notes": cell(row, "Notes"),
        }

    def map_row(row: dict) -> list[dict]:
        if row["raw_row_id"] in repeats:
            raise Problem(
                f"the same company, close date, equity and debt as {repeats[row['raw_row_id']]}: "
                "Epoch lists this round twice; only the first is loaded"
            )
        company = cell(row, "Company")
        if company is None:
            raise Problem("no company in the Epoch row")
        status_text = cell(row, "Status")
        if status_text is None:
            raise Problem("no status in the Epoch row")
        status = STATUS.get(status_text.lower())
        if status is None:
            raise Problem(f"Epoch status {status_text!r} has no counterpart (known: Closed, Late discussions, Announced)")
        confidence_text = cell(row, "Confidence")
        confidence = CONFIDENCE.get(confidence_text.lower()) if confidence_text else None
        if confidence_text and confidence is None:
            raise Problem(f"Epoch confidence {confidence_text!r} is not Confident, Likely or Uncertain")
        report = iso_date(cell(row, "Report date"), "Report date")
        close = iso_date(cell(row, "Close date"), "Close date")
        announced = report or close
        if announced is None:
            raise Problem("no Report date or Close date in the Epoch row")
        amounts = {instrument: number(row, column) for column, instrument in AMOUNTS}
        types = {t.strip().lower() for t in (cell(row, "Type") or "").split(",") if t.strip()}
        secondary_only = "secondary" in types and "primary" not in types
        notes_extra = None
        if secondary_only and (amounts["equity"] or 0) > 0:
            notes_extra = (
                f"Epoch's Funding (equity) {number_text(amounts['equity'])} is a secondary sale: "
                "no new money for the company, so no equity tranche"
            )
            amounts["equity"] = None
        wanted = [(i, v) for i, v in amounts.items() if v is not None and v > 0]
        if not wanted:
            if secondary_only:
                raise Problem("a secondary sale with no post-money valuation: no money raised and no valuation to keep")
            raise Problem("no equity, debt or valuation amount in the Epoch row")
        round_id = round_ids[row["raw_row_id"]]
        common = {
            "company": company,
            "round_id": round_id,
            "round_name": cell(row, "Id"),
            "announced_date": announced,
            "closed_date": close if status == "closed" else None,
            "currency": "USD",
            "unit": "one",
            "amount_qualifier": "exact",
            "status": status,
            "confidence": confidence,
            "source_url": first_url(cell(row, "Source 1"), cell(row, "Source 2"), cell(row, "Source 3")) or HUB_URLS[FILE],
            "source_date": report,
            "notes": join_notes(
                f"Epoch round {cell(row, 'Id')!r}, type {cell(row, 'Type') or 'not given'}",
                notes_extra,
                cell(row, "Graph note"),
                cell(row, "Notes"),
            ),
        }
        return [
            {
                **common,
                "event_id": f"{round_id}-{instrument}",
                "instrument": instrument,
                "amount_low": number_text(value),
                "amount_high": number_text(value),
                ADAPTER_PROBLEM: None,
            }
            for instrument, value in wanted
        ]

    return adapt_rows(raw, "funding_events", FILE, map_row, context)
