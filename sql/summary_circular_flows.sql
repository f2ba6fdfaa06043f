-- What `compute-ledger run` prints for marts.circular_flows: the largest circular paths.
select
    path,
    returning_usd_mid as returning_usd,
    binding_only,
    edges_without_amount
from marts.circular_flows
order by returning_usd_mid desc nulls last, hops, path
limit 8
