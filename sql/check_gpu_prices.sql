-- The rows the gpu_prices suite validates, with derived columns for the cross-row and
-- cross-table expectations. Repeated ids are counted with grouped joins rather than window
-- functions: on millions of quotes a hash aggregate is several times cheaper.
with repeated_quotes as (
    select quote_id, count(*) as quote_id_occurrences
    from staging.gpu_prices
    group by quote_id
    having count(*) > 1
),

repeated_source_rows as (
    select raw_row_id, gpu_model, price_type, count(*) as prices_per_source_row_and_type
    from staging.gpu_prices
    group by all
    having count(*) > 1
),

-- the cheapest on-demand price of each provider, GPU variant, region and day: a spot price above
-- it is a feed error (spot is the interruptible discount), flagged by spot_not_above_on_demand
on_demand as (
    select provider, gpu_variant, coalesce(region, '') as region, observed_date,
        min(usd_per_gpu_hour_mid) as on_demand_usd_per_gpu_hour
    from staging.gpu_prices
    where price_type = 'on_demand' and provider is not null
    group by all
),

-- the site on reference/source_domains.csv (one that republishes others' reporting) each
-- distinct source URL is on: once per URL, not once per quote (a correlated lookup per row
-- cost 11 s of validation at a million quotes)
aggregator_urls as (
    select u.source_url, min(d.domain) as domain
    from (select distinct source_url from staging.gpu_prices where source_url is not null) as u
    join ref.source_domains as d
        on source_host(u.source_url) = d.domain or source_host(u.source_url) like '%.' || d.domain
    group by u.source_url
)

select
    p.*,
    coalesce(p.source_url, p.source_publication) as source,
    p.currency = 'USD' or p.currency in (select currency from ref.fx_rates) as currency_has_fx_rate,
    k.gpu_model is not null as gpu_model_in_catalog,
    coalesce(r.quote_id_occurrences, 1) as quote_id_occurrences,
    coalesce(s.prices_per_source_row_and_type, 1) as prices_per_source_row_and_type,
    (p.usd_per_gpu_mid is null) <> (p.usd_per_gpu_hour_mid is null) as has_one_price_unit,
    date_diff('day', (select max(observed_date) from staging.gpu_prices), cast($as_of as date)) as days_since_latest_quote,
    -- the first free-text value a spreadsheet would run as a formula (it begins with = + - @,
    -- a tab or a carriage return), '' when none does: the warn check text_not_formula reads
    -- this one column, so it groups a few values rather than every distinct note
    coalesce(
        formula_like(p.quote_id),
        formula_like(p.provider),
        formula_like(p.region),
        formula_like(p.source_url),
        formula_like(p.source_publication),
        formula_like(p.notes),
        ''
    ) as formula_like_text,
    -- '<id>: <site>' when the source URL is a site on reference/source_domains.csv, so the
    -- figure names no original source
    case when g.domain is not null then p.quote_id || ': ' || g.domain end as aggregator_only_source,
    -- '<id>: spot $x above on-demand $y' for a spot price above the same provider's
    -- on-demand price for the same model, region and day
    case when p.price_type = 'spot' and p.usd_per_gpu_hour_mid > o.on_demand_usd_per_gpu_hour
        then p.quote_id || ': spot $' || round(p.usd_per_gpu_hour_mid, 2) || ' above on-demand $'
            || round(o.on_demand_usd_per_gpu_hour, 2) || ' per GPU-hour'
    end as spot_above_on_demand
from staging.gpu_prices as p
left join ref.gpu_catalog as k on k.gpu_variant = p.gpu_variant
left join repeated_quotes as r on r.quote_id = p.quote_id
left join repeated_source_rows as s
    on s.raw_row_id = p.raw_row_id and s.gpu_model = p.gpu_model and s.price_type = p.price_type
left join aggregator_urls as g on g.source_url = p.source_url
left join on_demand as o
    on p.price_type = 'spot' and o.provider = p.provider and o.gpu_variant = p.gpu_variant
    and o.region = coalesce(p.region, '') and o.observed_date = p.observed_date
