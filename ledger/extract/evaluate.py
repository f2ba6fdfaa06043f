"""How well the extraction rules read a development set of articles: recall and precision
of candidate facts against the facts a person listed beside each article.

    python -m ledger.extract.evaluate tests/extract_dev tests/extract_holdout [--verbose]    (make extract-eval)

The set is a folder with `articles/` and one or more `expected*.csv` (article, company,
kind, counterparty, amount_low, amount_high, qualifier, currency, text, note; amounts in
plain units — dollars, yen, GPUs, megawatts). A candidate is right when its company, kind
and amount (within half a percent, in the same currency) are an expected fact's; recall
is the share of expected facts found right, precision the share of candidates that are
right. A fact listed with kind `none` (a market value, a subsidy) is neither: a candidate
for it is not counted either way. Qualifier and counterparty are reported apart.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from ledger.extract.articles import read_article
from ledger.extract.facts import Companies, extract

#: Two amounts are the same figure within this fraction.
TOLERANCE = 0.005
_SCALE = {"": 1.0, "million": 1e6, "billion": 1e9, "trillion": 1e12}


@dataclass
class Score:
    expected: int = 0
    candidates: int = 0
    right: int = 0
    right_qualifier: int = 0
    right_counterparty: int = 0
    missed: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.right / self.expected if self.expected else 1.0

    @property
    def precision(self) -> float:
        return self.right / self.candidates if self.candidates else 1.0


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= TOLERANCE * max(abs(a), abs(b), 1e-9)


def read_expected(folder: Path) -> pl.DataFrame:
    files = sorted(folder.glob("expected*.csv"))
    if not files:
        raise FileNotFoundError(f"no expected*.csv in {folder}")
    frames = [pl.read_csv(f, infer_schema_length=0).with_columns(pl.lit(f.name).alias("expected_file")) for f in files]
    expected = pl.concat(frames, how="diagonal_relaxed")
    return expected.with_columns(
        pl.col("amount_low").cast(pl.Float64),
        pl.col("amount_high").cast(pl.Float64),
        *[pl.col(c).fill_null("") for c in ("company", "kind", "counterparty", "qualifier", "currency")],
    )


def candidate_rows(path: Path, companies: Companies) -> list[dict]:
    """The article's candidates with amounts in plain units (as `expected*.csv` has them)."""
    article = read_article(path)
    rows = []
    for c in extract(article.text, companies, article.date):
        same = c.amount_low == c.amount_high
        rows.append(
            {
                "company": c.company or "",
                "kind": c.kind,
                "counterparty": c.counterparty or "",
                "qualifier": c.qualifier,
                "currency": c.currency or "",
                "amount_low": None if same else c.amount_low,
                "amount_high": c.amount_high,
                "text": c.text,
            }
        )
    return rows


def _describe(row: dict) -> str:
    low = f"{row['amount_low']:g}–" if row["amount_low"] is not None else ""
    cp = f" ← {row['counterparty']}" if row.get("counterparty") else ""
    return f"{row['company'] or '?'} {row['kind']}{cp} {low}{row['amount_high']:g} {row['currency']} {row['qualifier']} «{row['text']}»"


def evaluate(folder: Path, companies: Companies) -> tuple[Score, dict[str, Score]]:
    """The set's score, and each article's."""
    expected = read_expected(folder)
    total, per_article = Score(), {}
    for path in sorted((folder / "articles").iterdir()):
        if not path.is_file():
            continue
        score = Score()
        facts = expected.filter(pl.col("article") == path.name).to_dicts()
        found = candidate_rows(path, companies)
        amount = lambda r: (r["currency"], r["amount_low"], r["amount_high"])  # noqa: E731
        ignored = [f for f in facts if f["kind"] == "none"]
        facts = [f for f in facts if f["kind"] != "none"]
        found = [c for c in found if not any(_same_amount(amount(c), amount(f)) for f in ignored)]
        unmatched = list(found)
        for fact in facts:
            match = next(
                (
                    c
                    for c in unmatched
                    if c["company"] == fact["company"] and c["kind"] == fact["kind"] and _same_amount(amount(c), amount(fact))
                ),
                None,
            )
            if match is None:
                score.missed.append(f"{path.name}: {_describe(fact)}")
                continue
            unmatched.remove(match)
            score.right += 1
            score.right_qualifier += match["qualifier"] == fact["qualifier"]
            score.right_counterparty += match["counterparty"] == fact["counterparty"]
        score.wrong = [f"{path.name}: {_describe(c)}" for c in unmatched]
        score.expected, score.candidates = len(facts), len(found)
        per_article[path.name] = score
        for name in ("expected", "candidates", "right", "right_qualifier", "right_counterparty"):
            setattr(total, name, getattr(total, name) + getattr(score, name))
        total.missed += score.missed
        total.wrong += score.wrong
    return total, per_article


def _same_amount(a: tuple, b: tuple) -> bool:
    (cur_a, low_a, high_a), (cur_b, low_b, high_b) = a, b
    return cur_a == cur_b and _same(high_a, high_b) and _same(low_a, low_b)


def main(argv: list[str] | None = None) -> int:
    from ledger.settings import DEFAULT_INPUT
    from ledger.transforms.reference import read_references

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", type=Path, nargs="+", help="development sets (articles/ and expected*.csv each)")
    parser.add_argument("--input", type=Path, default=DEFAULT_INPUT, help="input folder whose reference/ names companies")
    parser.add_argument("--verbose", action="store_true", help="list each missed fact and each wrong candidate")
    args = parser.parse_args(argv)
    refs = read_references(args.input / "reference")
    companies = Companies(refs.companies, refs.company_aliases)
    for folder in args.folders:
        total, per_article = evaluate(folder, companies)
        print(f"== {folder}")
        if args.verbose:
            for name, score in per_article.items():
                print(f"{name:<45} expected {score.expected:>3}  candidates {score.candidates:>3}  right {score.right:>3}")
            for line in total.missed:
                print(f"  missed  {line}")
            for line in total.wrong:
                print(f"  wrong   {line}")
        print(
            f"articles={len(per_article)} expected={total.expected} candidates={total.candidates} right={total.right} "
            f"qualifier_right={total.right_qualifier} counterparty_right={total.right_counterparty}"
        )
        print(f"recall={total.recall:.3f} precision={total.precision:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
