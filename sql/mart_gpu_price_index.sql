-- What a GPU costs over time: one row per month, GPU model and price type, with the
-- 10th percentile, median and 90th percentile of the providers' prices, from the curated
-- price points and the daily quote feed together. Each provider weighs the same however
-- many regions or zones it lists: its quotes of a model and price type on one day become
-- one price (their median) before the statistics across providers (`provider_count`;
-- `quote_count` counts the quotes behind them, and a price point with no provider counts
-- as one of its own). Purchase types are US dollars per GPU, rentals per GPU-hour
-- (price_unit says which). Only the months in $months are computed (all when it is null):
-- a day's load rebuilds its month. `methodology_version` ($methodology_version, set in
-- assets/price_index.py) changes when the method does, and a run then rebuilds every month:
-- 1 counted every quote alike, 2 weighs providers.
with quotes as (
    select observed_date, gpu_model, price_type, price_unit, provider, raw_row_id, usd_per_gpu_low, usd_per_gpu_mid,
        usd_per_gpu_high, usd_per_gpu_hour_low, usd_per_gpu_hour_mid, usd_per_gpu_hour_high
    from staging.gpu_prices
    where $months is null or list_contains($months, cast(date_trunc('month', observed_date) as date))
    union all
    select observed_date, gpu_model, price_type, price_unit, provider, raw_row_id, usd_per_gpu_low, usd_per_gpu_mid,
        usd_per_gpu_high, usd_per_gpu_hour_low, usd_per_gpu_hour_mid, usd_per_gpu_hour_high
    from staging.gpu_price_quotes
    where $months is null or list_contains($months, cast(date_trunc('month', observed_date) as date))
),

-- one price per provider, model, price type and day: the median of its regions and zones
provider_days as (
    select
        observed_date,
        gpu_model,
        price_type,
        price_unit,
        coalesce(lower(trim(provider)), raw_row_id) as provider_key,
        count(*) as quotes,
        median(coalesce(usd_per_gpu_mid, usd_per_gpu_hour_mid)) as price_usd,
        min(coalesce(usd_per_gpu_low, usd_per_gpu_hour_low)) as low_usd,
        max(coalesce(usd_per_gpu_high, usd_per_gpu_hour_high)) as high_usd
    from quotes
    group by all
)

select
    cast(date_trunc('month', observed_date) as date) as month,
    gpu_model,
    price_type,
    price_unit,
    sum(quotes)::bigint as quote_count,
    quantile_cont(price_usd, 0.1) as p10_usd,
    median(price_usd) as median_usd,
    quantile_cont(price_usd, 0.9) as p90_usd,
    min(low_usd) as min_quoted_usd,
    max(high_usd) as max_quoted_usd,
    count(distinct provider_key) as provider_count,
    $methodology_version::integer as methodology_version
from provider_days
group by all
order by gpu_model, price_type, price_unit, month
