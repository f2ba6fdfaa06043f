-- Money between companies as one graph: one row per flow. Vendor money in funding rounds
-- (the vendor investor's part, from the vendor to the company raising) and compute
-- commitments (from the buyer to the seller; warrants and shares given for a purchase,
-- from the company granting them to the one receiving them) are flows. Funding counts
-- when reported, announced or closed and not superseded by a later event (a tranche
-- counted inside another event's amount still shows its vendor's money); commitments
-- unless terminated or superseded by a later one. `binding` is false for letters of
-- intent; a flow without a dollar figure (a 10 GW letter of intent) is kept with blank
-- amounts.
with funding as (
    select
        vendor_investor as from_company,
        company as to_company,
        instrument as flow_kind,
        instrument as detail,
        'funding_events' as source_table,
        event_id as source_id,
        vendor_amount_usd_low as amount_usd_low,
        vendor_amount_usd_mid as amount_usd_mid,
        vendor_amount_usd_high as amount_usd_high,
        announced_date as first_date,
        status,
        binding,
        coalesce(source_url, source_publication) as source
    from staging.funding_events
    where vendor_investor is not null
        and instrument <> 'valuation'
        and status in ('reported', 'announced', 'closed')
        and is_preferred
        and superseded_by is null
),

commitments as (
    select
        case when kind = 'equity_for_purchase' then seller else buyer end as from_company,
        case when kind = 'equity_for_purchase' then buyer else seller end as to_company,
        case kind
            when 'capacity_backstop' then 'backstop'
            when 'equity_for_purchase' then 'equity_for_purchase'
            else 'compute_purchase' end as flow_kind,
        kind as detail,
        'compute_commitments' as source_table,
        commitment_id as source_id,
        amount_usd_low,
        amount_usd_mid,
        amount_usd_high,
        announced_date as first_date,
        status,
        binding,
        coalesce(source_url, source_publication) as source
    from staging.compute_commitments
    where status <> 'terminated'
        and superseded_by is null
)

select * from funding
union all by name
select * from commitments
order by from_company, to_company, first_date, source_id
