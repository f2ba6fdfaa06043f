-- What a GPU costs over time: one row per month, GPU model and price type, with the
-- 10th percentile, median and 90th percentile of the quotes' mid prices and how many
-- quotes there were, from the curated price points and the daily quote feed together.
-- Purchase types are US dollars per GPU, rentals per GPU-hour (price_unit says which).
-- Only the months in $months are computed (all when it is null): a day's load rebuilds
-- its month.
with quotes as (
    select observed_date, gpu_model, price_type, price_unit, usd_per_gpu_low, usd_per_gpu_mid,
        usd_per_gpu_high, usd_per_gpu_hour_low, usd_per_gpu_hour_mid, usd_per_gpu_hour_high
    from staging.gpu_prices
    where $months is null or list_contains($months, cast(date_trunc('month', observed_date) as date))
    union all
    select observed_date, gpu_model, price_type, price_unit, usd_per_gpu_low, usd_per_gpu_mid,
        usd_per_gpu_high, usd_per_gpu_hour_low, usd_per_gpu_hour_mid, usd_per_gpu_hour_high
    from staging.gpu_price_quotes
    where $months is null or list_contains($months, cast(date_trunc('month', observed_date) as date))
)

select
    cast(date_trunc('month', observed_date) as date) as month,
    gpu_model,
    price_type,
    price_unit,
    count(*) as quote_count,
    quantile_cont(coalesce(usd_per_gpu_mid, usd_per_gpu_hour_mid), 0.1) as p10_usd,
    median(coalesce(usd_per_gpu_mid, usd_per_gpu_hour_mid)) as median_usd,
    quantile_cont(coalesce(usd_per_gpu_mid, usd_per_gpu_hour_mid), 0.9) as p90_usd,
    min(coalesce(usd_per_gpu_low, usd_per_gpu_hour_low)) as min_quoted_usd,
    max(coalesce(usd_per_gpu_high, usd_per_gpu_hour_high)) as max_quoted_usd
from quotes
group by all
order by gpu_model, price_type, price_unit, month
