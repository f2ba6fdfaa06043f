"""The landing folder as an asset: every complete file dropped there is triaged and logged once."""

from pathlib import Path

import dagster as dg
import polars as pl

from assets.policies import IO_RETRY, retry_only_transient_io
from assets.resources import Inputs, Warehouse
from ledger.transforms.entities import ENTITIES
from ledger.transforms.landing import (
    ACCEPTED,
    ARTICLES,
    DUPLICATES,
    FAILED,
    LandingFile,
    accept,
    accepted_hashes,
    detect_entity,
    landed_files,
    original_name,
    set_aside,
    triage,
)
from ledger.transforms.reading import file_sha256
from ledger.transforms.stable_files import FileState, is_settled
from ledger.warehouse import insert_by_name, now

LANDING_KEY = dg.AssetKey(["raw", "landing_files"])


def log_files(con, rows: list[dict]) -> None:
    """Append rows to audit.ingest_log."""
    if rows:
        insert_by_name(con, "audit.ingest_log", pl.DataFrame(rows, schema_overrides={"rows": pl.Int64}))


def _log_row(name: str, sha: str, entity: str | None, status: str, reason: str | None, stored: Path, run_id: str) -> dict:
    return {
        "file_name": name,
        "sha256": sha,
        "entity": entity,
        "status": status,
        "rows": None,
        "reason": reason,
        "stored_as": str(stored),
        "run_id": run_id,
        "logged_at": now(),
    }


def _unlogged_moves(con, folder: Path, run_id: str) -> list[dict]:
    """Log rows for files a run moved but did not log (it was killed between the two): in
    accepted/, duplicates/ or failed/ with no log entry of that status for that place."""
    entries = con.execute("select stored_as, file_name, sha256, status from audit.ingest_log").fetchall()
    # where a file was logged; logs written before `stored_as` was kept name the file only
    logged = {(stored or name, status) for stored, name, _, status in entries}
    accepted = {sha[:12] for _, _, sha, status in entries if status == "accepted"}  # accepted names start with it
    found = [(p, "accepted", p.parent.name) for p in (folder / ACCEPTED).glob("*/*") if p.is_file()]
    found += [(p, "duplicate", None) for p in (folder / DUPLICATES).glob("*") if p.is_file() and p.suffix != ".txt"]
    found += [(p, "failed", None) for p in (folder / FAILED).glob("*") if p.is_file() and not p.name.endswith(".error.txt")]
    rows = []
    for path, status, entity in found:
        if (str(path), status) in logged or (path.name, status) in logged:
            continue
        if status == "accepted" and path.name.split("_", 1)[0] in accepted:
            continue
        note = path.with_name(path.name + ".error.txt")
        reason = note.read_text(encoding="utf-8").strip() if note.exists() else None
        reason = f"{reason + '; ' if reason else ''}logged by a later run: the run that moved it ended first"
        rows.append(_log_row(original_name(path), file_sha256(path), entity, status, reason, path, run_id))
    return rows


def _known_hashes(con) -> set[str]:
    """Content hashes of files accepted or loaded before."""
    return {
        sha
        for (sha,) in con.execute(
            "select distinct sha256 from audit.ingest_log where status in ('accepted', 'loaded')"
        ).fetchall()
    }


def _decide(landed: LandingFile, known: set[str]) -> tuple[str, str | None]:
    if landed.problem:
        return "failed", landed.problem
    if landed.sha256 in known or landed.sha256[:12] in known:
        return "duplicate", "the same content was accepted before: it adds nothing"
    return "accepted", None


@dg.asset(
    key=LANDING_KEY,
    group_name="sources",
    kinds={"csv"},
    retry_policy=IO_RETRY,
    description="Files dropped in the landing folder (COMPUTE_LEDGER_LANDING, data/landing/): each complete "
    "file is accepted for its entity, set aside as a duplicate of a file already accepted, or set aside as "
    "failed with its reason; every one is recorded in audit.ingest_log with its content hash. Files still "
    "being written (a .part name, or changed in the last seconds) wait for the next run.",
)
def landing_files(context: dg.AssetExecutionContext, warehouse: Warehouse, inputs: Inputs) -> dg.MaterializeResult:
    folder = inputs.landing_folder
    moved = {"accepted": 0, "duplicate": 0, "failed": 0, "waiting": 0, "recovered": 0}
    with retry_only_transient_io():
        paths = landed_files(folder)
        ready = [p for p in paths if is_settled(p)]
        moved["waiting"] = len(paths) - len(ready)
        with warehouse.write() as con:
            known = _known_hashes(con) | accepted_hashes(folder)
            recovered = _unlogged_moves(con, folder, context.run.run_id)
            log_files(con, recovered)
        moved["recovered"] = len(recovered)
        rows = []
        # Move first, then log: a crash between the two leaves the file where it now is,
        # and the next run logs what it finds moved but not logged (`_unlogged_moves`);
        # never logged as accepted while still in the landing folder, which would make it
        # a duplicate of itself. Only the files this run loads (its raw assets' entities),
        # and files of no known entity, which only need setting aside: another domain's
        # file waits for its own run.
        selected = context.job_def.asset_layer.selected_asset_keys
        loads = {name for name in ENTITIES if dg.AssetKey(["raw", name]) in selected}
        if dg.AssetKey(["review", "candidate_facts"]) in selected:
            loads.add(ARTICLES)
        for path in ready:
            try:
                entity = detect_entity(path)
                if entity is not None and entity not in loads:
                    continue
                landed = triage(path)
                if landed.state != FileState.of(path):  # written to while it was hashed
                    moved["waiting"] += 1
                    continue
            except FileNotFoundError:  # taken meanwhile by another run's triage
                continue
            status, reason = _decide(landed, known)
            if status == "accepted":
                stored = accept(landed, folder)
                known.add(landed.sha256)
            else:
                stored = set_aside(path, folder, DUPLICATES if status == "duplicate" else FAILED, reason)
                context.log.warning(f"landing file {path.name} set aside as {status}: {reason}")
            moved[status] += 1
            rows.append(_log_row(path.name, landed.sha256, landed.entity, status, reason, stored, context.run.run_id))
        if rows:
            with warehouse.write() as con:
                log_files(con, rows)
    return dg.MaterializeResult(metadata={"dagster/row_count": len(rows), **{f"files_{k}": v for k, v in moved.items()}})
