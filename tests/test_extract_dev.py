"""The extraction rules on the article sets (`make extract-eval`): the development set
they were tuned on (tests/extract_dev: 17 articles, English and Japanese) and two held-out
sets written after them (tests/extract_holdout, tests/extract_holdout2: 6 articles each),
each with the facts a person listed beside its articles. The figures must not fall below what the rules reach today."""

import subprocess
import sys

import pytest

from helpers import BUNDLED_INPUT, PROJECT_DIR, TESTS_DIR
from ledger.extract.evaluate import evaluate
from ledger.extract.facts import Companies
from ledger.transforms.reference import read_references

#: Measured 2026-12-03 (README): development 0.905 / 0.905, first held-out set 0.667 /
#: 0.652, second held-out set (never used to change a rule) 0.756 / 0.756. The issue's aim,
#: 0.90 recall and 0.85 precision, is for the development set.
FLOORS = {
    "extract_dev": (0.88, 0.88, 15),
    "extract_holdout": (0.62, 0.60, 6),
    "extract_holdout2": (0.72, 0.72, 6),
}


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_the_rules_keep_their_recall_and_precision(name):
    recall_floor, precision_floor, articles = FLOORS[name]
    refs = read_references(BUNDLED_INPUT / "reference")
    total, per_article = evaluate(TESTS_DIR / name, Companies(refs.companies, refs.company_aliases))
    assert len(per_article) >= articles
    assert {article[:2] for article in per_article} == {"en", "ja"}
    assert total.recall >= recall_floor, total.missed
    assert total.precision >= precision_floor, total.wrong


def test_make_extract_eval_prints_recall_and_precision():
    out = subprocess.run(
        [sys.executable, "-m", "ledger.extract.evaluate", str(TESTS_DIR / "extract_dev")],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    last = out.strip().splitlines()[-1]
    assert last.startswith("recall=")
    recall, precision = (float(part.split("=")[1]) for part in last.split())
    assert recall >= FLOORS["extract_dev"][0] and precision >= FLOORS["extract_dev"][1]
