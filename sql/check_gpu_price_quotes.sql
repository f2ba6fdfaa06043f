-- The rows the gpu_price_quotes suite validates: those of the latest load (the days a run
-- just wrote), with derived columns for the cross-row and cross-table expectations.
select
    p.*,
    coalesce(p.source_url, p.source_publication) as source,
    p.currency = 'USD' or p.currency in (select currency from ref.fx_rates) as currency_has_fx_rate,
    k.gpu_model is not null as gpu_model_in_catalog,
    count(*) over (partition by p.quote_id) as quote_id_occurrences,
    count(*) over (partition by p.raw_row_id, p.gpu_model, p.price_type) as prices_per_source_row_and_type,
    (p.usd_per_gpu_mid is null) <> (p.usd_per_gpu_hour_mid is null) as has_one_price_unit,
    date_diff('day', max(p.observed_date) over (), cast($as_of as date)) as days_since_latest_quote
from staging.gpu_price_quotes as p
left join ref.gpu_catalog as k on k.gpu_model = p.gpu_model
where p.loaded_at = (select max(loaded_at) from staging.gpu_price_quotes)
