"""The code location's shape: a refactor that drops an asset, a check or a job shows here."""

from datetime import UTC, datetime

import dagster as dg

from pipelines.definitions import defs

ENTITIES = ["alt_currency_figures", "cash_burn", "clusters", "compute_commitments", "funding_events", "gpu_prices"]
EXPECTED_ASSETS = sorted(
    [f"raw/{e}" for e in [*ENTITIES, "gpu_price_quotes", "landing_files"]]
    + [
        f"raw/epoch_{f}"
        for f in (
            "ai_companies_funding_rounds",
            "data_center_timelines",
            "gpu_clusters",
            "hardware_prices",
            "nvidia_annual_prices",
            "xai_datacenter_timelines",
        )
    ]
    + [f"staging/{e}" for e in [*ENTITIES, "gpu_price_quotes"]]
    + [f"ref/{r}" for r in ("assumptions", "company_aliases", "fx_rates", "gpu_catalog", "source_domains")]
    + [
        f"marts/{m}"
        for m in (
            "capex",
            "circular_flows",
            "currency_restatements",
            "gpu_price_index",
            "gpu_price_index_daily",
            "gpu_price_provider_days",
            "leverage",
            "leverage_rounds",
            "money_flows",
            "net_burn",
            "obligations",
            "round_history",
            "runway",
            "source_conflicts",
        )
    ]
    + ["reports/ledger_report", "review/candidate_facts"]
)


def test_asset_keys():
    keys = sorted(k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys())
    assert keys == EXPECTED_ASSETS


def test_jobs_schedules_and_sensors():
    assert sorted(j.name for j in defs.jobs) == [
        "burn",
        "clusters",
        "commitments",
        "daily_quotes",
        "funding",
        "prices",
        "refresh_all",
        "review",
    ]
    job = defs.resolve_job_def("refresh_all")
    assert len(job.asset_layer.selected_asset_keys) == len(EXPECTED_ASSETS)
    prices = sorted(k.to_user_string() for k in defs.resolve_job_def("prices").asset_layer.selected_asset_keys)
    assert prices == [
        "marts/capex",
        "marts/gpu_price_index",
        "marts/gpu_price_index_daily",
        "marts/gpu_price_provider_days",
        "raw/gpu_price_quotes",
        "raw/gpu_prices",
        "raw/landing_files",
        "reports/ledger_report",
        "staging/gpu_price_quotes",
        "staging/gpu_prices",
    ]
    daily = sorted(k.to_user_string() for k in defs.resolve_job_def("daily_quotes").asset_layer.selected_asset_keys)
    # the report redraws its price chart after each day of quotes
    assert daily == [
        "marts/gpu_price_index",
        "marts/gpu_price_index_daily",
        "marts/gpu_price_provider_days",
        "raw/gpu_price_quotes",
        "reports/ledger_report",
        "staging/gpu_price_quotes",
    ]
    schedules = {s.name: defs.resolve_schedule_def(s.name) for s in defs.schedules}
    assert sorted(schedules) == ["daily_price_refresh", "weekly_full_rebuild"]
    # a landed article starts the review job: its triage and the candidate facts, no mart
    review = sorted(k.to_user_string() for k in defs.resolve_job_def("review").asset_layer.selected_asset_keys)
    assert review == ["raw/landing_files", "review/candidate_facts"]
    assert schedules["daily_price_refresh"].cron_schedule == "0 6 * * *"
    assert schedules["weekly_full_rebuild"].cron_schedule == "0 3 * * 0"
    assert all(s.default_status == dg.DefaultScheduleStatus.RUNNING for s in schedules.values())
    assert sorted(s.name for s in defs.sensors) == ["dead_runs", "landing_folder", "marts_automation"]


def test_the_daily_refresh_loads_the_day_just_ended():
    schedule = defs.resolve_schedule_def("daily_price_refresh")
    assert schedule.job_name == "daily_quotes"
    tick = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
    with dg.instance_for_test() as instance:
        data = schedule.evaluate_tick(
            dg.build_schedule_context(instance=instance, scheduled_execution_time=tick, repository_def=defs.get_repository_def())
        )
    [request] = data.run_requests
    assert request.partition_key == "2026-11-26"


def test_groups_by_layer():
    graph = defs.resolve_asset_graph()
    groups = {k.to_user_string(): graph.get(k).group_name for k in graph.get_all_asset_keys()}
    assert {g for k, g in groups.items() if k.startswith("marts/")} == {"marts"}
    assert {g for k, g in groups.items() if k.startswith("staging/")} == {"staging"}
    assert {g for k, g in groups.items() if k.startswith("raw/")} == {"sources"}


def test_marts_depend_on_the_tables_their_sql_reads():
    graph = defs.resolve_asset_graph()
    parents = {p.to_user_string() for p in graph.get(dg.AssetKey(["marts", "runway"])).parent_keys}
    assert parents == {"marts/net_burn", "marts/obligations", "staging/cash_burn", "staging/funding_events"}
    parents = {p.to_user_string() for p in graph.get(dg.AssetKey(["marts", "capex"])).parent_keys}
    assert {"staging/clusters", "staging/gpu_prices", "ref/assumptions", "ref/gpu_catalog"} <= parents


def test_every_asset_has_a_description_and_no_pool_to_free():
    # Writes are serialized by the warehouse's file lock, which the OS frees when a process
    # dies; a Dagster pool's slot would stay claimed by a killed command-line run.
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.description, key
        assert not node.pools, key


def test_one_check_per_expectation_blocking_when_severity_is_error():
    from ledger.quality.suites import load_suites

    graph = defs.resolve_asset_graph()
    check_keys = graph.asset_check_keys
    by_asset: dict[str, set[str]] = {}
    for key in check_keys:
        by_asset.setdefault(key.asset_key.to_user_string(), set()).add(key.name)
    expected = {f"staging/{s.name}": {e.name for e in s.expectations} for s in load_suites()}
    assert by_asset == expected
    assert sum(len(v) for v in expected.values()) == 138
    specs = {
        (s.asset_key.to_user_string(), s.name): s
        for a in [*defs.asset_checks, *defs.assets]
        for s in getattr(a, "check_specs", [])
    }
    for suite in load_suites():
        for e in suite.expectations:
            assert specs[(f"staging/{suite.name}", e.name)].blocking == (e.severity == "error")


def test_marts_update_by_automation_that_respects_blocking_checks():
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        if key.path[0] == "marts":
            condition = graph.get(key).automation_condition
            assert condition is not None and "all_deps_blocking_checks_passed" in str(condition.get_label() or condition), key
            assert graph.get(key).freshness_policy is not None, key


def test_tables_read_ignore_comments_and_strings_and_ctes():
    from ledger.sql_text import code_only, header_comment, tables_read

    sql = (
        "-- What it is.\n-- Reads staging.a.\nwith staging_like as (select * from ref.fx_rates)\n"
        "select '-- not a comment' as s, 'staging.not_a_table' as t, x -- staging.commented_out\n"
        "from staging.funding_events /* marts.old */ join staging_like using (x) join MARTS.Leverage using (y)"
    )
    assert tables_read(sql) == ["marts.leverage", "ref.fx_rates", "staging.funding_events"]
    assert "'-- not a comment'" not in code_only(sql) and "from staging.funding_events" in code_only(sql)
    assert header_comment(sql) == "What it is.\nReads staging.a."


def test_imports_go_one_way():
    """pipelines/ imports assets/ and ledger/, assets/ imports ledger/, never the reverse;
    ledger/ (the pure library) imports no Dagster."""
    import ast

    from helpers import PROJECT_DIR

    def imported(path):
        tree = ast.parse(path.read_text())
        names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        names += [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module]
        return {name.split(".")[0] for name in names}

    assets = list((PROJECT_DIR / "assets").rglob("*.py"))
    assert assets and not [p.name for p in assets if "pipelines" in imported(p)]
    ledger = list((PROJECT_DIR / "ledger").rglob("*.py"))
    assert len(ledger) > 30
    assert not [p.name for p in ledger if imported(p) & {"dagster", "assets", "pipelines"}]
