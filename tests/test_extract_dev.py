"""The extraction rules on the development set (tests/extract_dev: 17 articles, English and
Japanese, with the facts a person listed beside each): `make extract-eval` prints recall
and precision, and they must not fall below what the rules reach today."""

import subprocess
import sys

from helpers import BUNDLED_INPUT, PROJECT_DIR, TESTS_DIR
from ledger.extract.evaluate import evaluate
from ledger.extract.facts import Companies
from ledger.transforms.reference import read_references

DEV_SET = TESTS_DIR / "extract_dev"
#: Measured 2026-12-03: recall 0.762, precision 0.734 (README). The issue's aim is 0.90 / 0.85.
RECALL_FLOOR, PRECISION_FLOOR = 0.75, 0.70


def test_the_rules_keep_their_recall_and_precision_on_the_development_set():
    refs = read_references(BUNDLED_INPUT / "reference")
    total, per_article = evaluate(DEV_SET, Companies(refs.companies, refs.company_aliases))
    assert len(per_article) >= 15
    assert {name[:2] for name in per_article} == {"en", "ja"}
    assert total.expected >= 100
    assert total.recall >= RECALL_FLOOR, total.missed
    assert total.precision >= PRECISION_FLOOR, total.wrong


def test_make_extract_eval_prints_recall_and_precision():
    out = subprocess.run(
        [sys.executable, "-m", "ledger.extract.evaluate", str(DEV_SET)],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    last = out.strip().splitlines()[-1]
    recall, precision = (float(part.split("=")[1]) for part in last.split())
    assert last.startswith("recall=") and recall >= RECALL_FLOOR and precision >= PRECISION_FLOOR
