-- The rows the alt_currency_figures suite validates: does each restatement point at a
-- staged figure, and is the exchange rate it implies near the FX table's at its date?
with dollar_figures as (
    select 'funding_events' as entity, event_id as row_id, 'amount' as figure, amount_usd_mid as usd_mid
    from staging.funding_events
    union all
    select 'funding_events', event_id, 'vendor_amount', vendor_amount_usd_mid
    from staging.funding_events
    union all
    select 'cash_burn', figure_id, 'amount', amount_usd_mid
    from staging.cash_burn
    union all
    select 'clusters', cluster_id, 'reported_capex', reported_capex_usd_mid
    from staging.clusters
    union all
    select 'clusters', cluster_id, 'calculated_capex', calculated_capex_usd_mid
    from staging.clusters
),

checked as (
    select
        a.*,
        coalesce(a.source_url, a.source_publication) as source,
        a.alt_currency = 'USD' or a.alt_currency in (select currency from ref.fx_rates) as currency_has_fx_rate,
        exists (
            select 1 from dollar_figures as d where d.entity = a.entity and d.row_id = a.row_id
        ) as restated_row_found,
        count(*) over (partition by a.entity, a.row_id, a.figure, a.alt_currency) as restatement_occurrences,
        a.alt_amount_mid / nullif(
            (select d.usd_mid from dollar_figures as d where (d.entity, d.row_id, d.figure) = (a.entity, a.row_id, a.figure)), 0
        ) as implied_units_per_usd
    from staging.alt_currency_figures as a
)

select
    c.*,
    -- a restatement is a typo or the wrong figure when its implied rate is more than 25%
    -- from the FX table's rate at the source's date (null when either is missing)
    abs(c.implied_units_per_usd / case when c.alt_currency = 'USD' then 1.0 else fx.units_per_usd end - 1) <= 0.25
        as implied_rate_near_fx_table,
    -- the first free-text value a spreadsheet would run as a formula (it begins with = + - @,
    -- a tab or a carriage return), '' when none does: the warn check text_not_formula reads
    -- this one column, so it groups a few values rather than every distinct note
    coalesce(
        formula_like(c.row_id),
        formula_like(c.source_url),
        formula_like(c.source_publication),
        formula_like(c.notes),
        ''
    ) as formula_like_text,
    -- '<row>: <site>' when the source URL is a site on reference/source_domains.csv
    (select c.row_id || ': ' || min(d.domain) from ref.source_domains as d
        where source_host(c.source_url) = d.domain or source_host(c.source_url) like '%.' || d.domain)
        as aggregator_only_source
from checked as c
asof left join ref.fx_rates as fx
    on fx.currency = c.alt_currency and coalesce(c.source_date, cast($as_of as date)) >= fx.rate_date
