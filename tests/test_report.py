"""The HTML report, opened as a person would: in headless Chromium, from the file, with the
network refused. Every chart must draw marks with no console error and no request leaving
the file, and the numbers the charts carry must be the marts'."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from helpers import CHROMIUM, CHROMIUM_ARGS, MINI_INPUT, materialize_everything, query
from ledger.report import write_report

pytestmark = [pytest.mark.slow]

CHARTS = ("leverage", "money_flows", "runway", "capex", "gpu_prices", "quality")


@pytest.fixture(scope="module")
def opened_report(bundled_warehouse, tmp_path_factory):
    """The bundled warehouse's report, loaded in Chromium: (page data, console errors,
    requests that left the file, screenshot path, report path)."""
    from playwright.sync_api import sync_playwright

    folder = tmp_path_factory.mktemp("report")
    path = folder / "index.html"
    with duckdb.connect(str(bundled_warehouse), read_only=True) as con:
        write_report(con, path, as_of="2026-11-01")
    errors, outside = [], []
    screenshot = folder / "report.png"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))

            def refuse_network(route):
                if route.request.url.startswith(("file://", "data:", "blob:")):
                    route.continue_()
                else:
                    outside.append(route.request.url)
                    route.abort()

            page.route("**/*", refuse_network)
            page.goto(path.as_uri())
            page.evaluate("window.LEDGER_RENDERED.then(() => true)")
            marks = {
                key: page.locator(f"#chart-{key} svg .role-mark > *").count()
                + page.locator(f"#chart-{key} svg .mark-rect path, #chart-{key} svg .mark-symbol path").count()
                for key in CHARTS
            }
            specs = page.evaluate("window.LEDGER_CHARTS")
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    # a copy a person can open after the run (the test folder is removed with pytest's)
    keep = os.environ.get("COMPUTE_LEDGER_TEST_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(screenshot, Path(keep) / "report.png")
    return {"marks": marks, "specs": specs, "errors": errors, "outside": outside, "screenshot": screenshot, "path": path}


def test_the_report_opens_offline_and_every_chart_draws(opened_report):
    assert opened_report["errors"] == []
    assert opened_report["outside"] == []
    assert set(opened_report["specs"]) == set(CHARTS)
    for key, count in opened_report["marks"].items():
        assert count > 0, f"{key} drew no marks"
    assert opened_report["screenshot"].stat().st_size > 50_000
    html = opened_report["path"].read_text(encoding="utf-8")
    # every chart says what it shows, when, and where from; nothing is fetched
    assert html.count("As of 2026-11-01. From marts.") >= 5 and "audit.reconciliation" in html
    assert "http://" not in html.split("<script>")[0] and "<script src=" not in html


def _dataset_rows(spec: dict) -> list[dict]:
    """Every row of every dataset inlined in a (possibly concatenated) Vega-Lite spec."""
    return [row for rows in spec.get("datasets", {}).values() for row in rows]


def test_the_charts_carry_the_marts_numbers(opened_report, bundled_warehouse):
    specs = opened_report["specs"]
    leverage = {(r["company"], r["basis"], r["money"]): r["usd_bn"] for r in _dataset_rows(specs["leverage"]) if "basis" in r}
    for mart in query(bundled_warehouse, "select * from marts.leverage"):
        assert leverage[(mart["company"], "binding", "equity")] == pytest.approx(mart["equity_binding_usd_mid"] / 1e9, abs=1e-3)
        assert leverage[(mart["company"], "including letters of intent", "debt")] == pytest.approx(
            mart["debt_usd_mid"] / 1e9, abs=1e-3
        )
    flows = [r for r in _dataset_rows(specs["money_flows"]) if "from_company" in r]
    [largest] = query(
        bundled_warehouse,
        "select from_company, to_company, sum(amount_usd_mid) as usd from marts.money_flows "
        "group by all order by usd desc limit 1",
    )
    top = max(flows, key=lambda r: r["usd_bn"])
    assert (top["from_company"], top["to_company"], top["usd_bn"]) == (
        largest["from_company"],
        largest["to_company"],
        pytest.approx(largest["usd"] / 1e9, abs=1e-3),
    )
    assert any(r["circular"] for r in flows)
    prices = {
        (r["gpu_model"], r["price_type"], r["month"][:7]): r["median_usd"]
        for r in _dataset_rows(specs["gpu_prices"])
        if "median_usd" in r
    }
    h100 = query(
        bundled_warehouse,
        "select strftime(month, '%Y-%m') as month, price_type, median_usd from marts.gpu_price_index "
        "where gpu_model = 'H100' and gpu_variant is null and provider_family is null",  # the family roll-up
    )
    assert h100
    for r in h100:
        assert prices[("H100", r["price_type"], r["month"])] == pytest.approx(r["median_usd"])
    runway = [r for r in _dataset_rows(specs["runway"]) if r.get("month_index") == 0 and r.get("scenario") == "base"]
    for mart in query(bundled_warehouse, "select * from marts.runway where scenario = 'base'"):
        # (a panel's layers share rows, so a row may be inlined more than once)
        [start] = {r["left_usd_bn"] for r in runway if r["company"] == mart["company"]}
        assert start == pytest.approx((mart["cash_usd"] + mart["committed_funding_usd"]) / 1e9, abs=1e-3)


def test_a_run_writes_the_report_and_gives_the_mart_pages_their_charts_and_numbers(tmp_path, monkeypatch):
    report = tmp_path / "report" / "index.html"
    monkeypatch.setenv("COMPUTE_LEDGER_REPORT", str(report))
    result = materialize_everything(tmp_path / "w.duckdb", MINI_INPUT, "2025-09-30")
    metadata = {e.asset_key.to_user_string(): e.materialization.metadata for e in result.get_asset_materialization_events()}
    # the report: written where the setting says, with its six charts
    assert report.exists() and metadata["reports/ledger_report"]["path"].value == str(report)
    assert metadata["reports/ledger_report"]["charts"].value == list(CHARTS)
    # the data-quality chart shows every check the run evaluated
    evaluations = result.get_asset_check_evaluations()
    assert len(evaluations) > 100
    assert metadata["reports/ledger_report"]["checks_shown"].value == len(evaluations)
    # each charted mart carries its picture; the numbers a user follows are floats Dagster plots
    for mart in ("leverage", "circular_flows", "runway", "capex", "gpu_price_index", "source_conflicts"):
        chart = metadata[f"marts/{mart}"]["chart"].value
        assert chart.startswith(f"![{mart}](data:image/svg+xml;base64,") and len(chart) > 5_000, mart
    leverage = metadata["marts/leverage"]
    [mart] = query(tmp_path / "w.duckdb", "select sum(debt_usd_mid) as debt from marts.leverage")
    assert leverage["total_debt_usd"].value == pytest.approx(mart["debt"])
    assert isinstance(leverage["total_debt_usd"], dg.FloatMetadataValue)
    # every table carries its column schema
    assert all("dagster/column_schema" in m for k, m in metadata.items() if k.startswith(("marts/", "staging/")))


def test_two_writers_of_the_report_at_once_both_succeed(tmp_path):
    """Two runs (two domains' landing runs) draw the report at the same moment: each writes
    a partial file of its own and replaces the page whole, so neither fails and the page is
    always one writer's whole page (a shared partial name made the slower fail with
    FileNotFoundError, first seen in CI)."""
    from concurrent.futures import ThreadPoolExecutor

    from ledger.report import write_whole

    path = tmp_path / "index.html"
    pages = [f"<html>{str(n) * 200_000}</html>" for n in range(4)]

    def write(n):
        for _ in range(100):
            write_whole(path, pages[n])

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(write, range(4)))  # re-raises a writer's error
    assert path.read_text(encoding="utf-8") in pages
    assert [p.name for p in tmp_path.iterdir()] == ["index.html"]  # no partial left behind
