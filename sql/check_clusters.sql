-- The rows the clusters suite validates, with derived columns.
select
    k.*,
    coalesce(k.source_url, k.source_publication) as source,
    c.company is not null as company_in_reference,
    g1.gpu_model is not null as gpu_model_in_catalog,
    k.gpu_model_2 is null or g2.gpu_model is not null as gpu_model_2_in_catalog,
    count(*) over (partition by k.cluster_id) as cluster_id_occurrences,
    -- an operational phase should not be dated in the future (a month's grace)
    k.status <> 'operational' or k.target_date is null
        or k.target_date <= cast($as_of as date) + interval 31 day as operational_date_not_in_future,
    coalesce(k.gpu_count_high, 0) + coalesce(k.gpu_count_2_high, 0) as gpu_count_total_high,
    -- the first free-text value a spreadsheet would run as a formula (it begins with = + - @,
    -- a tab or a carriage return), '' when none does: the warn check text_not_formula reads
    -- this one column, so it groups a few values rather than every distinct note
    coalesce(
        formula_like(k.cluster_id),
        formula_like(k.cluster),
        formula_like(k.phase),
        formula_like(k.source_url),
        formula_like(k.source_publication),
        formula_like(k.notes),
        ''
    ) as formula_like_text,
    -- '<id>: <site>' when the source URL is a site on reference/source_domains.csv (one
    -- that republishes others' reporting), so the figure names no original source
    (select k.cluster_id || ': ' || min(d.domain) from ref.source_domains as d
        where source_host(k.source_url) = d.domain or source_host(k.source_url) like '%.' || d.domain)
        as aggregator_only_source
from staging.clusters as k
left join ref.companies as c on c.company = k.company
left join ref.gpu_catalog as g1 on g1.gpu_variant = k.gpu_model  -- the family row
left join ref.gpu_catalog as g2 on g2.gpu_variant = k.gpu_model_2
