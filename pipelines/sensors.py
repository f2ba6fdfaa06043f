"""Sensors: the landing folder, and declarative automation of the marts."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from assets.landing import LANDING_KEY
from assets.quotes import all_days_tags
from assets.transforms.landing import detect_entity, landed_files
from assets.transforms.reading import file_sha256
from pipelines.jobs import DOMAIN_JOBS, ENTITY_DOMAIN, RAW
from pipelines.resources import landing_path


def _request(context: dg.SensorEvaluationContext, path: Path) -> dg.RunRequest:
    entity = detect_entity(path)
    domain = ENTITY_DOMAIN.get(entity or "", "funding")
    if entity is None:
        keys = [LANDING_KEY]  # the run only sets the file aside, with its reason
    else:
        raw = dg.AssetKey(["raw", entity])
        keys = [LANDING_KEY, *dg.AssetSelection.assets(raw).downstream().resolve(context.repository_def.asset_graph)]
    sha = file_sha256(path)
    return dg.RunRequest(
        # Keyed by content: a file seen twice while its run is queued starts one run. The
        # time it landed is part of the key so a copy dropped again later still gets a run,
        # which logs it as a duplicate and sets it aside.
        run_key=f"landing:{sha}:{path.stat().st_mtime_ns}",
        job_name=domain,
        asset_selection=keys,
        tags={"compute_ledger/landing_file": path.name, "compute_ledger/sha256": sha, **(all_days_tags() if domain == "prices" else {})},
    )


@dg.sensor(
    name="landing_folder",
    jobs=list(DOMAIN_JOBS.values()),
    minimum_interval_seconds=15,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Picks up files dropped in the landing folder (COMPUTE_LEDGER_LANDING, data/landing/) and "
    "runs their domain: triage, raw, staging, checks and the marts built from them.",
)
def landing_folder(context: dg.SensorEvaluationContext):
    paths = landed_files(Path(landing_path()))
    if not paths:
        return dg.SkipReason("no new files in the landing folder")
    return [_request(context, p) for p in paths]


marts_automation = dg.AutomationConditionSensorDefinition(
    "marts_automation",
    target=dg.AssetSelection.groups("marts"),
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description="Rebuilds a mart when its inputs update and their blocking checks passed.",
)

SENSORS = [landing_folder, marts_automation]
assert set(RAW) == set(DOMAIN_JOBS)
