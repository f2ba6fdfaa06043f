"""Candidate facts under review: which articles they come from, whether the ledger already
holds the figure, what the reviewer decided, and — for an accepted one — the rows in the
input files' format that carry it into the pipeline (through the landing folder, so it meets
the same checks, quarantine, duplicate and conflict rules as a row typed by hand).

Decisions live in a CSV file (`decisions.csv`, one line per decision, the latest for a
candidate wins), not in the warehouse: they survive a rebuilt warehouse, and a reviewer can
read and diff them. A candidate's id is a hash of its article's content and its span, so a
decision stays with its figure when the extraction rules change the kind or company.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl

from ledger.extract.articles import Article, candidates_frame
from ledger.extract.facts import Companies, extract
from ledger.transforms.entities import ENTITIES
from ledger.transforms.reference import References

STATUSES = ("new", "accepted", "rejected")
DECISION_COLUMNS = ("candidate_id", "status", "decided_at", "note", "written_to")
#: Funding kinds: the instrument of a funding_events row.
FUNDING_KINDS = ("equity", "debt", "convertible", "lease_spv", "vendor_financing", "valuation")
#: Company-level money over a period: the metric of a cash_burn row.
PERIOD_METRICS = {"burn": "net_burn", "revenue": "revenue", "cash": "cash_on_hand", "capex": "capex"}
#: How close a ledger figure must be to a candidate's to be the same figure (fraction).
SAME_FIGURE_TOLERANCE = 0.01

#: Where the ledger keeps each kind of figure (a candidate repeats a row only of these).
KIND_ENTITIES = {
    **{kind: ("funding_events",) for kind in (*FUNDING_KINDS, "round_total")},
    "commitment": ("compute_commitments",),
    "capex": ("clusters", "cash_burn"),
    "burn": ("cash_burn",),
    "revenue": ("cash_burn",),
    "cash": ("cash_burn",),
    "gpu_count": ("clusters", "compute_commitments"),
    "power_mw": ("clusters", "compute_commitments"),
    "unknown": ("funding_events", "compute_commitments", "clusters", "cash_burn"),
}

#: The columns of `review.candidate_facts`, in order.
REVIEW_COLUMNS = {
    "candidate_id": pl.String,
    "status": pl.String,
    "company": pl.String,
    "company_known": pl.Boolean,
    "counterparty": pl.String,
    "kind": pl.String,
    "amount_low": pl.Float64,
    "amount_high": pl.Float64,
    "qualifier": pl.String,
    "currency": pl.String,
    "unit": pl.String,
    "amount_usd_low": pl.Float64,
    "amount_usd_mid": pl.Float64,
    "amount_usd_high": pl.Float64,
    "date": pl.String,
    "text": pl.String,
    "start": pl.Int64,
    "end": pl.Int64,
    "sentence": pl.String,
    "period": pl.String,
    "alt_text": pl.String,
    "alt_amount_low": pl.Float64,
    "alt_amount_high": pl.Float64,
    "alt_currency": pl.String,
    "rule": pl.String,
    "confidence": pl.String,
    "notes": pl.String,
    "known_rows": pl.String,
    "article": pl.String,
    "article_title": pl.String,
    "article_sha256": pl.String,
    "url": pl.String,
    "decided_at": pl.String,
    "decision_note": pl.String,
    "written_to": pl.String,
}


class ReviewError(ValueError):
    """A candidate cannot become an input row as it stands; the message says what to add."""


def candidate_id(article_sha256: str, start: int, end: int) -> str:
    """A candidate's id: its article's content and its span."""
    return hashlib.sha256(f"{article_sha256}:{start}:{end}".encode()).hexdigest()[:12]


def article_candidates(article: Article, name: str, sha256: str, companies: Companies, refs: References) -> pl.DataFrame:
    """The candidate facts of one article, one row each, in `REVIEW_COLUMNS` (status new)."""
    found = extract(article.text, companies, article.date)
    frame = candidates_frame(found, refs, name, article.url)
    if frame.height == 0:
        return pl.DataFrame(schema=REVIEW_COLUMNS)
    frame = frame.with_columns(
        pl.struct("start", "end")
        .map_elements(lambda s: candidate_id(sha256, s["start"], s["end"]), return_dtype=pl.String)
        .alias("candidate_id"),
        pl.lit("new").alias("status"),
        pl.lit(article.title).alias("article_title"),
        pl.lit(sha256).alias("article_sha256"),
    )
    missing = [pl.lit(None, dtype).alias(c) for c, dtype in REVIEW_COLUMNS.items() if c not in frame.columns]
    return frame.with_columns(missing).select([pl.col(c).cast(t) for c, t in REVIEW_COLUMNS.items()])


def _measure(kind: pl.Expr) -> pl.Expr:
    return pl.when(kind == "gpu_count").then(pl.lit("count")).when(kind == "power_mw").then(pl.lit("MW")).otherwise(pl.lit("usd"))


def mark_known(candidates: pl.DataFrame, figures: pl.DataFrame, tolerance: float = SAME_FIGURE_TOLERANCE) -> pl.DataFrame:
    """Fill `known_rows`: the ledger rows (`entity:row_id`) of the same company holding the
    same figure (within `tolerance`) in the table that keeps that kind of figure
    (`KIND_ENTITIES`) — a reviewer decides whether the article's figure is that row's fact. `figures` is sql/review_ledger_figures.sql. A row
    written from the candidate itself does not count."""
    if candidates.height == 0:
        return candidates
    as_written = (pl.coalesce("amount_low", "amount_high") + pl.col("amount_high")) / 2
    value = pl.when(pl.col("kind").is_in(["gpu_count", "power_mw"])).then(as_written).otherwise(pl.col("amount_usd_mid"))
    keyed = candidates.select("candidate_id", "company", "kind", _measure(pl.col("kind")).alias("measure"), value.alias("value"))
    places = pl.DataFrame(
        [(kind, entity) for kind, entities in KIND_ENTITIES.items() for entity in entities],
        schema={"kind": pl.String, "entity": pl.String},
        orient="row",
    )
    matches = (
        keyed.join(figures.rename({"value": "ledger_value"}), on=["company", "measure"])
        .join(places, on=["kind", "entity"], how="semi")
        .filter(
            ((pl.col("value") - pl.col("ledger_value")).abs() <= tolerance * pl.col("value").abs())
            & (pl.col("row_id") != pl.lit("review-") + pl.col("candidate_id"))
        )
        .sort("entity", "row_id", "figure")
        .group_by("candidate_id", maintain_order=True)
        .agg(pl.format("{}:{} ({})", "entity", "row_id", "figure").unique(maintain_order=True).str.join("; ").alias("_known"))
    )
    return (
        candidates.join(matches, on="candidate_id", how="left").with_columns(pl.col("_known").alias("known_rows")).drop("_known")
    )


def read_decisions(path: Path) -> pl.DataFrame:
    """Each candidate's latest decision (empty when there is no decisions file)."""
    schema = {c: pl.String for c in DECISION_COLUMNS}
    if not path.exists():
        return pl.DataFrame(schema=schema)
    decisions = pl.read_csv(path, schema=schema)
    return decisions.with_row_index("_line").sort("_line").group_by("candidate_id").last().drop("_line")


def apply_decisions(candidates: pl.DataFrame, decisions: pl.DataFrame) -> pl.DataFrame:
    """`status` (new until decided), `decided_at`, `decision_note` and `written_to` from the decisions."""
    chosen = decisions.select(
        "candidate_id",
        pl.col("status").alias("_status"),
        pl.col("decided_at").alias("_decided_at"),
        pl.col("note").alias("_note"),
        pl.col("written_to").alias("_written_to"),
    )
    return (
        candidates.join(chosen, on="candidate_id", how="left")
        .with_columns(
            pl.coalesce("_status", pl.lit("new")).alias("status"),
            pl.col("_decided_at").alias("decided_at"),
            pl.col("_note").alias("decision_note"),
            pl.col("_written_to").alias("written_to"),
        )
        .drop("_status", "_decided_at", "_note", "_written_to")
    )


def append_decisions(path: Path, rows: list[dict]) -> None:
    """Add decisions to the file (created with its header), flushed to disk."""
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not path.exists() or path.stat().st_size == 0
    with path.open("a", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=DECISION_COLUMNS)
        if new:
            writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c) for c in DECISION_COLUMNS})
        out.flush()
        os.fsync(out.fileno())


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Overrides:
    """What a reviewer says that the article does not (or says otherwise)."""

    company: str | None = None
    kind: str | None = None
    counterparty: str | None = None
    period: str | None = None  # YYYY, or YYYY-MM-DD:YYYY-MM-DD
    gpu_model: str | None = None
    cluster: str | None = None
    confidence: str = "medium"
    note: str | None = None


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def _number(value: float | None) -> str | None:
    if value is None:
        return None
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _period(candidate: dict, overrides: Overrides) -> tuple[str, str]:
    """(period_start, period_end) for a company-level figure: the reviewer's, else the year
    the sentence gives the figure (`period`: "in 2025", "26年だけで"), else the one year the
    sentence names, else — for cash on hand, a point in time — the article's date."""
    if overrides.period:
        if re.fullmatch(r"\d{4}", overrides.period):
            return f"{overrides.period}-01-01", f"{overrides.period}-12-31"
        start, sep, end = overrides.period.partition(":")
        if sep and all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", d) for d in (start, end)):
            return start, end
        raise ReviewError(f"--period {overrides.period!r}: give a year (2025) or two days (2025-01-01:2025-06-30)")
    if candidate.get("period"):
        return f"{candidate['period']}-01-01", f"{candidate['period']}-12-31"
    years = sorted(set(re.findall(r"(?<!\d)(20\d\d)(?!\d)", candidate["sentence"] or "")))
    if len(years) == 1:
        return f"{years[0]}-01-01", f"{years[0]}-12-31"
    if candidate["kind"] == "cash" and candidate["date"]:
        return candidate["date"], candidate["date"]
    named = f"the sentence names {', '.join(years)}" if years else "the sentence names no year"
    raise ReviewError(f"{candidate['candidate_id']}: which period is this {candidate['kind']} for? {named}; say --period 2025")


def _gpu_model(candidate: dict, overrides: Overrides, refs: References) -> str:
    if overrides.gpu_model:
        return overrides.gpu_model
    aliases = refs.gpu_aliases
    sentence = candidate["sentence"] or ""
    for alias, model in sorted(zip(aliases["alias"], aliases["gpu_model"], strict=True), key=lambda a: -len(a[0])):
        if re.search(rf"(?<![A-Za-z0-9]){re.escape(alias)}(?![A-Za-z0-9])", sentence, re.IGNORECASE):
            return model
    raise ReviewError(f"{candidate['candidate_id']}: the sentence names no GPU model we know; say --gpu-model H100")


def _source(candidate: dict, overrides: Overrides) -> dict:
    quote = (
        f'From the article ({candidate["article"]}, characters {candidate["start"]}–{candidate["end"]}): "{candidate["text"]}"'
    )
    sentence = f' in "{candidate["sentence"]}"' if candidate["sentence"] and candidate["sentence"] != candidate["text"] else ""
    alt = f'; restated as "{candidate["alt_text"]}"' if candidate.get("alt_text") else ""
    extra = f". Reviewer: {overrides.note}" if overrides.note else ""
    return {
        "confidence": overrides.confidence,
        "source_url": candidate["url"],
        "source_publication": candidate["article_title"] or Path(candidate["article"]).name,
        "source_date": candidate["date"],
        "notes": f"{quote}{sentence}{alt}{extra}. Candidate {candidate['candidate_id']}.",
    }


def _money(candidate: dict, prefix: str = "amount") -> dict:
    return {
        f"{prefix}_low": _number(candidate["amount_low"]),
        f"{prefix}_high": _number(candidate["amount_high"]),
        f"{prefix}_qualifier": candidate["qualifier"],
    }


def input_rows(chosen: list[dict], overrides: Overrides, refs: References) -> dict[str, list[dict]]:
    """The input rows (by entity) that carry the chosen candidates into the ledger. Candidates
    of one article and company accepted together make one round (a round total goes on its
    first tranche), one commitment (with the power and GPU count said with it) or one
    cluster (with its power and capex)."""
    chosen = [dict(c) for c in chosen]
    for c in chosen:
        if overrides.company:
            c["company"] = overrides.company
        if overrides.kind:
            c["kind"] = overrides.kind
        if overrides.counterparty:
            c["counterparty"] = overrides.counterparty
        if not c["company"]:
            raise ReviewError(f"{c['candidate_id']}: the article does not say which company this is; say --company NAME")
        if c["kind"] == "unknown":
            raise ReviewError(f"{c['candidate_id']}: the rules could not tell what kind of figure this is; say --kind KIND")
        if not c["date"]:
            raise ReviewError(f"{c['candidate_id']}: the article has no date; give it one (front matter date: or --date)")
        if c["kind"] not in ("gpu_count", "power_mw") and not c["currency"]:
            raise ReviewError(f"{c['candidate_id']}: {c['kind']} needs money, and {c['text']!r} is not")
    rows: dict[str, list[dict]] = {name: [] for name in ENTITIES}
    groups: dict[tuple[str, str], list[dict]] = {}
    for c in chosen:
        groups.setdefault((c["article_sha256"], c["company"]), []).append(c)
    for (sha, company), group in groups.items():
        by_kind = {k: [c for c in group if c["kind"] == k] for k in {c["kind"] for c in group}}
        _funding(group, by_kind, sha, company, overrides, refs, rows)
        _commitments(by_kind, company, overrides, refs, rows)
        _clusters(by_kind, company, overrides, refs, rows)
        for c in (c for c in group if c["kind"] in PERIOD_METRICS):
            start, end = _period(c, overrides)
            rows["cash_burn"].append(
                {
                    "figure_id": f"review-{c['candidate_id']}",
                    "company": company,
                    "period_start": start,
                    "period_end": end,
                    "metric": PERIOD_METRICS[c["kind"]],
                    **_money(c),
                    "currency": c["currency"],
                    "unit": c["unit"],
                    "basis": "projection" if date.fromisoformat(end) > date.fromisoformat(c["date"]) else "actual",
                    **_source(c, overrides),
                }
            )
        for c in group:
            has_row = c["kind"] in FUNDING_KINDS or c["kind"] in PERIOD_METRICS
            if c.get("alt_text") and c["alt_currency"] and has_row:
                rows["alt_currency_figures"].append(_alt_row(c, rows, overrides))
    return {entity: found for entity, found in rows.items() if found}


def _funding(group, by_kind, sha, company, overrides, refs, rows) -> None:
    tranches = [c for c in group if c["kind"] in FUNDING_KINDS]
    totals = by_kind.get("round_total", [])
    if totals and not [c for c in tranches if c["kind"] != "valuation"]:
        raise ReviewError(
            f"{totals[0]['candidate_id']}: a round total goes on a tranche of its round — accept it together with the "
            "round's equity or debt, or say --kind equity if the whole round is equity"
        )
    vendors = set(refs.vendors)
    for i, c in enumerate(tranches):
        vendor = c["counterparty"] if c["counterparty"] in vendors and c["kind"] != "valuation" else None
        row = {
            "event_id": f"review-{c['candidate_id']}",
            "company": company,
            "round_id": f"review-{sha[:8]}-{_slug(company)}",
            "round_name": (c["article_title"] or "")[:120] or None,
            "announced_date": c["date"],
            "instrument": c["kind"],
            **_money(c),
            "currency": c["currency"],
            "unit": c["unit"],
            "investors": c["counterparty"],
            "vendor_investor": vendor,
            "status": "reported",
            **_source(c, overrides),
        }
        if i == 0 and totals:
            total = totals[0]
            factor = _UNIT_FACTOR.get(c["unit"] or "", 1.0) / _UNIT_FACTOR.get(total["unit"] or "", 1.0)
            if total["currency"] != c["currency"]:
                raise ReviewError(
                    f"{total['candidate_id']}: the round total is in {total['currency']}, its tranche in {c['currency']}"
                )
            row["round_total_low"] = _number(total["amount_low"] / factor) if total["amount_low"] is not None else None
            row["round_total_high"] = _number(total["amount_high"] / factor)
            row["notes"] += f' Round total from "{total["text"]}" (candidate {total["candidate_id"]}).'
        rows["funding_events"].append(row)


_UNIT_FACTOR = {"": 1.0, "million": 1e6, "billion": 1e9, "trillion": 1e12}


def _commitments(by_kind, company, overrides, refs, rows) -> None:
    deals = by_kind.get("commitment", [])
    power = by_kind.get("power_mw", [])
    counts = by_kind.get("gpu_count", [])
    kinds = dict(zip(refs.companies["company"], refs.companies["kind"], strict=True))
    for i, c in enumerate(deals):
        if not c["counterparty"]:
            raise ReviewError(
                f"{c['candidate_id']}: who sells the compute? the sentence names no seller; say --counterparty NAME"
            )
        row = {
            "commitment_id": f"review-{c['candidate_id']}",
            "buyer": company,
            "seller": c["counterparty"],
            "kind": ("chip_purchase" if kinds.get(c["counterparty"]) == "chip_vendor" else "cloud_capacity"),
            **_money(c),
            "currency": c["currency"],
            "unit": c["unit"],
            "announced_date": c["date"],
            "status": "announced",
            **_source(c, overrides),
        }
        if i == 0 and power:
            row["power_gw"] = _number(power[0]["amount_high"] / 1000)
            row["notes"] += f' Power from "{power[0]["text"]}".'
        if i == 0 and counts:
            row["gpu_count"] = _number(counts[0]["amount_high"])
            row["notes"] += f' GPUs from "{counts[0]["text"]}".'
        rows["compute_commitments"].append(row)
    if deals:
        by_kind.pop("power_mw", None)
        by_kind.pop("gpu_count", None)


def _clusters(by_kind, company, overrides, refs, rows) -> None:
    counts = by_kind.get("gpu_count", [])
    power = by_kind.get("power_mw", [])
    if power and not counts:
        raise ReviewError(
            f"{power[0]['candidate_id']}: power goes on a cluster or a commitment — accept it together with the GPU "
            "count or the contract it belongs to"
        )
    for i, c in enumerate(counts):
        low = c["amount_low"] if c["amount_low"] is not None else c["amount_high"]
        row = {
            "cluster_id": f"review-{c['candidate_id']}",
            "company": company,
            "cluster": overrides.cluster or f"{company} cluster ({(c['article_title'] or c['article'])[:60]})",
            "status": "planned",
            "gpu_model": _gpu_model(c, overrides, refs),
            "gpu_count_low": _number(low),
            "gpu_count_high": _number(c["amount_high"]),
            "target_date": None,
            **_source(c, overrides),
        }
        if i == 0 and power:
            p = power[0]
            row["power_mw_low"] = _number(p["amount_low"] if p["amount_low"] is not None else p["amount_high"])
            row["power_mw_high"] = _number(p["amount_high"])
            row["notes"] += f' Power from "{p["text"]}".'
        rows["clusters"].append(row)


def _alt_row(c: dict, rows: dict[str, list[dict]], overrides: Overrides) -> dict:
    entity = next(
        e for e, found in rows.items() if any(r.get(ENTITIES[e].id_column, "").endswith(c["candidate_id"]) for r in found)
    )
    high = c["alt_amount_high"]
    unit = next((u for u, f in (("trillion", 1e12), ("billion", 1e9), ("million", 1e6)) if abs(high) >= f), "")
    factor = _UNIT_FACTOR[unit]
    return {
        "entity": entity,
        "row_id": f"review-{c['candidate_id']}",
        "column": "amount",
        "alt_amount_low": _number(c["alt_amount_low"] / factor) if c["alt_amount_low"] != high else None,
        "alt_amount_high": _number(high / factor),
        "alt_currency": c["alt_currency"],
        "alt_unit": unit or None,
        "source_url": c["url"],
        "source_publication": c["article_title"] or Path(c["article"]).name,
        "source_date": c["date"],
        "notes": f"As printed: {c['alt_text']}",
    }


def write_landing_file(rows: list[dict], entity: str, folder: Path, name: str) -> Path:
    """Write rows as `<entity>_<name>.csv` in the landing folder, whole or not at all: to a
    `.part` file the landing folder ignores, then renamed."""
    columns = ENTITIES[entity].columns
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{entity}_{name}.csv"
    partial = target.with_name(target.name + ".part")
    frame = pl.DataFrame([{c: r.get(c) for c in columns} for r in rows], schema={c: pl.String for c in columns})
    frame.write_csv(partial)
    with partial.open("rb+") as f:
        os.fsync(f.fileno())
    os.replace(partial, target)
    return target
