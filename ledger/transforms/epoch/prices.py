"""hardware_prices.csv and nvidia_annual_prices.csv → gpu_prices (see the package docstring)."""

from __future__ import annotations

import re

import polars as pl

from ledger.transforms.epoch.common import (
    ADAPTER_PROBLEM,
    HUB_URLS,
    Problem,
    adapt_rows,
    cell,
    content_hash,
    first_url,
    iso_date,
    join_notes,
    number,
    number_text,
    slug,
)

HARDWARE = "hardware_prices.csv"
NVIDIA = "nvidia_annual_prices.csv"

#: Epoch's rental columns (already per chip and per hour) → our price types.
RENTALS = (
    ("Price per chip-hour (on-demand)", "on_demand"),
    ("Price per chip-hour (1-year CUD)", "reserved_1y"),
    ("Price per chip-hour (3-year CUD)", "reserved_3y"),
)
PURCHASE = "Price (hardware purchase)"
_ESTIMATE = re.compile(r"estimat|not a real sale price", re.IGNORECASE)

#: A year-only figure is observed on 1 July: the middle of the year it covers.
ANNUAL_OBSERVED = "{year}-07-01"
_PLACEHOLDER_NOTE = re.compile(r"\b(todo|to-do|stub|tbd)\b", re.IGNORECASE)


def adapt_hardware_prices(raw: pl.DataFrame) -> pl.DataFrame:
    """Each price cell of a row → one quote: on-demand / 1-year / 3-year $ per chip-hour,
    and the purchase price per chip."""

    def context(row: dict) -> dict:
        return {
            "gpu_model": cell(row, "Hardware model"),
            "provider": cell(row, "Vendor"),
            "observed_date": cell(row, "Price date"),
            "source_url": first_url(cell(row, "Price source")) or HUB_URLS[HARDWARE],
            "notes": cell(row, "Notes"),
        }

    def map_row(row: dict) -> list[dict]:
        model = cell(row, "Hardware model")
        if model is None:
            raise Problem("no hardware model in the Epoch row")
        prices = [(price_type, number(row, column)) for column, price_type in RENTALS]
        purchase = number(row, PURCHASE)
        gpus = number(row, "Number of GPUs")
        system = gpus is not None and gpus > 1
        prices.append(("server_per_gpu" if system else "purchase", purchase))
        prices = [(t, v) for t, v in prices if v is not None]
        if not prices:
            raise Problem("no price in the Epoch row (no on-demand, 1-year, 3-year or purchase price)")
        observed = iso_date(cell(row, "Price date"), "Price date")
        source_text = cell(row, "Price source")
        url = first_url(source_text)
        estimate = bool(_ESTIMATE.search(cell(row, "Notes") or ""))
        common = {
            "gpu_model": model,
            "currency": "USD",
            "price_per": "gpu",
            "provider": cell(row, "Vendor"),
            "region": cell(row, "Location"),
            "observed_date": observed,
            "confidence": "low" if estimate or url is None else "high",
            "source_url": url or HUB_URLS[HARDWARE],
        }
        out = []
        for price_type, value in prices:
            rental = price_type not in ("purchase", "server_per_gpu")
            notes = join_notes(
                f"Epoch {'price per chip-hour' if rental else 'hardware purchase price, per chip'}",
                f"the price of a {number_text(gpus)}-GPU system divided by its GPUs (Epoch's Number of GPUs)"
                if price_type == "server_per_gpu"
                else None,
                f"instance with {number_text(gpus)} GPU(s)" if rental and gpus is not None else None,
                f"Epoch gives no price source ({source_text or 'blank'})" if url is None else None,
                f"cloud GPU: {cell(row, 'Cloud GPU description')}" if cell(row, "Cloud GPU description") else None,
                cell(row, "Notes"),
            )
            record = {
                **common,
                "price_type": price_type,
                "price_low": number_text(value),
                "price_high": number_text(value),
                "billing_period": "hour" if rental else None,
                "notes": notes,
                ADAPTER_PROBLEM: None,
            }
            # The id comes from the quote's own content: a quote Epoch repeats (the same
            # model, date, vendor, price and source) gets the same id and is counted once
            # as a duplicate by the normalizer.
            digest = content_hash([record[k] for k in sorted(record) if k != ADAPTER_PROBLEM])
            record["quote_id"] = f"epoch-hwp-{slug(model)}-{observed or 'undated'}-{price_type}-{digest}"
            out.append(record)
        return out

    return adapt_rows(raw, "gpu_prices", HARDWARE, map_row, context)


def _model_groups(columns: list[str]) -> list[tuple[str, str, str | None, list[str]]]:
    """(model, low column, high column, commentary columns) from the header: each
    "<model> low" starts a group; the columns after it up to the next "… low" are its
    "<model> high" and its commentary (Geomean, Notes, a blank-named column)."""
    groups: list[tuple[str, str, str | None, list[str]]] = []
    for column in columns:
        match = re.fullmatch(r"(.+?) low", column, flags=re.IGNORECASE)
        if match:
            groups.append((match.group(1).strip(), column, None, []))
        elif groups:
            model, low, high, commentary = groups[-1]
            if re.fullmatch(re.escape(model) + r" high", column, flags=re.IGNORECASE):
                groups[-1] = (model, low, column, commentary)
            else:
                commentary.append(column)
    return groups


def adapt_nvidia_annual_prices(raw: pl.DataFrame) -> pl.DataFrame:
    """Each year × model with a low or high price → one purchase quote (a range) observed on
    1 July of the year; Geomean and Notes cells are commentary."""
    lineage_columns = {"dataset", "source_file", "row_number", "raw_row_id"}
    groups = _model_groups([c for c in raw.columns if c not in lineage_columns and c != "Year"])

    def context(row: dict) -> dict:
        return {"source_url": HUB_URLS[NVIDIA], "notes": f"Epoch year {cell(row, 'Year')}"}

    def map_row(row: dict) -> list[dict]:
        year_text = cell(row, "Year")
        if year_text is None or not re.fullmatch(r"\d{4}", year_text):
            raise Problem(f"the Year cell is not a year: {year_text!r}")
        observed = ANNUAL_OBSERVED.format(year=year_text)
        out = []
        for model, low_column, high_column, commentary in groups:
            remarks = [cell(row, c) for c in commentary if cell(row, c)]
            geomeans = [f"Epoch geomean {cell(row, c)}" for c in commentary if c.lower().startswith("geomean") and cell(row, c)]
            notes_text = [cell(row, c) for c in commentary if not c.lower().startswith("geomean") and cell(row, c)]
            record = {
                "quote_id": f"epoch-nvap-{slug(model)}-{year_text}-purchase",
                "gpu_model": model,
                "price_type": "purchase",
                "currency": "USD",
                "price_per": "gpu",
                "observed_date": observed,
                "confidence": "medium",
                "source_url": HUB_URLS[NVIDIA],
                "notes": join_notes(
                    f"Epoch's {year_text} price range for one {model} (a year-only figure, observed_date "
                    "set to 1 July of that year)",
                    *geomeans,
                    *notes_text,
                ),
                ADAPTER_PROBLEM: None,
            }
            try:
                low = number(row, low_column, f"{model} {year_text} low price cell")
                high = number(row, high_column, f"{model} {year_text} high price cell") if high_column else None
            except Problem as problem:
                out.append({**record, "quote_id": None, ADAPTER_PROBLEM: str(problem)})
                continue
            placeholder = [r for r in remarks if _PLACEHOLDER_NOTE.search(r)]
            if placeholder:
                # "A100 is stub and to-do", or a bare "TODO" where a year has no figures:
                # Epoch says the figure is unfinished, so it is reported, not loaded.
                figures = (
                    ""
                    if low is None and high is None
                    else (
                        f" (the cells give {number_text(low) if low is not None else '?'}–"
                        f"{number_text(high) if high is not None else '?'})"
                    )
                )
                out.append(
                    {
                        **record,
                        "quote_id": None,
                        ADAPTER_PROBLEM: f"Epoch's note for {model} {year_text} says {placeholder[0]!r}: "
                        f"the figure is unfinished{figures}",
                    }
                )
                continue
            if low is None and high is None:
                continue  # no figure for this model and year (e.g. GB200 before 2024)
            out.append(
                {
                    **record,
                    "price_low": number_text(low) if low is not None else None,
                    "price_high": number_text(high) if high is not None else None,
                }
            )
        if not out:
            raise Problem(f"no price for any model in {year_text}")
        return out

    return adapt_rows(raw, "gpu_prices", NVIDIA, map_row, context)
