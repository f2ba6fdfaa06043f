-- The rows the funding_events suite validates: the staged table plus columns derived
-- across rows and tables, so every expectation can be checked row by row.
select
    f.*,
    coalesce(f.source_url, f.source_publication) as source,
    f.currency = 'USD' or f.currency in (select currency from ref.fx_rates) as currency_has_fx_rate,
    c.company is not null as company_in_reference,
    f.vendor_investor is null or v.sells_compute as vendor_sells_compute,
    count(*) over (partition by f.event_id) as event_id_occurrences,
    count(distinct f.company) over (partition by f.round_id) as companies_in_round,
    sum(f.amount_usd_mid) filter (where f.instrument <> 'valuation') over (partition by f.round_id) as round_tranches_usd_mid,
    -- a stated total is checked against the round's latest stage: the tranches no later
    -- event supersedes (a superseded row's total is history and is not checked)
    case when f.superseded_by is null then abs(
        sum(f.amount_usd_mid) filter (where f.instrument <> 'valuation' and f.superseded_by is null)
            over (partition by f.round_id)
        - f.round_total_usd_mid
    ) / nullif(f.round_total_usd_mid, 0) end as round_total_gap,
    -- a later stage cannot be known to come before the stage it supersedes
    not coalesce(known_before(later.announced_date, later.announced_date_precision, f.announced_date), false)
        as superseded_by_is_not_earlier,
    date_diff('day', cast($as_of as date), f.announced_date) as days_after_as_of,
    (f.part_of is null or f.part_of in (select event_id from staging.funding_events))
        and (f.superseded_by is null or f.superseded_by in (select event_id from staging.funding_events))
        and (f.same_fact_as is null or f.same_fact_as in (select event_id from staging.funding_events))
        as links_resolve,
    -- the first free-text value a spreadsheet would run as a formula (it begins with = + - @,
    -- a tab or a carriage return), '' when none does: the warn check text_not_formula reads
    -- this one column, so it groups a few values rather than every distinct note
    coalesce(
        formula_like(f.event_id),
        formula_like(f.round_id),
        formula_like(f.round_name),
        formula_like(f.investors),
        formula_like(f.source_url),
        formula_like(f.source_publication),
        formula_like(f.notes),
        ''
    ) as formula_like_text,
    -- '<id>: <site>' when the source URL is a site on reference/source_domains.csv (one
    -- that republishes others' reporting), so the figure names no original source
    (select f.event_id || ': ' || min(d.domain) from ref.source_domains as d
        where source_host(f.source_url) = d.domain or source_host(f.source_url) like '%.' || d.domain)
        as aggregator_only_source
from staging.funding_events as f
left join ref.companies as c on c.company = f.company
left join ref.companies as v on v.company = f.vendor_investor
left join staging.funding_events as later on later.event_id = f.superseded_by
