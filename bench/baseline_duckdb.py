"""Bare DuckDB, one process: the GPU-price path as plain SQL, for comparison.

    python -m bench.baseline_duckdb --input DIR --db PATH [--as-of 2026-11-01] [--result JSON]

The same normalization as ledger/transforms/gpu_prices.py, written as SQL:
- read `gpu_prices*.csv` with read_csv (all text), row numbers from the file order;
- alias → canonical GPU model through reference/gpu_catalog.csv (case-insensitive, trimmed);
- vocabulary tokens (price_type, price_per, billing_period, confidence) as the pipeline's
  `token()`; dates in the formats of ledger/transforms/dates.py;
- amounts: the plain-number case only (a cell DuckDB cannot cast to a number is
  "unreadable" — the pipeline would also read "$36,742", "1.2B", "€1,7 Mrd"; the
  generated files hold only plain numbers, so both agree there);
- low / mid / high by the qualifier rules (up_to low = `up_to_low_fraction` of
  reference/assumptions.csv), FX as-of join on observed_date by currency, per instance
  → per GPU, month → 730 hours;
- every quarantine rule of the normalizer as a SQL condition, in the same order, so the
  `column` list of a rejected row is comparable with the pipeline's;
- duplicates as ledger/transforms/dedup.py: same quote_id and same normalized content →
  one staged row; same quote_id, other content → the later rows quarantined;
then writes staging.gpu_prices and quarantine.rejected_rows into a DuckDB file, runs the
checks of expectations/gpu_prices.yaml as plain SQL over every row, and builds
marts.gpu_price_index with the semantics of sql/mart_gpu_price_index.sql.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from pathlib import Path

START = time.perf_counter()

import duckdb  # noqa: E402

from bench._common import PROJECT_DIR, Stages, write_result  # noqa: E402

SQL_DIR = PROJECT_DIR / "sql"

IMPORT_SECONDS = time.perf_counter() - START

PURCHASE_TYPES = ("purchase", "server_per_gpu")
RENTAL_TYPES = ("on_demand", "spot", "reserved_1y", "reserved_3y")
PRICE_TYPES = PURCHASE_TYPES + RENTAL_TYPES
HOURS_PER_MONTH = 730.0
DAY_FORMATS = (
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%m/%d/%Y",
    "%d.%m.%Y",
    "%d %b %Y",
    "%d %B %Y",
    "%b %d, %Y",
    "%B %d, %Y",
    "%b %d %Y",
    "%B %d %Y",
)
STAGED_COLUMNS = (
    "quote_id",
    "gpu_model",
    "gpu_variant",
    "price_type",
    "price_unit",
    "usd_per_gpu_low",
    "usd_per_gpu_mid",
    "usd_per_gpu_high",
    "usd_per_gpu_hour_low",
    "usd_per_gpu_hour_mid",
    "usd_per_gpu_hour_high",
    "currency",
    "price_per",
    "gpus_per_instance",
    "billing_period",
    "provider",
    "provider_family",
    "region",
    "observed_date",
    "fx_units_per_usd",
    "fx_rate_date",
    "confidence",
    "source_url",
    "source_publication",
    "source_date",
    "notes",
)
LINEAGE = ("dataset", "source_file", "row_number", "raw_row_id")
RAW_COLUMNS = (
    "quote_id",
    "gpu_model",
    "price_type",
    "price_low",
    "price_high",
    "currency",
    "observed_date",
    "price_qualifier",
    "price_per",
    "gpus_per_instance",
    "billing_period",
    "provider",
    "region",
    "confidence",
    "source_url",
    "source_publication",
    "source_date",
    "notes",
)


def _sql_list(values) -> str:
    return "[" + ", ".join(f"'{v}'" for v in values) + "]"


def _in(values) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


# Whitespace as Polars' strip_chars() sees it (ASCII part).
MACROS = f"""
create or replace temp macro ws() as ' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || chr(160);
create or replace temp macro strip(x) as trim(x, ws());
create or replace temp macro bl(x) as nullif(strip(x), '');
create or replace temp macro name_key(x) as regexp_replace(lower(strip(x)), '[\\s\\-_]+', '', 'g');
create or replace temp macro tok(x) as nullif(regexp_replace(lower(strip(x)), '[\\s\\-/]+', '_', 'g'), '');
create or replace temp macro date_clean(x) as
    case when regexp_matches(bl(x), '^\\d{{4}}-\\d{{2}}-\\d{{2}}[T ]') then left(bl(x), 10) else bl(x) end;
create or replace temp macro date_parse(t) as cast(case
    when t is null then null
    when regexp_full_match(t, '\\d{{4}}-\\d{{2}}-\\d{{2}}') then try_cast(t as date)
    when regexp_matches(t, '^\\d{{4}}$') then try_strptime(t || '-01-01', '%Y-%m-%d')
    when regexp_matches(t, '^[A-Za-z]+\\.? \\d{{4}}$') then try_strptime(replace(t, '.', '') || '-01', ['%b %Y-%d', '%B %Y-%d'])
    when regexp_matches(t, '^\\d{{4}}-\\d{{1,2}}$') then
        coalesce(try_strptime(t, {_sql_list(DAY_FORMATS)}), try_strptime(t || '-01', '%Y-%m-%d'))
    else try_strptime(t, {_sql_list(DAY_FORMATS)})
    end as date);
create or replace temp macro date_problem(t, parsed) as
    case when t is not null and parsed is null then
        case when regexp_matches(t, '^\\d{{4}}-\\d{{2}}-\\d{{2}}$') then t || ' is not a calendar date'
             else 'cannot read ' || t || ' as a date (expected YYYY-MM-DD)' end
    end;
"""


def _checks(known_currencies: list[str]) -> list[tuple[str, str, str]]:
    """(column, failed condition, reason) — the normalizer's checks, in its order."""
    return [
        ("quote_id", "bl(quote_id) is null", "'required value is missing'"),
        ("gpu_model", "gm_given is null", "'required value is missing'"),
        (
            "gpu_model",
            "gm_given is not null and gm is null",
            "'unknown GPU model ' || gm_given || ' (add it or an alias to reference/gpu_catalog.csv)'",
        ),
        ("price_type", "pt is null", "'required value is missing'"),
        ("price_type", f"pt is not null and pt not in {_in(PRICE_TYPES)}", f"pt || ' is not one of {', '.join(PRICE_TYPES)}'"),
        (
            "source_url",
            "bl(source_url) is null and bl(source_publication) is null",
            "'no source: give source_url or source_publication'",
        ),
        (
            "confidence",
            "conf is not null and conf not in ('high', 'medium', 'low')",
            "conf || ' is not one of high, medium, low'",
        ),
        ("price_per", "per not in ('gpu', 'instance')", "per || ' is not one of gpu, instance'"),
        ("billing_period", "bill is not null and bill not in ('hour', 'month')", "bill || ' is not one of hour, month'"),
        (
            "gpus_per_instance",
            "gpus_text is not null and gpus_text <> '' and (gpus is null or gpus < 0)",
            "gpus_per_instance || ' is not a non-negative number'",
        ),
        (
            "gpus_per_instance",
            "per = 'instance' and (gpus is null or gpus < 1)",
            "'a per-instance price needs the instance''s GPU count (1 or more)'",
        ),
        ("billing_period", f"pt in {_in(PURCHASE_TYPES)} and bill is not null", "'a purchase price has no billing period'"),
        ("observed_date", "bl(observed_date) is null", "'required value is missing'"),
        ("observed_date", "date_problem(od_text, od) is not null", "date_problem(od_text, od)"),
        ("source_date", "date_problem(sd_text, sd) is not null", "date_problem(sd_text, sd)"),
        ("price_low", "low_text is not null and low_v is null", "'cannot read ''' || low_text || ''' as an amount'"),
        ("price_low", "low_v < 0", "'negative amount ' || price_low"),
        ("price_high", "high_text is not null and high_v is null", "'cannot read ''' || high_text || ''' as an amount'"),
        ("price_high", "high_v < 0", "'negative amount ' || price_high"),
        (
            "price_qualifier",
            "qual not in ('exact', 'about', 'up_to', 'at_least')",
            "'unknown qualifier ' || qual || ' (exact, about, up_to, at_least)'",
        ),
        ("price_high", "low_v > high_v", "'low ' || price_low || ' is greater than high ' || price_high"),
        ("price_high", "p_mid is null", "'no price: give price_low or price_high'"),
        ("price_high", "p_mid = 0", "'a price of zero'"),
        ("currency", "cur is null", "'required value is missing (no currency in the column or the amount)'"),
        (
            "currency",
            f"cur is not null and cur not in {_in(known_currencies)}",
            "'unknown currency ' || cur || ' (no FX rates for it)'",
        ),
        (
            "currency",
            "cur is not null and od is not null and fx_units is null",
            "'no ' || cur || ' rate on or before ' || strftime(od, '%Y-%m-%d') || ' in fx_rates.csv'",
        ),
    ]


def normalize_sql(known_currencies: list[str], up_to_low_fraction: float) -> str:
    checks = _checks(known_currencies)
    # each failing column once, in the order of the checks (as the pipeline reports them)
    by_column: dict[str, list[str]] = {}
    for col, cond, _ in checks:
        by_column.setdefault(col, []).append(f"({cond})")
    problem_columns = (
        "nullif(concat_ws(', ', "
        + ", ".join(f"case when {' or '.join(conds)} then '{col}' end" for col, conds in by_column.items())
        + "), '')"
    )
    problems = (
        "nullif(concat_ws('; ', "
        + ", ".join(f"case when {cond} then '{col}: ' || ({reason}) end" for col, cond, reason in checks)
        + "), '')"
    )
    return f"""
create table normalized as
with s1 as (
    select
        r.*,
        bl(r.gpu_model) as gm_given,
        tok(r.price_type) as pt,
        tok(r.confidence) as conf,
        coalesce(tok(r.price_per), 'gpu') as per,
        tok(r.billing_period) as bill,
        replace(strip(r.gpus_per_instance), ',', '') as gpus_text,
        try_cast(replace(strip(r.gpus_per_instance), ',', '') as double) as gpus,
        date_clean(r.observed_date) as od_text,
        date_clean(r.source_date) as sd_text,
        bl(r.price_low) as low_text,
        bl(r.price_high) as high_text,
        try_cast(bl(r.price_low) as double) as low_v,
        try_cast(bl(r.price_high) as double) as high_v,
        coalesce(nullif(replace(lower(strip(r.price_qualifier)), ' ', '_'), ''), 'exact') as qual,
        nullif(upper(strip(r.currency)), '') as cur
    from raw_quotes r
), s2 as (
    select
        s1.*,
        a.gpu_model as gm,
        a.gpu_variant as gv,
        coalesce(pf.provider_family, case when bl(s1.provider) is null then 'unnamed' else 'unlisted' end) as pfam,
        date_parse(od_text) as od,
        date_parse(sd_text) as sd,
        coalesce(high_v, low_v) as headline,
        coalesce(low_v is not null and high_v is not null and low_v < high_v, false) as is_range
    from s1
    left join gpu_aliases a on a.alias_key = name_key(s1.gm_given)
    left join provider_families pf on pf.alias_key = name_key(s1.provider)
), s3 as (
    select
        s2.*,
        case when qual = 'up_to' and not is_range then headline * {up_to_low_fraction!r}
             when is_range then low_v else headline end as p_low,
        case when qual = 'up_to' then headline when is_range then (low_v + high_v) / 2 else headline end as p_mid,
        headline as p_high,
        case when cur = 'USD' then 1.0 else f.units_per_usd end as fx_units,
        case when cur = 'USD' then null else f.rate_date end as fx_date
    from s2 asof left join fx_rates f on s2.cur = f.currency and s2.od >= f.rate_date
), s4 as (
    select
        s3.*,
        case when per = 'instance' then gpus else 1.0 end as per_gpu,
        case when bill = 'month' then {HOURS_PER_MONTH!r} else 1.0 end as hours,
        pt in {_in(RENTAL_TYPES)} as is_rental
    from s3
)
select
    quote_id,
    gm as gpu_model,
    gv as gpu_variant,
    pt as price_type,
    case when is_rental then 'usd_per_gpu_hour' else 'usd_per_gpu' end as price_unit,
    case when not is_rental then p_low / fx_units / per_gpu end as usd_per_gpu_low,
    case when not is_rental then p_mid / fx_units / per_gpu end as usd_per_gpu_mid,
    case when not is_rental then p_high / fx_units / per_gpu end as usd_per_gpu_high,
    case when is_rental then p_low / fx_units / per_gpu / hours end as usd_per_gpu_hour_low,
    case when is_rental then p_mid / fx_units / per_gpu / hours end as usd_per_gpu_hour_mid,
    case when is_rental then p_high / fx_units / per_gpu / hours end as usd_per_gpu_hour_high,
    cur as currency,
    per as price_per,
    gpus as gpus_per_instance,
    bill as billing_period,
    provider,
    pfam as provider_family,
    region,
    od as observed_date,
    fx_units as fx_units_per_usd,
    fx_date as fx_rate_date,
    conf as confidence,
    source_url,
    source_publication,
    sd as source_date,
    notes,
    'curated' as dataset,
    source_file,
    row_number,
    source_file || ':' || row_number as raw_row_id,
    {problem_columns} as _problem_columns,
    {problems} as _problems
from s4
"""


def run(input_dir: str, db: str, as_of: str) -> dict:
    folder = Path(input_dir)
    files = sorted(p for p in folder.glob("gpu_prices*.csv") if p.is_file() and not p.is_symlink())
    if not files:
        raise SystemExit(f"no gpu_prices*.csv in {folder}")
    ref = folder / "reference"
    for suffix in ("", ".wal"):
        Path(db + suffix).unlink(missing_ok=True)
    stages = Stages()
    start = time.perf_counter()
    con = duckdb.connect(db)
    con.execute(MACROS)
    counts: dict[str, int] = {}

    with stages.stage("read csv → raw table"):
        # The same work as the pipeline's raw layer: every column as text, with its file and
        # row number, in a table of the warehouse file (not a temp table in memory).
        con.execute("create schema if not exists raw")
        parts = [
            f"select *, '{path.name}' as source_file, cast(row_number() over () + 1 as bigint) as row_number "
            f"from read_csv('{path}', header = true, all_varchar = true, delim = ',', quote = '\"', escape = '\"')"
            for path in files
        ]
        con.execute("create table raw.gpu_prices as " + " union all ".join(parts))
        con.execute("create view raw_quotes as select * from raw.gpu_prices")
        counts["rows_read"] = con.execute("select count(*) from raw_quotes").fetchone()[0]

    with stages.stage("reference tables"):
        con.execute(
            """
            create temp table fx_rates as
            select upper(strip(currency)) as currency, date_parse(date_clean(rate_date)) as rate_date,
                   cast(strip(units_per_usd) as double) as units_per_usd
            from read_csv(?, header = true, all_varchar = true)
            order by currency, rate_date
            """,
            [str(ref / "fx_rates.csv")],
        )
        con.execute(
            """
            create temp table gpu_aliases as
            with catalog as (select * from read_csv(?, header = true, all_varchar = true, union_by_name = true)),
            names as (
                select strip(gpu_model) as gpu_variant, coalesce(bl(family), strip(gpu_model)) as gpu_model,
                       unnest(list_concat([gpu_model], string_split(coalesce(aliases, ''), '|'))) as alias
                from catalog
            )
            select distinct name_key(alias) as alias_key, gpu_variant, gpu_model from names where strip(alias) <> ''
            """,
            [str(ref / "gpu_catalog.csv")],
        )
        con.execute(
            """
            create temp table provider_families as
            with companies as (select * from read_csv(?, header = true, all_varchar = true)),
            names as (
                select case when strip(kind) in ('hyperscaler', 'neocloud', 'marketplace') then strip(kind) else 'other' end
                           as provider_family,
                       unnest(list_concat([company], string_split(coalesce(aliases, ''), '|'))) as alias
                from companies
            )
            select distinct name_key(alias) as alias_key, provider_family from names where strip(alias) <> ''
            """,
            [str(ref / "company_aliases.csv")],
        )
        clash = con.execute("select alias_key from gpu_aliases group by 1 having count(*) > 1 limit 1").fetchall()
        if clash:
            raise SystemExit(f"gpu_catalog.csv: alias {clash[0][0]!r} names more than one model")
        con.execute("create temp table gpu_catalog as select distinct gpu_model from gpu_aliases")
        known = sorted({"USD", *(r[0] for r in con.execute("select distinct currency from fx_rates").fetchall())})
        fraction = con.execute(
            "select cast(value_mid as double) from read_csv(?, header = true, all_varchar = true) "
            "where strip(name) = 'up_to_low_fraction'",
            [str(ref / "assumptions.csv")],
        ).fetchall()
        up_to_low_fraction = float(fraction[0][0]) if fraction else 0.5

    with stages.stage("normalize + quarantine rules"):
        con.execute(normalize_sql(known, up_to_low_fraction))

    with stages.stage("duplicates"):
        # Only ids that repeat need comparing (as in the pipeline): find them with one
        # grouped scan, then mark later copies: the same content is a duplicate, other
        # content a conflict (quarantined).
        content = ", ".join(STAGED_COLUMNS)
        con.execute(
            f"""
            create table repeated as
            with ids as (
                select quote_id from normalized where _problems is null group by quote_id having count(*) > 1
            ),
            n as (
                select n.raw_row_id, n.quote_id, n.row_number, hash({content}) as _content
                from normalized n semi join ids using (quote_id)
                where n._problems is null
            ),
            firsts as (
                select quote_id, arg_min(_content, row_number) as _first_content,
                       arg_min(raw_row_id, row_number) as _first_row, min(row_number) as _first_number
                from n group by quote_id
            ),
            first_of_content as (
                select quote_id, _content, min(row_number) as _content_first from n group by quote_id, _content
            )
            select n.raw_row_id,
                case when n._content = f._first_content and n.row_number <> c._content_first then f._first_row end
                    as _duplicate_of,
                case when n._content <> f._first_content then 'quote_id: ' || n.quote_id || ' is already used by '
                    || f._first_row || ' with different values' end as _conflict
            from n join firsts f using (quote_id) join first_of_content c using (quote_id, _content)
            where n.row_number <> f._first_number
            """
        )
        con.execute(
            """
            create view marked as
            select n.* exclude (_problem_columns, _problems),
                r._duplicate_of,
                case when r._conflict is not null then 'quote_id' else n._problem_columns end as _problem_columns,
                coalesce(r._conflict, n._problems) as _problems
            from normalized n left join repeated r using (raw_row_id)
            """
        )

    with stages.stage("write staging + quarantine"):
        con.execute("begin transaction")
        for schema in ("staging", "quarantine", "marts", "audit"):
            con.execute(f"create schema if not exists {schema}")
        columns = ", ".join((*STAGED_COLUMNS, *LINEAGE))
        con.execute(
            f"create or replace table staging.gpu_prices as select {columns} from marked "
            "where _problems is null and _duplicate_of is null"
        )
        raw_record = (
            "to_json(struct_pack("
            + ", ".join(f'"{c}" := r."{c}"' for c in RAW_COLUMNS)
            + ", source_file := r.source_file, row_number := r.row_number))"
        )
        con.execute(
            f"""
            create or replace table quarantine.rejected_rows as
            select 'gpu_prices' as entity, m.dataset, m.source_file, m.row_number, m.raw_row_id,
                   m._problem_columns as "column", m._problems as reason, {raw_record} as raw_record
            from marked m join raw_quotes r on r.source_file = m.source_file and r.row_number = m.row_number
            where m._problems is not null
            """
        )
        con.execute(
            """
            create or replace table audit.reconciliation as
            select source_file, 'gpu_prices' as entity, 'curated' as dataset, count(*) as rows_read,
                   count(*) filter (where _problems is null and _duplicate_of is null) as rows_loaded,
                   count(*) filter (where _problems is null and _duplicate_of is not null) as rows_duplicate,
                   count(*) filter (where _problems is not null) as rows_quarantined,
                   now() as loaded_at
            from marked group by source_file
            """
        )
        con.execute("commit")
        row = con.execute(
            "select sum(rows_loaded), sum(rows_duplicate), sum(rows_quarantined) from audit.reconciliation"
        ).fetchone()
        counts.update(rows_loaded=int(row[0]), rows_duplicate=int(row[1]), rows_quarantined=int(row[2]))

    with stages.stage("checks (expectations as SQL)"):
        checks = run_checks(con, as_of, known)

    with stages.stage("marts.gpu_price_index"):
        # the index's own SQL files, the providers' prices first (methodology 3,
        # docs/price-index.md): the baseline differs in how it reads, normalizes and checks,
        # not in what the index is. It has no quote feed and no record of touched days: both
        # are empty tables here, and every day is computed.
        con.execute("create or replace table staging.gpu_price_quotes as select * from staging.gpu_prices limit 0")
        con.execute("create or replace table audit.price_days_touched (day date)")
        last_day = con.execute("select max(observed_date) from staging.gpu_prices").fetchone()[0]
        values = {"every_day": True, "months": None, "day_from": None, "day_to": None, "last_day": last_day}
        values |= {"methodology_version": 3, "staleness_days": 7}
        for table in ("gpu_price_provider_days", "gpu_price_index", "gpu_price_index_daily"):
            sql = (SQL_DIR / f"mart_{table}.sql").read_text(encoding="utf-8").strip().rstrip(";")
            con.execute(f"create or replace table marts.{table} as {sql}", {k: v for k, v in values.items() if f"${k}" in sql})
        counts["index_rows"] = con.execute("select count(*) from marts.gpu_price_index").fetchone()[0]
    con.close()
    wall = time.perf_counter() - start
    stages.sampler.stop()
    print(
        f"  rows read {counts['rows_read']:,}: loaded {counts['rows_loaded']:,}, duplicate {counts['rows_duplicate']:,}, "
        f"quarantined {counts['rows_quarantined']:,}; index rows {counts['index_rows']:,}"
    )
    failed = [c for c in checks if not c["passed"]]
    print(
        f"  checks: {len(checks) - len(failed)}/{len(checks)} passed"
        + (f"; failed: {', '.join(c['check'] for c in failed)}" if failed else "")
    )
    print(f"  {'baseline total':<34}{wall:9.3f} s")
    return {
        "path": "baseline",
        "ok": True,
        "error": None,
        "wall_s": round(wall, 4),
        "import_s": round(IMPORT_SECONDS, 4),
        "stages": stages.records,
        "counts": counts,
        "checks": checks,
        "db": db,
    }


def run_checks(con: duckdb.DuckDBPyConnection, as_of: str, known: list[str]) -> list[dict]:
    """expectations/gpu_prices.yaml as SQL: unexpected rows per expectation, over every row.

    Null values are not unexpected for value-set and range expectations (as in GX); pair
    expectations skip rows where either value is missing."""
    del known  # the suite names its currency set itself
    rules = {
        "quote_id_present": "quote_id is null",
        "gpu_model_present": "gpu_model is null",
        "observed_date_present": "observed_date is null",
        "source_present": "source is null",
        "price_type_known": f"price_type not in {_in(PRICE_TYPES)}",
        "price_unit_known": "price_unit not in ('usd_per_gpu', 'usd_per_gpu_hour')",
        "currency_known": "currency not in ('USD', 'EUR', 'JPY', 'CNY', 'GBP')",
        "one_price_unit_per_quote": "not has_one_price_unit",
        "quote_id_unique": "quote_id_occurrences <> 1",
        "one_price_per_source_row": "prices_per_source_row_and_type <> 1",
        "gpu_hour_low_le_mid": "usd_per_gpu_hour_low > usd_per_gpu_hour_mid",
        "gpu_hour_mid_le_high": "usd_per_gpu_hour_mid > usd_per_gpu_hour_high",
        "per_gpu_low_le_mid": "usd_per_gpu_low > usd_per_gpu_mid",
        "per_gpu_mid_le_high": "usd_per_gpu_mid > usd_per_gpu_high",
        "gpu_model_in_catalog": "not gpu_model_in_catalog",
        "gpu_hour_plausible": "usd_per_gpu_hour_mid not between 0.05 and 30",
        "h100_purchase_plausible": "gpu_model = 'H100' and price_type = 'purchase' and usd_per_gpu_mid not between 5000 and 80000",
        "purchase_plausible": "usd_per_gpu_mid not between 10 and 5000000",
        "prices_fresh": "days_since_latest_quote > 400",
    }
    sums = ",\n".join(f"count(*) filter (where coalesce({cond}, false)) as {name}" for name, cond in rules.items())
    row = con.execute(
        f"""
        with repeated_quotes as (
            select quote_id, count(*) as n from staging.gpu_prices group by quote_id having count(*) > 1
        ),
        repeated_rows as (
            select raw_row_id, gpu_model, price_type, count(*) as n
            from staging.gpu_prices group by all having count(*) > 1
        ),
        p as (
            select p.*,
                coalesce(p.source_url, p.source_publication) as source,
                k.gpu_model is not null as gpu_model_in_catalog,
                coalesce(q.n, 1) as quote_id_occurrences,
                coalesce(r.n, 1) as prices_per_source_row_and_type,
                (p.usd_per_gpu_mid is null) <> (p.usd_per_gpu_hour_mid is null) as has_one_price_unit,
                date_diff('day', (select max(observed_date) from staging.gpu_prices), cast(? as date))
                    as days_since_latest_quote
            from staging.gpu_prices p
            left join gpu_catalog k on k.gpu_model = p.gpu_model
            left join repeated_quotes q on q.quote_id = p.quote_id
            left join repeated_rows r
                on r.raw_row_id = p.raw_row_id and r.gpu_model = p.gpu_model and r.price_type = p.price_type
        )
        select {sums} from p
        """,
        [as_of],
    ).fetchone()
    severity = {"prices_fresh": "warn"}
    return [
        {"check": name, "unexpected": int(count), "passed": int(count) == 0, "severity": severity.get(name, "error")}
        for name, count in zip(rules, row)
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The GPU-price path in bare DuckDB.")
    parser.add_argument("--input", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--as-of", default="2026-11-01")
    parser.add_argument("--result")
    args = parser.parse_args(argv)
    print(f"baseline (bare DuckDB {duckdb.__version__}; imports {IMPORT_SECONDS:.2f} s)", flush=True)
    try:
        result = run(args.input, args.db, args.as_of)
    except Exception as err:
        traceback.print_exc()
        result = {"path": "baseline", "ok": False, "error": f"{type(err).__name__}: {err}", "stages": []}
    write_result(args.result, result)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
