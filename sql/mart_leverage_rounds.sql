-- How each funding round splits into equity, debt and vendor money.
-- One row per company and round, US dollars. Debt counts debt, convertible notes,
-- lease/SPV financing and vendor financing. Ratio ranges take the ends that make the
-- ratio lowest (low) and highest (high); mid is mid over mid. Where two sources give the
-- same tranche, the preferred one counts (see marts.source_conflicts). A tranche
-- superseded by a later event counts nowhere; one that is part of another event counts in
-- that event's round as vendor money only (its amount is inside the other's). equity,
-- debt and vendor columns include money that binds nobody yet (a letter of intent, money
-- only reported); *_binding_usd_mid counts binding money alone.
with tranches as (
    select
        t.* replace (coalesce(p.round_id, t.round_id) as round_id),
        t.part_of is not null as folded
    from staging.funding_events as t
    left join staging.funding_events as p on p.event_id = t.part_of and p.is_preferred
    where t.instrument <> 'valuation'
        and t.is_preferred
        and t.superseded_by is null
),

valuations as (
    select
        company,
        round_id,
        max(amount_usd_low) as post_money_valuation_usd_low,
        max(amount_usd_mid) as post_money_valuation_usd_mid,
        max(amount_usd_high) as post_money_valuation_usd_high
    from staging.funding_events
    where instrument = 'valuation'
        and is_preferred
    group by all
),

rounds as (
    select
        company,
        round_id,
        -- the earliest tranche's name (the event id breaks a tie between tranches of one day)
        any_value(round_name order by announced_date, event_id) as round_name,
        min(announced_date) as announced_date,
        max(closed_date) as closed_date,
        -- the least settled tranche sets the round's status
        arg_min(status, case status
            when 'disputed' then 0 when 'rumored' then 1 when 'reported' then 2
            when 'announced' then 3 else 4 end) as status,
        count(*) filter (where not folded) as tranche_count,
        coalesce(sum(amount_usd_low) filter (where instrument = 'equity' and not folded), 0) as equity_usd_low,
        coalesce(sum(amount_usd_mid) filter (where instrument = 'equity' and not folded), 0) as equity_usd_mid,
        coalesce(sum(amount_usd_high) filter (where instrument = 'equity' and not folded), 0) as equity_usd_high,
        coalesce(sum(amount_usd_low) filter (where instrument <> 'equity' and not folded), 0) as debt_usd_low,
        coalesce(sum(amount_usd_mid) filter (where instrument <> 'equity' and not folded), 0) as debt_usd_mid,
        coalesce(sum(amount_usd_high) filter (where instrument <> 'equity' and not folded), 0) as debt_usd_high,
        coalesce(sum(amount_usd_mid) filter (where instrument = 'equity' and not folded and binding), 0)
            as equity_binding_usd_mid,
        coalesce(sum(amount_usd_mid) filter (where instrument <> 'equity' and not folded and binding), 0)
            as debt_binding_usd_mid,
        coalesce(sum(vendor_amount_usd_mid) filter (where binding), 0) as vendor_binding_usd_mid,
        coalesce(sum(vendor_amount_usd_low), 0) as vendor_usd_low,
        coalesce(sum(vendor_amount_usd_mid), 0) as vendor_usd_mid,
        coalesce(sum(vendor_amount_usd_high), 0) as vendor_usd_high,
        coalesce(sum(vendor_amount_usd_low) filter (where instrument = 'equity'), 0) as vendor_equity_usd_low,
        coalesce(sum(vendor_amount_usd_mid) filter (where instrument = 'equity'), 0) as vendor_equity_usd_mid,
        coalesce(sum(vendor_amount_usd_high) filter (where instrument = 'equity'), 0) as vendor_equity_usd_high,
        -- lists sorted, so two runs on the same inputs give the same text
        string_agg(distinct vendor_investor, ', ' order by vendor_investor) as vendor_investors,
        string_agg(distinct coalesce(source_url, source_publication), ' | '
            order by coalesce(source_url, source_publication)) as sources,
        string_agg(distinct dataset, ', ' order by dataset) as datasets
    from tranches
    group by company, round_id
)

select
    r.company,
    r.round_id,
    r.round_name,
    r.announced_date,
    r.closed_date,
    r.status,
    r.tranche_count,
    r.equity_usd_low,
    r.equity_usd_mid,
    r.equity_usd_high,
    r.debt_usd_low,
    r.debt_usd_mid,
    r.debt_usd_high,
    r.vendor_usd_low,
    r.vendor_usd_mid,
    r.vendor_usd_high,
    r.equity_binding_usd_mid,
    r.debt_binding_usd_mid,
    r.vendor_binding_usd_mid,
    r.equity_usd_low + r.debt_usd_low as total_usd_low,
    r.equity_usd_mid + r.debt_usd_mid as total_usd_mid,
    r.equity_usd_high + r.debt_usd_high as total_usd_high,
    r.debt_usd_low / nullif(r.equity_usd_high, 0) as debt_to_equity_low,
    r.debt_usd_mid / nullif(r.equity_usd_mid, 0) as debt_to_equity_mid,
    r.debt_usd_high / nullif(r.equity_usd_low, 0) as debt_to_equity_high,
    r.debt_usd_low / nullif(r.debt_usd_low + r.equity_usd_high, 0) as debt_share_low,
    r.debt_usd_mid / nullif(r.debt_usd_mid + r.equity_usd_mid, 0) as debt_share_mid,
    r.debt_usd_high / nullif(r.debt_usd_high + r.equity_usd_low, 0) as debt_share_high,
    r.vendor_equity_usd_low / nullif(r.equity_usd_high, 0) as vendor_share_of_equity_low,
    r.vendor_equity_usd_mid / nullif(r.equity_usd_mid, 0) as vendor_share_of_equity_mid,
    least(r.vendor_equity_usd_high / nullif(r.equity_usd_low, 0), 1) as vendor_share_of_equity_high,
    v.post_money_valuation_usd_low,
    v.post_money_valuation_usd_mid,
    v.post_money_valuation_usd_high,
    r.vendor_investors,
    r.datasets,
    r.sources
from rounds as r
left join valuations as v using (company, round_id)
order by r.company, r.announced_date, r.round_id
