-- Each company's leverage as of $as_of: cumulative equity, debt and vendor money raised,
-- the latest post-money valuation, and debt against equity, capital, valuation and
-- annual net burn (from marts.net_burn).
-- Counts tranches announced on or before $as_of that are reported, announced or closed
-- (rumored and disputed ones are left out), the preferred source's where two disagree.
-- A tranche superseded by a later event counts nowhere; one that is part of another
-- event (its money inside that event's amount) counts as vendor money only, so no money is
-- counted twice. equity_usd_*, debt_usd_* and vendor_usd_* include money that binds
-- nobody yet (a letter of intent, money only reported); the *_binding_usd_* columns count
-- binding money alone. US dollars; ranges low / mid / high.
with money as (
    select
        *,
        -- money this row adds to the totals (a tranche inside another event's amount adds none)
        instrument = 'equity' and part_of is null as counted_equity,
        instrument not in ('equity', 'valuation') and part_of is null as counted_debt
    from staging.funding_events
    where announced_date <= cast($as_of as date)
        and status in ('reported', 'announced', 'closed')
        and is_preferred
        and superseded_by is null
),

totals as (
    select
        company,
        max(announced_date) as latest_event_date,
        count(*) filter (where counted_equity or counted_debt) as tranche_count,
        coalesce(sum(amount_usd_low) filter (where counted_equity), 0) as equity_usd_low,
        coalesce(sum(amount_usd_mid) filter (where counted_equity), 0) as equity_usd_mid,
        coalesce(sum(amount_usd_high) filter (where counted_equity), 0) as equity_usd_high,
        coalesce(sum(amount_usd_low) filter (where counted_debt), 0)
            as debt_usd_low,
        coalesce(sum(amount_usd_mid) filter (where counted_debt), 0)
            as debt_usd_mid,
        coalesce(sum(amount_usd_high) filter (where counted_debt), 0)
            as debt_usd_high,
        coalesce(sum(vendor_amount_usd_low), 0) as vendor_usd_low,
        coalesce(sum(vendor_amount_usd_mid), 0) as vendor_usd_mid,
        coalesce(sum(vendor_amount_usd_high), 0) as vendor_usd_high,
        coalesce(sum(amount_usd_low) filter (where counted_equity and binding), 0)
            as equity_binding_usd_low,
        coalesce(sum(amount_usd_mid) filter (where counted_equity and binding), 0)
            as equity_binding_usd_mid,
        coalesce(sum(amount_usd_high) filter (where counted_equity and binding), 0)
            as equity_binding_usd_high,
        coalesce(sum(amount_usd_low) filter (where counted_debt and binding), 0)
            as debt_binding_usd_low,
        coalesce(sum(amount_usd_mid) filter (where counted_debt and binding), 0)
            as debt_binding_usd_mid,
        coalesce(sum(amount_usd_high) filter (where counted_debt and binding), 0)
            as debt_binding_usd_high,
        coalesce(sum(vendor_amount_usd_low) filter (where binding), 0) as vendor_binding_usd_low,
        coalesce(sum(vendor_amount_usd_mid) filter (where binding), 0) as vendor_binding_usd_mid,
        coalesce(sum(vendor_amount_usd_high) filter (where binding), 0) as vendor_binding_usd_high
    from money
    group by company
),

latest_valuation as (
    select
        company,
        -- the latest valuation; of two on one day, the higher event id, so low, mid and
        -- high come from one row and the choice is always the same
        arg_max(amount_usd_low, (announced_date, event_id)) as post_money_valuation_usd_low,
        arg_max(amount_usd_mid, (announced_date, event_id)) as post_money_valuation_usd_mid,
        arg_max(amount_usd_high, (announced_date, event_id)) as post_money_valuation_usd_high,
        max(announced_date) as valuation_date
    from money
    where instrument = 'valuation'
    group by company
),

interest as (
    select
        value_low as interest_rate_low,
        value_mid as interest_rate_mid,
        value_high as interest_rate_high
    from ref.assumptions
    where name = 'interest_rate'
)

select
    t.company,
    t.latest_event_date,
    t.tranche_count,
    t.equity_usd_low,
    t.equity_usd_mid,
    t.equity_usd_high,
    t.debt_usd_low,
    t.debt_usd_mid,
    t.debt_usd_high,
    t.vendor_usd_low,
    t.vendor_usd_mid,
    t.vendor_usd_high,
    t.equity_binding_usd_low,
    t.equity_binding_usd_mid,
    t.equity_binding_usd_high,
    t.debt_binding_usd_low,
    t.debt_binding_usd_mid,
    t.debt_binding_usd_high,
    t.vendor_binding_usd_low,
    t.vendor_binding_usd_mid,
    t.vendor_binding_usd_high,
    v.valuation_date,
    v.post_money_valuation_usd_low,
    v.post_money_valuation_usd_mid,
    v.post_money_valuation_usd_high,
    t.debt_usd_low / nullif(t.equity_usd_high, 0) as debt_to_equity_low,
    t.debt_usd_mid / nullif(t.equity_usd_mid, 0) as debt_to_equity_mid,
    t.debt_usd_high / nullif(t.equity_usd_low, 0) as debt_to_equity_high,
    t.debt_usd_low / nullif(t.debt_usd_low + t.equity_usd_high, 0) as debt_to_capital_low,
    t.debt_usd_mid / nullif(t.debt_usd_mid + t.equity_usd_mid, 0) as debt_to_capital_mid,
    t.debt_usd_high / nullif(t.debt_usd_high + t.equity_usd_low, 0) as debt_to_capital_high,
    t.debt_usd_low / nullif(v.post_money_valuation_usd_high, 0) as debt_to_valuation_low,
    t.debt_usd_mid / nullif(v.post_money_valuation_usd_mid, 0) as debt_to_valuation_mid,
    t.debt_usd_high / nullif(v.post_money_valuation_usd_low, 0) as debt_to_valuation_high,
    b.period_start as burn_period_start,
    b.period_end as burn_period_end,
    b.annual_net_burn_usd_low,
    b.annual_net_burn_usd_mid,
    b.annual_net_burn_usd_high,
    t.debt_usd_low / nullif(b.annual_net_burn_usd_high, 0) as debt_to_annual_burn_low,
    t.debt_usd_mid / nullif(b.annual_net_burn_usd_mid, 0) as debt_to_annual_burn_mid,
    t.debt_usd_high / nullif(b.annual_net_burn_usd_low, 0) as debt_to_annual_burn_high,
    t.debt_usd_low * i.interest_rate_low as annual_interest_usd_low,
    t.debt_usd_mid * i.interest_rate_mid as annual_interest_usd_mid,
    t.debt_usd_high * i.interest_rate_high as annual_interest_usd_high,
    cast($as_of as date) as as_of_date
from totals as t
left join latest_valuation as v using (company)
left join marts.net_burn as b using (company)
left join interest as i on true
order by t.company
