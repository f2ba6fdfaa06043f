"""Candidate facts read from news articles, waiting for a reviewer: `review.candidate_facts`.

Articles dropped in the landing folder (.txt, .md, .html) are accepted there like any file
(`raw/landing_files`); this asset reads every accepted article, extracts its candidate facts
(ledger/extract), says which ledger row already holds the same figure, and applies the
reviewer's decisions (`compute-ledger review`). Nothing here reaches a mart: an accepted
candidate becomes input rows in the landing folder, which the next run loads and checks like
any other.
"""

import dagster as dg
import polars as pl

from assets.landing import LANDING_KEY
from assets.marts import upstream_keys
from assets.reference import load_references
from assets.resources import Inputs, Warehouse
from assets.table_metadata import table_metadata
from ledger.extract.articles import read_article
from ledger.extract.facts import Companies
from ledger.extract.review import REVIEW_COLUMNS, apply_decisions, article_candidates, mark_known, read_decisions
from ledger.settings import decisions_path
from ledger.transforms.landing import ACCEPTED, ARTICLES, original_name
from ledger.transforms.reading import file_sha256
from ledger.warehouse import load_sql, replace_table

CANDIDATES_KEY = dg.AssetKey(["review", "candidate_facts"])
_FIGURES_SQL = "review_ledger_figures"


@dg.asset(
    key=CANDIDATES_KEY,
    group_name="review",
    kinds={"duckdb", "polars"},
    deps=[LANDING_KEY, dg.AssetKey(["ref", "company_aliases"]), *upstream_keys(load_sql(_FIGURES_SQL))],
    description="Candidate facts from the news articles dropped in the landing folder, one row per figure: "
    "company, kind, counterparty, amount as written and in dollars, the verbatim span and its sentence, the ledger "
    "rows that already hold the same figure, and the reviewer's decision (new, accepted, rejected). Review them "
    "with `compute-ledger review`; none reaches a mart until accepted.",
)
def candidate_facts(context: dg.AssetExecutionContext, warehouse: Warehouse, inputs: Inputs) -> dg.MaterializeResult:
    folder = inputs.landing_folder / ACCEPTED / ARTICLES
    paths = sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []
    with warehouse.read() as con:
        refs = load_references(con)
        figures = con.sql(load_sql(_FIGURES_SQL)).pl()
    companies = Companies(refs.companies, refs.company_aliases)
    frames, unreadable = [], []
    for path in paths:
        try:
            article = read_article(path)
        except (OSError, UnicodeDecodeError) as err:  # accepted as UTF-8; changed since?
            unreadable.append(f"{path.name}: {err}")
            continue
        frames.append(article_candidates(article, original_name(path), file_sha256(path), companies, refs))
    for problem in unreadable:
        context.log.warning(f"article not read: {problem}")
    candidates = pl.concat(frames) if frames else pl.DataFrame(schema=REVIEW_COLUMNS)
    candidates = apply_decisions(mark_known(candidates, figures), read_decisions(decisions_path()))
    candidates = candidates.select(list(REVIEW_COLUMNS)).sort("article", "start")
    with warehouse.write() as con:
        replace_table(con, "review.candidate_facts", candidates)
        metadata = table_metadata(con, "review.candidate_facts")
    counts = dict(candidates.group_by("status").len().iter_rows())
    return dg.MaterializeResult(
        metadata={
            **metadata,
            "articles": len(paths),
            **{f"candidates_{s}": counts.get(s, 0) for s in ("new", "accepted", "rejected")},
            "repeating_a_ledger_row": candidates.filter(pl.col("known_rows").is_not_null()).height,
            "decisions_file": dg.MetadataValue.path(str(decisions_path())),
        }
    )


REVIEW_ASSETS = [candidate_facts]
