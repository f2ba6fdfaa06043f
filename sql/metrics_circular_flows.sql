-- The circular-flow numbers the mart's page plots across runs.
select
    count(distinct path) as cycle_count,
    max(returning_usd_mid) as largest_returning_usd,
    max(returning_binding_usd_mid) as largest_binding_returning_usd
from marts.circular_flows
