"""Benchmark harness (issue 6): the project's GPU-price path against bare DuckDB and pandas.

    python -m bench.run --rows 100000            # generate (cached), run every path, compare
    python -m bench.generate_quotes --rows N --out bench/out/quotes/gpu_prices.csv

Everything the harness writes goes under bench/out/ (git-ignored).
"""
