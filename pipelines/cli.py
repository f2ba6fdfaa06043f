"""`compute-ledger`: run the pipeline, or query the warehouse with read-only SQL.

    compute-ledger run                       materialize everything, print the marts
    compute-ledger ui [--port 3000]          the Dagster UI and daemon (what `make ui` runs)
    compute-ledger sql "select ..."          a table on the terminal
    compute-ledger sql "select ..." --format csv|json
    compute-ledger sql "select ..." --format csv --no-escape-formulas
    compute-ledger docs [--out data/gx_docs]  Great Expectations Data Docs of the warehouse
    compute-ledger report                    rebuild the HTML report from the warehouse
    compute-ledger extract ARTICLE…          candidate facts in news articles
    compute-ledger review [accept|reject ID…]  the candidates read from landed articles

`sql` imports neither Dagster nor Great Expectations, so a query starts in a fraction of a
second.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
from pathlib import Path

import duckdb
import polars as pl

from ledger.settings import DEFAULT_DOCS_DIR, DEFAULT_INPUT, PROJECT_DIR, RESOURCE_DIR, report_path, warehouse_path
from ledger.warehouse import SQL_DIR, connect, write_lock
from pipelines import review_cli
from pipelines.format import escape_formulas, format_for_display, format_numbers, print_table

#: Marts printed after `run`, in reading order, each through `sql/summary_<mart>.sql`.
SUMMARY_ORDER = (
    "leverage_rounds",
    "leverage",
    "net_burn",
    "runway",
    "circular_flows",
    "obligations",
    "capex",
    "gpu_price_index",
    "gpu_price_index_daily",
    "currency_restatements",
)
SUMMARY_TITLES = {
    "leverage_rounds": "Leverage by round — how each raise splits into equity, debt and vendor money",
    "leverage": "Leverage by company — cumulative money raised against valuation and burn",
    "net_burn": "Net burn — the latest burn rate per company",
    "runway": "Runway — months of cash (low burn / base / high burn)",
    "circular_flows": "Money flows — the largest circular paths (the most that can come back)",
    "obligations": "Money flows — each lab's binding compute commitments against its cash and committed funding",
    "capex": "Capex — estimated cost of announced clusters against reported capex and funding",
    "gpu_price_index": "GPU price index — latest month per model and price type",
    "gpu_price_index_daily": "GPU prices by variant and kind of seller — on-demand, the latest day each counted",
    "currency_restatements": "Currency restatements — figures printed in two currencies, and the rate they imply",
}


def _ensure_dagster_home():
    """Runs from the command line land in the project's DAGSTER_HOME, so `make ui` shows
    them. Two commands started at once must not both create its storage: the first to take
    the lock does, the other waits."""
    import dagster as dg

    home = Path(os.environ.setdefault("DAGSTER_HOME", str(PROJECT_DIR / ".dagster_home")))
    home.mkdir(parents=True, exist_ok=True)
    with write_lock(home / "instance"):
        if not (home / "dagster.yaml").exists():
            shutil.copy(RESOURCE_DIR / "dagster.yaml", home / "dagster.yaml")
        instance = dg.DagsterInstance.get()
        instance.get_runs(limit=1)  # creates the run, event and schedule storage if missing
    return instance


def run(args: argparse.Namespace) -> int:
    """Materialize every asset with progress lines, then print each mart's summary."""
    instance = _ensure_dagster_home()
    from pipelines.runner import run_refresh_all  # Dagster import only when running

    db = warehouse_path()
    print(f"Compute Ledger: materializing everything into {db}")
    ok, message = run_refresh_all(instance, all_days=args.all_days)
    if not ok:
        print(f"\nRun failed: {message}", file=sys.stderr)
        print("The warehouse keeps the tables of the last successful writes.", file=sys.stderr)
        return 1
    print_summary(db)
    print(f"\nWarehouse: {db}")
    print('Query it:  compute-ledger sql "select * from marts.leverage_rounds"')
    print(f"Report:    {report_path()} (charts; opens offline in a browser)")
    return 0


def report(args: argparse.Namespace) -> int:
    """Rebuild the report from the warehouse's marts (no run) and print its path."""
    from assets.table_metadata import check_results
    from ledger.report import write_report  # Altair and vl-convert only when asked

    db = args.db or warehouse_path()
    path = Path(args.out) if args.out else report_path()
    checks, run_id = None, None
    if not args.db:  # the checks of the latest run that had any, from this project's run history
        instance = _ensure_dagster_home()
        for record in instance.get_runs(limit=20):
            checks = check_results(instance, record.run_id)
            if checks.height:
                run_id = record.run_id
                break
    with connect(db, read_only=True) as con:
        as_of = con.sql("select max(as_of_date) from marts.leverage").fetchall()[0][0]
        sections = write_report(con, path, as_of=as_of, checks=checks if run_id else None)
    checks_text = f", checks of run {run_id[:8]}" if run_id else ""
    print(f"{path}  ({len(sections)} charts, as of {as_of}{checks_text}, from {db})")
    return 0


def print_summary(db: str) -> None:
    """Each mart's summary query, formatted for reading."""
    with connect(db, read_only=True) as con:
        for mart in SUMMARY_ORDER:
            path = SQL_DIR / f"summary_{mart}.sql"
            frame = con.sql(path.read_text(encoding="utf-8")).pl()
            print(f"\n## {SUMMARY_TITLES[mart]}  (marts.{mart})")
            print_table(format_for_display(frame), limit=40)


_EXPLAIN = re.compile(r"\s*explain\s+(analyze\s+)?", re.IGNORECASE)


def refusal(con: duckdb.DuckDBPyConnection, query: str) -> str | None:
    """Why `query` may not run, or None: it must be one statement, and one that only reads.
    DuckDB's parser says what a statement is: SELECT covers FROM-first queries, VALUES,
    DESCRIBE, SHOW, SUMMARIZE, UNPIVOT and PIVOT with an IN list; a PIVOT without one
    parses as MULTI (DuckDB first collects the values); EXPLAIN is judged by what it
    explains. Anything else (CALL, PRAGMA, SET, COPY, ATTACH, INSTALL…) is refused before
    it runs: some of them abort the process rather than fail (CALL enable_logging)."""
    statements = con.extract_statements(query)
    if len(statements) != 1:
        got = f"{len(statements)} statements" if statements else "no statement"
        return f"only a single read-only query (select …) is allowed; got {got}"
    statement = statements[0]
    first_word = (statement.query.split() or [""])[0].upper()
    kind = statement.type.name
    if kind == "SELECT" or (kind == "MULTI" and first_word == "PIVOT"):
        return None
    explained = _EXPLAIN.match(statement.query)
    if kind == "EXPLAIN" and explained:
        return refusal(con, statement.query[explained.end() :])
    return f"only a single read-only query (select …) is allowed; got {first_word if first_word.isalpha() else kind}"


def sql(args: argparse.Namespace) -> int:
    """Run one read-only query and print it as a table, CSV or JSON. CSV escapes text that
    a spreadsheet would run as a formula unless told not to (see `escape_formulas`)."""
    db = args.db or warehouse_path()
    if not Path(db).exists():
        print(f"error: no warehouse at {db} — run `make run` first (or set COMPUTE_LEDGER_DB)", file=sys.stderr)
        return 2
    try:
        with connect(db, read_only=True) as con:
            # only the warehouse: no COPY … TO a file, no reading or attaching other files;
            # and no setting changed by the query (a table function can change some)
            con.execute("set enable_external_access = false")
            con.execute("set lock_configuration = true")
            refused = refusal(con, args.query)
            if refused:
                print(f"error: {refused}", file=sys.stderr)
                return 1
            relation = con.sql(args.query)
            if relation is None:
                print("error: the statement returned no rows (only queries are allowed)", file=sys.stderr)
                return 1
            frame = relation.pl()
    except duckdb.Error as err:
        print(f"error: {type(err).__name__}: {err}", file=sys.stderr)
        return 1
    if args.format == "csv":
        sys.stdout.write((escape_formulas(frame) if args.escape_formulas else frame).write_csv())
    elif args.format == "json":
        sys.stdout.write(frame.write_json() + "\n")
    else:
        print_table(format_numbers(frame), limit=args.limit)
    return 0


def extract(args: argparse.Namespace) -> int:
    """Print the candidate facts in articles (see ledger/extract): company, kind, amount as
    written and in US dollars, and the exact span each comes from."""
    from ledger.extract.articles import COLUMNS, candidates_frame, read_article
    from ledger.extract.facts import Companies
    from ledger.extract.facts import extract as extract_facts
    from ledger.transforms.reference import read_references

    folder = Path(args.input or os.environ.get("COMPUTE_LEDGER_INPUT") or DEFAULT_INPUT)
    refs = read_references(folder / "reference")
    companies = Companies(refs.companies, refs.company_aliases)
    frames = []
    for name in args.files:
        path = Path(name)
        try:
            article = read_article(path)
        except (OSError, UnicodeDecodeError) as err:
            print(f"error: {path}: {err}", file=sys.stderr)
            return 1
        candidates = extract_facts(article.text, companies, args.date or article.date)
        frames.append(candidates_frame(candidates, refs, str(path), args.url or article.url))
    frame = pl.concat([f for f in frames if f.height], how="diagonal_relaxed") if any(f.height for f in frames) else None
    if frame is None:
        print("[]" if args.format == "json" else "no figures found", file=sys.stderr if args.format != "json" else sys.stdout)
        return 0
    frame = frame.select([c for c in COLUMNS if c in frame.columns])
    if args.format == "json":
        sys.stdout.write(frame.write_json() + "\n")
    elif args.format == "csv":
        sys.stdout.write(escape_formulas(frame).write_csv())
    else:
        columns = ["company", "counterparty", "kind", "amount_low", "amount_high", "qualifier", "currency", "unit"]
        print_table(format_numbers(frame.select(*columns, "amount_usd_mid", "text", "confidence")), limit=200)
    return 0


def docs(args: argparse.Namespace) -> int:
    """Validate the warehouse's staged tables as they are now and build Great Expectations'
    Data Docs (one page per suite, and an index). Runs do not build them unless
    `COMPUTE_LEDGER_GX_DOCS` names a folder: building them costs seconds per suite."""
    from datetime import date

    from ledger.quality.suites import load_suites
    from ledger.quality.validate import validate_query
    from ledger.warehouse import load_sql, sql_params

    db = args.db or warehouse_path()
    if not Path(db).exists():
        print(f"error: no warehouse at {db} — run `make run` first (or set COMPUTE_LEDGER_DB)", file=sys.stderr)
        return 2
    out = Path(args.out)
    as_of = date.fromisoformat(os.environ["COMPUTE_LEDGER_AS_OF"]) if os.environ.get("COMPUTE_LEDGER_AS_OF") else date.today()
    with connect(db, read_only=True) as con:
        for suite in load_suites():
            select = load_sql(suite.query) if suite.query else f"select * from {suite.table}"
            outcomes = validate_query(suite, con, select, sql_params(select, {"as_of": as_of}), docs_dir=out)
            passed = sum(o.passed for o in outcomes)
            print(f"  {suite.table:<40} {passed:>3} of {len(outcomes)} expectations passed")
    print(f"Data Docs: {out / 'index.html'}")
    return 0


def ui(args: argparse.Namespace) -> int:
    """The Dagster UI and its daemon until Ctrl-C or SIGTERM, which stop every process."""
    from pipelines.ui import serve

    _ensure_dagster_home()
    print(f"Compute Ledger UI on http://{args.host}:{args.port} (Ctrl-C stops it)", flush=True)
    return serve(RESOURCE_DIR / "workspace.yaml", PROJECT_DIR, args.host, args.port)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="compute-ledger", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="materialize everything on the configured inputs and print the marts")
    run_parser.add_argument(
        "--all-days", action="store_true", help="load every day of the quote feed, not only the days with files"
    )
    ui_parser = commands.add_parser("ui", help="the Dagster UI and daemon; Ctrl-C or SIGTERM stops every process")
    ui_parser.add_argument("--host", default="127.0.0.1")
    ui_parser.add_argument("--port", type=int, default=3000)
    query = commands.add_parser("sql", help="run read-only SQL on the warehouse")
    query.add_argument("query", help='e.g. "select * from marts.leverage"')
    query.add_argument("--format", choices=("table", "csv", "json"), default="table")
    query.add_argument(
        "--escape-formulas",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="with --format csv, prefix text cells that begin with = + - @, a tab or a carriage return "
        "with ' so a spreadsheet shows them as text instead of running them as formulas (OWASP CSV "
        "injection; on by default). --no-escape-formulas writes every value as stored",
    )
    query.add_argument("--limit", type=int, default=100, help="rows shown as a table (default 100)")
    query.add_argument("--db", help="warehouse file (default: COMPUTE_LEDGER_DB or data/warehouse.duckdb)")
    docs_parser = commands.add_parser("docs", help="validate the warehouse and build Great Expectations' Data Docs")
    docs_parser.add_argument("--out", default=str(DEFAULT_DOCS_DIR), help="folder (default data/gx_docs)")
    docs_parser.add_argument("--db", help="warehouse file (default: COMPUTE_LEDGER_DB or data/warehouse.duckdb)")
    extract_parser = commands.add_parser("extract", help="print the candidate facts in news articles (text, Markdown, HTML)")
    extract_parser.add_argument("files", nargs="+", help="article files, UTF-8")
    extract_parser.add_argument(
        "--url", help="where the article was published (default: the file's front matter or canonical link)"
    )
    extract_parser.add_argument(
        "--date",
        help="the article's date, YYYY-MM-DD (the date of its figures and their FX; default: the file's "
        "front matter or published-time meta tag)",
    )
    extract_parser.add_argument("--format", choices=("table", "json", "csv"), default="table")
    extract_parser.add_argument("--input", help="input folder whose reference/ names companies (default COMPUTE_LEDGER_INPUT)")
    report_parser = commands.add_parser("report", help="rebuild the HTML report from the warehouse and print its path")
    report_parser.add_argument("--out", help="file (default: COMPUTE_LEDGER_REPORT or data/report/index.html)")
    report_parser.add_argument("--db", help="warehouse file (default: COMPUTE_LEDGER_DB or data/warehouse.duckdb)")
    review_cli.add_parser(commands)
    args = parser.parse_args(argv)
    handlers = {"run": run, "sql": sql, "ui": ui, "docs": docs, "report": report, "extract": extract}
    return handlers[args.command](args) if args.command in handlers else args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
