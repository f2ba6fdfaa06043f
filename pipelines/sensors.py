"""Sensors: the landing folder, runs whose process died, and declarative automation of the marts."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from pathlib import Path

import dagster as dg

from assets.landing import LANDING_KEY
from assets.resources import landing_path
from ledger.transforms.landing import accepted_files, detect_entity, landed_files
from ledger.transforms.stable_files import FileState, is_settled
from pipelines.jobs import DOMAIN_JOBS, ENTITY_BUILT_BY, ENTITY_DOMAIN, ENTITY_ROOT
from pipelines.run_health import reap_dead_runs

DOMAIN_TAG = "compute_ledger/landing_domain"
BATCH_TAG = "compute_ledger/landing_batch"
#: Runs for the same waiting files before the sensor stops asking (it says so in its tick):
#: a file that a finished run left in the landing folder was not triaged (the run was
#: killed, or the disk refused the move), and trying again is right — but not forever.
MAX_ATTEMPTS = 3
#: A domain with one of these runs gets no other: the queued or running one triages every
#: file waiting when its landing step starts.
ACTIVE = [
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]
#: Files of no known entity are set aside by the landing step alone, in a funding-job run.
UNKNOWN = "unknown"


def _batch_key(paths: list[Path]) -> str:
    """Names, sizes and modification times of the waiting files: a new file, or one that
    changed, makes a new batch (cheap: no file is read)."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        state = FileState.of(path)
        digest.update(f"{path.name}\0{state.size}\0{state.mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def waiting_files(instance: dg.DagsterInstance, folder: Path) -> dict[str, list[tuple[Path, str | None]]]:
    """Work waiting, by domain (`UNKNOWN` for files of no known entity), each file with its
    entity: complete files in the landing folder (files still being written are left for a
    later tick), and files accepted since their entity's staged table was last built — a
    run killed between its triage and its staging (before its raw load, or after it)
    leaves those behind."""
    groups: dict[str, list[tuple[Path, str | None]]] = defaultdict(list)
    for path in landed_files(folder):
        if not is_settled(path):
            continue
        entity = detect_entity(path)
        groups[ENTITY_DOMAIN.get(entity, UNKNOWN) if entity else UNKNOWN].append((path, entity))
    for entity, domain in ENTITY_DOMAIN.items():
        accepted = accepted_files(folder, entity)
        if not accepted:
            continue
        # an accepted file's modification time is when it was accepted
        latest = instance.get_latest_materialization_event(ENTITY_BUILT_BY[entity])
        staged_at = latest.timestamp if latest else 0.0
        groups[domain] += [(p, entity) for p in accepted if p.stat().st_mtime > staged_at]
    return {domain: files for domain, files in groups.items() if files}


def _request(context: dg.SensorEvaluationContext, domain: str, files: list[tuple[Path, str | None]]):
    """A run for the domain's waiting files, or why there is none."""
    instance = context.instance
    if instance.get_run_records(filters=dg.RunsFilter(statuses=ACTIVE, tags={DOMAIN_TAG: domain}), limit=1):
        return f"{domain}: a run is queued or running; it takes the {len(files)} waiting file(s)"
    batch = _batch_key([p for p, _ in files])
    attempts = len(instance.get_run_records(filters=dg.RunsFilter(tags={BATCH_TAG: batch})))
    names = ", ".join(sorted(p.name for p, _ in files))
    if attempts >= MAX_ATTEMPTS:
        return f"{domain}: {attempts} runs ended without taking {names}; not asking again until they change"
    keys = {LANDING_KEY}
    graph = context.repository_def.asset_graph
    for entity in {e for _, e in files if e}:
        keys |= dg.AssetSelection.assets(ENTITY_ROOT[entity]).downstream().resolve(graph)
    return dg.RunRequest(
        # New files, or changed ones, make a new batch; a batch left behind by a run that
        # ended (killed, a move refused) is asked for again, up to MAX_ATTEMPTS.
        run_key=f"landing:{domain}:{batch}:{attempts}",
        job_name="funding" if domain == UNKNOWN else domain,
        asset_selection=sorted(keys, key=lambda k: k.to_user_string()),
        tags={DOMAIN_TAG: domain, BATCH_TAG: batch, "compute_ledger/landing_files": names[:200]},
    )


@dg.sensor(
    name="landing_folder",
    jobs=list(DOMAIN_JOBS.values()),
    # a tick only lists the folder and reads the run table: cheap enough to run often
    minimum_interval_seconds=5,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Picks up complete files dropped in the landing folder (COMPUTE_LEDGER_LANDING, data/landing/): "
    "one run per domain for every file waiting — triage, raw, staging, checks and the marts built from them — "
    "and none while that domain's run is queued or running.",
)
def landing_folder(context: dg.SensorEvaluationContext):
    groups = waiting_files(context.instance, Path(landing_path()))
    if not groups:
        return dg.SkipReason("no complete files waiting in the landing folder, none accepted and not staged")
    requests, reasons = [], []
    for domain, files in sorted(groups.items()):
        outcome = _request(context, domain, files)
        (requests if isinstance(outcome, dg.RunRequest) else reasons).append(outcome)
    return dg.SensorResult(run_requests=requests, skip_reason="; ".join(reasons) if reasons and not requests else None)


@dg.sensor(
    name="dead_runs",
    minimum_interval_seconds=15,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Marks failed the runs whose process died (killed, out of memory, the server stopped under "
    "them), which would otherwise stay 'started' for ever, so the landing folder takes their files again.",
)
def dead_runs(context: dg.SensorEvaluationContext):
    reaped = reap_dead_runs(context.instance)
    return dg.SkipReason(f"marked failed: {', '.join(r[:8] for r in reaped)}" if reaped else "no dead runs")


marts_automation = dg.AutomationConditionSensorDefinition(
    "marts_automation",
    target=dg.AssetSelection.groups("marts"),
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description="Rebuilds a mart when its inputs update and their blocking checks passed.",
)

SENSORS = [landing_folder, dead_runs, marts_automation]
assert set(ENTITY_DOMAIN.values()) <= set(DOMAIN_JOBS)
