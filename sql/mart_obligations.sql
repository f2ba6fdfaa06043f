-- What each company has committed to spend on compute, per calendar year: the amounts of
-- its compute commitments as a buyer, by the source's payment schedule where there is one,
-- else straight-line over the term by days. A commitment whose source gives no term is
-- spread over the assumption `commitment_term_months` (`assumed_term_months`; 66 months,
-- the median of the bundled commitments that state one); without that assumption it
-- falls in the year it starts. Binding money and money including letters of intent side by side. Left out:
-- terminated or superseded commitments, warrants (no spend) and backstops (paid only if
-- capacity goes unsold), and commitments without a dollar figure (`commitments_without_amount`
-- counts those that start by the year). A start known only to a month or year is taken
-- from that span's first day, an end from its last day.
with assumed as (
    select cast(value_mid as integer) as months from ref.assumptions where name = 'commitment_term_months'
),

commitments as (
    select
        buyer as company,
        binding,
        amount_usd_low,
        amount_usd_mid,
        amount_usd_high,
        payment_schedule_usd,
        -- an end given as a month or a year runs to that span's last day
        date_last_day(end_date, end_date_precision) as end_date,
        coalesce(start_date, announced_date) as starts
    from staging.compute_commitments
    where status <> 'terminated'
        and superseded_by is null
        and kind not in ('equity_for_purchase', 'capacity_backstop')
),

spend as (
    select
        *,
        coalesce(end_date, cast(starts + to_months((select months from assumed)) as date) - 1, starts) as ends
    from commitments
),

scheduled as (
    select
        s.company,
        s.binding,
        e.entry.year as year,
        e.entry.usd * s.amount_usd_low / s.amount_usd_mid as usd_low,
        e.entry.usd as usd_mid,
        e.entry.usd * s.amount_usd_high / s.amount_usd_mid as usd_high
    from spend as s, unnest(s.payment_schedule_usd) as e (entry)
    where s.payment_schedule_usd is not null and s.amount_usd_mid is not null
),

straight_line as (
    select
        s.company,
        s.binding,
        y.year,
        greatest(least(s.ends, make_date(y.year, 12, 31)) - greatest(s.starts, make_date(y.year, 1, 1)) + 1, 0)
            / (s.ends - s.starts + 1) as share,
        s.amount_usd_low,
        s.amount_usd_mid,
        s.amount_usd_high
    from spend as s,
        unnest(generate_series(year(s.starts), year(s.ends))) as y (year)
    where s.payment_schedule_usd is null and s.amount_usd_mid is not null
),

per_year as (
    select company, binding, year, usd_low, usd_mid, usd_high from scheduled
    union all
    select company, binding, year, share * amount_usd_low, share * amount_usd_mid, share * amount_usd_high
    from straight_line
)

select
    company,
    year,
    sum(usd_low) filter (where binding) as committed_usd_low,
    sum(usd_mid) filter (where binding) as committed_usd_mid,
    sum(usd_high) filter (where binding) as committed_usd_high,
    sum(usd_low) as committed_incl_loi_usd_low,
    sum(usd_mid) as committed_incl_loi_usd_mid,
    sum(usd_high) as committed_incl_loi_usd_high,
    (
        select count(*) from spend as u
        where u.company = p.company and u.amount_usd_mid is null and year(u.starts) <= p.year
    ) as commitments_without_amount,
    (select months from assumed) as assumed_term_months
from per_year as p
group by company, year
order by company, year
