-- The data-quality chart: for each input file of the latest load of each entity, the rows
-- read and what became of them (loaded, duplicate, quarantined), from audit.reconciliation.
with latest as (
    select *
    from audit.reconciliation
    qualify loaded_at = max(loaded_at) over (partition by entity)
)

select entity, source_file, 'loaded' as outcome, rows_loaded as row_count, run_id, loaded_at from latest
union all
select entity, source_file, 'duplicate', rows_duplicate, run_id, loaded_at from latest
union all
select entity, source_file, 'quarantined', rows_quarantined, run_id, loaded_at from latest
order by entity, source_file, outcome
