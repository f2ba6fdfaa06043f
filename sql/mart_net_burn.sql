-- Each company's current net burn as of $as_of, as a monthly and an annual rate in US
-- dollars. Net burn is preferred; without one, levered free cash flow is used with its
-- sign turned (a negative cash flow is burn). Among figures whose period has started by
-- $as_of, the one whose period ends latest wins, then actuals over projections, then the
-- figure id, so the choice is always the same.
with candidates as (
    select
        *,
        case metric when 'net_burn' then 1 else -1 end as sign,
        case metric when 'net_burn' then 2 else 1 end as priority,
        case basis when 'actual' then 3 when 'run_rate' then 2 else 1 end as basis_rank
    from staging.cash_burn
    where metric in ('net_burn', 'levered_free_cash_flow')
        and period_start <= cast($as_of as date)
        and is_preferred
),

latest as (
    select
        company,
        arg_max(figure_id, (priority, period_end, basis_rank, figure_id)) as figure_id
    from candidates
    group by company
)

select
    c.company,
    c.figure_id,
    c.metric,
    c.basis,
    c.period_start,
    c.period_end,
    c.period_months,
    -- a negated cash flow swaps its ends: its low becomes the high burn. Negated as 0 - x,
    -- not -x, so a break-even cash flow is a burn of 0, not -0.
    case when c.sign > 0 then c.monthly_usd_low else 0 - c.monthly_usd_high end as monthly_net_burn_usd_low,
    case when c.sign > 0 then c.monthly_usd_mid else 0 - c.monthly_usd_mid end as monthly_net_burn_usd_mid,
    case when c.sign > 0 then c.monthly_usd_high else 0 - c.monthly_usd_low end as monthly_net_burn_usd_high,
    12 * case when c.sign > 0 then c.monthly_usd_low else 0 - c.monthly_usd_high end as annual_net_burn_usd_low,
    12 * case when c.sign > 0 then c.monthly_usd_mid else 0 - c.monthly_usd_mid end as annual_net_burn_usd_mid,
    12 * case when c.sign > 0 then c.monthly_usd_high else 0 - c.monthly_usd_low end as annual_net_burn_usd_high,
    c.confidence,
    coalesce(c.source_url, c.source_publication) as source,
    cast($as_of as date) as as_of_date
from latest as l
join candidates as c using (company, figure_id)
order by c.company
