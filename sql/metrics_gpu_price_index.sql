-- The GPU price numbers the index's page plots across runs: the latest month's median
-- on-demand price per GPU-hour (US dollars) for H100, H200 and B200.
with latest as (
    select gpu_model, arg_max(median_usd, month) as median_usd
    from marts.gpu_price_index
    where price_type = 'on_demand' and price_unit = 'usd_per_gpu_hour'
        and gpu_variant is null and provider_family is null  -- the family roll-up
    group by gpu_model
)

select
    max(median_usd) filter (where gpu_model = 'H100') as h100_on_demand_usd_per_gpu_hour,
    max(median_usd) filter (where gpu_model = 'H200') as h200_on_demand_usd_per_gpu_hour,
    max(median_usd) filter (where gpu_model = 'B200') as b200_on_demand_usd_per_gpu_hour
from latest
