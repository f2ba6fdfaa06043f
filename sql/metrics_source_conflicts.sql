-- The source-conflict numbers the mart's page plots across runs.
select count(distinct fact_id) as conflicting_facts, count(*) as conflicting_rows
from marts.source_conflicts
