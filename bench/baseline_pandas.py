"""The straightforward pandas version a user might write (for reference only).

    python -m bench.baseline_pandas --input DIR --out DIR [--result JSON]

read_csv (all text), map aliases, to_numeric / to_datetime, merge_asof for FX, boolean
masks for the quarantine rules, drop_duplicates, groupby quantiles. Plain numbers and
ISO dates (or ISO timestamps) only; no data-quality suite. Writes staging, quarantine and
the index as Parquet files into --out.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from pathlib import Path

START = time.perf_counter()

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from bench._common import Stages, write_result  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - START

PURCHASE_TYPES = ["purchase", "server_per_gpu"]
RENTAL_TYPES = ["on_demand", "spot", "reserved_1y", "reserved_3y"]
CONTENT = [
    "quote_id",
    "gpu_model",
    "price_type",
    "price_unit",
    "usd_per_gpu_low",
    "usd_per_gpu_mid",
    "usd_per_gpu_high",
    "usd_per_gpu_hour_low",
    "usd_per_gpu_hour_mid",
    "usd_per_gpu_hour_high",
    "currency",
    "price_per",
    "gpus_per_instance",
    "billing_period",
    "provider",
    "region",
    "observed_date",
    "fx_units_per_usd",
    "fx_rate_date",
    "confidence",
    "source_url",
    "source_publication",
    "source_date",
    "notes",
]


def _token(s: pd.Series) -> pd.Series:
    t = s.str.strip().str.lower().str.replace(r"[\s\-/]+", "_", regex=True)
    return t.where(t != "")


def _blank(s: pd.Series) -> pd.Series:
    t = s.str.strip()
    return t.isna() | (t == "")


def _date(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s.str.strip().str[:10], format="%Y-%m-%d", errors="coerce")


def run(input_dir: str, out_dir: str) -> dict:
    folder, out = Path(input_dir), Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stages = Stages()
    start = time.perf_counter()

    with stages.stage("read_csv"):
        frames = []
        for path in sorted(folder.glob("gpu_prices*.csv")):
            f = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
            f["source_file"] = path.name
            f["row_number"] = np.arange(2, len(f) + 2)
            frames.append(f)
        df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        catalog = pd.read_csv(folder / "reference" / "gpu_catalog.csv", dtype=str)
        fx = pd.read_csv(folder / "reference" / "fx_rates.csv", dtype=str)
        fx = pd.DataFrame(
            {
                "currency": fx["currency"].str.strip().str.upper(),
                "rate_date": pd.to_datetime(fx["rate_date"].str.strip(), format="%Y-%m-%d"),
                "fx_units_per_usd": fx["units_per_usd"].astype(float),
            }
        ).sort_values("rate_date")

    with stages.stage("normalize + quarantine rules"):
        aliases = {}
        for model, alias_list in zip(catalog["gpu_model"], catalog["aliases"].fillna("")):
            for alias in [model, *alias_list.split("|")]:
                if alias.strip():
                    aliases[alias.strip().lower()] = model.strip()
        given = df["gpu_model"].str.strip()
        df["gpu_model"] = given.str.lower().map(aliases)
        df["price_type"] = _token(df["price_type"])
        df["confidence"] = _token(df["confidence"])
        df["price_per"] = _token(df["price_per"]).fillna("gpu")
        df["billing_period"] = _token(df["billing_period"])
        gpus_text = df["gpus_per_instance"].str.strip().str.replace(",", "")
        df["gpus_per_instance"] = pd.to_numeric(gpus_text, errors="coerce")
        df["observed_date_parsed"] = _date(df["observed_date"])
        df["source_date_parsed"] = _date(df["source_date"])
        low = pd.to_numeric(df["price_low"].str.strip(), errors="coerce")
        high = pd.to_numeric(df["price_high"].str.strip(), errors="coerce")
        qual = df["price_qualifier"].str.strip().str.lower().str.replace(" ", "_")
        qual = qual.where(qual != "").fillna("exact")
        headline = high.fillna(low)
        is_range = low.notna() & high.notna() & (low < high)
        up_to = qual == "up_to"
        p_low = np.where(up_to & ~is_range, headline * 0.5, np.where(is_range, low, headline))
        p_mid = np.where(up_to, headline, np.where(is_range, (low + high) / 2, headline))
        df["currency"] = df["currency"].str.strip().str.upper()
        known = set(fx["currency"]) | {"USD"}
        problems = {
            "quote_id": _blank(df["quote_id"]),
            "gpu_model": df["gpu_model"].isna(),
            "price_type": ~df["price_type"].isin(PURCHASE_TYPES + RENTAL_TYPES),
            "source_url": _blank(df["source_url"]) & _blank(df["source_publication"]),
            "confidence": df["confidence"].notna() & ~df["confidence"].isin(["high", "medium", "low"]),
            "price_per": ~df["price_per"].isin(["gpu", "instance"]),
            "billing_period": (df["billing_period"].notna() & ~df["billing_period"].isin(["hour", "month"]))
            | (df["price_type"].isin(PURCHASE_TYPES) & df["billing_period"].notna()),
            "gpus_per_instance": (
                gpus_text.notna() & (gpus_text != "") & (df["gpus_per_instance"].isna() | (df["gpus_per_instance"] < 0))
            )
            | ((df["price_per"] == "instance") & (df["gpus_per_instance"].isna() | (df["gpus_per_instance"] < 1))),
            "observed_date": df["observed_date_parsed"].isna(),
            "source_date": df["source_date"].notna() & df["source_date_parsed"].isna(),
            "price_low": (df["price_low"].notna() & low.isna()) | (low < 0),
            "price_high": (df["price_high"].notna() & high.isna()) | (high < 0) | (low > high) | pd.isna(p_mid) | (p_mid == 0),
            "price_qualifier": ~qual.isin(["exact", "about", "up_to", "at_least"]),
            "currency": df["currency"].notna() & ~df["currency"].isin(known),
        }

    with stages.stage("merge_asof FX + USD"):
        df["_order"] = np.arange(len(df))
        dated = df[df["observed_date_parsed"].notna() & df["currency"].notna()].sort_values("observed_date_parsed")
        joined = pd.merge_asof(
            dated[["_order", "observed_date_parsed", "currency"]],
            fx,
            left_on="observed_date_parsed",
            right_on="rate_date",
            by="currency",
            direction="backward",
        ).set_index("_order")
        df["fx_units_per_usd"] = joined["fx_units_per_usd"].reindex(df["_order"]).to_numpy()
        df["fx_rate_date"] = joined["rate_date"].reindex(df["_order"]).to_numpy()
        usd = df["currency"] == "USD"
        df.loc[usd, "fx_units_per_usd"] = 1.0
        df.loc[usd, "fx_rate_date"] = pd.NaT
        problems["currency"] |= df["currency"].notna() & df["observed_date_parsed"].notna() & df["fx_units_per_usd"].isna()
        per_gpu = np.where(df["price_per"] == "instance", df["gpus_per_instance"], 1.0)
        hours = np.where(df["billing_period"] == "month", 730.0, 1.0)
        rental = df["price_type"].isin(RENTAL_TYPES).to_numpy()
        fx_units = df["fx_units_per_usd"].to_numpy(dtype=float)
        df["price_unit"] = np.where(rental, "usd_per_gpu_hour", "usd_per_gpu")
        for name, value in (("low", p_low), ("mid", p_mid), ("high", headline.to_numpy())):
            v = value / fx_units / per_gpu
            df[f"usd_per_gpu_{name}"] = np.where(~rental, v, np.nan)
            df[f"usd_per_gpu_hour_{name}"] = np.where(rental, v / hours, np.nan)
        df["observed_date"] = df["observed_date_parsed"]
        df["source_date"] = df["source_date_parsed"]
        bad = np.zeros(len(df), dtype=bool)
        columns = pd.Series("", index=df.index)
        for column, mask in problems.items():
            mask = mask.fillna(False).to_numpy(dtype=bool) if hasattr(mask, "fillna") else np.asarray(mask, dtype=bool)
            bad |= mask
            columns = columns.where(~mask, columns + np.where(columns == "", "", ", ") + column)

    with stages.stage("drop_duplicates"):
        ok = df[~bad]
        duplicate = ok.duplicated(subset=CONTENT, keep="first")
        ok = ok[~duplicate]
        conflict = ok.duplicated(subset=["quote_id"], keep="first")
        staged = ok[~conflict]
        quarantined = pd.concat([df[bad].assign(column=columns[bad]), ok[conflict].assign(column="quote_id")])

    with stages.stage("write parquet"):
        staged[CONTENT + ["source_file", "row_number"]].to_parquet(out / "staging_gpu_prices.parquet", index=False)
        quarantined[["source_file", "row_number", "column"]].to_parquet(out / "quarantine.parquet", index=False)

    with stages.stage("groupby quantiles → index"):
        price = staged["usd_per_gpu_mid"].fillna(staged["usd_per_gpu_hour_mid"])
        frame = pd.DataFrame(
            {
                "month": staged["observed_date"].dt.to_period("M").dt.to_timestamp().dt.date,
                "gpu_model": staged["gpu_model"],
                "price_type": staged["price_type"],
                "price_unit": staged["price_unit"],
                "price": price,
                "low": staged["usd_per_gpu_low"].fillna(staged["usd_per_gpu_hour_low"]),
                "high": staged["usd_per_gpu_high"].fillna(staged["usd_per_gpu_hour_high"]),
            }
        )
        g = frame.groupby(["month", "gpu_model", "price_type", "price_unit"], sort=True)
        index = pd.DataFrame(
            {
                "quote_count": g.size(),
                "p10_usd": g["price"].quantile(0.1),
                "median_usd": g["price"].median(),
                "p90_usd": g["price"].quantile(0.9),
                "min_quoted_usd": g["low"].min(),
                "max_quoted_usd": g["high"].max(),
            }
        ).reset_index()
        index.to_parquet(out / "gpu_price_index.parquet", index=False)
    wall = time.perf_counter() - start
    stages.sampler.stop()
    counts = {
        "rows_read": int(len(df)),
        "rows_loaded": int(len(staged)),
        "rows_duplicate": int(duplicate.sum()),
        "rows_quarantined": int(len(quarantined)),
        "index_rows": int(len(index)),
    }
    print(
        f"  rows read {counts['rows_read']:,}: loaded {counts['rows_loaded']:,}, duplicate {counts['rows_duplicate']:,}, "
        f"quarantined {counts['rows_quarantined']:,}; index rows {counts['index_rows']:,}"
    )
    print(f"  {'pandas total':<34}{wall:9.3f} s")
    return {
        "path": "pandas",
        "ok": True,
        "error": None,
        "wall_s": round(wall, 4),
        "import_s": round(IMPORT_SECONDS, 4),
        "stages": stages.records,
        "counts": counts,
        "index_parquet": str(out / "gpu_price_index.parquet"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The GPU-price path in plain pandas (reference only).")
    parser.add_argument("--input", required=True)
    parser.add_argument("--out", required=True, help="folder for the Parquet outputs")
    parser.add_argument("--result")
    args = parser.parse_args(argv)
    print(f"pandas (pandas {pd.__version__}; imports {IMPORT_SECONDS:.2f} s)", flush=True)
    try:
        result = run(args.input, args.out)
    except Exception as err:
        traceback.print_exc()
        result = {"path": "pandas", "ok": False, "error": f"{type(err).__name__}: {err}", "stages": []}
    write_result(args.result, result)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
