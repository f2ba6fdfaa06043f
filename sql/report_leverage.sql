-- The leverage chart: each company's equity and debt, binding and including letters of
-- intent, and the vendor money inside them (US dollars, mid values), from marts.leverage.
select company, 'including letters of intent' as basis, 'equity' as money, equity_usd_mid as usd from marts.leverage
union all
select company, 'including letters of intent', 'debt', debt_usd_mid from marts.leverage
union all
select company, 'including letters of intent', 'vendor money (inside equity and debt)', vendor_usd_mid from marts.leverage
union all
select company, 'binding', 'equity', equity_binding_usd_mid from marts.leverage
union all
select company, 'binding', 'debt', debt_binding_usd_mid from marts.leverage
union all
select company, 'binding', 'vendor money (inside equity and debt)', vendor_binding_usd_mid from marts.leverage
order by company, basis, money
