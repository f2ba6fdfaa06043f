-- How many months each company's cash lasts, in three scenarios, as of $as_of.
-- Cash is the latest cash-on-hand figure; committed funding is binding money (reported,
-- announced or closed, not a letter of intent) raised after that date (not yet in the cash
-- figure); committed_funding_incl_loi_usd adds letters of intent, never used in the runway. Superseded events and those inside another event's amount
-- (part_of) are not counted again. Burn is from marts.net_burn.
--   low:  low burn, funding at its high end (best case)
--   base: mid burn, mid funding
--   high: high burn, funding at its low end (worst case)
-- runway_months counts from the cash date; months_left_after_as_of from $as_of.
-- runway_months_with_commitments also pays the company's binding compute commitments
-- (marts.obligations) from the cash date's year on, at their average monthly amount over
-- the years they run (low / mid / high with the scenario). Today's burn already pays for
-- some of today's compute, so this is the cautious reading; both are shown.
-- commitments_exceed_funds_usd: how much those commitments exceed cash plus committed
-- funding (0 when they do not).
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
        coalesce(sum(f.amount_usd_low) filter (where f.binding), 0) as committed_usd_low,
        coalesce(sum(f.amount_usd_mid) filter (where f.binding), 0) as committed_usd_mid,
        coalesce(sum(f.amount_usd_high) filter (where f.binding), 0) as committed_usd_high,
        coalesce(sum(f.amount_usd_mid), 0) as committed_incl_loi_usd_mid
    from cash as c
    left join staging.funding_events as f
        on f.company = c.company
        and f.instrument <> 'valuation'
        and f.status in ('reported', 'announced', 'closed')
        -- raised after the cash figure, however coarsely either date is known
        and known_before(c.cash_as_of_date, 'day', f.announced_date)
        and f.announced_date <= cast($as_of as date)
        and f.is_preferred
        and f.superseded_by is null
        and f.part_of is null
    group by c.company
),

obligations as (
    select
        c.company,
        sum(o.committed_usd_low) as spend_usd_low,
        sum(o.committed_usd_mid) as spend_usd_mid,
        sum(o.committed_usd_high) as spend_usd_high,
        (max(o.year) - year(c.cash_as_of_date) + 1) * 12 as spend_months
    from cash as c
    join marts.obligations as o
        on o.company = c.company
        and o.year >= year(c.cash_as_of_date)
        and o.committed_usd_mid is not null
    group by c.company, c.cash_as_of_date
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
        m.committed_incl_loi_usd_mid as committed_funding_incl_loi_usd,
        case s.scenario
            when 'low' then b.monthly_net_burn_usd_low
            when 'base' then b.monthly_net_burn_usd_mid
            else b.monthly_net_burn_usd_high end as monthly_net_burn_usd,
        coalesce(case s.scenario when 'low' then o.spend_usd_low when 'base' then o.spend_usd_mid else o.spend_usd_high end, 0)
            as committed_spend_usd,
        coalesce(
            case s.scenario when 'low' then o.spend_usd_low when 'base' then o.spend_usd_mid else o.spend_usd_high end
                / o.spend_months,
            0
        ) as monthly_committed_spend_usd,
        b.metric as burn_metric,
        b.period_start as burn_period_start,
        b.period_end as burn_period_end
    from cash as c
    join marts.net_burn as b using (company)
    join committed as m using (company)
    left join obligations as o using (company)
    cross join (values ('low', 1), ('base', 2), ('high', 3)) as s (scenario, scenario_order)
)

select
    company,
    scenario,
    cash_as_of_date,
    cash_usd,
    committed_funding_usd,
    committed_funding_incl_loi_usd,
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
    committed_spend_usd,
    monthly_committed_spend_usd,
    case when monthly_net_burn_usd + monthly_committed_spend_usd > 0
        then (cash_usd + committed_funding_usd) / (monthly_net_burn_usd + monthly_committed_spend_usd)
        end as runway_months_with_commitments,
    case when monthly_net_burn_usd + monthly_committed_spend_usd > 0
        then cast(cash_as_of_date + to_days(cast(floor(
            (cash_usd + committed_funding_usd) / (monthly_net_burn_usd + monthly_committed_spend_usd) * 30.4375
        ) as integer)) as date)
        end as cash_out_date_with_commitments,
    greatest(committed_spend_usd - (cash_usd + committed_funding_usd), 0) as commitments_exceed_funds_usd,
    cast($as_of as date) as as_of_date,
    cash_source
from scenarios
order by company, scenario_order
