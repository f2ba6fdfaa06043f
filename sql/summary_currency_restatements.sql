-- What `compute-ledger run` prints for marts.currency_restatements.
select
    entity,
    row_id,
    figure,
    usd_mid,
    alt_currency,
    round(implied_units_per_usd, 2) as implied_rate,
    round(source_median_units_per_usd, 2) as source_median_rate,
    round(fx_table_units_per_usd, 2) as fx_table_rate,
    round(deviation_from_fx_table, 4) as vs_fx_table
from marts.currency_restatements
order by source, entity, row_id, figure, alt_currency, alt_amount_mid, source_date
