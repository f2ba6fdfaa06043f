-- What `compute-ledger run` prints for marts.gpu_price_index: the latest month of each
-- GPU family and price type, every variant and seller together (the family roll-up).
select
    gpu_model,
    price_type,
    price_unit,
    month,
    quote_count,
    p10_usd,
    median_usd,
    p90_usd
from marts.gpu_price_index
where gpu_variant is null and provider_family is null
qualify month = max(month) over (partition by gpu_model, price_type)
order by gpu_model, price_type
