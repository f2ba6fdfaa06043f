"""Reading the news: figures in English and Japanese articles become candidate facts, each
with the exact span it comes from, for a person to accept or reject (issue 16).

`numbers` finds money, counts and power as journalists write them; `facts` gives each
figure its company, kind and counterparty from its sentence (rules in its docstring);
`articles` reads text, Markdown and HTML and turns candidates into rows with US dollars at
the article's date. `compute-ledger extract FILE…` prints them."""
