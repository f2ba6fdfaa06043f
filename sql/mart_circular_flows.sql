-- Money that comes back: every cycle of two to four companies in marts.money_flows, such as
-- a chip maker investing in a lab that pays a cloud that buys the chip maker's chips. Flows
-- from one company to another are summed into one edge. `returning_usd_*` is the smallest
-- edge on the path, the most that can come back to where it started; blank when an edge
-- has no dollar figure (`edges_without_amount`). `binding_only` says whether the cycle
-- holds on binding flows alone; `returning_binding_usd_mid` is then its smallest binding
-- edge. Each cycle is listed once, starting from its alphabetically first company.
with recursive edges as (
    select
        from_company,
        to_company,
        sum(amount_usd_low) as usd_low,
        sum(amount_usd_mid) as usd_mid,
        sum(amount_usd_high) as usd_high,
        -- an edge is unknown only if none of its flows has a figure
        count(amount_usd_mid) = 0 as unknown,
        bool_or(binding) as has_binding,
        sum(amount_usd_mid) filter (where binding) as binding_usd_mid,
        string_agg(source_id, '; ' order by source_id) as source_ids
    from marts.money_flows
    group by from_company, to_company
),

paths as (
    select
        from_company as start,
        to_company as last,
        [from_company, to_company] as nodes,
        1 as hops,
        usd_low, usd_mid, usd_high,
        unknown::integer as unknown_edges,
        has_binding as all_binding,
        binding_usd_mid,
        [source_ids] as sources
    from edges
    union all
    select
        p.start,
        e.to_company,
        list_append(p.nodes, e.to_company),
        p.hops + 1,
        least(p.usd_low, e.usd_low),
        least(p.usd_mid, e.usd_mid),
        least(p.usd_high, e.usd_high),
        p.unknown_edges + e.unknown::integer,
        p.all_binding and e.has_binding,
        least(p.binding_usd_mid, e.binding_usd_mid),
        list_append(p.sources, e.source_ids)
    from paths as p
    join edges as e on e.from_company = p.last
    where p.hops < 4
        and p.last <> p.start
        and (e.to_company = p.start or not list_contains(p.nodes, e.to_company))
)

select
    array_to_string(nodes, ' → ') as path,
    start as company,
    hops,
    case when unknown_edges = 0 then usd_low end as returning_usd_low,
    case when unknown_edges = 0 then usd_mid end as returning_usd_mid,
    case when unknown_edges = 0 then usd_high end as returning_usd_high,
    unknown_edges as edges_without_amount,
    all_binding as binding_only,
    case when all_binding and unknown_edges = 0 then binding_usd_mid end as returning_binding_usd_mid,
    array_to_string(sources, ' | ') as source_ids
from paths
where last = start
    and start = list_min(nodes)
order by returning_usd_mid desc nulls last, hops, path
