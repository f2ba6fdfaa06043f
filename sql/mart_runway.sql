-- How many months each company's cash lasts, in three scenarios, as of $as_of.
-- Cash is the latest cash-on-hand figure; committed funding is money reported, announced
-- or closed after that date (not yet in the cash figure). Burn is from marts.net_burn.
--   low:  low burn, funding at its high end (best case)
--   base: mid burn, mid funding
--   high: high burn, funding at its low end (worst case)
-- runway_months counts from the cash date; months_left_after_as_of from $as_of.
with cash as (
    select
        company,
        -- the latest figure; of two on one date, the higher figure id, so every column
        -- comes from one row and the choice is always the same
        max(period_end) as cash_as_of_date,
        arg_max(amount_usd_low, (period_end, figure_id)) as cash_usd_low,
        arg_max(amount_usd_mid, (period_end, figure_id)) as cash_usd_mid,
        arg_max(amount_usd_high, (period_end, figure_id)) as cash_usd_high,
        arg_max(coalesce(source_url, source_publication), (period_end, figure_id)) as cash_source
    from staging.cash_burn
    where metric = 'cash_on_hand'
        and period_end <= cast($as_of as date)
        and is_preferred
    group by company
),

committed as (
    select
        c.company,
        coalesce(sum(f.amount_usd_low), 0) as committed_usd_low,
        coalesce(sum(f.amount_usd_mid), 0) as committed_usd_mid,
        coalesce(sum(f.amount_usd_high), 0) as committed_usd_high
    from cash as c
    left join staging.funding_events as f
        on f.company = c.company
        and f.instrument <> 'valuation'
        and f.status in ('reported', 'announced', 'closed')
        and f.announced_date > c.cash_as_of_date
        and f.announced_date <= cast($as_of as date)
        and f.is_preferred
    group by c.company
),

scenarios as (
    select
        c.company,
        s.scenario,
        s.scenario_order,
        c.cash_as_of_date,
        c.cash_source,
        case s.scenario when 'low' then c.cash_usd_high when 'base' then c.cash_usd_mid else c.cash_usd_low end as cash_usd,
        case s.scenario when 'low' then m.committed_usd_high when 'base' then m.committed_usd_mid else m.committed_usd_low end
            as committed_funding_usd,
        case s.scenario
            when 'low' then b.monthly_net_burn_usd_low
            when 'base' then b.monthly_net_burn_usd_mid
            else b.monthly_net_burn_usd_high end as monthly_net_burn_usd,
        b.metric as burn_metric,
        b.period_start as burn_period_start,
        b.period_end as burn_period_end
    from cash as c
    join marts.net_burn as b using (company)
    join committed as m using (company)
    cross join (values ('low', 1), ('base', 2), ('high', 3)) as s (scenario, scenario_order)
)

select
    company,
    scenario,
    cash_as_of_date,
    cash_usd,
    committed_funding_usd,
    monthly_net_burn_usd,
    monthly_net_burn_usd * 12 as annual_net_burn_usd,
    burn_metric,
    burn_period_start,
    burn_period_end,
    case when monthly_net_burn_usd > 0
        then (cash_usd + committed_funding_usd) / monthly_net_burn_usd end as runway_months,
    case when monthly_net_burn_usd > 0
        then cast(cash_as_of_date + to_days(cast(floor(
            (cash_usd + committed_funding_usd) / monthly_net_burn_usd * 30.4375) as integer)) as date)
        end as cash_out_date,
    case when monthly_net_burn_usd > 0
        then (cash_usd + committed_funding_usd) / monthly_net_burn_usd
            - date_diff('day', cash_as_of_date, cast($as_of as date)) / 30.4375
        end as months_left_after_as_of,
    cast($as_of as date) as as_of_date,
    cash_source
from scenarios
order by company, scenario_order
