"""Articles under review: an article dropped in the landing folder becomes candidate facts,
none reaches a mart until a reviewer accepts it, and an accepted one does on the next run."""

import os
import subprocess
import sys

import dagster as dg
import pytest

from assets.resources import Inputs, Warehouse
from helpers import (
    BUNDLED_INPUT,
    PROJECT_DIR,
    SHARED_DIR,
    materialize_everything,
    query,
    references,
    run_request,
    sensor_tick,
)
from ledger.extract.review import Overrides, ReviewError, input_rows

SEED = SHARED_DIR / "seeds" / "000_4924a81d120c33b8.txt"
FRONT_MATTER = "---\ndate: 2025-10-08\nurl: https://example-news.test/xai-funding\n---\n"


def _cli(env, *args):
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "review", *args],
        cwd=PROJECT_DIR,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory):
    """The bundled ledger, the founding article dropped in the landing folder and picked up
    by the sensor, some candidates accepted and one rejected through the command line, and
    the sensor's next run."""
    tmp = tmp_path_factory.mktemp("review")
    db, landing = tmp / "w.duckdb", tmp / "landing"
    landing.mkdir()
    env = {
        "COMPUTE_LEDGER_DB": str(db),
        "COMPUTE_LEDGER_LANDING": str(landing),
        "COMPUTE_LEDGER_DECISIONS": str(tmp / "decisions.csv"),
        "COMPUTE_LEDGER_INPUT": str(BUNDLED_INPUT),
    }
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    resources = {
        "warehouse": Warehouse(path=str(db)),
        "inputs": Inputs(input_dir=str(BUNDLED_INPUT), as_of="2025-12-31", quotes_dir=str(tmp / "q"), landing_dir=str(landing)),
    }
    state = {"db": db, "landing": landing, "env": env}
    try:
        materialize_everything(db, BUNDLED_INPUT, "2025-12-31", landing_dir=landing)
        state["leverage_before"] = query(db, "select * from marts.leverage_rounds order by all")
        (landing / "xai-funding.txt").write_text(FRONT_MATTER + SEED.read_text(encoding="utf-8"), encoding="utf-8")
        with dg.instance_for_test() as instance:
            [request] = sensor_tick(instance)
            state["article_request"] = request
            assert run_request(request, resources, instance).success
            state["new"] = query(db, "select * from review.candidate_facts order by start")
            state["leverage_after_extraction"] = query(db, "select * from marts.leverage_rounds order by all")
            ids = {(c["kind"], c["counterparty"]): c["candidate_id"] for c in state["new"]}
            tranches = [ids[("round_total", None)], ids[("equity", None)], ids[("debt", None)]]
            state["accept"] = _cli(env, "accept", *tranches, "--note", "checked against the article")
            state["reject"] = _cli(env, "reject", ids[("capex", None)], "--note", "an industry estimate")
            state["again"] = _cli(env, "accept", ids[("capex", None)])
            state["listed"] = _cli(env, "list", "--status", "all", "--format", "json")
            state["ids"] = ids
            state["landing_files"] = sorted(p.name for p in landing.iterdir() if p.is_file())
            requests = sensor_tick(instance)
            state["load_requests"] = requests
            for request in requests:
                assert run_request(request, resources, instance).success
            state["after"] = query(db, "select * from review.candidate_facts order by start")
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return state


def test_a_dropped_article_becomes_candidates_and_nothing_else(reviewed):
    assert reviewed["article_request"].job_name == "review"
    new = reviewed["new"]
    assert len(new) == 8 and {c["status"] for c in new} == {"new"}
    assert {c["article"] for c in new} == {"xai-funding.txt"}
    assert {c["date"] for c in new} == {"2025-10-08"}  # from the front matter
    assert {c["url"] for c in new} == {"https://example-news.test/xai-funding"}
    # the ledger already holds the founding article's figures, and says which rows
    equity = next(c for c in new if c["kind"] == "equity" and c["counterparty"] is None)
    assert "funding_events:xai-2025-10-equity" in equity["known_rows"]
    # candidates reach no mart
    assert reviewed["leverage_after_extraction"] == reviewed["leverage_before"]


def test_accepting_writes_input_rows_that_reach_the_marts_on_the_nextrun_request(reviewed):
    assert reviewed["accept"].returncode == 0, reviewed["accept"].stderr
    assert "funding_events_review_" in reviewed["accept"].stdout
    assert [r.job_name for r in reviewed["load_requests"]] == ["funding"]
    db = reviewed["db"]
    rows = query(
        db,
        "select event_id, instrument, amount_usd_mid, round_total_usd_mid, source_url, notes "
        "from staging.funding_events where event_id like 'review-%' order by event_id",
    )
    assert sorted((r["instrument"], r["amount_usd_mid"]) for r in rows) == [("debt", 12.5e9), ("equity", 7.5e9)]
    assert [r["round_total_usd_mid"] for r in rows if r["round_total_usd_mid"]] == [20e9]
    assert {r["source_url"] for r in rows} == {"https://example-news.test/xai-funding"}
    assert all("約75億ドル" in r["notes"] or "最大125億ドル" in r["notes"] for r in rows)  # the span, verbatim
    [round_] = query(db, "select * from marts.leverage_rounds where round_id like 'review-%'")
    assert (round_["equity_usd_mid"], round_["debt_usd_mid"]) == (7.5e9, 12.5e9)
    # the yen restatements in parentheses travel as alt-currency figures of the same rows
    alt = query(db, "select row_id, alt_currency from staging.alt_currency_figures where row_id like 'review-%'")
    assert {a["alt_currency"] for a in alt} == {"JPY"} and len(alt) == 2


def test_decisions_show_in_the_table_and_are_final(reviewed):
    status = {c["candidate_id"]: c["status"] for c in reviewed["after"]}
    ids = reviewed["ids"]
    assert status[ids[("equity", None)]] == status[ids[("round_total", None)]] == "accepted"
    assert status[ids[("capex", None)]] == "rejected"
    assert list(status.values()).count("new") == 4
    assert reviewed["reject"].returncode == 0
    assert reviewed["again"].returncode == 1 and "already decided" in reviewed["again"].stderr
    # the rejected capex wrote nothing; the listing applies decisions at once
    assert not any(name.startswith("clusters_") for name in reviewed["landing_files"])
    import json

    listed = {c["candidate_id"]: c["status"] for c in json.loads(reviewed["listed"].stdout)}
    assert listed[ids[("capex", None)]] == "rejected"


def _candidate(**given) -> dict:
    base = {
        "candidate_id": "abc123",
        "article": "a.txt",
        "article_title": "A headline",
        "article_sha256": "f" * 64,
        "url": "https://example-news.test/a",
        "company": "xAI",
        "counterparty": None,
        "kind": "burn",
        "amount_low": None,
        "amount_high": 13.0,
        "qualifier": "up_to",
        "currency": "USD",
        "unit": "billion",
        "date": "2025-10-08",
        "text": "up to $13 billion",
        "start": 10,
        "end": 27,
        "sentence": "It expects to burn up to $13 billion in 2025.",
        "alt_text": None,
    }
    return base | given


def test_a_burn_takes_the_year_its_sentence_names_and_is_a_projection_before_it_ends():
    [row] = input_rows([_candidate()], Overrides(), references())["cash_burn"]
    assert (row["period_start"], row["period_end"], row["metric"], row["basis"]) == (
        "2025-01-01",
        "2025-12-31",
        "net_burn",
        "projection",
    )


@pytest.mark.parametrize(
    ("candidate", "overrides", "says"),
    [
        (_candidate(sentence="It burns up to $13 billion a year."), Overrides(), "--period"),
        (_candidate(kind="round_total"), Overrides(), "tranche"),
        (_candidate(kind="commitment"), Overrides(), "--counterparty"),
        (_candidate(kind="unknown"), Overrides(), "--kind"),
        (_candidate(company=None), Overrides(), "--company"),
        (
            _candidate(kind="gpu_count", currency=None, amount_high=1e5, sentence="It will buy 100,000 chips."),
            Overrides(),
            "--gpu-model",
        ),
        (_candidate(kind="power_mw", currency=None, amount_high=1000.0), Overrides(), "GPU count"),
    ],
)
def test_what_the_article_does_not_say_is_asked_for(candidate, overrides, says):
    with pytest.raises(ReviewError, match=says.replace("-", r"\-")):
        input_rows([candidate], overrides, references())


def test_a_candidate_repeats_a_row_only_where_that_kind_of_figure_is_kept():
    import polars as pl

    from ledger.extract.review import REVIEW_COLUMNS, mark_known

    candidates = pl.DataFrame(
        [
            {"candidate_id": "a", "company": "OpenAI", "kind": "commitment", "amount_usd_mid": 22.4e9, "amount_high": 22.4},
            {"candidate_id": "b", "company": "OpenAI", "kind": "equity", "amount_usd_mid": 22.4e9, "amount_high": 22.4},
        ],
    ).with_columns(
        [
            pl.lit(None, t).alias(c)
            for c, t in REVIEW_COLUMNS.items()
            if c not in ("candidate_id", "company", "kind", "amount_usd_mid", "amount_high")
        ]
    )
    figures = pl.DataFrame(
        {
            "entity": ["funding_events", "compute_commitments"],
            "row_id": ["sb-remainder", "oai-cw"],
            "company": ["OpenAI", "OpenAI"],
            "figure": ["equity", "cloud_capacity"],
            "measure": ["usd", "usd"],
            "value": [22.5e9, 22.4e9],
        }
    )
    known = dict(mark_known(candidates, figures).select("candidate_id", "known_rows").iter_rows())
    assert known == {"a": "compute_commitments:oai-cw (cloud_capacity)", "b": "funding_events:sb-remainder (equity)"}
