-- The leverage numbers the mart's page plots across runs (US dollars, mid values).
select
    sum(equity_usd_mid) as total_equity_usd,
    sum(debt_usd_mid) as total_debt_usd,
    sum(vendor_usd_mid) as total_vendor_usd,
    sum(debt_binding_usd_mid) as total_binding_debt_usd,
    max(debt_to_equity_high) filter (where company = 'xAI') as xai_debt_to_equity_high,
    max(debt_to_equity_mid) filter (where company = 'OpenAI') as openai_debt_to_equity_mid
from marts.leverage
