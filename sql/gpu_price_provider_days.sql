-- The price index's input: one price per provider, GPU variant, price type and day — the
-- median of the provider's quotes that day over its regions and zones — so a provider that
-- lists every zone weighs the same as one that lists a region once. From the curated price
-- points and the daily quote feed together; a price point with no provider is a provider
-- of its own (its raw row). `quotes` counts the quotes behind each price.
--
-- Only the days from $day_from to $day_to are read (every day when they are null): the
-- index's months to rebuild and the staleness window either side, which the daily index
-- carries a price over (assets/price_index.py sets them).
with quotes as (
    select observed_date, gpu_model, gpu_variant, provider_family, price_type, price_unit, provider, raw_row_id,
        usd_per_gpu_low, usd_per_gpu_mid, usd_per_gpu_high, usd_per_gpu_hour_low, usd_per_gpu_hour_mid, usd_per_gpu_hour_high
    from staging.gpu_prices
    where ($day_from is null or observed_date >= $day_from) and ($day_to is null or observed_date <= $day_to)
    union all
    select observed_date, gpu_model, gpu_variant, provider_family, price_type, price_unit, provider, raw_row_id,
        usd_per_gpu_low, usd_per_gpu_mid, usd_per_gpu_high, usd_per_gpu_hour_low, usd_per_gpu_hour_mid, usd_per_gpu_hour_high
    from staging.gpu_price_quotes
    where ($day_from is null or observed_date >= $day_from) and ($day_to is null or observed_date <= $day_to)
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
    max(coalesce(usd_per_gpu_high, usd_per_gpu_hour_high)) as high_usd
from quotes
group by all
