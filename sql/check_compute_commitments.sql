-- The rows the compute_commitments suite validates, with derived columns.
select
    c.*,
    coalesce(c.source_url, c.source_publication) as source,
    b.company is not null as buyer_in_reference,
    s.company is not null as seller_in_reference,
    c.buyer <> c.seller as buyer_is_not_seller,
    count(*) over (partition by c.commitment_id) as commitment_id_occurrences,
    (c.part_of is null or c.part_of in (select commitment_id from staging.compute_commitments))
        and (c.superseded_by is null or c.superseded_by in (select commitment_id from staging.compute_commitments))
        as links_resolve,
    -- a letter of intent is never counted as binding money
    not (c.status = 'loi' and c.binding) as loi_not_binding,
    -- the first free-text value a spreadsheet would run as a formula, '' when none does
    coalesce(
        formula_like(c.commitment_id),
        formula_like(c.source_url),
        formula_like(c.source_publication),
        formula_like(c.notes),
        formula_like(c.gpu_model),
        ''
    ) as formula_like_text,
    -- '<id>: <site>' when the source URL is a site on reference/source_domains.csv (one
    -- that republishes others' reporting), so the figure names no original source
    (select c.commitment_id || ': ' || min(d.domain) from ref.source_domains as d
        where source_host(c.source_url) = d.domain or source_host(c.source_url) like '%.' || d.domain)
        as aggregator_only_source
from staging.compute_commitments as c
left join ref.companies as b on b.company = c.buyer
left join ref.companies as s on s.company = c.seller
