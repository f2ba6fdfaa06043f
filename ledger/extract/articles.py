"""Articles as text, and candidate facts as the rows a reviewer reads: amounts in the input
files' conventions (a number and its unit, "7.5" "billion") and in US dollars at the rate
of the article's date, by the same rules the pipeline applies to a curated row."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import polars as pl

from ledger.extract.facts import Candidate
from ledger.transforms.money import add_fx_rate, add_range, in_usd
from ledger.transforms.reference import References

#: HTML elements whose text is not the article's: code, and the site's navigation, asides
#: ("more stories") and footer.
_SKIPPED = {"script", "style", "noscript", "template", "svg", "head", "nav", "aside", "footer", "form", "button"}
_BLOCKS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "article", "blockquote"}


@dataclass(frozen=True)
class Article:
    """An article's text and what it says about itself: its date and address, from a
    front-matter block (`---` / `date: 2025-10-08` / `url: …` / `---`) in text and Markdown,
    or from an HTML page's `article:published_time` and canonical link. Offsets into `text`
    are offsets into the file for text and Markdown (the front matter is blanked, not cut)."""

    text: str
    date: str | None = None
    url: str | None = None
    title: str | None = None


class _Page(HTMLParser):
    """The text of an HTML page, one line per block element, and its date, address and title."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.article_parts: list[str] = []  # the text inside <article>, when the page has one
        self.in_article = 0
        self.skipping = 0
        self.meta: dict[str, str] = {}
        self.in_title = False
        self.title = ""

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        if tag == "meta":
            key = (attrs.get("property") or attrs.get("name") or attrs.get("itemprop") or "").lower()
            if key in _DATE_META or key in ("og:url", "og:title"):
                self.meta.setdefault(key, attrs.get("content", ""))
        elif tag == "link" and "canonical" in attrs.get("rel", "").lower().split():
            self.meta.setdefault("canonical", attrs.get("href", ""))
        elif tag == "time" and attrs.get("datetime"):
            self.meta.setdefault("time", attrs["datetime"])
        elif tag == "title":
            self.in_title = True
        if tag == "article":
            self.in_article += 1
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag in _BLOCKS:
            self._add("\n")

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False
        if tag in _SKIPPED and self.skipping:
            self.skipping -= 1
        elif tag in _BLOCKS:
            self._add("\n")
        if tag == "article" and self.in_article:
            self.in_article -= 1

    def handle_data(self, data):
        if self.in_title:
            self.title += data
        if not self.skipping:
            self._add(data)

    def _add(self, text: str) -> None:
        self.parts.append(text)
        if self.in_article:
            self.article_parts.append(text)

    @property
    def text(self) -> str:
        """The text of the page's <article> if it has one (not the site around it), else
        of the whole page."""
        return "".join(self.article_parts if "".join(self.article_parts).strip() else self.parts)


#: HTML meta tags that give a page's publication date, most specific first.
_DATE_META = ("article:published_time", "datepublished", "date", "dc.date", "pubdate")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.DOTALL)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: str | None) -> str | None:
    """The YYYY-MM-DD at the start of a date or timestamp, if it is a real day."""
    m = _ISO_DATE.match((value or "").strip())
    if not m:
        return None
    try:
        return date.fromisoformat(m[0]).isoformat()
    except ValueError:
        return None


def parse_article(raw: str, html: bool = False) -> Article:
    """An article from its file's text (see `Article`)."""
    if html or raw.lstrip()[:15].lower().startswith(("<!doctype html", "<html")):
        page = _Page()
        page.feed(raw)
        lines = [" ".join(line.split()) for line in page.text.splitlines()]
        when = next((_iso_date(page.meta[k]) for k in (*_DATE_META, "time") if _iso_date(page.meta.get(k))), None)
        url = page.meta.get("canonical") or page.meta.get("og:url") or None
        title = " ".join((page.meta.get("og:title") or page.title).split()) or None
        return Article("\n".join(line for line in lines if line), when, url, title)
    found = _FRONT_MATTER.match(raw)
    if not found:
        return Article(raw, title=_headline(raw))
    fields = {}
    for line in found[1].splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields[key.strip().lower()] = value.strip().strip("\"'")
    blank = re.sub(r"[^\n]", " ", found[0])  # offsets stay offsets into the file
    body = raw[found.end() :]
    title = fields.get("title") or _headline(body)
    return Article(blank + body, _iso_date(fields.get("date")), fields.get("url") or None, title)


def _headline(text: str) -> str | None:
    """The first non-empty line, without a Markdown heading's #."""
    line = next((line for line in text.splitlines() if line.strip()), "")
    return line.strip().lstrip("#").strip()[:200] or None


def read_article(path: Path) -> Article:
    """An article file: HTML (.html, .htm) without its markup, plain text and Markdown as
    they are. UTF-8 only (a byte-order mark is dropped)."""
    raw = path.read_text(encoding="utf-8-sig")
    return parse_article(raw, html=path.suffix.lower() in (".html", ".htm"))


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
    # a column whose every value is missing (no range in the article) is typed, not null
    frame = frame.with_columns(pl.col("amount_low", "amount_high").cast(pl.String))
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
    "sentence",
    "period",
    "rule",
    "confidence",
    "notes",
    "article",
    "url",
)
