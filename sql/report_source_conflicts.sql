-- The source-conflict chart: each fact two sources give differently, every source's value
-- beside the one the marts use, from marts.source_conflicts.
select entity, company, fact, measure, row_id, dataset, value, used_value, relative_difference, used_by_marts, why, source
from marts.source_conflicts
order by company, fact, value
