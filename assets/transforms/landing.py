"""The landing folder: files colleagues drop in, triaged before they are ingested.

Only regular files directly inside the folder are considered — no symlinks, nothing in
sub-folders, nothing whose real path leads out of the folder. A file is accepted (moved to
`accepted/<entity>/`, where the raw assets read it), a duplicate of a file already accepted
(moved to `duplicates/`), or failed (moved to `failed/` with a `.error.txt` beside it):
never left to be retried forever.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from assets.transforms.discovery import entity_of
from assets.transforms.entities import ENTITIES
from assets.transforms.errors import InputFileError
from assets.transforms.reading import check_header, file_sha256, read_header

ACCEPTED = "accepted"
DUPLICATES = "duplicates"
FAILED = "failed"


@dataclass(frozen=True)
class LandingFile:
    path: Path
    sha256: str
    entity: str | None
    problem: str | None


def landed_files(folder: Path) -> list[Path]:
    """Regular files directly in `folder` whose real path stays inside it, by name."""
    if not folder.is_dir():
        return []
    root = folder.resolve()
    found = []
    for path in sorted(folder.iterdir()):
        if path.is_symlink() or not path.is_file() or path.name.startswith("."):
            continue
        if path.resolve().parent != root:
            continue
        found.append(path)
    return found


def detect_entity(path: Path) -> str | None:
    """The entity a file holds: from its name (`funding_events*.csv`), else from its
    header (the entity whose required columns it has, the most specific first)."""
    by_name = entity_of(path)
    if by_name:
        return by_name
    try:
        header = set(read_header(path))
    except InputFileError:
        return None
    fits = [e for e in ENTITIES.values() if set(e.required) <= header]
    return max(fits, key=lambda e: len(e.required)).name if fits else None


def triage(path: Path) -> LandingFile:
    """Hash a landed file and say what it holds, or why it cannot be ingested."""
    sha = file_sha256(path)
    if path.suffix.lower() != ".csv":
        return LandingFile(path, sha, None, f"{path.name}: only .csv files are ingested")
    entity = detect_entity(path)
    if entity is None:
        return LandingFile(
            path, sha, None,
            f"{path.name}: cannot tell which entity it holds (name it <entity>_….csv, e.g. funding_events_mine.csv, "
            "or give it an entity's header)",
        )
    try:
        check_header(path, read_header(path), ENTITIES[entity])
    except InputFileError as err:
        return LandingFile(path, sha, entity, str(err))
    return LandingFile(path, sha, entity, None)


def _move(path: Path, folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    shutil.move(str(path), target)
    return target


def accept(landed: LandingFile, landing_dir: Path) -> Path:
    """Move an accepted file to accepted/<entity>/, its name prefixed by its hash."""
    return _move(landed.path, landing_dir / ACCEPTED / landed.entity, f"{landed.sha256[:12]}_{landed.path.name}")


def original_name(path: Path) -> str:
    """The name a file landed with (accepted files carry a hash prefix)."""
    if path.parent.parent.name == ACCEPTED and "_" in path.name:
        return path.name.split("_", 1)[1]
    return path.name


def set_aside(path: Path, landing_dir: Path, where: str, reason: str | None = None) -> Path:
    """Move a file to duplicates/ or failed/ under the name it landed with (with the reason
    in a .error.txt beside it)."""
    target = _move(path, landing_dir / where, original_name(path))
    if reason:
        target.with_name(target.name + ".error.txt").write_text(reason + "\n", encoding="utf-8")
    return target


def accepted_files(landing_dir: Path, entity: str) -> list[Path]:
    """Accepted files of an entity, oldest name first."""
    folder = landing_dir / ACCEPTED / entity
    return landed_files(folder)
