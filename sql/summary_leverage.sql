-- What `compute-ledger run` prints for marts.leverage.
select
    company,
    latest_event_date,
    equity_usd_mid as equity_usd,
    debt_usd_mid as debt_usd,
    vendor_usd_mid as vendor_usd,
    post_money_valuation_usd_mid as valuation_usd,
    debt_to_equity_mid as debt_to_equity,
    debt_to_capital_mid as debt_to_capital,
    debt_to_valuation_mid as debt_to_valuation,
    annual_net_burn_usd_mid as annual_burn_usd,
    debt_to_annual_burn_mid as debt_to_annual_burn
from marts.leverage
order by company
