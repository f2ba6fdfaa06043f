-- What `compute-ledger run` prints for marts.capex.
select
    company,
    cluster,
    phase,
    status,
    gpu_count_mid as gpus,
    total_capex_usd_low,
    total_capex_usd_mid,
    total_capex_usd_high,
    reported_capex_usd_mid as reported_capex_usd,
    estimate_to_reported_mid as estimate_to_reported,
    calculated_capex_usd_mid as third_party_estimate_usd,
    capex_per_gpu_usd_mid as capex_per_gpu_usd,
    funding_coverage_mid as funding_coverage
from marts.capex
order by company, cluster, phase, cluster_id
