-- Facts two sources give differently (our curated data and Epoch AI's, say): one row per
-- source's row, with its value, the relative difference from the value the marts use, and
-- which one they use and why. Precedence: the more settled status (closed > announced >
-- reported > rumored > disputed; for clusters, higher confidence), then the newer source,
-- then our curated figure over Epoch's, then the id. Sources that agree within tolerance
-- are not conflicts: the second copy is counted as a duplicate instead (and cluster
-- phases whose sources give the same count are one fact, not listed here).
with facts as (
    select
        'funding_events' as entity,
        fact_id,
        event_id as row_id,
        company,
        instrument || ' ' || coalesce(round_name, round_id) as fact,
        'amount_usd_mid' as measure,
        amount_usd_mid as value,
        status,
        confidence,
        dataset,
        coalesce(source_url, source_publication) as source,
        source_date,
        is_preferred,
        preferred_reason
    from staging.funding_events
    union all
    select
        'clusters',
        fact_id,
        cluster_id,
        company,
        cluster || coalesce(' — ' || phase, ''),
        'gpu_count_mid (' || gpu_count_unit || ')',
        gpu_count_mid,
        status,
        confidence,
        dataset,
        coalesce(source_url, source_publication),
        source_date,
        is_preferred,
        preferred_reason
    from staging.clusters
),

shared as (
    select entity, fact_id
    from facts
    group by all
    having count(distinct value) > 1
),

used as (
    select entity, fact_id, value as used_value
    from facts
    where is_preferred
)

select
    f.entity,
    f.fact_id,
    f.company,
    f.fact,
    f.measure,
    f.row_id,
    f.dataset,
    f.value,
    u.used_value,
    (f.value - u.used_value) / nullif(u.used_value, 0) as relative_difference,
    f.is_preferred as used_by_marts,
    max(f.preferred_reason) over (partition by f.entity, f.fact_id) as why,
    f.status,
    f.confidence,
    f.source,
    f.source_date
from facts as f
join shared using (entity, fact_id)
join used as u using (entity, fact_id)
order by f.entity, f.company, f.fact_id, f.is_preferred desc, f.row_id
