"""Articles as text, and candidate facts as the rows a reviewer reads: amounts in the input
files' conventions (a number and its unit, "7.5" "billion") and in US dollars at the rate
of the article's date, by the same rules the pipeline applies to a curated row."""

from __future__ import annotations

import dataclasses
from html.parser import HTMLParser
from pathlib import Path

import polars as pl

from ledger.extract.facts import Candidate
from ledger.transforms.money import add_fx_rate, add_range, in_usd
from ledger.transforms.reference import References

#: HTML elements whose text is not the article's.
_SKIPPED = {"script", "style", "noscript", "template", "svg", "head"}
_BLOCKS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "article", "blockquote"}


class _Text(HTMLParser):
    """The text of an HTML page, one line per block element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in _SKIPPED and self.skipping:
            self.skipping -= 1
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def read_article(path: Path) -> str:
    """An article's text: HTML (.html, .htm) without its markup, plain text and Markdown
    as they are. UTF-8 only."""
    raw = path.read_text(encoding="utf-8")
    if path.suffix.lower() in (".html", ".htm") or raw.lstrip()[:15].lower().startswith(("<!doctype html", "<html")):
        parser = _Text()
        parser.feed(raw)
        lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
        return "\n".join(line for line in lines if line)
    return raw


def _in_units(amount: float) -> tuple[float, str]:
    for unit, factor in (("trillion", 1e12), ("billion", 1e9), ("million", 1e6)):
        if abs(amount) >= factor:
            return round(amount / factor, 6), unit
    return amount, ""


def candidates_frame(candidates: list[Candidate], refs: References, source: str, url: str | None) -> pl.DataFrame:
    """One row per candidate, with `amount_usd_low/_mid/_high` at the FX of its date."""
    rows = []
    for c in candidates:
        row = dataclasses.asdict(c)
        row["notes"] = "; ".join(c.notes) or None
        scale = c.amount_high if c.currency else 1.0
        _, unit = _in_units(scale) if c.currency else (None, c.unit)
        factor = {"trillion": 1e12, "billion": 1e9, "million": 1e6}.get(unit, 1.0) if c.currency else 1.0
        row["amount_low"] = None if c.amount_low == c.amount_high else str(round(c.amount_low / factor, 6))
        row["amount_high"] = str(round(c.amount_high / factor, 6))
        row["unit"] = unit
        row["article"], row["url"] = source, url
        rows.append(row)
    frame = pl.DataFrame(rows, infer_schema_length=None) if rows else pl.DataFrame(schema={"kind": pl.String})
    if frame.height == 0:
        return frame
    money = frame.filter(pl.col("currency").is_not_null())
    money = money.with_columns(
        pl.col("date").str.to_date(strict=False).alias("_date"),
        pl.col("unit").alias("_unit"),
        pl.col("qualifier").alias("_qualifier"),
    )
    money, _ = add_range(
        money,
        low="amount_low",
        high="amount_high",
        out="_amount",
        qualifier="_qualifier",
        unit="_unit",
        up_to_low_fraction=refs.assumption("up_to_low_fraction", 0.5),
    )
    money, _ = add_fx_rate(money, refs.fx_rates, "_date")
    money = money.with_columns(*in_usd("amount", "_amount"))
    usd = money.select("start", "amount_usd_low", "amount_usd_mid", "amount_usd_high", "fx_units_per_usd")
    numbers = [pl.col(c).cast(pl.Float64) for c in ("amount_low", "amount_high")]
    return frame.join(usd, on="start", how="left").with_columns(*numbers).sort("start")


#: The columns `compute-ledger extract` prints, in order.
COLUMNS = (
    "company",
    "company_known",
    "counterparty",
    "kind",
    "amount_low",
    "amount_high",
    "qualifier",
    "currency",
    "unit",
    "amount_usd_low",
    "amount_usd_mid",
    "amount_usd_high",
    "date",
    "text",
    "start",
    "end",
    "alt_text",
    "rule",
    "confidence",
    "notes",
    "article",
    "url",
)
