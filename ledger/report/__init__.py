"""The ledger report: one HTML file, readable offline, with a chart per question the marts
answer (leverage, money flows, runway, capex, GPU prices, data quality).

`build_sections` reads the marts through `sql/report_*.sql`; `render_page` writes the page,
with the Vega, Vega-Lite and Vega-Embed JavaScript inlined (from vl-convert) so the file
needs no network; `chart_svg` draws one chart as a picture for the Dagster UI. Nothing
here imports Dagster.
"""

from __future__ import annotations

import html
import json
import os
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import altair as alt
import duckdb
import polars as pl

from ledger.report import charts
from ledger.settings import validation_cache_dir
from ledger.warehouse import SQL_DIR, load_sql, sql_params

#: The SQL files the report reads (`sql/<name>.sql`).
REPORT_SQL = tuple(
    f"report_{name}" for name in ("leverage", "money_flows", "runway", "capex", "gpu_prices", "quality", "source_conflicts")
)
#: How many flows the money-flow network draws (the largest), and how far runways run.
TOP_FLOWS = 25
HORIZON_MONTHS = 120
EPOCH_ATTRIBUTION = (
    "Includes data from Epoch AI (CC-BY 4.0): 'Data on GPU Clusters', 'Data on AI Companies', "
    "'Frontier Data Centers' and the hardware prices of Cottier et al., epoch.ai."
)


@dataclass
class Section:
    """One chart of the report and what a reader needs to trust it."""

    key: str
    title: str
    what: str
    marts: tuple[str, ...]
    chart: alt.TopLevelMixin
    data: dict[str, pl.DataFrame] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def spec(self) -> dict:
        return self.chart.to_dict()


def _rows(con: duckdb.DuckDBPyConnection, name: str) -> pl.DataFrame:
    sql = load_sql(f"report_{name}")
    return con.sql(sql, params=sql_params(sql, {"top_flows": TOP_FLOWS, "horizon_months": HORIZON_MONTHS})).pl()


def _epoch_used(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return con.sql(f"select count(*) from {table} where dataset = 'epoch'").fetchall()[0][0] > 0


def _leverage(con: duckdb.DuckDBPyConnection) -> Section:
    rows = _rows(con, "leverage")
    return Section(
        "leverage",
        "Leverage: how much of the money is debt, and how much comes from vendors",
        "Equity and debt raised per company (US$ billions, mid values), binding money beside money that includes "
        "letters of intent; the green bars are the vendor money inside them (chips or compute sellers investing in "
        "their customers).",
        ("marts.leverage",),
        charts.leverage(rows),
        {"leverage": rows},
    )


def _money_flows(con: duckdb.DuckDBPyConnection) -> Section:
    rows = _rows(con, "money_flows")
    return Section(
        "money_flows",
        "Money flows: who pays whom, and the money that comes back",
        f"The {min(TOP_FLOWS, rows.height)} largest flows between companies — investments, loans, compute contracts "
        "— summed per pair and kind (US$ billions, mid). Red flows lie on a circular path: money that can return "
        "to where it came from.",
        ("marts.money_flows", "marts.circular_flows"),
        charts.money_flows(rows),
        {"money_flows": rows},
    )


def _runway(con: duckdb.DuckDBPyConnection) -> Section:
    rows = _rows(con, "runway")
    return Section(
        "runway",
        "Runway: how long the cash lasts",
        "Cash plus committed funding less burn, month by month from each company's latest cash figure (US$ "
        f"billions; up to {HORIZON_MONTHS} months). The band runs from high burn with low funding to low burn with "
        "high funding, the line is the base case, the dashed red line also pays the binding compute commitments, "
        "the dotted rule is the base case's cash-out date.",
        ("marts.runway", "marts.obligations"),
        charts.runway(rows),
        {"runway": rows},
    )


def _capex(con: duckdb.DuckDBPyConnection) -> Section:
    rows = _rows(con, "capex")
    section = Section(
        "capex",
        "Capex: what the labs' clusters cost, against what was reported and raised",
        "Our estimate per cluster phase (GPUs × unit price × server, network and facility overheads; bar at mid, "
        "whisker low–high) beside the capex reported and a third party's calculation, and the money each lab "
        "raised to date (US$ billions).",
        ("marts.capex",),
        charts.capex(rows),
        {"capex": rows},
    )
    if _epoch_used(con, "staging.clusters"):
        section.notes.append(EPOCH_ATTRIBUTION)
    return section


def _gpu_prices(con: duckdb.DuckDBPyConnection) -> Section:
    rows = _rows(con, "gpu_prices")
    section = Section(
        "gpu_prices",
        "GPU prices over time",
        "Monthly median price with its p10–p90 band for H100, H200 and B200: rentals in US$ per GPU-hour "
        "(on-demand, spot, reserved), purchases in US$ per GPU (chip or server share).",
        ("marts.gpu_price_index",),
        charts.gpu_prices(rows),
        {"gpu_prices": rows},
    )
    if _epoch_used(con, "staging.gpu_prices"):
        section.notes.append(EPOCH_ATTRIBUTION)
    return section


def _quality(con: duckdb.DuckDBPyConnection, checks: pl.DataFrame | None = None) -> Section:
    reconciliation = _rows(con, "quality")
    conflicts = _rows(con, "source_conflicts")
    data = {"reconciliation": reconciliation, "source_conflicts": conflicts}
    if checks is not None:
        data["checks"] = checks
    return Section(
        "quality",
        "Data quality: what was loaded, what the checks found, and where sources disagree",
        "Rows of each entity's latest load: loaded, duplicates, quarantined (with a reason in "
        "quarantine.rejected_rows); the Great Expectations checks of the run that drew this report, per table "
        "(a warn check that did not pass reports without blocking); each fact two sources give differently, "
        "every source's value and whether the marts use it.",
        ("audit.reconciliation", "marts.source_conflicts"),
        charts.quality(reconciliation, conflicts, checks),
        data,
    )


#: The report's sections in page order.
SECTIONS = {
    "leverage": _leverage,
    "money_flows": _money_flows,
    "runway": _runway,
    "capex": _capex,
    "gpu_prices": _gpu_prices,
    "quality": _quality,
}
#: The mart whose materialization carries each section's chart in the Dagster UI: the last
#: of the section's marts a run builds (circular flows come after money flows).
MART_CHARTS = {
    "leverage": "leverage",
    "circular_flows": "money_flows",
    "runway": "runway",
    "capex": "capex",
    "gpu_price_index": "gpu_prices",
    "source_conflicts": "quality",
}


def build_sections(con: duckdb.DuckDBPyConnection, checks: pl.DataFrame | None = None) -> list[Section]:
    """The report's six charts from the warehouse's marts; `checks` (table, check, severity,
    passed) are the run's data-quality results, shown with the data-quality chart."""
    sections = [build(con) for key, build in SECTIONS.items() if key != "quality"] + [_quality(con, checks)]
    if _epoch_used(con, "staging.funding_events"):
        sections[0].notes.append(EPOCH_ATTRIBUTION)
    return sections


def mart_chart(con: duckdb.DuckDBPyConnection, mart: str) -> alt.TopLevelMixin | None:
    """The chart of the report section `mart` carries (`MART_CHARTS`), its data read from
    `con`; None for a mart without one."""
    key = MART_CHARTS.get(mart)
    return SECTIONS[key](con).chart if key else None


def mart_metrics(con: duckdb.DuckDBPyConnection, mart: str) -> dict[str, float]:
    """The numbers a user follows across runs for `mart` (`sql/metrics_<mart>.sql`, one row
    of named numbers; nulls left out): Dagster plots each one over materializations."""
    path = SQL_DIR / f"metrics_{mart}.sql"
    if not path.exists():
        return {}
    frame = con.sql(path.read_text(encoding="utf-8")).pl()
    if frame.height == 0:
        return {}
    return {name: float(value) for name, value in frame.row(0, named=True).items() if value is not None}


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; }
h1 { margin-bottom: 0.2rem; } .meta { color: #555; margin-top: 0; }
section { margin: 2.5rem 0; border-top: 1px solid #ddd; padding-top: 1rem; }
.what { max-width: 900px; } .source { color: #555; font-size: 0.9rem; }
nav a { margin-right: 1rem; }
"""


def _json_for_script(value: object) -> str:
    """JSON that cannot close the <script> element it is written in."""
    return json.dumps(value, default=str).replace("</", "<\\/")


def render_page(sections: list[Section], *, as_of: date | str, generated_at: datetime, javascript: str) -> str:
    """The report as one HTML page; `javascript` is the Vega bundle (vl-convert's)."""
    nav = " ".join(f'<a href="#{s.key}">{html.escape(s.key.replace("_", " "))}</a>' for s in sections)
    body = []
    for s in sections:
        notes = "".join(f'<p class="source">{html.escape(n)}</p>' for n in s.notes)
        body.append(
            f'<section id="{s.key}"><h2>{html.escape(s.title)}</h2>'
            f'<p class="what">{html.escape(s.what)}</p>'
            f'<p class="source">As of {html.escape(str(as_of))}. From {html.escape(", ".join(s.marts))} in the '
            "Compute Ledger warehouse; every figure's source is in the staged tables (hover a mark for its "
            f"source where the chart has one).</p>{notes}"
            f'<div class="chart" id="chart-{s.key}"></div></section>'
        )
    specs = {s.key: s.spec() for s in sections}
    script = javascript.replace("</script", "<\\/script")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Compute Ledger report, as of {html.escape(str(as_of))}</title>
<style>{_STYLE}</style>
<script>{script}</script>
</head><body>
<h1>Compute Ledger</h1>
<p class="meta">How AI labs pay for compute, as of {html.escape(str(as_of))}. Generated
{html.escape(generated_at.strftime("%Y-%m-%d %H:%M %Z").strip())} from the warehouse's marts. Money is in US dollars at
the rate of each figure's date (flows at their period's average rate).</p>
<nav>{nav}</nav>
{"".join(body)}
<script>
window.LEDGER_CHARTS = {_json_for_script(specs)};
window.LEDGER_RENDERED = Promise.all(Object.entries(window.LEDGER_CHARTS).map(
  ([key, spec]) => vegaEmbed("#chart-" + key, spec, {{renderer: "svg", actions: false}})));
</script>
</body></html>
"""


def javascript_bundle() -> str:
    """Vega, Vega-Lite and Vega-Embed in one script, from vl-convert (no network). Building
    it takes about a second, so it is kept in the cache folder per vl-convert version."""
    import vl_convert

    cache = validation_cache_dir()
    if cache is None:
        return vl_convert.javascript_bundle()
    path = cache.parent / f"vega-bundle-{vl_convert.__version__}.js"
    if path.exists():
        return path.read_text(encoding="utf-8")
    bundle = vl_convert.javascript_bundle()
    write_whole(path, bundle)
    return bundle


def chart_svg(chart: alt.TopLevelMixin) -> str:
    """A chart drawn as SVG (vl-convert: no browser; about 0.07 s a chart here, a third of
    the PNG's time and size)."""
    import vl_convert

    return vl_convert.vegalite_to_svg(chart.to_dict())


def write_report(
    con: duckdb.DuckDBPyConnection, path: Path, *, as_of: date | str, checks: pl.DataFrame | None = None
) -> list[Section]:
    """Build the report from the warehouse behind `con` (and the run's `checks`) and write
    it to `path` whole (a reader never sees half a file); the sections it drew."""
    sections = build_sections(con, checks)
    page = render_page(sections, as_of=as_of, generated_at=datetime.now(UTC), javascript=javascript_bundle())
    write_whole(path, page)
    return sections


def write_whole(path: Path, text: str) -> None:
    """Write `text` to `path` whole: to a partial file of this writer's own, then renamed
    over it. Two runs drawing the report at once (two domains' landing runs) each replace
    the page whole, the later one winning, and neither fails; a reader never sees half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)
