-- The GPU price chart: the monthly median price with its p10–p90 band for H100, H200 and
-- B200, rentals in US dollars per GPU-hour and purchases in US dollars per GPU, from
-- marts.gpu_price_index.
select month, gpu_model, price_type, price_unit, quote_count, p10_usd, median_usd, p90_usd
from marts.gpu_price_index
where gpu_model in ('H100', 'H200', 'B200')
    and gpu_variant is null and provider_family is null  -- the family roll-up
order by price_unit, gpu_model, price_type, month
