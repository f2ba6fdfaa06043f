-- The capex numbers the mart's page plots across runs (US dollars, preferred rows).
select
    sum(total_capex_usd_mid) as total_estimated_capex_usd,
    sum(reported_capex_usd_mid) as total_reported_capex_usd,
    max(total_capex_usd_mid) filter (where cluster_id = 'xai-colossus-2') as colossus_2_estimated_capex_usd
from marts.capex
where is_preferred
