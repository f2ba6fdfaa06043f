-- The runway chart: month by month from each company's cash date, the money left in each
-- scenario (cash plus committed funding, less burn), with and without its binding compute
-- commitments, to the cash-out date or $horizon_months, whichever comes first (US dollars).
with months as (
    select r.*, m.month_index
    from marts.runway as r, range(0, $horizon_months + 1) as m (month_index)
)

select
    company,
    scenario,
    cast(cash_as_of_date + to_months(cast(month_index as integer)) as date) as month,
    month_index,
    greatest(cash_usd + committed_funding_usd - monthly_net_burn_usd * month_index, 0) as left_usd,
    greatest(
        cash_usd + committed_funding_usd - (monthly_net_burn_usd + coalesce(monthly_committed_spend_usd, 0)) * month_index, 0
    ) as left_with_commitments_usd,
    runway_months,
    cash_out_date,
    runway_months_with_commitments,
    cash_out_date_with_commitments,
    cash_source
from months
where month_index <= coalesce(ceil(runway_months), $horizon_months)
order by company, scenario, month_index
