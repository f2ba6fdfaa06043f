"""The report's charts: Vega-Lite specs built with Altair from the rows `sql/report_*.sql`
returns. Each function takes those rows (a Polars frame) and returns a chart whose axes and
legends carry their units; the page adds what it shows, the as-of date and the sources.
Tooltips give each mark's value and, where the rows have one, its source.
"""

from __future__ import annotations

import math

import altair as alt
import polars as pl

#: Dollar axes in billions, read as "$12.5B".
BILLIONS = "datum.value / 1e9 + 'B'"
WIDTH = 640


def _usd_billions(frame: pl.DataFrame, *columns: str) -> pl.DataFrame:
    """`<column>_bn`: the column in billions of US dollars, for axes and tooltips."""
    return frame.with_columns(*[(pl.col(c) / 1e9).round(3).alias(f"{c}_bn") for c in columns])


def leverage(rows: pl.DataFrame) -> alt.TopLevelMixin:
    """Equity and debt stacked per company, binding money beside money that includes
    letters of intent; vendor money (inside those) as its own bar."""
    rows = _usd_billions(rows.fill_null(0), "usd")
    stacked = rows.filter(pl.col("money") != "vendor money (inside equity and debt)")
    vendor = rows.filter(pl.col("money") == "vendor money (inside equity and debt)")
    base = alt.Chart(stacked).encode(
        y=alt.Y("company:N", title=None),
        tooltip=["company", "basis", "money", alt.Tooltip("usd_bn:Q", title="US$ billions", format=",.2f")],
    )
    bars = base.mark_bar().encode(
        x=alt.X("sum(usd_bn):Q", title="equity + debt, US$ billions", stack="zero"),
        color=alt.Color("money:N", title="money", scale=alt.Scale(range=["#c0504d", "#4f81bd"])),
        row=alt.Row("basis:N", title=None, sort=["binding", "including letters of intent"]),
    )
    vendor_bars = (
        alt.Chart(vendor)
        .mark_bar(color="#9bbb59")
        .encode(
            y=alt.Y("company:N", title=None),
            x=alt.X("usd_bn:Q", title="vendor money, US$ billions"),
            row=alt.Row("basis:N", title=None, sort=["binding", "including letters of intent"]),
            tooltip=["company", "basis", alt.Tooltip("usd_bn:Q", title="vendor money, US$ billions", format=",.2f")],
        )
    )
    return alt.hconcat(bars.properties(width=380), vendor_bars.properties(width=200))


def _circle_layout(nodes: list[str]) -> dict[str, tuple[float, float]]:
    """Companies on a circle, in the given order."""
    n = max(len(nodes), 1)
    return {name: (math.cos(2 * math.pi * i / n), math.sin(2 * math.pi * i / n)) for i, name in enumerate(nodes)}


def money_flows(rows: pl.DataFrame) -> alt.TopLevelMixin:
    """The largest flows as a network: an arrow's width is its dollars, flows on a circular
    path in red."""
    rows = _usd_billions(rows, "usd")
    companies = rows.select(pl.concat_list("from_company", "to_company").explode().alias("c"))["c"]
    counts = companies.value_counts(sort=True)
    order = counts.sort(["count", "c"], descending=[True, False])["c"].to_list()
    place = _circle_layout(order)
    edges = rows.with_columns(
        pl.col("from_company").replace_strict({k: v[0] for k, v in place.items()}).alias("x"),
        pl.col("from_company").replace_strict({k: v[1] for k, v in place.items()}).alias("y"),
        pl.col("to_company").replace_strict({k: v[0] for k, v in place.items()}).alias("x2"),
        pl.col("to_company").replace_strict({k: v[1] for k, v in place.items()}).alias("y2"),
        pl.when(pl.col("circular")).then(pl.lit("on a circular path")).otherwise(pl.lit("one way")).alias("path"),
    )
    nodes = pl.DataFrame({"company": order, "x": [place[c][0] for c in order], "y": [place[c][1] for c in order]})
    scale = alt.Scale(domain=[-1.35, 1.35])
    axis = None
    lines = (
        alt.Chart(edges)
        .mark_rule(opacity=0.6)
        .encode(
            x=alt.X("x:Q", scale=scale, axis=axis),
            y=alt.Y("y:Q", scale=scale, axis=axis),
            x2="x2:Q",
            y2="y2:Q",
            strokeWidth=alt.StrokeWidth("usd_bn:Q", title="US$ billions", scale=alt.Scale(range=[1, 14])),
            color=alt.Color("path:N", title=None, scale=alt.Scale(range=["#c0504d", "#8497b0"])),
            tooltip=[
                "from_company",
                "to_company",
                "flow_kind",
                alt.Tooltip("usd_bn:Q", title="US$ billions", format=",.2f"),
                "binding",
                alt.Tooltip("source_ids:N", title="source rows"),
            ],
        )
    )
    # the receiving end: a dot two thirds of the way along each flow
    heads = (
        alt.Chart(edges)
        .transform_calculate(hx="datum.x + (datum.x2 - datum.x) * 0.67", hy="datum.y + (datum.y2 - datum.y) * 0.67")
        .mark_point(shape="triangle", filled=True, size=60)
        .encode(
            x=alt.X("hx:Q", scale=scale, axis=axis),
            y=alt.Y("hy:Q", scale=scale, axis=axis),
            color=alt.Color("path:N", title=None),
            tooltip=["from_company", "to_company", alt.Tooltip("usd_bn:Q", title="US$ billions", format=",.2f")],
        )
    )
    dots = alt.Chart(nodes).mark_circle(size=220, color="#404040").encode(x="x:Q", y="y:Q", tooltip=["company"])
    labels = (
        alt.Chart(nodes)
        .transform_calculate(lx="datum.x * 1.16", ly="datum.y * 1.1")
        .mark_text(fontSize=11, fontWeight="bold")
        .encode(x="lx:Q", y="ly:Q", text="company:N")
    )
    return (lines + heads + dots + labels).properties(width=WIDTH, height=520)


def runway(rows: pl.DataFrame) -> alt.TopLevelMixin:
    """Money left month by month from each cash date, one panel per company: the low–high
    scenario band, the base line, the base line when binding compute commitments are paid
    too (dashed), the base case's cash-out date (dotted rule)."""
    rows = _usd_billions(rows, "left_usd", "left_with_commitments_usd")
    panels = [_runway_panel(company, rows.filter(pl.col("company") == company)) for company in sorted(set(rows["company"]))]
    return alt.concat(*panels, columns=2)


def _runway_panel(company: str, rows: pl.DataFrame) -> alt.LayerChart:
    band = rows.pivot(on="scenario", index=["month"], values="left_usd_bn")
    band = band.rename({"low": "best_case_bn", "high": "worst_case_bn"}, strict=False)
    for column in ("best_case_bn", "worst_case_bn"):
        if column not in band.columns:
            band = band.with_columns(pl.lit(None, pl.Float64).alias(column))
    base_rows = rows.filter(pl.col("scenario") == "base")
    x = alt.X("month:T", title="month")
    area = (
        alt.Chart(band)
        .mark_area(opacity=0.25, color="#4f81bd")
        .encode(
            x=x,
            y=alt.Y("worst_case_bn:Q", title="cash left, US$ billions"),
            y2="best_case_bn:Q",
            tooltip=[
                alt.Tooltip("month:T"),
                alt.Tooltip("worst_case_bn:Q", title="high burn, low funding (US$ bn)", format=",.2f"),
                alt.Tooltip("best_case_bn:Q", title="low burn, high funding (US$ bn)", format=",.2f"),
            ],
        )
    )
    base = (
        alt.Chart(base_rows)
        .mark_line(color="#1f3864")
        .encode(
            x=x,
            y="left_usd_bn:Q",
            tooltip=["month:T", alt.Tooltip("left_usd_bn:Q", title="base case (US$ bn)", format=",.2f"), "cash_source"],
        )
    )
    committed = (
        alt.Chart(base_rows)
        .mark_line(color="#c0504d", strokeDash=[5, 3])
        .encode(
            x=x,
            y="left_with_commitments_usd_bn:Q",
            tooltip=[
                "month:T",
                alt.Tooltip("left_with_commitments_usd_bn:Q", title="paying commitments too (US$ bn)", format=",.2f"),
            ],
        )
    )
    out = (
        alt.Chart(base_rows.filter(pl.col("month_index") == 0, pl.col("cash_out_date").is_not_null()))
        .mark_rule(color="#1f3864", strokeDash=[2, 2])
        .encode(x="cash_out_date:T", tooltip=[alt.Tooltip("cash_out_date:T", title="cash out (base)")])
    )
    return alt.layer(area, base, committed, out).properties(width=300, height=170, title=company)


def capex(rows: pl.DataFrame) -> alt.TopLevelMixin:
    """For each lab cluster phase: our estimate (bar, low–high whisker) beside the reported
    capex and a third party's calculation (points), and the money its company raised."""
    rows = _usd_billions(
        rows,
        "total_capex_usd_low",
        "total_capex_usd_mid",
        "total_capex_usd_high",
        "reported_capex_usd_mid",
        "calculated_capex_usd_mid",
        "funding_to_date_usd_mid",
    ).with_columns(pl.format("{} · {}", "company", "phase").alias("label"))
    y = alt.Y("label:N", title=None, sort=None)
    tooltip = [
        "company",
        "phase",
        "status",
        alt.Tooltip("total_capex_usd_mid_bn:Q", title="our estimate (US$ bn)", format=",.2f"),
        alt.Tooltip("reported_capex_usd_mid_bn:Q", title="reported (US$ bn)", format=",.2f"),
        alt.Tooltip("calculated_capex_usd_mid_bn:Q", title="third-party calculation (US$ bn)", format=",.2f"),
        "source",
    ]
    estimate = (
        alt.Chart(rows)
        .mark_bar(color="#4f81bd", opacity=0.7)
        .encode(y=y, x=alt.X("total_capex_usd_mid_bn:Q", title="capex, US$ billions"), tooltip=tooltip)
    )
    whisker = alt.Chart(rows).mark_rule(color="#1f3864").encode(y=y, x="total_capex_usd_low_bn:Q", x2="total_capex_usd_high_bn:Q")
    points = (
        alt.Chart(rows)
        .transform_fold(["reported_capex_usd_mid_bn", "calculated_capex_usd_mid_bn"], as_=["measure", "usd_bn"])
        .transform_filter("isValid(datum.usd_bn)")
        .transform_calculate(figure="datum.measure == 'reported_capex_usd_mid_bn' ? 'reported capex' : 'third-party calculation'")
        .mark_point(filled=True, size=90)
        .encode(
            y=y,
            x="usd_bn:Q",
            shape=alt.Shape("figure:N", title=None),
            color=alt.Color("figure:N", title=None, scale=alt.Scale(range=["#c0504d", "#f79646"])),
            tooltip=tooltip,
        )
    )
    raised = (
        alt.Chart(rows.unique("company", maintain_order=True))
        .mark_bar(color="#9bbb59")
        .encode(
            y=alt.Y("company:N", title=None),
            x=alt.X("funding_to_date_usd_mid_bn:Q", title="raised to date, US$ billions"),
            tooltip=["company", alt.Tooltip("funding_to_date_usd_mid_bn:Q", title="raised (US$ bn)", format=",.2f")],
        )
    )
    return alt.hconcat((estimate + whisker + points).properties(width=420), raised.properties(width=160))


def gpu_prices(rows: pl.DataFrame) -> alt.TopLevelMixin:
    """Monthly median with the p10–p90 band per GPU model: rentals per GPU-hour, purchases
    per GPU."""
    rows = rows.with_columns(
        pl.when(pl.col("price_unit") == "usd_per_gpu_hour")
        .then(pl.lit("rental, US$ per GPU-hour"))
        .otherwise(pl.lit("purchase, US$ per GPU"))
        .alias("price")
    )
    tooltip = [
        "gpu_model",
        "price_type",
        alt.Tooltip("month:T", format="%Y-%m"),
        alt.Tooltip("median_usd:Q", title="median (US$)", format=",.2f"),
        alt.Tooltip("p10_usd:Q", title="p10 (US$)", format=",.2f"),
        alt.Tooltip("p90_usd:Q", title="p90 (US$)", format=",.2f"),
        "quote_count",
    ]
    color = alt.Color("gpu_model:N", title="GPU", scale=alt.Scale(domain=["H100", "H200", "B200"]))

    def panel(price: str) -> alt.Chart:
        data = rows.filter(pl.col("price") == price)
        band = (
            alt.Chart(data)
            .mark_area(opacity=0.2)
            .encode(
                x=alt.X("month:T", title="month"),
                y=alt.Y("p10_usd:Q", title=price),
                y2="p90_usd:Q",
                color=color,
                detail="price_type:N",
            )
        )
        line = (
            alt.Chart(data)
            .mark_line(point=True)
            .encode(
                x="month:T",
                y="median_usd:Q",
                color=color,
                strokeDash=alt.StrokeDash("price_type:N", title="price type"),
                tooltip=tooltip,
            )
        )
        return (band + line).properties(width=300, height=220, title=price)

    return alt.hconcat(panel("rental, US$ per GPU-hour"), panel("purchase, US$ per GPU")).resolve_scale(strokeDash="independent")


def quality(reconciliation: pl.DataFrame, conflicts: pl.DataFrame, checks: pl.DataFrame | None = None) -> alt.TopLevelMixin:
    """Rows read per entity by outcome (loaded, duplicate, quarantined) in the latest load,
    the run's data-quality checks per table (passed, warned, failed; when given), and each
    source conflict: every source's value beside the one the marts use."""
    outcomes = (
        alt.Chart(reconciliation.group_by("entity", "outcome").agg(pl.col("row_count").sum()))
        .mark_bar()
        .encode(
            y=alt.Y("entity:N", title=None),
            x=alt.X("row_count:Q", title="rows in the latest load", stack="zero"),
            color=alt.Color(
                "outcome:N",
                title=None,
                scale=alt.Scale(domain=["loaded", "duplicate", "quarantined"], range=["#9bbb59", "#8497b0", "#c0504d"]),
            ),
            tooltip=["entity", "outcome", "row_count"],
        )
        .properties(width=300, title="What became of each row")
    )
    if conflicts.height == 0:
        conflicts = pl.DataFrame(
            {"label": ["(no conflicts)"], "value": [None], "used_by_marts": [False], "why": [""], "source": [""]},
            schema_overrides={"value": pl.Float64},
        )
    else:
        conflicts = conflicts.with_columns(pl.format("{} · {}", "company", "fact").alias("label"))
    facts = (
        alt.Chart(conflicts)
        .mark_point(filled=True, size=90)
        .encode(
            y=alt.Y("label:N", title=None),
            x=alt.X(
                "value:Q",
                title="value (US$, or a GPU count)",
                axis=alt.Axis(
                    labelExpr="datum.value >= 1e9 ? format(datum.value / 1e9, ',.0f') + 'B' : format(datum.value, '~s')"
                ),
            ),
            color=alt.Color("used_by_marts:N", title="used by the marts"),
            tooltip=["label", alt.Tooltip("value:Q", format=",.0f"), "used_by_marts", "why", "source"],
        )
        .properties(width=300, title="Where sources disagree")
    )
    panels = [outcomes]
    if checks is not None and checks.height:
        panels.append(_check_outcomes(checks))
    return alt.vconcat(alt.hconcat(*panels).resolve_scale(color="independent"), facts).resolve_scale(color="independent")


def _check_outcomes(checks: pl.DataFrame) -> alt.Chart:
    """The run's checks per table: passed, warned (a warn check that did not pass) or failed."""
    outcome = (
        pl.when(pl.col("passed")).then(pl.lit("passed")).when(pl.col("severity") == "warn").then(pl.lit("warned"))
    ).otherwise(pl.lit("failed"))
    counts = (
        checks.with_columns(outcome.alias("outcome"))
        .group_by("table", "outcome")
        .agg(pl.len().alias("checks"), pl.col("check").sort().str.join(", ").alias("names"))
    )
    return (
        alt.Chart(counts)
        .mark_bar()
        .encode(
            y=alt.Y("table:N", title=None),
            x=alt.X("checks:Q", title="data-quality checks in the run", stack="zero"),
            color=alt.Color(
                "outcome:N",
                title=None,
                scale=alt.Scale(domain=["passed", "warned", "failed"], range=["#9bbb59", "#f79646", "#c0504d"]),
            ),
            tooltip=["table", "outcome", "checks", alt.Tooltip("names:N", title="checks")],
        )
        .properties(width=300, title="Great Expectations checks of the run")
    )
