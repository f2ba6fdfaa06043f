"""Deterministic generator of realistic GPU price quotes in the project's gpu_prices.csv format.

    python -m bench.generate_quotes --rows 1000000 --out bench/out/quotes/gpu_prices.csv [--seed 7]

`--out` is the CSV to write (its name must start with `gpu_prices`), or a folder to write
`gpu_prices.csv` into. The reference tables of data/input/reference are copied into
`reference/` next to it, so the folder is a valid COMPUTE_LEDGER_INPUT.

What the rows look like (see data/README.md for the format):
- rental quotes (~97%): on_demand / spot / reserved_1y / reserved_3y from cloud providers
  (AWS, Azure, Google Cloud, Oracle, CoreWeave, Lambda, RunPod, Nebius, ...), each in its
  own regions, per instance (8 GPUs mostly, also 4/2/1) or per GPU, hourly (a few monthly);
- purchase quotes (~3%): `purchase` and `server_per_gpu` from resellers;
- GPU models written with the aliases of reference/gpu_catalog.csv, only after launch;
- prices trend down over time per model; spot/reserved discounts; provider mark-ups;
- ~2% quoted in EUR / JPY / GBP at a plausible local amount (the FX table's rate ±1%);
- observed_date uniform over 2023-01-01..2026-09-30, sometimes a scrape timestamp;
- ~0.5% rows the normalizer must quarantine (unknown GPU model, negative or unreadable
  price, impossible date, unknown currency, per-instance price without GPU count),
  ~0.2% exact duplicate rows (a re-scrape) and ~0.02% rows reusing a quote_id with
  another price (a conflict, quarantined).

Rows are generated and written in fixed-size chunks (numpy + Polars, no per-row Python);
chunk k uses the random stream (seed, k), so a file depends only on (rows, seed).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from bench._common import REFERENCE_DIR
from ledger.transforms.entities import ENTITIES

#: Bump when the generated content changes: bench.run caches files by (rows, seed, version).
GENERATOR_VERSION = 2  # 2: catalog-like prices (a list price per SKU and month, spot per day)
CHUNK_ROWS = 250_000
COLUMNS = ENTITIES["gpu_prices"].columns

EPOCH = date(1970, 1, 1)
START = date(2023, 1, 1)
END = date(2026, 9, 30)


def _day(d: date) -> int:
    return (d - EPOCH).days


START_DAY, END_DAY = _day(START), _day(END)

# --- GPU models -----------------------------------------------------------------------
# canonical, launch, aliases as written (first one most common), on-demand $/GPU-h at
# launch (or 2023-01) and at 2026-09 on a neocloud, purchase $/GPU then and now
# (None: not sold), popularity weight.
MODELS = [
    (
        "A100",
        date(2020, 5, 14),
        ["A100", "NVIDIA A100", "A100 SXM4", "A100 80GB", "NVIDIA A100 SXM4 80 GB", "A100 40GB", "A100 PCIe", "HGX A100"],
        1.79,
        1.05,
        13000,
        8000,
        2.0,
    ),
    (
        "H100",
        date(2023, 3, 21),
        [
            "H100",
            "H100 SXM5 80GB",
            "NVIDIA H100",
            "H100 SXM",
            "NVIDIA H100 SXM5 80GB",
            "H100 80GB",
            "H100 PCIe",
            "HGX H100",
            "H100 NVL",
        ],
        4.25,
        2.05,
        36000,
        22000,
        4.0,
    ),
    ("H200", date(2024, 6, 1), ["H200", "NVIDIA H200", "H200 SXM", "H200 141GB", "HGX H200"], 4.60, 2.60, 38000, 29000, 2.5),
    ("H20", date(2024, 3, 1), ["H20", "NVIDIA H20", "HGX H20"], 1.30, 0.85, 12500, 9500, 0.4),
    ("B200", date(2025, 1, 15), ["B200", "NVIDIA B200", "B200 SXM", "HGX B200", "DGX B200"], 6.50, 3.90, 40000, 33000, 2.0),
    ("GB200", date(2025, 4, 1), ["GB200", "GB200 NVL72", "NVIDIA GB200", "NVIDIA GB200 NVL72"], 7.20, 4.80, 45000, 38000, 1.2),
    ("GB300", date(2025, 10, 1), ["GB300", "GB300 NVL72", "NVIDIA GB300"], 8.20, 6.30, 50000, 44000, 0.8),
    (
        "MI300X",
        date(2024, 1, 15),
        ["MI300X", "AMD Instinct MI300X", "AMD MI300X", "Instinct MI300X"],
        2.60,
        1.55,
        20000,
        14000,
        1.0,
    ),
    ("MI325X", date(2025, 4, 1), ["MI325X", "AMD Instinct MI325X", "AMD MI325X"], 2.90, 2.10, 24000, 19000, 0.5),
    ("TPU v5p", date(2024, 1, 1), ["TPU v5p", "Cloud TPU v5p", "TPU-v5p"], 4.20, 3.50, None, None, 1.0),
    ("Trainium2", date(2024, 12, 3), ["Trainium2", "Trn2", "AWS Trainium2"], 2.40, 1.70, None, None, 1.0),
]
MODEL_NAMES = [m[0] for m in MODELS]

# --- Rental providers -------------------------------------------------------------------
# name, id slug, price multiplier vs a neocloud, weight, regions ("" = blank), models,
# local currency and the share of its quotes in it, confidence, price page, share per instance.
PROVIDERS = [
    (
        "AWS",
        "aws",
        2.3,
        10,
        ["us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1", "ap-northeast-1"],
        ["A100", "H100", "H200", "B200", "GB200", "Trainium2"],
        None,
        0.0,
        "high",
        "https://aws.amazon.com/ec2/pricing/on-demand/",
        0.9,
    ),
    (
        "Microsoft Azure",
        "azure",
        2.1,
        9,
        ["East US", "East US 2", "West US 3", "West Europe", "Sweden Central", "Japan East", "UK South"],
        ["A100", "H100", "H200", "MI300X", "B200", "GB200"],
        None,
        0.0,
        "high",
        "https://azure.microsoft.com/en-us/pricing/details/virtual-machines/linux/",
        0.7,
    ),
    (
        "Google Cloud",
        "gcp",
        2.2,
        9,
        ["us-central1", "us-east4", "us-east5", "europe-west4", "asia-northeast1"],
        ["A100", "H100", "H200", "B200", "GB200", "TPU v5p"],
        None,
        0.0,
        "high",
        "https://cloud.google.com/compute/gpus-pricing",
        0.5,
    ),
    (
        "Oracle",
        "oracle",
        1.7,
        6,
        ["us-ashburn-1", "us-chicago-1", "eu-frankfurt-1", "uk-london-1", "ap-tokyo-1"],
        ["A100", "H100", "H200", "B200", "GB200", "MI300X"],
        None,
        0.0,
        "high",
        "https://www.oracle.com/cloud/compute/gpu/pricing/",
        0.9,
    ),
    (
        "CoreWeave",
        "coreweave",
        1.45,
        7,
        ["US-EAST-04", "US-WEST-01", "US-CENTRAL-02", "EU-SOUTH-03"],
        ["A100", "H100", "H200", "B200", "GB200", "GB300"],
        None,
        0.0,
        "high",
        "https://www.coreweave.com/pricing",
        0.8,
    ),
    (
        "Lambda",
        "lambda",
        1.0,
        8,
        ["us-east-1", "us-west-1", "us-south-1"],
        ["A100", "H100", "H200", "B200", "GB200"],
        None,
        0.0,
        "high",
        "https://lambda.ai/pricing",
        0.5,
    ),
    (
        "RunPod",
        "runpod",
        0.92,
        8,
        ["US-TX-3", "US-GA-1", "EU-RO-1", "CA-MTL-1"],
        ["A100", "H100", "H200", "B200", "MI300X"],
        None,
        0.0,
        "medium",
        "https://www.runpod.io/pricing",
        0.2,
    ),
    (
        "Nebius",
        "nebius",
        1.0,
        5,
        ["eu-north1", "eu-west1", "us-central1"],
        ["H100", "H200", "B200", "GB200"],
        "EUR",
        0.08,
        "high",
        "https://nebius.com/prices",
        0.4,
    ),
    (
        "Crusoe",
        "crusoe",
        1.05,
        4,
        ["us-east1", "us-central1", "eu-iceland1"],
        ["A100", "H100", "H200", "B200", "GB200", "MI300X"],
        None,
        0.0,
        "medium",
        "https://crusoe.ai/cloud/pricing",
        0.6,
    ),
    (
        "Together AI",
        "together",
        1.1,
        3,
        ["us-west-2", "us-central-5"],
        ["H100", "H200", "B200", "GB200"],
        None,
        0.0,
        "medium",
        "https://www.together.ai/pricing",
        0.6,
    ),
    ("Vast.ai", "vastai", 0.75, 6, [""], ["A100", "H100", "H200", "B200"], None, 0.0, "low", "https://vast.ai/pricing", 0.1),
    (
        "FluidStack",
        "fluidstack",
        1.0,
        3,
        ["UK", "US", "Iceland"],
        ["A100", "H100", "H200", "B200"],
        "GBP",
        0.2,
        "medium",
        "https://www.fluidstack.io/pricing",
        0.6,
    ),
    (
        "TensorWave",
        "tensorwave",
        1.0,
        2,
        ["us-west"],
        ["MI300X", "MI325X"],
        None,
        0.0,
        "medium",
        "https://tensorwave.com/pricing",
        0.7,
    ),
    (
        "Vultr",
        "vultr",
        1.15,
        3,
        ["ewr", "lax", "ams", "nrt"],
        ["A100", "H100", "H200", "B200", "MI300X", "MI325X"],
        None,
        0.0,
        "medium",
        "https://www.vultr.com/pricing/",
        0.5,
    ),
    (
        "Sakura Internet",
        "sakura",
        1.3,
        0.45,
        ["ishikari", "tokyo"],
        ["H100", "H200", "B200"],
        "JPY",
        1.0,
        "high",
        "https://www.sakura.ad.jp/koukaryoku/",
        0.8,
    ),
    (
        "Scaleway",
        "scaleway",
        1.2,
        0.5,
        ["fr-par-2", "nl-ams-1"],
        ["H100", "H200", "B200"],
        "EUR",
        1.0,
        "high",
        "https://www.scaleway.com/en/pricing/gpu/",
        0.5,
    ),
    (
        "Alibaba Cloud",
        "alibaba",
        1.3,
        1.5,
        ["cn-hangzhou", "cn-beijing", "ap-southeast-1"],
        ["A100", "H20"],
        None,
        0.0,
        "medium",
        "https://www.alibabacloud.com/product/gpu/pricing",
        0.7,
    ),
    (
        "Paperspace",
        "paperspace",
        1.3,
        1.5,
        ["NY2", "AMS1"],
        ["A100", "H100"],
        None,
        0.0,
        "medium",
        "https://www.paperspace.com/pricing",
        0.3,
    ),
]
# Purchase quotes: resellers and list-price sources (provider may be blank).
RESELLERS = [
    ("Supermicro reseller", "smc", 1.05, "medium", "https://store.supermicro.com/gpu-servers"),
    ("Dell", "dell", 1.10, "medium", "https://www.dell.com/en-us/shop/servers"),
    ("Thinkmate", "thinkmate", 1.02, "medium", "https://www.thinkmate.com/systems/servers/gpx"),
    ("Arc Compute", "arc", 0.98, "low", "https://www.arccompute.io/pricing"),
    ("Exxact", "exxact", 1.04, "medium", "https://www.exxactcorp.com/gpu-servers"),
    ("", "list", 1.00, "low", ""),
]
LIST_PUBLICATIONS = [
    "SemiAnalysis accelerator model",
    "Epoch AI hardware prices",
    "Raymond James estimate",
    "HSBC GPU pricing note",
]

RENTAL_TYPES = ["on_demand", "spot", "reserved_1y", "reserved_3y"]
RENTAL_TYPE_P = [0.46, 0.20, 0.19, 0.15]
PRICE_TYPES = [*RENTAL_TYPES, "purchase", "server_per_gpu"]
CURRENCIES = ["USD", "EUR", "JPY", "GBP", "CHF", "KRW", "INR", "SGD"]
BAD_CURRENCY_RATE = {"CHF": 0.88, "KRW": 1350.0, "INR": 83.5, "SGD": 1.34}
NOTES = [
    "p5.48xlarge, 8x H100 SXM5 80GB, 3200 Gbps EFA",
    'instance "ND H100 v5", 8 GPUs',
    "price cut announced; new rate from the 1st",
    "list price, volume discounts available",
    "sold out in this region at scrape time",
    "1-year commitment, paid monthly",
    'marketplace median of "verified" hosts',
    "bare metal, 8 GPUs, InfiniBand",
]
#: Typos and made-up names; any that the catalogue knows (it grows) are left out at run time.
UNKNOWN_MODELS = ["H100X", "H10O", "NVIDIA HX100", "MI999X", "A100 SXM9", "Blackwell B250"]
UNREADABLE_PRICES = ["N/A", "call for pricing", "TBD", "3.4.5", "see notes"]
IMPOSSIBLE_DATES = ["2025-02-30", "2024-13-01", "2023-04-31", "2026-00-10", "2025-06-31"]

QUARANTINE_SHARE = 0.005
DUPLICATE_SHARE = 0.002
CONFLICT_SHARE = 0.0002
PURCHASE_SHARE = 0.03

BAD_KINDS = [
    "unknown_gpu_model",
    "negative_price",
    "unreadable_price",
    "impossible_date",
    "unknown_currency",
    "instance_without_gpu_count",
]


def _check_aliases() -> list[str]:
    """Every alias written must resolve through reference/gpu_catalog.csv; returns the
    unknown-model names the catalogue does not know."""
    catalog = pl.read_csv(REFERENCE_DIR / "gpu_catalog.csv", infer_schema=False)
    known = {}
    for row in catalog.iter_rows(named=True):
        for alias in [row["gpu_model"], *(row["aliases"] or "").split("|")]:
            known[alias.strip().lower()] = (row.get("family") or row["gpu_model"]).strip()  # the family
    for canonical, *_rest in MODELS:
        for alias in _rest[1]:
            if known.get(alias.lower()) != canonical:
                raise SystemExit(f"alias {alias!r} does not resolve to {canonical} in gpu_catalog.csv")
    unknown = [m for m in UNKNOWN_MODELS if m.strip().lower() not in known]
    if not unknown:
        raise SystemExit("every name in UNKNOWN_MODELS is in gpu_catalog.csv; add new made-up names")
    return unknown


def reference_digest() -> str:
    """A short hash of data/input/reference/*.csv (the generated folder copies them)."""
    digest = hashlib.sha256()
    for path in sorted(REFERENCE_DIR.glob("*.csv")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def _fx_tables() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per currency: sorted rate days and units per USD (from the reference FX table)."""
    fx = (
        pl.read_csv(REFERENCE_DIR / "fx_rates.csv", infer_schema=False)
        .select(
            pl.col("currency").str.strip_chars().str.to_uppercase(),
            pl.col("rate_date").str.to_date().cast(pl.Int32).alias("day"),
            pl.col("units_per_usd").cast(pl.Float64),
        )
        .sort("currency", "day")
    )
    return {c: (g["day"].to_numpy(), g["units_per_usd"].to_numpy()) for (c,), g in fx.group_by("currency", maintain_order=True)}


class _Tables:
    """Lookup arrays built once per run (they depend only on the seed)."""

    def __init__(self, seed: int, unknown_models: list[str]):
        rng = np.random.default_rng([seed, 10**6])
        self.unknown_models = unknown_models
        n_models = len(MODELS)
        self.launch = np.array([max(_day(m[1]), START_DAY) for m in MODELS])
        self.od_start = np.array([m[3] for m in MODELS])
        self.od_end = np.array([m[4] for m in MODELS])
        self.buy_start = np.array([m[5] or 0.0 for m in MODELS], dtype=float)
        self.buy_end = np.array([m[6] or 0.0 for m in MODELS], dtype=float)
        popularity = np.array([m[7] for m in MODELS])
        # Aliases: flattened, first alias of each model 40%, the rest share 60%.
        self.alias_text: list[str] = []
        self.alias_offset, self.alias_cum = [], []
        for m in MODELS:
            names = m[2]
            w = np.full(len(names), 0.6 / max(len(names) - 1, 1))
            w[0] = 0.4 if len(names) > 1 else 1.0
            self.alias_offset.append(len(self.alias_text))
            self.alias_cum.append(np.cumsum(w / w.sum()))
            self.alias_text += names
        self.alias_offset = np.array(self.alias_offset)
        # Epochs: between consecutive launch days the set of available models is fixed.
        self.epoch_days = np.unique(self.launch)
        n_prov = len(PROVIDERS)
        offered = np.zeros((n_prov, n_models))
        for p, prov in enumerate(PROVIDERS):
            for name in prov[5]:
                offered[p, MODEL_NAMES.index(name)] = 1.0
        prov_w = np.array([p[3] for p in PROVIDERS], dtype=float)
        sellable = np.array([m[5] is not None for m in MODELS], dtype=float)
        self.rental_cum, self.purchase_cum = [], []
        for e_day in self.epoch_days:
            available = (self.launch <= e_day).astype(float)
            cond = offered * (popularity * available)[None, :]
            totals = cond.sum(axis=1, keepdims=True)
            cond = np.divide(cond, totals, out=np.zeros_like(cond), where=totals > 0)
            joint = (prov_w * (totals[:, 0] > 0))[:, None] * cond
            self.rental_cum.append(np.cumsum(joint.ravel() / joint.sum()))
            buy = popularity * available * sellable
            self.purchase_cum.append(np.cumsum(buy / buy.sum()))
        self.n_models = n_models
        # Provider x model price multiplier (fixed for the run), lognormal around 1.
        self.pm = np.exp(rng.normal(0.0, 0.08, size=(n_prov, n_models)))
        self.prov_mult = np.array([p[2] for p in PROVIDERS])
        self.prov_inst = np.array([p[10] for p in PROVIDERS])
        self.prov_local = np.array([CURRENCIES.index(p[6]) if p[6] else 0 for p in PROVIDERS])
        self.prov_local_share = np.array([p[7] for p in PROVIDERS])
        self.region_count = np.array([len(p[4]) for p in PROVIDERS])
        self.region_offset = np.concatenate([[0], np.cumsum(self.region_count)[:-1]])
        self.region_text = [r or None for p in PROVIDERS for r in p[4]]
        self.fx = _fx_tables()


def _keyed_uniform(lo: float, hi: float, *keys: np.ndarray) -> np.ndarray:
    """A uniform draw in [lo, hi) that depends only on the integer keys (splitmix64 of a
    mix of them): every quote of one SKU in one period gets the same factor, as a cloud
    catalog lists one price per instance type, region and period rather than a new price
    per scrape."""
    with np.errstate(over="ignore"):
        x = np.zeros(len(keys[0]), dtype=np.uint64)
        for i, key in enumerate(keys):
            x ^= np.asarray(key, dtype=np.int64).astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15 * (i + 1) % 2**64)
            x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
            x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
            x ^= x >> np.uint64(31)
    return lo + (hi - lo) * (x >> np.uint64(11)).astype(np.float64) / float(2**53)


def _sample_cum(rng: np.random.Generator, cum: np.ndarray, n: int) -> np.ndarray:
    return np.minimum(np.searchsorted(cum, rng.random(n), side="right"), len(cum) - 1)


def _trend(start: np.ndarray, end: np.ndarray, launch: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Geometric interpolation from the launch (or 2023-01) price to the 2026-09 price."""
    frac = np.clip((day - launch) / np.maximum(END_DAY - launch, 1), 0.0, 1.0)
    return start * np.power(end / np.where(start > 0, start, 1.0), frac)


def _chunk(t: _Tables, seed: int, index: int, first_row: int, n: int) -> tuple[pl.DataFrame, dict[str, int]]:
    """Rows first_row .. first_row + n - 1 of the file."""
    rng = np.random.default_rng([seed, index])
    a: dict[str, np.ndarray] = {}
    a["gid"] = np.arange(first_row, first_row + n, dtype=np.int64)
    day = rng.integers(START_DAY, END_DAY + 1, size=n)
    a["day"] = day
    a["tod"] = rng.integers(0, 24 * 60, size=n)  # minute of the day the page was scraped
    a["date_fmt"] = _sample_cum(rng, np.cumsum([0.85, 0.10, 0.05]), n)
    purchase = rng.random(n) < PURCHASE_SHARE
    a["purchase"] = purchase
    epoch = np.searchsorted(t.epoch_days, day, side="right") - 1
    prov = np.zeros(n, dtype=np.int64)
    model = np.zeros(n, dtype=np.int64)
    for e in range(len(t.epoch_days)):
        rows = np.flatnonzero((epoch == e) & ~purchase)
        pick = _sample_cum(rng, t.rental_cum[e], rows.size)
        prov[rows], model[rows] = pick // t.n_models, pick % t.n_models
        rows = np.flatnonzero((epoch == e) & purchase)
        model[rows] = _sample_cum(rng, t.purchase_cum[e], rows.size)
    reseller = rng.integers(0, len(RESELLERS), size=n)
    a["prov"], a["model"], a["reseller"] = prov, model, reseller

    # Alias as written.
    u = rng.random(n)
    alias = np.zeros(n, dtype=np.int64)
    for m in range(t.n_models):
        rows = np.flatnonzero(model == m)
        alias[rows] = t.alias_offset[m] + np.minimum(
            np.searchsorted(t.alias_cum[m], u[rows], side="right"), len(t.alias_cum[m]) - 1
        )
    a["alias"] = alias
    a["alias_case"] = _sample_cum(rng, np.cumsum([0.987, 0.01, 0.003]), n)  # as is, lower, trailing space

    # Price type, instance size, billing period.
    rental_type = _sample_cum(rng, np.cumsum(RENTAL_TYPE_P), n)
    purchase_type = np.where(rng.random(n) < 0.5, 4, 5)
    ptype = np.where(purchase, purchase_type, rental_type)
    a["ptype"] = ptype
    inst_share = np.where(purchase, np.where(ptype == 5, 0.65, 0.0), t.prov_inst[prov])
    per_instance = rng.random(n) < inst_share
    gpus = np.array([8, 4, 2, 1])[_sample_cum(rng, np.cumsum([0.82, 0.08, 0.05, 0.05]), n)]
    gpus = np.where(purchase, 8, gpus)
    a["per_instance"] = per_instance
    a["gpus"] = gpus
    a["gpus_shown"] = per_instance | (~purchase & (rng.random(n) < 0.25))  # per-GPU quotes sometimes name the size
    billing = _sample_cum(rng, np.cumsum([0.02, 0.93, 0.05]), n)  # blank, hour, month
    a["billing"] = np.where(purchase, 0, billing)

    # Price per GPU in USD, as catalogs publish them: a list price per SKU (provider, model,
    # type, region) that changes by the month; spot prices per day; resellers' prices per
    # model and month. No per-scrape noise: the same page scraped twice shows one price.
    month = (day - START_DAY) // 30
    sku = prov * 1000 + model
    noise = _keyed_uniform(0.97, 1.03, sku, rental_type, month)
    od = _trend(t.od_start[model], t.od_end[model], t.launch[model], day) * t.prov_mult[prov] * t.pm[prov, model]
    type_factor = np.select(
        [rental_type == 0, rental_type == 1, rental_type == 2],
        [
            np.ones(n),
            _keyed_uniform(0.35, 0.65, sku, day),
            _keyed_uniform(0.68, 0.78, sku, month),
        ],
        _keyed_uniform(0.48, 0.58, sku, month, rental_type),
    )
    reseller_mult = np.array([r[2] for r in RESELLERS])[reseller] * _keyed_uniform(0.95, 1.08, reseller, model, month)
    buy = _trend(t.buy_start[model], t.buy_end[model], t.launch[model], day) * reseller_mult
    buy = np.where(ptype == 5, buy * _keyed_uniform(1.25, 1.40, reseller, model, month), buy)
    usd = np.where(purchase, buy, od * type_factor) * np.where(purchase, 1.0, noise)
    usd = np.round(usd, 4)
    usd = usd * np.where(per_instance, gpus, 1)
    usd = usd * np.where(~purchase & (a["billing"] == 2), 730.0, 1.0)
    a["usd"] = usd

    # Currency: local currency for some providers.
    local = ~purchase & (rng.random(n) < t.prov_local_share[prov])
    a["ccy"] = np.where(local, t.prov_local[prov], 0)

    # Low / high / qualifier layout.
    a["layout"] = _sample_cum(
        rng, np.cumsum([0.04, 0.07, 0.01, 0.01, 0.87]), n
    )  # range, low=high, about/up_to, low only, high only
    a["range_lo"] = _keyed_uniform(0.85, 0.95, sku, month)
    a["range_hi"] = _keyed_uniform(1.02, 1.12, sku, month)
    a["qual_pick"] = rng.random(n)
    a["fx_noise"] = _keyed_uniform(0.99, 1.01, day)  # the day's rate the provider used
    a["source_pick"] = rng.random(n)
    a["conf_pick"] = rng.random(n)
    a["note"] = np.where(rng.random(n) < 0.02, rng.integers(0, len(NOTES), n), -1)
    a["pub"] = rng.integers(0, len(LIST_PUBLICATIONS), n)
    a["region"] = t.region_offset[prov] + (rng.random(n) * t.region_count[prov]).astype(np.int64)
    a["source_lag"] = np.where(purchase, rng.integers(0, 30, n), 0)

    # Re-scrapes: exact copies of a recent row, and a few with the same quote_id but
    # another price (conflicts). Not in the first 64 rows of a chunk (the source must exist).
    counts: dict[str, int] = {}
    src = np.arange(n)
    dup_u = rng.random(n)
    dup_u[:64] = 1.0
    duplicate = dup_u < DUPLICATE_SHARE
    conflict = (dup_u >= DUPLICATE_SHARE) & (dup_u < DUPLICATE_SHARE + CONFLICT_SHARE)
    copied = duplicate | conflict
    src[copied] = np.flatnonzero(copied) - rng.integers(1, 64, size=int(copied.sum()))
    a = {k: v[src] for k, v in a.items()}
    a["usd"] = np.where(conflict, a["usd"] * 1.05, a["usd"])
    counts["exact_duplicate"], counts["conflicting_id"] = int(duplicate.sum()), int(conflict.sum())

    # Rows the normalizer must quarantine.
    bad = np.where(rng.random(n) < QUARANTINE_SHARE, rng.integers(0, len(BAD_KINDS), n), -1)
    if index == 0 and n >= 1000:
        bad[100 : 100 + len(BAD_KINDS)] = np.arange(len(BAD_KINDS))  # every kind at least once
    bad[copied] = -1
    for k, kind in enumerate(BAD_KINDS):
        counts[kind] = int((bad == k).sum())
    bad_ccy = rng.integers(4, 8, n)
    a["ccy"] = np.where(bad == 4, bad_ccy, a["ccy"])

    # Amounts in the quote's currency.
    rate = np.ones(n)
    day = a["day"]
    for c in (1, 2, 3):
        rows = np.flatnonzero(a["ccy"] == c)
        days, values = t.fx[CURRENCIES[c]]
        rate[rows] = values[np.maximum(np.searchsorted(days, day[rows], side="right") - 1, 0)]
    for c in (4, 5, 6, 7):
        rate[a["ccy"] == c] = BAD_CURRENCY_RATE[CURRENCIES[c]]
    amount = a["usd"] * np.where(a["ccy"] > 0, rate * a["fx_noise"], 1.0)
    whole = a["purchase"] | (a["ccy"] == 2) | (a["ccy"] == 5)  # whole dollars, yen, won
    layout = a["layout"]
    low = np.where(layout == 0, amount * a["range_lo"], amount)
    high = np.where(layout == 0, amount * a["range_hi"], amount)
    low = np.where(whole, np.round(low), np.round(low, 2))
    high = np.where(whole, np.round(high), np.round(high, 2))
    has_low = (layout <= 1) | (layout == 3)
    has_high = layout != 3
    # Qualifier: ranges blank; about/up_to; otherwise exact or blank.
    qual = np.where(layout == 2, np.where(a["qual_pick"] < 0.6, 2, 3), np.where(a["qual_pick"] < 0.4, 1, 0))
    qual = np.where(layout == 0, 0, qual)

    f = pl.DataFrame(
        {
            "gid": a["gid"],
            "day": a["day"].astype(np.int32),
            "tod": a["tod"],
            "date_fmt": a["date_fmt"],
            "purchase": a["purchase"],
            "prov": a["prov"],
            "reseller": a["reseller"],
            "alias": a["alias"],
            "alias_case": a["alias_case"],
            "ptype": a["ptype"],
            "per_instance": a["per_instance"],
            "gpus": a["gpus"],
            "gpus_shown": a["gpus_shown"],
            "billing": a["billing"],
            "ccy": a["ccy"],
            "low": low,
            "high": high,
            "whole": whole,
            "has_low": has_low,
            "has_high": has_high,
            "qual": qual,
            "source_pick": a["source_pick"],
            "conf_pick": a["conf_pick"],
            "note": a["note"],
            "pub": a["pub"],
            "region": a["region"],
            "source_lag": a["source_lag"],
            "bad": bad,
            "bad_pick": rng.integers(0, 1 << 30, n),
        }
    )
    return _render(f, t), counts


def _lookup(values: list, index: str) -> pl.Expr:
    """values[index] for every row (nulls for None entries)."""
    return pl.lit(pl.Series(values, dtype=pl.String)).gather(pl.col(index))


def _pick(values: list[str]) -> pl.Expr:
    return pl.lit(pl.Series(values, dtype=pl.String)).gather(pl.col("bad_pick") % len(values))


def _render(f: pl.DataFrame, t: _Tables) -> pl.DataFrame:
    """The CSV columns, as text, from the sampled numbers."""
    purchase = pl.col("purchase")
    bad = pl.col("bad")
    date = pl.col("day").cast(pl.Date)
    iso = date.dt.strftime("%Y-%m-%d")
    hhmm = pl.format(
        "{}:{}",
        (pl.col("tod") // 60).cast(pl.String).str.zfill(2),
        (pl.col("tod") % 60).cast(pl.String).str.zfill(2),
    )
    observed = (
        pl.when(pl.col("date_fmt") == 1)
        .then(pl.format("{}T{}:00Z", iso, hhmm))
        .when(pl.col("date_fmt") == 2)
        .then(pl.format("{} {}", iso, hhmm))
        .otherwise(iso)
    )
    observed = pl.when(bad == 3).then(_pick(IMPOSSIBLE_DATES)).otherwise(observed)

    def money(column: str) -> pl.Expr:
        value = pl.col(column)
        return pl.when(pl.col("whole")).then(value.cast(pl.Int64).cast(pl.String)).otherwise(value.cast(pl.String))

    high = pl.when(pl.col("has_high")).then(money("high"))
    high = pl.when(bad == 1).then(pl.format("-{}", money("high"))).when(bad == 2).then(_pick(UNREADABLE_PRICES)).otherwise(high)
    low = pl.when(pl.col("has_low") & (bad != 1) & (bad != 2)).then(money("low"))

    model = _lookup(t.alias_text, "alias")
    model = (
        pl.when(pl.col("alias_case") == 1)
        .then(model.str.to_lowercase())
        .when(pl.col("alias_case") == 2)
        .then(model + " ")
        .otherwise(model)
    )
    model = pl.when(bad == 0).then(_pick(t.unknown_models)).otherwise(model)

    prov_name = _lookup([p[0] for p in PROVIDERS], "prov")
    prov_slug = _lookup([p[1] for p in PROVIDERS], "prov")
    res_name = _lookup([r[0] or None for r in RESELLERS], "reseller")
    res_slug = _lookup([r[1] for r in RESELLERS], "reseller")
    res_url = _lookup([r[4] or None for r in RESELLERS], "reseller")
    res_conf = _lookup([r[3] for r in RESELLERS], "reseller")
    prov_url = _lookup([p[9] for p in PROVIDERS], "prov")
    prov_conf = _lookup([p[8] for p in PROVIDERS], "prov")
    slug = pl.when(purchase).then(res_slug).otherwise(prov_slug)
    quote_id = pl.format("{}-{}-{}", slug, date.dt.strftime("%Y%m%d"), pl.col("gid").cast(pl.String).str.zfill(9))

    per_instance = pl.col("per_instance") | (bad == 5)
    gpus = pl.when(pl.col("gpus_shown") & (bad != 5)).then(pl.col("gpus").cast(pl.String))

    # Sources: the price page (rentals; 5% a publication instead), the reseller page or a
    # named estimate (purchases). Never neither.
    source_pick = pl.col("source_pick")
    rental_url = pl.when(source_pick >= 0.05).then(prov_url)
    rental_pub = (
        pl.when(source_pick < 0.05)
        .then(pl.format("{} price list (PDF)", prov_name))
        .when(source_pick > 0.98)
        .then(pl.lit("GPU price tracker (weekly scrape)"))
    )
    purchase_url = res_url
    purchase_pub = pl.when(res_url.is_null()).then(_lookup(LIST_PUBLICATIONS, "pub"))
    confidence = pl.when(purchase).then(res_conf).otherwise(prov_conf)
    confidence = pl.when(pl.col("conf_pick") < 0.05).then(pl.lit("medium")).otherwise(confidence)

    return f.select(
        quote_id.alias("quote_id"),
        model.alias("gpu_model"),
        _lookup(PRICE_TYPES, "ptype").alias("price_type"),
        low.alias("price_low"),
        high.alias("price_high"),
        _lookup(CURRENCIES, "ccy").alias("currency"),
        observed.alias("observed_date"),
        _lookup([None, "exact", "about", "up_to"], "qual").alias("price_qualifier"),
        pl.when(per_instance).then(pl.lit("instance")).otherwise(pl.lit("gpu")).alias("price_per"),
        gpus.alias("gpus_per_instance"),
        _lookup([None, "hour", "month"], "billing").alias("billing_period"),
        pl.when(purchase).then(res_name).otherwise(prov_name).alias("provider"),
        pl.when(~purchase).then(_lookup(t.region_text, "region")).alias("region"),
        confidence.alias("confidence"),
        pl.when(purchase).then(purchase_url).otherwise(rental_url).alias("source_url"),
        pl.when(purchase).then(purchase_pub).otherwise(rental_pub).alias("source_publication"),
        pl.lit(None, pl.String).alias("retrieved_via"),
        (pl.col("day") - pl.col("source_lag").cast(pl.Int32)).cast(pl.Date).dt.strftime("%Y-%m-%d").alias("source_date"),
        pl.when(pl.col("note") >= 0)
        .then(pl.lit(pl.Series(NOTES, dtype=pl.String)).gather(pl.col("note").clip(0)))
        .alias("notes"),
    ).select(COLUMNS)


def output_paths(out: str | Path) -> tuple[Path, Path]:
    """(the CSV file, the input folder) for `--out`."""
    out = Path(out)
    if out.suffix.lower() == ".csv":
        if not out.name.startswith("gpu_prices"):
            raise SystemExit(f"{out}: the file name must start with gpu_prices so the pipeline reads it")
        return out, out.parent
    return out / "gpu_prices.csv", out


def generate(rows: int, out: str | Path, seed: int = 7, *, quiet: bool = False) -> dict:
    """Write `rows` quotes and the reference folder; returns what was written."""
    unknown_models = _check_aliases()
    csv_path, folder = output_paths(out)
    folder.mkdir(parents=True, exist_ok=True)
    ref_out = folder / "reference"
    ref_out.mkdir(exist_ok=True)
    for ref in sorted(REFERENCE_DIR.glob("*.csv")):
        shutil.copyfile(ref, ref_out / ref.name)
    tables = _Tables(seed, unknown_models)
    start = time.perf_counter()
    tmp = csv_path.with_name(csv_path.name + ".partial")
    totals: dict[str, int] = {}
    with tmp.open("wb") as handle:
        done = 0
        index = 0
        while done < rows or index == 0:
            n = min(CHUNK_ROWS, rows - done)
            frame, counts = _chunk(tables, seed, index, done, n)
            frame.write_csv(handle, include_header=(index == 0))
            for k, v in counts.items():
                totals[k] = totals.get(k, 0) + v
            done += n
            index += 1
            if not quiet and rows > CHUNK_ROWS:
                print(f"  generated {done:,}/{rows:,} rows  {time.perf_counter() - start:6.1f} s", file=sys.stderr, flush=True)
            if n == 0:
                break
    tmp.replace(csv_path)
    meta = {
        "rows": rows,
        "seed": seed,
        "generator_version": GENERATOR_VERSION,
        "reference_digest": reference_digest(),
        "csv": str(csv_path),
        "input_dir": str(folder),
        "bytes": csv_path.stat().st_size,
        "seconds": round(time.perf_counter() - start, 3),
        "injected": totals,
    }
    (folder / "generated.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return meta


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, required=True, help="number of quote rows")
    parser.add_argument("--out", required=True, help="gpu_prices*.csv to write, or a folder")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if args.rows < 0:
        parser.error("--rows must be >= 0")
    meta = generate(args.rows, args.out, args.seed)
    print(
        f"wrote {meta['rows']:,} rows to {meta['csv']} ({meta['bytes'] / 2**20:,.1f} MiB, "
        f"{meta['seconds']:.1f} s); injected {meta['injected']}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
