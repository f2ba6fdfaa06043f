-- The obligation numbers the mart's page plots across runs (US dollars, mid values).
select
    sum(committed_usd_mid) as binding_committed_usd,
    sum(committed_incl_loi_usd_mid) as committed_incl_loi_usd,
    sum(committed_usd_mid) filter (where company = 'OpenAI') as openai_binding_committed_usd
from marts.obligations
