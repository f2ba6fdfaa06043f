-- What `compute-ledger run` prints for marts.gpu_price_index_daily: each GPU variant's
-- on-demand price per GPU-hour from each kind of seller, on the latest day a price of it
-- still counted.
select
    gpu_model,
    gpu_variant,
    provider_family,
    day,
    provider_count,
    median_usd,
    trimmed_mean_usd
from marts.gpu_price_index_daily
where price_type = 'on_demand' and gpu_variant is not null and provider_family is not null
qualify day = max(day) over (partition by gpu_model, gpu_variant, provider_family)
order by gpu_model, gpu_variant, provider_family
