-- Figures a source printed in two currencies, side by side: the exchange rate each
-- restatement implies, the median rate implied across the same source's figures, and the
-- FX table's rate at the source's date. A restatement far from its source's median
-- points at a typo in one of the two figures.
with dollar_figures as (
    select 'funding_events' as entity, event_id as row_id, 'amount' as figure, amount_usd_mid as usd_mid
    from staging.funding_events
    union all
    select 'funding_events', event_id, 'vendor_amount', vendor_amount_usd_mid
    from staging.funding_events
    where vendor_amount_usd_mid is not null
    union all
    select 'cash_burn', figure_id, 'amount', amount_usd_mid
    from staging.cash_burn
    union all
    select 'clusters', cluster_id, 'reported_capex', reported_capex_usd_mid
    from staging.clusters
    where reported_capex_usd_mid is not null
    union all
    select 'clusters', cluster_id, 'calculated_capex', calculated_capex_usd_mid
    from staging.clusters
    where calculated_capex_usd_mid is not null
),

restated as (
    select
        a.entity,
        a.row_id,
        a.figure,
        a.alt_currency,
        a.alt_amount_mid,
        d.usd_mid,
        a.alt_amount_mid / nullif(d.usd_mid, 0) as implied_units_per_usd,
        coalesce(a.source_publication, a.source_url) as source,
        a.source_date
    from staging.alt_currency_figures as a
    left join dollar_figures as d using (entity, row_id, figure)
),

with_median as (
    select
        *,
        median(implied_units_per_usd) over (partition by source, alt_currency) as source_median_units_per_usd
    from restated
)

select
    m.entity,
    m.row_id,
    m.figure,
    m.usd_mid,
    m.alt_currency,
    m.alt_amount_mid,
    m.implied_units_per_usd,
    m.source_median_units_per_usd,
    m.implied_units_per_usd / m.source_median_units_per_usd - 1 as deviation_from_source_median,
    coalesce(fx.units_per_usd, usd.one) as fx_table_units_per_usd,
    fx.rate_date as fx_table_rate_date,
    m.implied_units_per_usd / coalesce(fx.units_per_usd, usd.one) - 1 as deviation_from_fx_table,
    m.usd_mid is not null as dollar_figure_found,
    m.source,
    m.source_date
from with_median as m
-- a restatement in dollars is compared with 1 dollar per dollar
left join (select 'USD' as currency, 1.0 as one) as usd on usd.currency = m.alt_currency
asof left join ref.fx_rates as fx
    on fx.currency = m.alt_currency and m.source_date >= fx.rate_date
order by m.source, m.entity, m.row_id, m.figure, m.alt_currency, m.alt_amount_mid, m.source_date
