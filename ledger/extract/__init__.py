"""Reading the news: figures in English and Japanese articles become candidate facts, each
with the exact span it comes from, for a person to accept or reject (issue 16). So far:
`numbers` finds money, counts and power as journalists write them."""
