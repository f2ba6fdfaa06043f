-- Every figure the ledger already holds, one row each, for telling a reviewer that a
-- candidate repeats one: which staged row, which company, what the figure is, in US
-- dollars (money) or in GPUs or megawatts.
select 'funding_events' as entity, event_id as row_id, company, instrument as figure, 'usd' as measure,
       amount_usd_mid as value
from staging.funding_events
union all
select 'funding_events', event_id, company, 'vendor_amount', 'usd', vendor_amount_usd_mid
from staging.funding_events where vendor_amount_usd_mid is not null
union all
select 'funding_events', event_id, company, 'round_total', 'usd', round_total_usd_mid
from staging.funding_events where round_total_usd_mid is not null
union all
select 'cash_burn', figure_id, company, metric, 'usd', amount_usd_mid
from staging.cash_burn
union all
select 'compute_commitments', commitment_id, buyer, kind, 'usd', amount_usd_mid
from staging.compute_commitments where amount_usd_mid is not null
union all
select 'compute_commitments', commitment_id, buyer, 'power', 'MW', power_gw * 1000
from staging.compute_commitments where power_gw is not null
union all
select 'clusters', cluster_id, company, 'gpu_count', 'count', gpu_count_mid
from staging.clusters
union all
select 'clusters', cluster_id, company, 'power', 'MW', power_mw_mid
from staging.clusters where power_mw_mid is not null
union all
select 'clusters', cluster_id, company, 'reported_capex', 'usd', reported_capex_usd_mid
from staging.clusters where reported_capex_usd_mid is not null
union all
select 'clusters', cluster_id, company, 'calculated_capex', 'usd', calculated_capex_usd_mid
from staging.clusters where calculated_capex_usd_mid is not null
