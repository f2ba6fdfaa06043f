-- Each provider's one price a day per GPU variant and price type: the median of its quotes
-- that day over its regions and zones, so a provider that lists every zone weighs the same
-- as one that lists a region once. The price index's input (marts.gpu_price_index and
-- marts.gpu_price_index_daily), from the curated price points and the daily quote feed
-- together; a price point with no provider is a provider of its own (its raw row).
-- `quotes` counts the quotes behind each price, `low_usd` and `high_usd` are the lowest
-- and highest they quoted.
--
-- A run computes the days in audit.price_days_touched, those whose prices a load added,
-- replaced or removed (every day when $every_day is true): a day of quotes costs that
-- day's rows, not the whole history's.
with quotes as (
    select observed_date, gpu_model, gpu_variant, provider_family, price_type, price_unit, provider, raw_row_id,
        usd_per_gpu_low, usd_per_gpu_mid, usd_per_gpu_high, usd_per_gpu_hour_low, usd_per_gpu_hour_mid, usd_per_gpu_hour_high
    from staging.gpu_prices
    where $every_day or observed_date in (select day from audit.price_days_touched)
    union all
    select observed_date, gpu_model, gpu_variant, provider_family, price_type, price_unit, provider, raw_row_id,
        usd_per_gpu_low, usd_per_gpu_mid, usd_per_gpu_high, usd_per_gpu_hour_low, usd_per_gpu_hour_mid, usd_per_gpu_hour_high
    from staging.gpu_price_quotes
    where $every_day or observed_date in (select day from audit.price_days_touched)
)

select
    cast(date_trunc('month', observed_date) as date) as month,
    observed_date,
    gpu_model,
    gpu_variant,
    provider_family,
    price_type,
    price_unit,
    coalesce(lower(trim(provider)), raw_row_id) as provider_key,
    count(*) as quotes,
    median(coalesce(usd_per_gpu_mid, usd_per_gpu_hour_mid)) as price_usd,
    min(coalesce(usd_per_gpu_low, usd_per_gpu_hour_low)) as low_usd,
    max(coalesce(usd_per_gpu_high, usd_per_gpu_hour_high)) as high_usd,
    $methodology_version::integer as methodology_version
from quotes
group by all
-- by day, so that the index's reads of a month skip the other months' blocks
order by observed_date, gpu_model, gpu_variant, provider_family, price_type, price_unit, provider_key
