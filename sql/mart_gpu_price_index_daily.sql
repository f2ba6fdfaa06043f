-- What a GPU-hour (or a GPU) costs day by day: one row per day, GPU family (`gpu_model`),
-- variant, provider family and price type, at the same four levels as the monthly index
-- (a null gpu_variant or provider_family meaning "all"; `variants_mixed` and
-- `provider_families_mixed` say what a row mixes).
--
-- A provider's price of a day (its one price per variant and price type,
-- marts.gpu_price_provider_days) counts on that day and on the following days until the provider
-- gives a newer one, for at most $staleness_days days, its own day included: a price older
-- than that no longer counts, so a provider that stopped publishing drops out rather than
-- holding the index up. `carried_price_count` says how many of a day's prices come from
-- an earlier day. No day after $last_day is written.
--
-- `median_usd` and `trimmed_mean_usd` (the mean of the prices left after dropping the
-- lowest and highest 10%, rounded down: none of them below 10 prices) are over those
-- prices; `quote_count` counts the quotes behind them. A run computes the days of
-- $months and the days of the month after them that a price from them still reaches
-- (every day when $months is null). Methodology: docs/price-index.md.
with live as (
    select
        *,
        least(
            coalesce(
                date_diff(
                    'day',
                    observed_date,
                    lead(observed_date) over (
                        partition by gpu_variant, provider_family, price_type, price_unit, provider_key
                        order by observed_date
                    )
                ),
                $staleness_days
            ),
            $staleness_days,
            date_diff('day', observed_date, $last_day::date) + 1
        ) as days_counted
    from marts.gpu_price_provider_days
    -- the days a price from $months reaches and the prices that reach them
    where $months is null or observed_date between $day_from and $day_to
),

prices_by_day as (
    select
        cast(observed_date + to_days(age::integer) as date) as day,
        age,
        gpu_model,
        gpu_variant,
        provider_family,
        price_type,
        price_unit,
        provider_key,
        quotes,
        price_usd
    from (select *, unnest(range(days_counted)) as age from live)
),

wanted as (
    select *
    from prices_by_day
    where $months is null
        or list_contains($months, cast(date_trunc('month', day) as date))
        or list_contains($months, cast(date_trunc('month', day - to_days($staleness_days - 1)) as date))
)

select
    day,
    gpu_model,
    gpu_variant,
    provider_family,
    price_type,
    price_unit,
    array_to_string(list_sort(list(distinct gpu_variant)), ', ') as variants_mixed,
    array_to_string(list_sort(list(distinct provider_family)), ', ') as provider_families_mixed,
    sum(quotes)::bigint as quote_count,
    count(distinct provider_key) as provider_count,
    count(*) filter (where age > 0) as carried_price_count,
    median(price_usd) as median_usd,
    list_avg(
        list_slice(
            list_sort(list(price_usd)),
            (count(*) // 10) + 1,
            count(*) - (count(*) // 10)
        )
    ) as trimmed_mean_usd,
    $staleness_days::integer as staleness_days,
    $methodology_version::integer as methodology_version
from wanted
group by grouping sets (
    (day, gpu_model, gpu_variant, provider_family, price_type, price_unit),
    (day, gpu_model, gpu_variant, price_type, price_unit),
    (day, gpu_model, provider_family, price_type, price_unit),
    (day, gpu_model, price_type, price_unit)
)
order by gpu_model, gpu_variant nulls first, provider_family nulls first, price_type, price_unit, day
