-- What `compute-ledger run` prints for marts.net_burn.
select
    company,
    metric,
    basis,
    period_start,
    period_end,
    monthly_net_burn_usd_low,
    monthly_net_burn_usd_mid,
    monthly_net_burn_usd_high,
    annual_net_burn_usd_mid
from marts.net_burn
order by company
