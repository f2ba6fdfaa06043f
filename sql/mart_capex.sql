-- What each announced cluster phase costs: GPUs priced at the purchase price of their
-- model as of the phase's date, times the server, network and facility overhead
-- multipliers, against the capex sources reported, a third party's calculated cost (e.g.
-- Epoch AI's) and the company's funding to date.
--
-- Unit price: the median of the model's purchase quotes (low, mid, high taken separately)
-- in the latest month with quotes on or before the phase's price date; failing that the
-- earliest month after; failing both, server prices per GPU ÷ the server overhead
-- (unit_prices_used says which). Ranges are kept scenario-consistent: low uses low
-- counts, prices and multipliers, and so on.
with phase_gpus as (
    select cluster_id, gpu_model, gpu_count_low, gpu_count_mid, gpu_count_high, price_date
    from staging.clusters
    union all
    select cluster_id, gpu_model_2, gpu_count_2_low, gpu_count_2_mid, gpu_count_2_high, price_date
    from staging.clusters
    where gpu_model_2 is not null
),

-- Chip prices by month: purchase quotes, and server prices per GPU divided by the server
-- overhead (mid), so a model quoted only as servers still gets a chip price.
chip_prices as (
    select
        q.gpu_model,
        cast(date_trunc('month', q.observed_date) as date) as month,
        q.price_type = 'purchase' as is_purchase,
        median(q.usd_per_gpu_low / case when q.price_type = 'purchase' then 1 else s.value_mid end) as unit_price_usd_low,
        median(q.usd_per_gpu_mid / case when q.price_type = 'purchase' then 1 else s.value_mid end) as unit_price_usd_mid,
        median(q.usd_per_gpu_high / case when q.price_type = 'purchase' then 1 else s.value_mid end) as unit_price_usd_high
    from staging.gpu_prices as q
    cross join (select value_mid from ref.assumptions where name = 'server_overhead_multiplier') as s
    where q.price_type in ('purchase', 'server_per_gpu')
    group by all
),

purchase_prices as (
    select * from chip_prices where is_purchase
),

server_prices as (
    select * from chip_prices where not is_purchase
),

-- Preference: purchase quotes on or before the date, then after it; then server-derived
-- prices on or before, then after.
priced as (
    select
        g.*,
        coalesce(pb.month, pa.month, sb.month, sa.month) as price_month,
        case
            when pb.month is not null then 'purchase, latest on or before'
            when pa.month is not null then 'purchase, earliest after'
            when sb.month is not null then 'server price ÷ overhead, latest on or before'
            when sa.month is not null then 'server price ÷ overhead, earliest after'
        end as price_match,
        coalesce(pb.unit_price_usd_low, pa.unit_price_usd_low, sb.unit_price_usd_low, sa.unit_price_usd_low) as unit_price_usd_low,
        coalesce(pb.unit_price_usd_mid, pa.unit_price_usd_mid, sb.unit_price_usd_mid, sa.unit_price_usd_mid) as unit_price_usd_mid,
        coalesce(pb.unit_price_usd_high, pa.unit_price_usd_high, sb.unit_price_usd_high, sa.unit_price_usd_high) as unit_price_usd_high,
        k.h100e_factor
    from phase_gpus as g
    asof left join purchase_prices as pb on pb.gpu_model = g.gpu_model and g.price_date >= pb.month
    asof left join purchase_prices as pa on pa.gpu_model = g.gpu_model and g.price_date <= pa.month
    asof left join server_prices as sb on sb.gpu_model = g.gpu_model and g.price_date >= sb.month
    asof left join server_prices as sa on sa.gpu_model = g.gpu_model and g.price_date <= sa.month
    left join ref.gpu_catalog as k on k.gpu_variant = g.gpu_model  -- the family row
),

gpu_cost as (
    select
        cluster_id,
        string_agg(
            gpu_model || coalesce(
                ' @ $' || cast(round(unit_price_usd_mid) as bigint) || ' (' || strftime(price_month, '%Y-%m') || ', ' || price_match || ')',
                ': no price'),
            '; ' order by gpu_model) as unit_prices_used,
        sum(gpu_count_low) as gpu_count_low,
        sum(gpu_count_mid) as gpu_count_mid,
        sum(gpu_count_high) as gpu_count_high,
        sum(gpu_count_mid * h100e_factor) as h100e_mid,
        -- a phase with any model unpriced has no estimate rather than a partial one
        case when bool_and(unit_price_usd_mid is not null) then sum(gpu_count_low * unit_price_usd_low) end as gpu_capex_usd_low,
        case when bool_and(unit_price_usd_mid is not null) then sum(gpu_count_mid * unit_price_usd_mid) end as gpu_capex_usd_mid,
        case when bool_and(unit_price_usd_mid is not null) then sum(gpu_count_high * unit_price_usd_high) end as gpu_capex_usd_high
    from priced
    group by cluster_id
),

overhead as (
    select
        product(value_low) as multiplier_low,
        product(value_mid) as multiplier_mid,
        product(value_high) as multiplier_high,
        count(*) as assumptions_found
    from ref.assumptions
    where name in ('server_overhead_multiplier', 'network_overhead_multiplier', 'facility_overhead_multiplier')
),

funding as (
    select
        company,
        sum(amount_usd_low) as funding_to_date_usd_low,
        sum(amount_usd_mid) as funding_to_date_usd_mid,
        sum(amount_usd_high) as funding_to_date_usd_high
    from staging.funding_events
    where instrument <> 'valuation'
        and status in ('reported', 'announced', 'closed')
        and announced_date <= cast($as_of as date)
        and is_preferred
        and superseded_by is null
        and part_of is null
    group by company
),

estimates as (
    select
        c.cluster_id,
        c.company,
        c.cluster,
        c.phase,
        c.status,
        c.target_date,
        c.price_date,
        c.dataset,
        c.fact_id,
        c.is_preferred,
        g.unit_prices_used,
        g.gpu_count_low,
        g.gpu_count_mid,
        g.gpu_count_high,
        c.gpu_count_unit,
        g.h100e_mid,
        c.power_mw_mid,
        g.gpu_capex_usd_low,
        g.gpu_capex_usd_mid,
        g.gpu_capex_usd_high,
        g.gpu_capex_usd_low * o.multiplier_low as total_capex_usd_low,
        g.gpu_capex_usd_mid * o.multiplier_mid as total_capex_usd_mid,
        g.gpu_capex_usd_high * o.multiplier_high as total_capex_usd_high,
        c.reported_capex_usd_low,
        c.reported_capex_usd_mid,
        c.reported_capex_usd_high,
        c.calculated_capex_usd_low,
        c.calculated_capex_usd_mid,
        c.calculated_capex_usd_high,
        f.funding_to_date_usd_low,
        f.funding_to_date_usd_mid,
        f.funding_to_date_usd_high,
        coalesce(c.source_url, c.source_publication) as source
    from staging.clusters as c
    join gpu_cost as g using (cluster_id)
    cross join overhead as o
    left join funding as f on f.company = c.company
)

select
    cluster_id,
    company,
    cluster,
    phase,
    status,
    target_date,
    price_date,
    dataset,
    fact_id,
    is_preferred,
    gpu_count_low,
    gpu_count_mid,
    gpu_count_high,
    gpu_count_unit,
    h100e_mid,
    power_mw_mid,
    unit_prices_used,
    gpu_capex_usd_low,
    gpu_capex_usd_mid,
    gpu_capex_usd_high,
    total_capex_usd_low,
    total_capex_usd_mid,
    total_capex_usd_high,
    reported_capex_usd_low,
    reported_capex_usd_mid,
    reported_capex_usd_high,
    total_capex_usd_low / nullif(reported_capex_usd_high, 0) as estimate_to_reported_low,
    total_capex_usd_mid / nullif(reported_capex_usd_mid, 0) as estimate_to_reported_mid,
    total_capex_usd_high / nullif(reported_capex_usd_low, 0) as estimate_to_reported_high,
    calculated_capex_usd_low,
    calculated_capex_usd_mid,
    calculated_capex_usd_high,
    total_capex_usd_mid / nullif(calculated_capex_usd_mid, 0) as estimate_to_calculated_mid,
    total_capex_usd_low / nullif(gpu_count_low, 0) as capex_per_gpu_usd_low,
    total_capex_usd_mid / nullif(gpu_count_mid, 0) as capex_per_gpu_usd_mid,
    total_capex_usd_high / nullif(gpu_count_high, 0) as capex_per_gpu_usd_high,
    total_capex_usd_mid / nullif(power_mw_mid, 0) as capex_per_mw_usd_mid,
    funding_to_date_usd_low,
    funding_to_date_usd_mid,
    funding_to_date_usd_high,
    funding_to_date_usd_low / nullif(total_capex_usd_high, 0) as funding_coverage_low,
    funding_to_date_usd_mid / nullif(total_capex_usd_mid, 0) as funding_coverage_mid,
    funding_to_date_usd_high / nullif(total_capex_usd_low, 0) as funding_coverage_high,
    cast($as_of as date) as as_of_date,
    source
from estimates
-- phase and cluster id break ties (several phases, or two sources' rows, of one date)
order by company, cluster, coalesce(target_date, price_date), phase, cluster_id
