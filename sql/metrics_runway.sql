-- The runway numbers the mart's page plots across runs (months, base case).
select
    max(runway_months) filter (where company = 'OpenAI' and scenario = 'base') as openai_runway_months,
    max(runway_months_with_commitments) filter (where company = 'OpenAI' and scenario = 'base')
        as openai_runway_months_with_commitments,
    max(runway_months) filter (where company = 'xAI' and scenario = 'base') as xai_runway_months,
    max(runway_months) filter (where company = 'CoreWeave' and scenario = 'base') as coreweave_runway_months,
    sum(commitments_exceed_funds_usd) filter (where scenario = 'base') as commitments_exceed_funds_usd
from marts.runway
