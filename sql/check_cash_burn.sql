-- The rows the cash_burn suite validates, with derived columns.
select
    b.*,
    coalesce(b.source_url, b.source_publication) as source,
    c.company is not null as company_in_reference,
    count(*) over (partition by b.figure_id) as figure_id_occurrences,
    b.metric = 'cash_on_hand' or b.monthly_usd_mid is not null as flow_has_monthly_rate
from staging.cash_burn as b
left join ref.companies as c on c.company = b.company
