-- What `compute-ledger run` prints for marts.leverage_rounds.
select
    company,
    round_name,
    announced_date,
    status,
    equity_usd_mid as equity_usd,
    debt_usd_low,
    debt_usd_high,
    vendor_usd_mid as vendor_usd,
    total_usd_mid as total_usd,
    debt_to_equity_high,
    vendor_share_of_equity_mid as vendor_share_of_equity,
    post_money_valuation_usd_mid as post_money_usd
from marts.leverage_rounds
order by company, announced_date, round_id
