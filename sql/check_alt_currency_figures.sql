-- The rows the alt_currency_figures suite validates: does each restatement point at a
-- staged figure?
with staged_ids as (
    select 'funding_events' as entity, event_id as row_id from staging.funding_events
    union all
    select 'cash_burn', figure_id from staging.cash_burn
    union all
    select 'clusters', cluster_id from staging.clusters
)

select
    a.*,
    a.alt_currency = 'USD' or a.alt_currency in (select currency from ref.fx_rates) as currency_has_fx_rate,
    exists (
        select 1 from staged_ids as s where s.entity = a.entity and s.row_id = a.row_id
    ) as restated_row_found,
    count(*) over (partition by a.entity, a.row_id, a.figure, a.alt_currency) as restatement_occurrences
from staging.alt_currency_figures as a
