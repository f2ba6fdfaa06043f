"""Helpers the Epoch adapters share: reading cells, numbers, dates, ids and the output frame.

The Epoch files are small (tens to hundreds of rows) and one Epoch row can become several
entity rows under rules that depend on several cells at once, so the adapters map row by
row in plain Python and build one typed Polars frame at the end; every function here is
pure and deterministic (no clock, no randomness, no Python `hash()`).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date, datetime

import polars as pl

from ledger.transforms.amounts import parse_amount_text
from ledger.transforms.entities import ENTITIES

DATASET = "epoch"
#: Lineage columns copied from the Epoch row to every entity row made from it.
LINEAGE = ("dataset", "source_file", "row_number", "raw_row_id")
ADAPTER_PROBLEM = "adapter_problem"

#: Where a row points when its own source cell is blank or not a URL.
HUB_URLS = {
    "ai_companies_funding_rounds.csv": "https://epoch.ai/data/ai-companies",
    "gpu_clusters.csv": "https://epoch.ai/data/gpu-clusters",
    "data_center_timelines.csv": "https://epoch.ai/data/data-centers",
    "xai_datacenter_timelines.csv": "https://epoch.ai/data/data-centers",
    "hardware_prices.csv": "https://github.com/epoch-research/training-cost-trends",
    "nvidia_annual_prices.csv": "https://github.com/epoch-research/ai-chip-counts",
}

#: `source_publication` of every row: Epoch AI, the data hub and licence, the file.
PUBLICATIONS = {
    "ai_companies_funding_rounds.csv": "Epoch AI, Data on AI Companies (CC-BY 4.0), ai_companies_funding_rounds.csv",
    "gpu_clusters.csv": "Epoch AI, Data on GPU Clusters (CC-BY 4.0), gpu_clusters.csv",
    "data_center_timelines.csv": "Epoch AI, Frontier Data Centers (CC-BY 4.0), data_center_timelines.csv",
    "xai_datacenter_timelines.csv": "Epoch AI, Frontier Data Centers (CC-BY 4.0), xai_datacenter_timelines.csv",
    "hardware_prices.csv": (
        "Epoch AI, The rising costs of training frontier AI models: hardware prices (CC-BY 4.0), hardware_prices.csv"
    ),
    "nvidia_annual_prices.csv": "Epoch AI, AI chip counts: NVIDIA annual prices (CC-BY 4.0), nvidia_annual_prices.csv",
}

_URL = re.compile(r"https?://\S+")
_PLACEHOLDER = re.compile(r"\b(todo|tbd|stub|to-do|n/?a|unknown|\?)\b", re.IGNORECASE)


class Problem(Exception):
    """An Epoch row (or part of it) that cannot be mapped; the message is the reason."""


def cell(row: dict, column: str) -> str | None:
    """A cell as stripped text; blank cells and missing columns are None."""
    value = row.get(column)
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def number(row: dict, column: str, what: str | None = None) -> float | None:
    """A numeric cell ("6000000000.0", "$36,742"); None when blank. Text that is not a
    number ("TODO", "stub") raises `Problem` naming the column and what it says."""
    text = cell(row, column)
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        pass
    parsed = parse_amount_text(text)
    if parsed.value is None:
        label = what or f"{column} cell"
        if _PLACEHOLDER.search(text):
            raise Problem(f"{label} says {text!r}")
        raise Problem(f"{label} is not a number: {text!r}")
    return parsed.value


def number_text(value: float) -> str:
    """A number written back as text the normalizers read exactly ("6000000000", "0.5")."""
    if value == int(value) and abs(value) < 1e18:
        return str(int(value))
    return repr(value)


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%m/%d/%Y", "%d %b %Y", "%b %d, %Y")


def iso_date(text: str | None, what: str) -> str | None:
    """A date cell as YYYY-MM-DD ("2021-07" → the 1st, "2021" → 1 January); None when
    blank; `Problem` when it is not a date."""
    if text is None:
        return None
    t = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ].*", t):
        t = t[:10]
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(t, fmt).date().isoformat()
        except ValueError:
            continue
    if re.fullmatch(r"\d{4}-\d{1,2}", t):
        year, month = t.split("-")
        try:
            return date(int(year), int(month), 1).isoformat()
        except ValueError:
            pass
    if re.fullmatch(r"\d{4}", t):
        return f"{t}-01-01"
    raise Problem(f"{what} {text!r} is not a date")


def first_url(*texts: str | None) -> str | None:
    """The first http(s) URL written in any of `texts` (trailing punctuation dropped)."""
    for text in texts:
        if text:
            match = _URL.search(text)
            if match:
                return match.group(0).rstrip(").,;]\"'")
    return None


def slug(text: str) -> str:
    """ASCII, lower case, words joined by dashes: "Linköping Univ. (LiU)" → "linkoping-univ-liu"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "x"


def content_hash(values: Iterable[object], length: int = 8) -> str:
    """A short stable hash of some cell values (SHA-1; the same on every run and machine)."""
    joined = "\x1f".join("" if v is None else str(v) for v in values)
    return hashlib.sha1(joined.encode("utf-8")).hexdigest()[:length]


def row_content(row: dict) -> list[object]:
    """A row's Epoch cells (lineage excluded), in column order, for hashing."""
    return [v for k, v in row.items() if k not in LINEAGE]


def unique_ids(base: list[str], contents: list[list[object]], *, identical_are_distinct: bool) -> list[str]:
    """Make ids unique within a file without depending on row order where possible.

    An id used once is kept. Ids used by several rows get "-<hash of the row's content>".
    Rows whose content is also identical keep one id (they are one fact written twice, and
    the normalizer counts the repeats as duplicates) unless `identical_are_distinct`, when
    the second, third… get "-2", "-3" in file order (e.g. distinct anonymized clusters
    Epoch describes with the same cells)."""
    counts = Counter(base)
    ids = [b if counts[b] == 1 else f"{b}-{content_hash(c)}" for b, c in zip(base, contents)]
    if identical_are_distinct:
        seen: Counter[str] = Counter()
        out = []
        for i in ids:
            seen[i] += 1
            out.append(i if seen[i] == 1 else f"{i}-{seen[i]}")
        ids = out
    return ids


def join_notes(*parts: str | None) -> str | None:
    """Non-blank parts joined with " | " (Epoch's own multi-line notes are kept as they are)."""
    kept = [p.strip() for p in parts if p and p.strip()]
    return " | ".join(kept) or None


def lineage(row: dict, source_file: str) -> dict:
    """The lineage of an Epoch row (read by `read_epoch_file`), with defaults for frames
    built by hand."""
    name = row.get("source_file") or source_file
    number_ = row.get("row_number")
    return {
        "dataset": row.get("dataset") or DATASET,
        "source_file": name,
        "row_number": number_,
        "raw_row_id": row.get("raw_row_id") or f"{name}:{number_}",
    }


def output_schema(entity: str) -> dict[str, pl.DataType]:
    """The adapter output: the entity's columns, lineage, then `adapter_problem`."""
    schema: dict[str, pl.DataType] = {c: pl.String for c in ENTITIES[entity].columns}
    schema.update(
        {
            "dataset": pl.String,
            "source_file": pl.String,
            "row_number": pl.Int64,
            "raw_row_id": pl.String,
            ADAPTER_PROBLEM: pl.String,
        }
    )
    return schema


def adapt_rows(
    raw: pl.DataFrame,
    entity: str,
    source_file: str,
    map_row: Callable[[dict], list[dict]],
    context: Callable[[dict], dict] | None = None,
) -> pl.DataFrame:
    """Apply `map_row` to every Epoch row and build the typed output frame.

    `map_row` returns the entity rows of one Epoch row (dicts of entity columns, with
    `adapter_problem` on the parts it cannot map) or raises `Problem` when nothing of the
    row can be mapped; then the row becomes one output row with the reason and the
    descriptive columns `context` gives (never an id, so it cannot load by mistake).
    A row that maps to nothing at all is reported too: nothing is dropped silently.
    """
    schema = output_schema(entity)
    publication = PUBLICATIONS[source_file]
    records: list[dict] = []
    for row in raw.iter_rows(named=True):
        base = lineage(row, source_file)
        try:
            produced = map_row(row)
            if not produced:
                raise Problem("nothing in the Epoch row maps to " + entity)
        except Problem as problem:
            produced = [{**(context(row) if context else {}), ADAPTER_PROBLEM: str(problem)}]
        for record in produced:
            record.setdefault("source_publication", publication)
            records.append({**{k: record.get(k) for k in schema}, **base})
    return pl.DataFrame(records, schema=schema, orient="row")
