"""Articles to candidate facts: the founding article through `compute-ledger extract`, as a
user runs it."""

import json
import subprocess
import sys

import pytest

from helpers import BUNDLED_INPUT, PROJECT_DIR, SHARED_DIR

SEED = SHARED_DIR / "seeds" / "000_4924a81d120c33b8.txt"
B = 1e9


@pytest.fixture(scope="module")
def founding_candidates() -> list[dict]:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelines.cli",
            "extract",
            str(SEED),
            "--date",
            "2025-10-08",
            "--format",
            "json",
            "--input",
            str(BUNDLED_INPUT),
        ],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def test_the_founding_article_gives_its_figures(founding_candidates):
    got = {
        (c["company"], c["kind"], c["counterparty"], c["amount_low"], c["amount_high"], c["qualifier"], c["unit"])
        for c in founding_candidates
    }
    assert got == {
        ("xAI", "round_total", None, None, 20.0, "about", "billion"),  # a total of about $20B
        ("xAI", "equity", "NVIDIA", None, 2.0, "up_to", "billion"),  # NVIDIA up to $2B
        ("xAI", "equity", None, None, 7.5, "about", "billion"),  # equity about $7.5B
        ("xAI", "debt", None, None, 12.5, "up_to", "billion"),  # debt up to $12.5B
        ("xAI", "gpu_count", None, None, 200_000.0, "about", "基"),  # about 200,000 GPUs
        ("xAI", "gpu_count", None, 500_000.0, 1_000_000.0, "exact", "基"),  # 500k–1M chips
        ("xAI", "capex", None, 35.0, 40.0, "about", "billion"),  # $35–40B
        ("xAI", "burn", None, None, 13.0, "up_to", "billion"),  # up to $13B in 2025
    }


def test_each_candidate_quotes_the_article_and_yen_figures_are_restatements(founding_candidates):
    text = SEED.read_text(encoding="utf-8")
    for c in founding_candidates:
        assert text[c["start"] : c["end"]] == c["text"]
        assert c["currency"] in ("USD", None)  # no yen figure is a fact of its own
    restated = {c["text"]: c["alt_text"] for c in founding_candidates if c["alt_text"]}
    assert restated == {
        "最大20億ドル": "約3000億円",
        "約75億ドル": "約1兆1200億円",
        "最大125億ドル": "約1兆8700億円",
        "推定で350億〜400億ドル": "約5兆2000億円〜6兆円",
        "最大130億ドル": "約1兆9400億円",
    }


def test_dollars_follow_the_input_conventions(founding_candidates):
    debt = next(c for c in founding_candidates if c["kind"] == "debt")
    # "up to $12.5B": high = mid = 12.5B, low = half (up_to_low_fraction)
    assert (debt["amount_usd_low"], debt["amount_usd_mid"], debt["amount_usd_high"]) == (6.25 * B, 12.5 * B, 12.5 * B)
    capex = next(c for c in founding_candidates if c["kind"] == "capex")
    assert capex["amount_usd_mid"] == pytest.approx(37.5 * B)


def test_an_article_says_its_date_and_address_and_offsets_stay_offsets_into_the_file():
    from ledger.extract.articles import parse_article

    raw = "---\ndate: 2025-09-03\nurl: https://example-news.test/a\n---\nAnthropic raises $13 billion\n"
    article = parse_article(raw)
    assert (article.date, article.url, article.title) == (
        "2025-09-03",
        "https://example-news.test/a",
        "Anthropic raises $13 billion",
    )
    assert article.text.index("$13 billion") == raw.index("$13 billion")


def test_an_html_page_gives_its_text_without_scripts_and_its_published_time():
    from ledger.extract.articles import read_article

    page = next((PROJECT_DIR / "tests" / "extract_dev" / "articles").glob("en_*.html"))
    article = read_article(page)
    assert article.date and article.url.startswith("https://")
    assert "<" not in article.text and "function" not in article.text and "dataLayer" not in article.text


def test_every_development_article_gives_candidates_with_dollars():
    """Each article of the development set, as the review asset reads it: every money
    candidate has its dollars at the article's date (an article with no range in it, or no
    counterparty, once failed on a column of nulls)."""
    from ledger.extract.articles import candidates_frame, read_article
    from ledger.extract.facts import Companies, extract
    from ledger.transforms.reference import read_references

    refs = read_references(BUNDLED_INPUT / "reference")
    companies = Companies(refs.companies, refs.company_aliases)
    for path in sorted((PROJECT_DIR / "tests" / "extract_dev" / "articles").iterdir()):
        article = read_article(path)
        frame = candidates_frame(extract(article.text, companies, article.date), refs, path.name, article.url)
        money = frame.filter(frame["currency"].is_not_null())
        assert money.height and money["amount_usd_mid"].null_count() == 0, path.name


def test_a_burn_carries_the_year_its_sentence_gives(founding_candidates):
    burn = next(c for c in founding_candidates if c["kind"] == "burn")
    assert burn["period"] == "2025"  # "2025年だけで…最大130億ドル"


@pytest.mark.parametrize(
    ("sentence", "figure", "year"),
    [
        ("同社は29年までに累計1150億ドルの現金を使う見通しで、26年だけで170億ドルを超える。", "170億ドル", "2026"),
        ("同社は29年までに累計1150億ドルの現金を使う見通しで、26年だけで170億ドルを超える。", "1150億ドル", "2029"),
        ("revenue would rise to $18 billion this year and to $144 billion by fiscal 2030.", "$144 billion", "2030"),
        ("revenue would rise to $18 billion this year and to $144 billion by fiscal 2030.", "$18 billion", None),
        ("It expects to burn $13 billion in 2025.", "$13 billion", "2025"),
    ],
)
def test_the_year_a_sentence_gives_a_figure(sentence, figure, year):
    from ledger.extract.facts import figure_year

    start = sentence.index(figure)
    assert figure_year(sentence, start, start + len(figure)) == year


def test_a_sentence_that_gives_a_full_date_dates_its_figures():
    from ledger.extract.facts import sentence_date

    assert sentence_date("xAI said on October 7, 2025 that it raised") == "2025-10-07"
    assert sentence_date("2026年1月6日に調達完了を発表した") == "2026-01-06"
    assert sentence_date("in 2025 it burned") is None
