-- What `compute-ledger run` prints for marts.obligations: each lab's binding compute
-- commitments from its cash date on, against its cash and committed funding (base case).
select
    company,
    cash_usd + committed_funding_usd as cash_and_committed_funding_usd,
    committed_spend_usd as binding_commitments_usd,
    commitments_exceed_funds_usd,
    round(runway_months, 1) as runway_months,
    round(runway_months_with_commitments, 1) as runway_months_with_commitments,
    cash_out_date_with_commitments
from marts.runway
where scenario = 'base'
order by committed_spend_usd desc, company
