-- The money-flow network: the largest flows between companies (binding or not, mid
-- US dollars, summed per pair and kind) and whether the pair lies on a circular path of
-- marts.circular_flows.
with on_cycle as (
    -- source_ids reads 'a | b; c': edges split by ' | ', an edge's ids by '; '
    select distinct unnest(regexp_split_to_array(source_ids, ' \| |; ')) as source_id from marts.circular_flows
),

flows as (
    select
        f.from_company,
        f.to_company,
        f.flow_kind,
        sum(f.amount_usd_mid) as usd,
        bool_or(f.binding) as binding,
        bool_or(c.source_id is not null) as circular,
        string_agg(distinct f.source_id, ', ' order by f.source_id) as source_ids
    from marts.money_flows as f
    left join on_cycle as c on c.source_id = f.source_id
    where f.amount_usd_mid > 0
    group by all
)

select *
from flows
qualify row_number() over (order by usd desc, from_company, to_company, flow_kind) <= $top_flows
order by usd desc, from_company, to_company, flow_kind
