-- What `compute-ledger run` prints for marts.runway.
select
    company,
    scenario,
    cash_as_of_date,
    cash_usd,
    committed_funding_usd,
    monthly_net_burn_usd,
    round(runway_months, 1) as runway_months,
    cash_out_date
from marts.runway
order by company, case scenario when 'low' then 1 when 'base' then 2 else 3 end
