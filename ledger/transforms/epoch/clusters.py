"""gpu_clusters.csv, data_center_timelines.csv and xai_datacenter_timelines.csv → clusters
(see the package docstring)."""

from __future__ import annotations

from datetime import date

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

GPU_CLUSTERS = "gpu_clusters.csv"
DATA_CENTERS = "data_center_timelines.csv"
XAI_DATA_CENTERS = "xai_datacenter_timelines.csv"

#: The company of a cluster Epoch gives no owner for (all anonymized systems, a few
#: others). A row in reference/company_aliases.csv, kind `other`: it names no company.
UNDISCLOSED_OWNER = "Undisclosed owner"
#: The model a count of H100-equivalents is written under (documented in the notes).
H100E_MODEL = "H100"

CLUSTER_STATUS = {"existing": "operational", "planned": "planned"}
CERTAINTY = {"confirmed": "high", "likely": "medium", "unlikely": "low"}

#: The date each timeline export was taken (../shared/datasets/epoch/NOTICE.md). A
#: snapshot dated later is Epoch's projection of the build-out, not an observation.
EXPORT_DATES = {DATA_CENTERS: date(2026, 3, 6), XAI_DATA_CENTERS: date(2026, 4, 22)}


def _sources(row: dict) -> tuple[str | None, str | None]:
    """The first URL among Source 1–5, and Source 1's text when it is not a URL."""
    texts = [cell(row, f"Source {i}") for i in range(1, 6)]
    url = first_url(*texts)
    first = texts[0]
    note = f"Epoch source: {first}" if first and first_url(first) is None else None
    return url, note


def adapt_gpu_clusters(raw: pl.DataFrame) -> pl.DataFrame:
    """GPU clusters → one cluster row each; `cluster_id` = "epoch-gpuc-<Name>" (with a hash
    of the row, then a counter, when Epoch repeats a name)."""
    rows = list(raw.iter_rows(named=True))
    base = [f"epoch-gpuc-{slug(cell(r, 'Name') or 'unnamed')}" for r in rows]
    ids = dict(
        zip(
            (r["raw_row_id"] for r in rows),
            unique_ids(base, [row_content(r) for r in rows], identical_are_distinct=True),
        )
    )

    def owner(row: dict) -> tuple[str, str | None]:
        owners = [o.strip() for o in (cell(row, "Owner") or "").split(",") if o.strip()]
        if not owners:
            return UNDISCLOSED_OWNER, "Epoch gives no owner"
        if len(owners) > 1:
            return owners[0], f"Epoch owners: {', '.join(owners)} (the first is used)"
        return owners[0], None

    def context(row: dict) -> dict:
        return {
            "company": owner(row)[0],
            "cluster": cell(row, "Name"),
            "gpu_model": cell(row, "Chip type (primary)"),
            "source_url": _sources(row)[0] or HUB_URLS[GPU_CLUSTERS],
            "notes": cell(row, "Note"),
        }

    def map_row(row: dict) -> list[dict]:
        status_text = cell(row, "Status")
        if status_text is None:
            raise Problem("no status in the Epoch row")
        status = CLUSTER_STATUS.get(status_text.lower())
        if status is None:
            when = cell(row, "Decommissioned Date (if applicable)")
            raise Problem(
                f"Epoch status {status_text!r}{f' (since {when})' if when else ''} has no counterpart "
                "in our cluster statuses (operational, under_construction, planned)"
            )
        certainty = cell(row, "Certainty")
        confidence = CERTAINTY.get(certainty.lower()) if certainty else None
        if certainty and confidence is None:
            raise Problem(f"Epoch certainty {certainty!r} is not Confirmed, Likely or Unlikely")
        chip, chip_2 = cell(row, "Chip type (primary)"), cell(row, "Chip type (secondary)")
        quantity = number(row, "Chip quantity (primary)")
        quantity_2 = number(row, "Chip quantity (secondary)")
        h100e = number(row, "H100 equivalents")
        count_notes: list[str] = []
        if chip and quantity is not None:
            model, count, count_unit = chip, quantity, "gpus"
            if chip_2 and quantity_2 is not None:
                model_2, count_2 = chip_2, quantity_2
            else:
                model_2 = count_2 = None
                if chip_2 or quantity_2 is not None:
                    count_notes.append(
                        f"Epoch gives a secondary chip {'type ' + repr(chip_2) if chip_2 else 'quantity'} "
                        f"without its {'quantity' if chip_2 else 'type'} "
                        f"({number_text(quantity_2) if quantity_2 is not None else chip_2}); not loaded"
                    )
        elif h100e is not None:
            model, count, model_2, count_2, count_unit = H100E_MODEL, h100e, None, None, "h100e"
            missing = "chip type" if not chip else "chip quantity"
            count_notes.append(
                f"Epoch gives no {missing} ({chip or 'type blank'}"
                f"{', quantity ' + number_text(quantity) if quantity is not None else ''}): "
                f"gpu_model H100 with Epoch's H100-equivalents {number_text(h100e)} as the count (gpu_count_unit h100e)"
            )
        else:
            raise Problem("no chip count and no H100-equivalents in the Epoch row")
        company, owner_note = owner(row)
        url, source_note = _sources(row)
        duplicate = cell(row, "Possible Duplicate Of")
        return [
            {
                "cluster_id": ids[row["raw_row_id"]],
                "company": company,
                "cluster": cell(row, "Name"),
                "status": status,
                "gpu_model": model,
                "gpu_count_low": number_text(count),
                "gpu_count_high": number_text(count),
                "gpu_count_unit": count_unit,
                "gpu_model_2": model_2,
                "gpu_count_2_low": number_text(count_2) if count_2 is not None else None,
                "gpu_count_2_high": number_text(count_2) if count_2 is not None else None,
                "power_mw_low": cell(row, "Power Capacity (MW)"),
                "power_mw_high": cell(row, "Power Capacity (MW)"),
                "target_date": iso_date(cell(row, "First Operational Date"), "First Operational Date"),
                "reported_capex_low": cell(row, "Reported Cost"),
                "reported_capex_high": cell(row, "Reported Cost"),
                "calculated_capex_low": cell(row, "Calculated Cost"),
                "calculated_capex_high": cell(row, "Calculated Cost"),
                "currency": "USD",
                "unit": "one",
                "confidence": confidence,
                "source_url": url or HUB_URLS[GPU_CLUSTERS],
                "notes": join_notes(
                    f"Epoch status {status_text}, certainty {certainty or 'not given'}",
                    owner_note,
                    *count_notes,
                    f"users: {cell(row, 'Users')}" if cell(row, "Users") else None,
                    ", ".join(x for x in (cell(row, "Location"), cell(row, "Country")) if x) or None,
                    f"Epoch flags a possible duplicate of {duplicate}"
                    if duplicate
                    else ("Epoch flags a possible duplicate" if cell(row, "Possible Duplicate") else None),
                    source_note,
                    cell(row, "Note"),
                ),
                ADAPTER_PROBLEM: None,
            }
        ]

    return adapt_rows(raw, "clusters", GPU_CLUSTERS, map_row, context)


def _timeline(raw: pl.DataFrame, source_file: str, prefix: str, extra_notes: tuple[str, ...]) -> pl.DataFrame:
    """Dated data-center snapshots → one cluster phase each, counted in H100-equivalents."""
    rows = list(raw.iter_rows(named=True))
    base = [f"epoch-{prefix}-{slug(cell(r, 'Data center') or 'unnamed')}-{cell(r, 'Date') or 'undated'}" for r in rows]
    ids = dict(
        zip(
            (r["raw_row_id"] for r in rows),
            unique_ids(base, [row_content(r) for r in rows], identical_are_distinct=False),
        )
    )
    export = EXPORT_DATES[source_file]

    def company(name: str | None) -> str | None:
        # "xAI Colossus 1 …" → xAI; "Anthropic-Amazon Project Rainier …" → Anthropic (the
        # first named: the lab the site is built for, as Epoch names it).
        return name.split()[0].split("-")[0] if name else None

    def context(row: dict) -> dict:
        return {
            "company": company(cell(row, "Data center")),
            "cluster": cell(row, "Data center"),
            "phase": f"Epoch snapshot {cell(row, 'Date')}" if cell(row, "Date") else None,
            "gpu_model": H100E_MODEL,
            "source_url": HUB_URLS[source_file],
            "notes": cell(row, "Construction status"),
        }

    def map_row(row: dict) -> list[dict]:
        name = cell(row, "Data center")
        if name is None:
            raise Problem("no data center name in the Epoch row")
        snapshot = iso_date(cell(row, "Date"), "Date")
        if snapshot is None:
            raise Problem("no snapshot date in the Epoch row")
        h100e = number(row, "H100 equivalents")
        if h100e is None:
            raise Problem(f"no H100-equivalents in the Epoch snapshot of {snapshot}")
        projected = date.fromisoformat(snapshot) > export
        status = "operational" if h100e > 0 and not projected else "under_construction"
        total = number(row, "Total capital cost (2025 USD billions)")
        compute = cell(row, "Compute cost (2025 USD billions)")
        construction = cell(row, "Construction cost (2025 USD billions)")
        return [
            {
                "cluster_id": ids[row["raw_row_id"]],
                "company": company(name),
                "cluster": name,
                "phase": f"Epoch snapshot {snapshot}",
                "status": status,
                "gpu_model": H100E_MODEL,
                "gpu_count_low": number_text(h100e),
                "gpu_count_high": number_text(h100e),
                "gpu_count_unit": "h100e",
                "power_mw_low": cell(row, "Power (MW)"),
                "power_mw_high": cell(row, "Power (MW)"),
                "target_date": snapshot,
                "calculated_capex_low": number_text(total) if total is not None else None,
                "calculated_capex_high": number_text(total) if total is not None else None,
                "currency": "USD",
                "unit": "billion",
                "confidence": "low" if projected else "medium",
                "source_url": HUB_URLS[source_file],
                "notes": join_notes(
                    "Epoch data-center snapshot, cumulative for the site at that date: the count is "
                    "Epoch's H100-equivalents (written as gpu_model H100), not chips",
                    f"dated after the export of {export.isoformat()}: Epoch's projection" if projected else None,
                    f"calculated capex = Epoch's total capital cost in 2025 US dollars, billions "
                    f"(compute {compute or '?'}, construction {construction or '?'})",
                    f"buildings operational: {cell(row, 'Buildings operational')}"
                    if cell(row, "Buildings operational")
                    else None,
                    cell(row, "Construction status"),
                    *[f"{c}: {cell(row, c)}" for c in extra_notes if cell(row, c)],
                ),
                ADAPTER_PROBLEM: None,
            }
        ]

    return adapt_rows(raw, "clusters", source_file, map_row, context)


def adapt_data_center_timelines(raw: pl.DataFrame) -> pl.DataFrame:
    """Frontier data-center snapshots → cluster phases "epoch-dc-<data center>-<date>"."""
    return _timeline(raw, DATA_CENTERS, "dc", ())


def adapt_xai_datacenter_timelines(raw: pl.DataFrame) -> pl.DataFrame:
    """xAI Colossus 1/2 snapshots → cluster phases "epoch-xaidc-<data center>-<date>"."""
    return _timeline(
        raw,
        XAI_DATA_CENTERS,
        "xaidc",
        ("Power notes", "FLOP/s notes", "Compute cost notes", "Construction cost notes", "Hardware quantities"),
    )
