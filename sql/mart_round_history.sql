-- Each funding round's history: every tranche at every stage the sources gave it (rumored,
-- reported, announced, closed; disputed), with the amount and the source of each, oldest
-- first. is_latest marks the stage the other marts count: an event no later event
-- supersedes. superseded_by names the event that replaced it (the same money at a later
-- stage, e.g. a reported raise the company then announced closed at another amount).
select
    f.company,
    f.round_id,
    f.round_name,
    f.event_id,
    f.instrument,
    f.status,
    f.binding,
    f.announced_date,
    f.announced_date_precision,
    f.closed_date,
    f.closed_date_precision,
    f.amount_usd_low,
    f.amount_usd_mid,
    f.amount_usd_high,
    f.investors,
    f.vendor_investor,
    f.vendor_amount_usd_mid,
    f.superseded_by is null as is_latest,
    f.superseded_by,
    f.part_of,
    coalesce(f.source_url, f.source_publication) as source,
    f.retrieved_via,
    f.source_date
from staging.funding_events as f
where f.is_preferred
order by f.company, f.round_id, f.announced_date, f.event_id
