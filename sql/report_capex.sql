-- The capex chart: for each lab cluster phase the marts use, our estimate (low, mid, high)
-- beside the capex reported and a third party's calculation (Epoch AI's, or an industry
-- estimate), and the money its company raised to date (US dollars).
select
    company,
    cluster || coalesce(' — ' || phase, '') as phase,
    status,
    total_capex_usd_low,
    total_capex_usd_mid,
    total_capex_usd_high,
    reported_capex_usd_mid,
    calculated_capex_usd_mid,
    funding_to_date_usd_mid,
    dataset,
    source
from marts.capex as k
where is_preferred
    and total_capex_usd_mid is not null
    and company in (select company from ref.companies where kind = 'ai_lab')
order by company, total_capex_usd_mid desc, cluster_id
