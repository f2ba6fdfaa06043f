"""Issue 17: a cloud catalog in SkyPilot's format (vms.csv) dropped into the quote folder
lands as GPU price quotes, every row accounted for. The file below is written in that
format (https://github.com/skypilot-org/skypilot-catalog, schema v7): CRLF line endings,
an AvailabilityZone column, GPU names as SkyPilot writes them, a CPU-only row, a row with
no spot price and a row of an accelerator the catalogue does not know. SkyPilot writes
Lambda's SXM5 and PCIe H100s both as `H100`: the instance type tells them apart."""

import pytest

from helpers import BUNDLED_INPUT, copy_input, materialize_everything, query

VMS = (
    "\r\n".join(
        [
            "InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,Price,SpotPrice,Region,AvailabilityZone,GpuInfo",
            "gpu_8x_h100_sxm5,H100-SXM,8,208,1800,23.92,,us-east-1,us-east-1a,\"{'Gpus': [{'Name': 'H100'}]}\"",
            "gpu_8x_h100_sxm5,H100-SXM,8,208,1800,23.92,,us-east-1,us-east-1b,",
            "gpu_1x_h100_pcie,H100,1,26,200,2.49,1.25,us-west-1,us-west-1a,",
            "gpu_1x_a100_80gb,A100-80GB,1,30,200,1.79,0.89,us-west-1,us-west-1a,",
            "cpu_4x_general,,,4,16,0.12,0.05,us-west-1,us-west-1a,",
            "gpu_1x_mystery,X9000,1,8,32,0.99,,us-west-1,us-west-1a,",
            "gpu_8x_a100_80gb_sxm4,A100,8,240,1800,14.32,,us-east-1,us-east-1a,"
            "\"{'Gpus': [{'Name': 'A100', 'Count': 8.0, 'MemoryInfo': {'SizeInMiB': 81920}}]}\"",
        ]
    )
    + "\r\n"
)


#: A hyperscaler's catalog, as SkyPilot writes AWS's (no zone column; the instance type
#: does not say which H100: SXM, but the catalog does not say so).
AWS = (
    "InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,Price,SpotPrice,Region,GpuInfo\n"
    "p5.48xlarge,H100,8,192,2048,55.04,,us-east-1,\n"
)


#: dstack gpuhunt's catalog CSV (one file per provider; columns as its RawCatalogItem
#: writes them, https://github.com/dstackai/gpuhunt), with RunPod's instance names: one offer
#: per row, spot or not, GPU memory in GB, a CPU-only row with no GPU.
GPUHUNT = (
    "instance_name,location,price,cpu,memory,gpu_vendor,gpu_count,gpu_name,gpu_memory,spot,disk_size,cpu_arch,flags,provider_data\n"
    "NVIDIA H100 80GB HBM3,CA-MTL-1,2.99,24,125,nvidia,1,H100,80.0,False,,x86,,{}\n"
    "NVIDIA H100 PCIe,US-KS-2,2.39,16,188,nvidia,1,H100,80.0,False,,x86,,{}\n"
    "NVIDIA H100 PCIe,US-KS-2,1.25,16,188,nvidia,1,H100,80.0,True,,x86,,{}\n"
    "NVIDIA H100 NVL,EU-RO-1,2.59,16,94,nvidia,1,H100NVL,94.0,False,,x86,,{}\n"
    "NVIDIA GeForce RTX 4090,EU-RO-1,0.69,16,41,nvidia,1,RTX4090,24.0,False,,x86,,{}\n"
    "cpu3c-2-4,EU-RO-1,0.06,2,4,,,,,False,,x86,,{}\n"
)


@pytest.fixture(scope="module")
def landed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("catalog")
    folder = copy_input(BUNDLED_INPUT, tmp / "input")
    quotes = tmp / "quotes"
    quotes.mkdir()
    (quotes / "lambda_2026-11-27.csv").write_bytes(VMS.encode())
    (quotes / "aws_2026-11-27.csv").write_text(AWS)
    (quotes / "gpuhunt_runpod_2026-10-15.csv").write_text(GPUHUNT)
    db = tmp / "w.duckdb"
    materialize_everything(db, folder, "2026-11-30", quotes_dir=quotes)
    return db


def test_every_catalog_row_is_accounted_for(landed):
    db = landed
    [recon] = query(
        db, "select * from audit.reconciliation where entity = 'gpu_price_quotes' and source_file = 'lambda_2026-11-27.csv'"
    )
    # 7 rows: 7 on-demand records and 2 spot records (two rows have a spot price and a GPU)
    assert recon["rows_read"] == 9
    assert recon["rows_read"] == recon["rows_loaded"] + recon["rows_duplicate"] + recon["rows_quarantined"]
    reasons = {
        r["raw_row_id"]: r["reason"]
        for r in query(db, "select raw_row_id, reason from quarantine.rejected_rows where source_file = 'lambda_2026-11-27.csv'")
    }
    assert set(reasons) == {"lambda_2026-11-27.csv:6", "lambda_2026-11-27.csv:7"}
    assert reasons["lambda_2026-11-27.csv:6"].startswith("gpu_model: a CPU-only instance: no GPU to price")
    assert "unknown GPU model" not in reasons["lambda_2026-11-27.csv:6"]
    assert "X9000" in reasons["lambda_2026-11-27.csv:7"]


def test_catalog_prices_become_dollars_per_gpu_hour_with_the_provider_and_zone(landed):
    db = landed
    rows = query(
        db,
        "select gpu_model, gpu_variant, price_type, usd_per_gpu_hour_mid, provider, provider_family, region, "
        "observed_date::varchar as day from staging.gpu_price_quotes where source_file = 'lambda_2026-11-27.csv' "
        "order by gpu_variant, price_type, region",
    )
    assert [
        (r["gpu_model"], r["gpu_variant"], r["price_type"], round(r["usd_per_gpu_hour_mid"], 4), r["region"]) for r in rows
    ] == [
        ("A100", "A100", "on_demand", 1.79, "us-west-1/us-west-1a"),  # 80GB, but SXM4 or PCIe?
        ("A100", "A100", "spot", 0.89, "us-west-1/us-west-1a"),
        ("A100", "A100 SXM4 80GB", "on_demand", 1.79, "us-east-1/us-east-1a"),  # form from the instance, memory from GpuInfo
        ("H100", "H100 PCIe", "on_demand", 2.49, "us-west-1/us-west-1a"),  # "H100" on a _pcie instance
        ("H100", "H100 PCIe", "spot", 1.25, "us-west-1/us-west-1a"),
        ("H100", "H100 SXM5 80GB", "on_demand", 2.99, "us-east-1/us-east-1a"),  # 23.92 for 8 GPUs
        ("H100", "H100 SXM5 80GB", "on_demand", 2.99, "us-east-1/us-east-1b"),
    ]
    assert {r["provider"] for r in rows} == {"lambda"} and {r["day"] for r in rows} == {"2026-11-27"}
    assert {r["provider_family"] for r in rows} == {"neocloud"}
    [note] = query(landed, "select notes from staging.gpu_price_quotes where quote_id like 'lambda:gpu_1x_h100_pcie:%:on_demand'")
    assert note["notes"] == "instance gpu_1x_h100_pcie; GPU H100 read as H100 PCIe from the instance type and memory"


def _index(db, **where) -> list[dict]:
    """The November 2026 on-demand H100 rows of the index at the level `where` names."""
    level = " and ".join(f"{c} is null" if v is None else f"{c} = '{v}'" for c, v in where.items())
    return query(
        db,
        "select * from marts.gpu_price_index where month = '2026-11-01' and gpu_model = 'H100' "
        f"and price_type = 'on_demand' and {level} order by all",
    )


def test_the_index_keeps_h100_sxm_and_pcie_apart_per_provider_family(landed):
    rows = _index(landed, provider_family="neocloud")
    by_variant = {r["gpu_variant"]: r for r in rows}
    assert set(by_variant) == {"H100 PCIe", "H100 SXM5 80GB", None}
    assert by_variant["H100 SXM5 80GB"]["median_usd"] == pytest.approx(2.99)
    assert by_variant["H100 PCIe"]["median_usd"] == pytest.approx(2.49)
    hyperscaler = _index(landed, provider_family="hyperscaler", gpu_variant="H100")
    assert [(r["median_usd"], r["provider_count"]) for r in hyperscaler] == [(pytest.approx(6.88), 1)]  # 55.04 / 8
    # the family roll-up says what it mixes
    [family] = _index(landed, provider_family=None, gpu_variant=None)
    assert family["variants_mixed"] == "H100, H100 PCIe, H100 SXM5 80GB"
    assert family["provider_families_mixed"] == "hyperscaler, neocloud"
    assert (family["quote_count"], family["provider_count"], family["methodology_version"]) == (4, 2, 3)


def test_a_provider_weighs_the_same_however_many_zones_it_lists(landed):
    """Lambda's H100 SXM5 on-demand price on the day (two zones at $2.99) is one provider
    price before the index's statistics; across variants each of its offers is one price."""
    [sxm] = _index(landed, gpu_variant="H100 SXM5 80GB", provider_family=None)
    assert (sxm["quote_count"], sxm["provider_count"], sxm["median_usd"]) == (2, 1, pytest.approx(2.99))
    [neocloud] = _index(landed, gpu_variant=None, provider_family="neocloud")
    assert (neocloud["quote_count"], neocloud["provider_count"]) == (3, 1)
    assert neocloud["median_usd"] == pytest.approx((2.99 + 2.49) / 2)  # the SXM5 and the PCIe offer, not 2.99, 2.99, 2.49
    assert (neocloud["min_quoted_usd"], neocloud["max_quoted_usd"]) == (pytest.approx(2.49), pytest.approx(2.99))


def test_an_index_built_by_another_method_is_rebuilt_whole(landed, tmp_path):
    """A warehouse whose index an earlier version built (no provider_count, no version) is
    rebuilt whole by the next run, never topped up month by month with the new method."""
    import shutil

    import dagster as dg
    import duckdb

    from assets.resources import Inputs, Warehouse
    from helpers import all_assets

    db = tmp_path / "old.duckdb"
    shutil.copy(landed, db)
    with duckdb.connect(str(db)) as con:
        con.execute("alter table marts.gpu_price_index drop column provider_count")
        con.execute("alter table marts.gpu_price_index drop column methodology_version")
        con.execute("insert into audit.price_days_touched (day, touched_by) values ('2026-11-01', 'test')")
    result = dg.materialize(
        all_assets(),
        selection=dg.AssetSelection.assets(
            ["marts", "gpu_price_provider_days"], ["marts", "gpu_price_index"], ["marts", "gpu_price_index_daily"]
        ),
        resources={"warehouse": Warehouse(path=str(db)), "inputs": Inputs(input_dir=str(BUNDLED_INPUT))},
    )
    assert result.success
    rebuilt = query(db, "select * from marts.gpu_price_index order by all")
    assert rebuilt == query(landed, "select * from marts.gpu_price_index order by all")


def test_the_aggregator_warning_reads_each_source_url_once_and_still_names_the_quote(landed, tmp_path):
    """The price checks look each distinct source URL up once in reference/source_domains.csv
    (a lookup per quote cost 11 s of validation at a million quotes) and still name every
    quote that cites only an aggregator."""
    import shutil

    import duckdb

    from ledger.warehouse import load_sql, sql_params

    db = tmp_path / "w.duckdb"
    shutil.copy(landed, db)
    with duckdb.connect(str(db)) as con:
        domain = con.execute("select min(domain) from ref.source_domains").fetchall()[0][0]
        for quote_id in ("agg-1", "agg-2"):
            con.execute(
                "insert into staging.gpu_prices by name select * replace (? as quote_id, ? as source_url) "
                "from staging.gpu_prices limit 1",
                [quote_id, f"https://www.{domain}/gpu-prices"],
            )
        sql = load_sql("check_gpu_prices")
        flagged = con.execute(
            f"select aggregator_only_source from ({sql}) where aggregator_only_source is not null order by 1",
            sql_params(sql, {"as_of": "2026-11-30"}),
        ).fetchall()
    assert flagged == [(f"agg-1: {domain}",), (f"agg-2: {domain}",)]


def test_a_gpuhunt_catalog_lands_one_quote_per_offer_with_its_variant(landed):
    name = "gpuhunt_runpod_2026-10-15.csv"
    [recon] = query(landed, f"select * from audit.reconciliation where source_file = '{name}'")
    assert (recon["rows_read"], recon["rows_loaded"], recon["rows_quarantined"]) == (6, 5, 1)
    [cpu] = query(landed, f"select raw_row_id, reason from quarantine.rejected_rows where source_file = '{name}'")
    assert cpu["raw_row_id"] == f"{name}:7" and "CPU-only" in cpu["reason"]
    rows = query(
        landed,
        "select gpu_model, gpu_variant, price_type, usd_per_gpu_hour_mid, provider, provider_family, region "
        f"from staging.gpu_price_quotes where source_file = '{name}' order by gpu_variant, price_type",
    )
    assert [(r["gpu_model"], r["gpu_variant"], r["price_type"], r["usd_per_gpu_hour_mid"]) for r in rows] == [
        ("GeForce RTX 4090", "GeForce RTX 4090", "on_demand", 0.69),
        ("H100", "H100", "on_demand", 2.99),  # "NVIDIA H100 80GB HBM3": SXM or PCIe, the name does not say
        ("H100", "H100 NVL", "on_demand", 2.59),
        ("H100", "H100 PCIe", "on_demand", 2.39),
        ("H100", "H100 PCIe", "spot", 1.25),
    ]
    assert {(r["provider"], r["provider_family"]) for r in rows} == {("runpod", "neocloud")}
