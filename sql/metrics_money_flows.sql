-- The money-flow numbers the mart's page plots across runs (US dollars, mid values).
select
    count(*) as flow_count,
    sum(amount_usd_mid) as flows_usd,
    sum(amount_usd_mid) filter (where binding) as binding_flows_usd
from marts.money_flows
