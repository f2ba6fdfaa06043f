-- The rows the cash_burn suite validates, with derived columns.
select
    b.*,
    coalesce(b.source_url, b.source_publication) as source,
    c.company is not null as company_in_reference,
    count(*) over (partition by b.figure_id) as figure_id_occurrences,
    b.metric = 'cash_on_hand' or b.monthly_usd_mid is not null as flow_has_monthly_rate,
    -- the first free-text value a spreadsheet would run as a formula (it begins with = + - @,
    -- a tab or a carriage return), '' when none does: the warn check text_not_formula reads
    -- this one column, so it groups a few values rather than every distinct note
    coalesce(
        formula_like(b.figure_id),
        formula_like(b.source_url),
        formula_like(b.source_publication),
        formula_like(b.notes),
        ''
    ) as formula_like_text,
    -- '<id>: <site>' when the source URL is a site on reference/source_domains.csv (one
    -- that republishes others' reporting), so the figure names no original source
    (select b.figure_id || ': ' || min(d.domain) from ref.source_domains as d
        where source_host(b.source_url) = d.domain or source_host(b.source_url) like '%.' || d.domain)
        as aggregator_only_source
from staging.cash_burn as b
left join ref.companies as c on c.company = b.company
