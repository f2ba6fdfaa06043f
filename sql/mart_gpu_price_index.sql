-- What a GPU costs over time: one row per month, GPU family (`gpu_model`), variant,
-- provider family and price type, with the 10th percentile, median and 90th percentile of
-- the providers' prices, from the curated price points and the daily quote feed together.
--
-- Rows at four levels (the SQL grouping-set convention, a null meaning "all"):
--   gpu_variant and provider_family given   one variant from one kind of seller
--   gpu_variant given, provider_family null  one variant from every seller
--   gpu_variant null, provider_family given  the family's variants mixed, one kind of seller
--   both null                                the family roll-up: every variant, every seller
-- `variants_mixed` and `provider_families_mixed` say what a row mixes. A variant named
-- like its family ("H100") is a quote that did not say which H100 it was. Spot, on-demand,
-- reserved and purchase prices are never mixed (`price_type`).
--
-- Each provider weighs the same however many regions or zones it lists: the statistics are
-- over its one price a day per variant and price type (marts.gpu_price_provider_days,
-- brought up to date before this runs; `provider_count` counts providers,
-- `quote_count` the quotes behind their prices). Purchase types are US dollars per GPU,
-- rentals per GPU-hour (price_unit says which). A run computes $months (every month when
-- $months is null): a day's load rebuilds its month. `methodology_version`
-- ($methodology_version, set in assets/price_index.py; docs/price-index.md) changes when
-- the method does, and a run then rebuilds every month.
select
    month,
    gpu_model,
    gpu_variant,
    provider_family,
    price_type,
    price_unit,
    array_to_string(list_sort(list(distinct gpu_variant)), ', ') as variants_mixed,
    array_to_string(list_sort(list(distinct provider_family)), ', ') as provider_families_mixed,
    sum(quotes)::bigint as quote_count,
    quantile_cont(price_usd, 0.1) as p10_usd,
    median(price_usd) as median_usd,
    quantile_cont(price_usd, 0.9) as p90_usd,
    min(low_usd) as min_quoted_usd,
    max(high_usd) as max_quoted_usd,
    count(distinct provider_key) as provider_count,
    $methodology_version::integer as methodology_version
from marts.gpu_price_provider_days
where $months is null or list_contains($months, month)
group by grouping sets (
    (month, gpu_model, gpu_variant, provider_family, price_type, price_unit),
    (month, gpu_model, gpu_variant, price_type, price_unit),
    (month, gpu_model, provider_family, price_type, price_unit),
    (month, gpu_model, price_type, price_unit)
)
order by gpu_model, gpu_variant nulls first, provider_family nulls first, price_type, price_unit, month
