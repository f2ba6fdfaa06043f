"""One fact from two sources: our curated figure and Epoch AI's for the same round, say.

Rows of different datasets (curated or landed vs Epoch) are the same fact when they match
on the entity's keys and their dates are within a window:

| entity | same | dates within | a duplicate when the values differ by at most |
| --- | --- | --- | --- |
| funding_events | company, kind of money (equity and convertible notes are one kind: Epoch records notes as equity) | 45 days (closed, else announced); for an agreeing amount, 45 days of any tranche of the round | 5% of the amount, of a tranche or of its round's tranches added up |
| clusters | company, main GPU model, what the count counts (GPUs or H100-equivalents), a word of the cluster's name other than the company's; GPUs on both | 45 days (target date) | never: both phases are kept |
| gpu_prices | GPU model, price type | same day (observed) | 1% of the price |

A round we record tranche by tranche (Amazon's $4B in Anthropic as $1.25B and $2.75B) and
another source records as one figure is the same money: the other row is a duplicate of
the round when the tranches add up to it. A round total only ever makes a duplicate, never
a conflict (no single row of ours could stand for it).

A curated row can also say it is another source's figure for a fact another curated row
gives (`same_fact_as`, funding events): the two are one fact, by the same precedence.

A duplicate is counted, not staged again. Otherwise both rows stay staged and share a
`fact_id`; `is_preferred` marks the one the marts use, by this precedence: the more settled
status (closed > announced > reported > rumored > disputed; for clusters higher
confidence), then the newer source, then our curated data over Epoch's, then the id.
`marts.source_conflicts` lists every such fact with each source's value and the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from ledger.transforms.problems import PROBLEMS

STATUS_RANK = {"closed": 5, "announced": 4, "reported": 3, "rumored": 2, "disputed": 1}
CONFIDENCE_RANK = {"high": 3, "medium": 2, "low": 1}
OTHER_DATASET = "epoch"
#: Instruments that are the same kind of money when matching sources (others: themselves).
INSTRUMENT_KIND = {"convertible": "equity"}


@dataclass(frozen=True)
class FactRule:
    id_column: str
    keys: tuple[str, ...]
    date_column: str
    window_days: int
    value_column: str
    duplicate_tolerance: float | None  # None: matching rows are never duplicates
    conflicts: bool  # whether non-duplicate matches are one fact (else separate quotes)


RULES = {
    "funding_events": FactRule("event_id", ("company", "_kind"), "_match_date", 45, "amount_usd_mid", 0.05, True),
    "clusters": FactRule(
        "cluster_id", ("company", "gpu_model", "gpu_count_unit"), "target_date", 45, "gpu_count_mid", None, True
    ),
    "gpu_prices": FactRule("quote_id", ("gpu_model", "price_type"), "observed_date", 0, "_price_mid", 0.01, False),
}


def _value(frame: pl.DataFrame, rule: FactRule) -> pl.Expr:
    if rule.value_column == "_price_mid":
        return pl.coalesce("usd_per_gpu_mid", "usd_per_gpu_hour_mid")
    return pl.col(rule.value_column)


def _rank(frame: pl.DataFrame) -> pl.Expr:
    if "status" in frame.columns and frame.schema["status"] == pl.String and "instrument" in frame.columns:
        status = pl.col("status").replace_strict(STATUS_RANK, default=0, return_dtype=pl.Int32)
    else:
        status = pl.col("confidence").replace_strict(CONFIDENCE_RANK, default=0, return_dtype=pl.Int32)
    return status


_COMMON_WORDS = ["phase", "cluster", "campus", "data", "center", "centre", "snapshot", "epoch", "site"]


def _words(column: str, entity: str) -> pl.Expr:
    """Distinctive words of a cluster's name (4+ letters, not generic, not the company's
    name), for matching sites."""
    if entity != "clusters":
        return pl.lit([], pl.List(pl.String))
    words = pl.col(column).str.to_lowercase().str.extract_all(r"[a-z]{4,}")
    company = pl.col("company").str.to_lowercase().str.extract_all(r"[a-z]{4,}")
    return words.list.set_difference(pl.lit(_COMMON_WORDS)).list.set_difference(company)


def _same_site(entity: str) -> pl.Expr:
    if entity != "clusters":
        return pl.lit(True)
    return pl.col("_words").list.set_intersection("_ours_words").list.len() > 0


def resolve_sources(frame: pl.DataFrame, entity: str) -> pl.DataFrame:
    """Mark cross-source duplicates (`_duplicate_of`) and group conflicting rows into facts
    (`fact_id`, `is_preferred`, `preferred_reason`). Rows of an entity without a rule, and
    rows matching nothing, are their own fact and preferred."""
    rule = RULES.get(entity)
    frame = frame.with_columns(
        pl.col(rule.id_column if rule else frame.columns[0]).alias("fact_id"),
        pl.lit(True).alias("is_preferred"),
        pl.lit(None, pl.String).alias("preferred_reason"),
    )
    if rule is None:
        return frame
    frame = frame.with_row_index("_pos").with_columns(_value(frame, rule).alias("_value"))
    if entity == "funding_events":
        # a closing date pins a deal better than a report date, which can trail it by months
        frame = frame.with_columns(
            pl.coalesce("closed_date", "announced_date").alias("_match_date"),
            pl.col("instrument").replace(INSTRUMENT_KIND).alias("_kind"),
        )
    frame = _match_datasets(frame, rule, entity)
    return _drop_helpers(_prefer(_link_same_facts(frame, rule), rule).sort("_pos"))


def _link_same_facts(frame: pl.DataFrame, rule: FactRule) -> pl.DataFrame:
    """Rows naming another row in `same_fact_as` join that row's fact."""
    if "same_fact_as" not in frame.columns:
        return frame
    facts = frame.select(pl.col(rule.id_column).alias("same_fact_as"), pl.col("fact_id").alias("_linked_fact")).unique(
        "same_fact_as", keep="first"
    )
    return (
        frame.join(facts, on="same_fact_as", how="left")
        .with_columns(pl.coalesce("_linked_fact", "fact_id").alias("fact_id"))
        .drop("_linked_fact")
    )


def _match_datasets(frame: pl.DataFrame, rule: FactRule, entity: str) -> pl.DataFrame:
    """Rows of another dataset (Epoch's) that give a fact ours give: a duplicate when they
    agree (`_duplicate_of`), else the same `fact_id`."""
    valid = frame.filter(pl.col(PROBLEMS).is_null() & pl.col("_duplicate_of").is_null())
    if entity == "clusters":
        # a snapshot with no GPUs yet is not the same phase as anything
        valid = valid.filter(pl.col("gpu_count_mid") > 0)
    ours = valid.filter(pl.col("dataset") != OTHER_DATASET)
    theirs = valid.filter(pl.col("dataset") == OTHER_DATASET)
    if ours.height == 0 or theirs.height == 0:
        return frame
    pairs = (
        theirs.select(*rule.keys, "_pos", rule.date_column, "_value", _words("cluster", entity).alias("_words"))
        .join(_candidates(ours, rule, entity), on=list(rule.keys), how="inner")
        .with_columns(
            _distance(pl.col(rule.date_column), "_ours_date", "_ours_date").alias("_days"),
            _distance(pl.col(rule.date_column), "_span_start", "_span_end").alias("_span_days"),
            ((pl.col("_value") - pl.col("_ours_value")).abs() / pl.max_horizontal("_value", "_ours_value")).alias("_diff"),
        )
        .filter(_same_site(entity))
        .with_columns((pl.col("_diff") <= (rule.duplicate_tolerance or 0)).not_().alias("_disagrees"))
        # a disagreeing row must be near in date itself; an agreeing one may be anywhere in
        # its round's span
        .filter(pl.when(pl.col("_disagrees")).then(pl.col("_days")).otherwise(pl.col("_span_days")) <= rule.window_days)
        # a round's total only stands for the round when it agrees
        .filter(~pl.col("_is_round") | ~pl.col("_disagrees"))
        # the row that agrees (a duplicate) first, then the closest date, then the closest
        # value, then a single row over a round total
        .with_columns(pl.when(pl.col("_is_round")).then("_span_days").otherwise("_days").alias("_days"))
        .sort("_pos", "_disagrees", "_days", "_diff", "_is_round", "_ours")
        .unique("_pos", keep="first", maintain_order=True)
    )
    if pairs.height == 0:
        return frame
    is_duplicate = pl.lit(rule.duplicate_tolerance is not None) & (pl.col("_diff") <= (rule.duplicate_tolerance or 0))
    duplicates = pairs.filter(is_duplicate).select("_pos", pl.col("_ours_row").alias("_dup_of"))
    conflicts = pairs.filter(~is_duplicate) if rule.conflicts else pairs.head(0)
    frame = (
        frame.join(duplicates, on="_pos", how="left")
        .with_columns(pl.coalesce("_duplicate_of", "_dup_of").alias("_duplicate_of"))
        .drop("_dup_of")
    )
    groups = pl.concat(
        [
            conflicts.select("_pos", pl.col("_ours_id").alias("_fact")),
            conflicts.select(pl.col("_ours").alias("_pos"), pl.col("_ours_id").alias("_fact")),
        ]
    ).unique("_pos")
    return frame.join(groups, on="_pos", how="left").with_columns(pl.coalesce("_fact", "fact_id").alias("fact_id")).drop("_fact")


def _drop_helpers(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.drop("_pos", "_value", "_match_date", "_kind", strict=False)


def _distance(date: pl.Expr, start: str, end: str) -> pl.Expr:
    """Days from `date` to the span [start, end] (0 inside it)."""
    return (
        pl.when(date < pl.col(start))
        .then((pl.col(start) - date).dt.total_days())
        .when(date > pl.col(end))
        .then((date - pl.col(end)).dt.total_days())
        .otherwise(0)
    )


def _candidates(ours: pl.DataFrame, rule: FactRule, entity: str) -> pl.DataFrame:
    """Our rows another source's row may match: each row, with the span of dates of its
    round (funding), and each round of several tranches as one total."""
    rows = ours.select(
        *rule.keys,
        pl.col("_pos").alias("_ours"),
        _words("cluster", entity).alias("_ours_words"),
        pl.col(rule.id_column).alias("_ours_id"),
        pl.col("raw_row_id").alias("_ours_row"),
        pl.col(rule.date_column).alias("_ours_date"),
        pl.col("_value").alias("_ours_value"),
        *([pl.col("round_id")] if entity == "funding_events" else []),
    )
    if entity != "funding_events":
        return rows.with_columns(
            pl.col("_ours_date").alias("_span_start"), pl.col("_ours_date").alias("_span_end"), pl.lit(False).alias("_is_round")
        )
    round_keys = [*rule.keys, "round_id"]
    spans = rows.group_by(round_keys).agg(
        pl.col("_ours_date").min().alias("_span_start"), pl.col("_ours_date").max().alias("_span_end")
    )
    rows = rows.join(spans, on=round_keys, how="left", nulls_equal=True)
    rounds = (
        rows.sort("_ours_date", "_ours")
        .group_by(round_keys, maintain_order=True)
        .agg(
            pl.len().alias("_tranches"),
            pl.col("_ours").first(),
            pl.col("_ours_id").first(),
            pl.col("_ours_row").first(),
            pl.col("_ours_date").first(),
            pl.col("_ours_value").sum(),
            pl.col("_span_start").first(),
            pl.col("_span_end").first(),
        )
        .filter((pl.col("_tranches") > 1) & pl.col("round_id").is_not_null())
        .drop("_tranches")
    )
    return pl.concat(
        [rows.with_columns(pl.lit(False).alias("_is_round")), rounds.with_columns(pl.lit(True).alias("_is_round"))],
        how="diagonal_relaxed",
    ).drop("round_id")


def _prefer(frame: pl.DataFrame, rule: FactRule) -> pl.DataFrame:
    """Within each fact with several rows, mark the preferred one and say why."""
    # only rows that stay staged make a fact shared (a duplicate or quarantined row shares
    # its id, not its fact)
    valid = pl.col(PROBLEMS).is_null() & pl.col("_duplicate_of").is_null()
    shared = frame.filter(valid).group_by("fact_id").agg(pl.len().alias("_members"))
    frame = frame.join(shared, on="fact_id", how="left").with_columns(pl.col("_members").fill_null(0))
    order = frame.with_columns(
        _rank(frame).alias("_rank"),
        pl.coalesce("source_date", rule.date_column).alias("_newness"),
        (pl.col("dataset") != OTHER_DATASET).cast(pl.Int32).alias("_ours_first"),
    )
    in_fact = (pl.col("_members") > 1) & pl.col(PROBLEMS).is_null() & pl.col("_duplicate_of").is_null()
    ranked = order.filter(in_fact).sort(
        ["fact_id", "_rank", "_newness", "_ours_first", rule.id_column],
        descending=[False, True, True, True, False],
        nulls_last=True,
    )
    winners, reasons = {}, {}
    for fact, rows in ranked.group_by("fact_id", maintain_order=True):
        best, runner = rows.row(0, named=True), rows.row(1, named=True) if rows.height > 1 else None
        winners[fact[0]] = best["_pos"]
        reasons[fact[0]] = _reason(best, runner)
    if not winners:
        return frame.drop("_members")
    won = pl.col("_pos").is_in(list(winners.values()))
    fact_reason = pl.col("fact_id").replace_strict(reasons, default=None, return_dtype=pl.String)
    return frame.with_columns(
        pl.when(in_fact).then(won).otherwise(pl.col("is_preferred")).alias("is_preferred"),
        pl.when(in_fact).then(fact_reason).otherwise(pl.col("preferred_reason")).alias("preferred_reason"),
    ).drop("_members")


def _reason(best: dict, runner: dict | None) -> str:
    if runner is None:
        return "the only row left"
    if best["_rank"] != runner["_rank"]:
        what = best.get("status") if "instrument" in best else best.get("confidence")
        other = runner.get("status") if "instrument" in runner else runner.get("confidence")
        return f"{what} over {other}"
    if best["_newness"] != runner["_newness"]:
        return f"newer source ({best['_newness']} over {runner['_newness']})"
    if best["_ours_first"] != runner["_ours_first"]:
        return "our curated figure over Epoch AI's"
    return "the first id when all else is equal"
