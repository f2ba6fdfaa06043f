"""`compute-ledger review`: the candidate facts read from news articles, and the reviewer's
decisions on them.

    compute-ledger review                              the new candidates
    compute-ledger review list --status all --article xai
    compute-ledger review accept 3f9c0a1b2c4d [more ids] [--company … --kind … --period 2025 …]
    compute-ledger review reject 3f9c0a1b2c4d --note "the article's own estimate"

Accepting writes the candidates as input rows (funding_events_review_<id>.csv…) into the
landing folder, where the next run — or the landing sensor, under `compute-ledger ui` —
loads them like any file; decisions go to data/review/decisions.csv (COMPUTE_LEDGER_DECISIONS).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import polars as pl

from ledger.settings import DEFAULT_INPUT, decisions_path, landing_path, warehouse_path
from ledger.warehouse import connect
from pipelines.format import escape_formulas, format_numbers, print_table

#: Columns of the list, as a table on the terminal.
_TABLE = ("candidate_id", "status", "company", "counterparty", "kind", "amount_usd_mid", "qualifier", "text", "known_rows")


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "review", help="list the candidate facts read from articles; accept or reject them", description=__doc__
    )
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("action", nargs="?", choices=("list", "accept", "reject"), default="list")
    parser.add_argument("ids", nargs="*", help="candidate ids (accept, reject)")
    parser.add_argument(
        "--status", choices=("new", "accepted", "rejected", "all"), default="new", help="list: which (default new)"
    )
    parser.add_argument("--article", help="list: only articles whose name contains this")
    parser.add_argument("--format", choices=("table", "json", "csv"), default="table")
    parser.add_argument("--db", help="warehouse file (default: COMPUTE_LEDGER_DB or data/warehouse.duckdb)")
    parser.add_argument("--input", help="input folder whose reference/ names companies and GPUs (default COMPUTE_LEDGER_INPUT)")
    parser.add_argument("--note", help="accept, reject: why (kept with the decision, and in the row's notes)")
    given = parser.add_argument_group("accept: what the article does not say, or says otherwise")
    given.add_argument("--company", help="the company the figure is about")
    given.add_argument(
        "--kind",
        help="equity, debt, convertible, lease_spv, vendor_financing, valuation, commitment, "
        "burn, revenue, cash, capex, gpu_count, power_mw",
    )
    given.add_argument("--counterparty", help="the investor, lender or seller")
    given.add_argument("--period", help="burn, revenue, capex: a year (2025) or two days (2025-01-01:2025-06-30)")
    given.add_argument("--gpu-model", help="gpu_count: the GPU model (H100, GB200…)")
    given.add_argument("--cluster", help="gpu_count: the cluster's name")
    given.add_argument("--confidence", choices=("high", "medium", "low"), default="medium")
    parser.set_defaults(handler=review)


def _candidates(db: str) -> pl.DataFrame | None:
    from ledger.extract.review import apply_decisions, read_decisions

    if not Path(db).exists():
        return None
    with connect(db, read_only=True) as con:
        exists = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'review' and table_name = 'candidate_facts'"
        ).fetchall()[0][0]
        if not exists:
            return None
        frame = con.sql("select * from review.candidate_facts").pl()
    # decisions taken since the table was built count at once
    return apply_decisions(frame.drop("status", "decided_at", "decision_note", "written_to"), read_decisions(decisions_path()))


def review(args: argparse.Namespace) -> int:
    db = args.db or warehouse_path()
    candidates = _candidates(db)
    if candidates is None:
        print(
            f"error: no candidate facts in {db} — drop articles in the landing folder ({landing_path()}) and run "
            "`make run` (or keep `make ui` running)",
            file=sys.stderr,
        )
        return 2
    if args.action == "list":
        return _list(candidates, args)
    if not args.ids:
        print(f"error: {args.action} needs candidate ids (compute-ledger review lists them)", file=sys.stderr)
        return 1
    chosen = candidates.filter(pl.col("candidate_id").is_in(args.ids))
    unknown = sorted(set(args.ids) - set(chosen["candidate_id"]))
    if unknown:
        print(f"error: no candidate {', '.join(unknown)} (compute-ledger review --status all lists them)", file=sys.stderr)
        return 1
    decided = chosen.filter(pl.col("status") != "new")
    if decided.height:
        was = ", ".join(f"{r['candidate_id']} ({r['status']} {r['decided_at']})" for r in decided.iter_rows(named=True))
        print(f"error: already decided: {was}", file=sys.stderr)
        return 1
    return (_accept if args.action == "accept" else _reject)(chosen, args)


def _list(candidates: pl.DataFrame, args: argparse.Namespace) -> int:
    shown = candidates if args.status == "all" else candidates.filter(pl.col("status") == args.status)
    if args.article:
        shown = shown.filter(pl.col("article").str.contains(args.article, literal=True))
    shown = shown.sort("article", "start")
    if args.format == "json":
        sys.stdout.write(shown.write_json() + "\n")
    elif args.format == "csv":
        sys.stdout.write(escape_formulas(shown).write_csv())
    elif shown.height == 0:
        print(f"no {args.status if args.status != 'all' else ''} candidates".replace("  ", " "))
    else:
        for article, rows in shown.group_by("article", maintain_order=True):
            first = rows.row(0, named=True)
            print(f"\n{article[0]} — {first['article_title'] or ''} ({first['date'] or 'no date'})")
            print_table(format_numbers(rows.select(_TABLE)), limit=500)
    return 0


def _accept(chosen: pl.DataFrame, args: argparse.Namespace) -> int:
    from ledger.extract.review import Overrides, ReviewError, append_decisions, input_rows, now_utc, write_landing_file
    from ledger.transforms.reference import read_references

    refs = read_references(Path(args.input or os.environ.get("COMPUTE_LEDGER_INPUT") or DEFAULT_INPUT) / "reference")
    overrides = Overrides(
        company=args.company,
        kind=args.kind,
        counterparty=args.counterparty,
        period=args.period,
        gpu_model=args.gpu_model,
        cluster=args.cluster,
        confidence=args.confidence,
        note=args.note,
    )
    try:
        rows = input_rows(chosen.to_dicts(), overrides, refs)
    except ReviewError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    landing = Path(landing_path())
    name = f"review_{chosen['candidate_id'][0]}"
    written = [write_landing_file(found, entity, landing, name) for entity, found in rows.items()]
    at = now_utc()
    where = "; ".join(str(p) for p in written)
    append_decisions(
        decisions_path(),
        [
            {"candidate_id": cid, "status": "accepted", "decided_at": at, "note": args.note, "written_to": where}
            for cid in chosen["candidate_id"]
        ],
    )
    for path in written:
        print(f"wrote {path}")
    print(f"accepted {chosen.height}; the next run (make run, or the landing sensor under make ui) loads them")
    return 0


def _reject(chosen: pl.DataFrame, args: argparse.Namespace) -> int:
    from ledger.extract.review import append_decisions, now_utc

    at = now_utc()
    append_decisions(
        decisions_path(),
        [
            {"candidate_id": cid, "status": "rejected", "decided_at": at, "note": args.note, "written_to": None}
            for cid in chosen["candidate_id"]
        ],
    )
    print(f"rejected {chosen.height}")
    return 0
