"""The landing folder: files colleagues drop in, triaged before they are ingested.

Only regular files directly inside the folder are considered — no symlinks, nothing in
sub-folders, nothing whose real path leads out of the folder — and only once they are
complete (`ledger.transforms.stable_files`: not a `.part` name, unchanged for a few
seconds). A file is accepted (moved to `accepted/<entity>/`, where the raw assets read it,
in the order they were accepted), a duplicate of a file already accepted (moved to
`duplicates/`), or failed (moved to `failed/` with a `.error.txt` beside it): never left
to be retried forever, and never overwriting a file set aside before.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from ledger.transforms.discovery import by_precedence, entity_of
from ledger.transforms.entities import ENTITIES
from ledger.transforms.errors import InputFileError
from ledger.transforms.reading import check_header, csv_problem, file_sha256, read_header
from ledger.transforms.stable_files import FileState, is_partial_name

ACCEPTED = "accepted"
DUPLICATES = "duplicates"
FAILED = "failed"
#: News articles (`compute-ledger extract`): accepted like a CSV file, then read for
#: candidate facts by review/candidate_facts.
ARTICLES = "articles"
ARTICLE_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")


@dataclass(frozen=True)
class LandingFile:
    path: Path
    sha256: str
    entity: str | None
    problem: str | None
    state: FileState | None = None  # size and modification time when it was hashed


def landed_files(folder: Path) -> list[Path]:
    """Regular files directly in `folder` whose real path stays inside it, by name; not
    hidden files, nor files whose name says they are still being written (`.part`…)."""
    if not folder.is_dir():
        return []
    root = folder.resolve()
    found = []
    for path in sorted(folder.iterdir()):
        if path.is_symlink() or not path.is_file() or is_partial_name(path):
            continue
        if path.resolve().parent != root:
            continue
        found.append(path)
    return found


def detect_entity(path: Path) -> str | None:
    """The entity a file holds: `articles` for news articles (.txt, .md, .html), else from
    its name (`funding_events*.csv`), else from its header (the entity whose required
    columns it has, the most specific first)."""
    if path.suffix.lower() in ARTICLE_SUFFIXES:
        return ARTICLES
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
    state = FileState.of(path)
    sha = file_sha256(path)
    if path.suffix.lower() in ARTICLE_SUFFIXES:
        try:
            path.read_text(encoding="utf-8")
        except UnicodeDecodeError as err:
            return LandingFile(path, sha, ARTICLES, f"{path.name}: an article must be UTF-8 text ({err})", state)
        return LandingFile(path, sha, ARTICLES, None, state)
    if path.suffix.lower() != ".csv":
        return LandingFile(path, sha, None, f"{path.name}: only .csv files (and articles: .txt, .md, .html) are ingested", state)
    entity = detect_entity(path)
    if entity is None:
        return LandingFile(
            path,
            sha,
            None,
            f"{path.name}: cannot tell which entity it holds (name it <entity>_….csv, e.g. funding_events_mine.csv, "
            "or give it an entity's header)",
            state,
        )
    try:
        header = read_header(path)
        check_header(path, header, ENTITIES[entity])
        problem = csv_problem(path, len(header))
    except InputFileError as err:
        problem = err
    return LandingFile(path, sha, entity, str(problem) if problem else None, state)


def _free_name(folder: Path, name: str) -> Path:
    """`folder/name`, or `name` with ` (2)`, ` (3)`… before its suffix if that is taken."""
    target = folder / name
    stem, suffix, n = target.stem, target.suffix, 2
    while target.exists():
        target = folder / f"{stem} ({n}){suffix}"
        n += 1
    return target


def _move(path: Path, folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = _free_name(folder, name)
    shutil.move(str(path), target)
    return target


def accepted_name(landed: LandingFile) -> str:
    """The name an accepted file is stored under: its hash's first 12 characters, then the
    name it landed with."""
    return f"{landed.sha256[:12]}_{landed.path.name}"


def accept(landed: LandingFile, landing_dir: Path) -> Path:
    """Move an accepted file to accepted/<entity>/ and stamp it with the time it was
    accepted, which orders accepted files (`accepted_files`)."""
    target = _move(landed.path, landing_dir / ACCEPTED / landed.entity, accepted_name(landed))
    os.utime(target)
    return target


def accepted_hashes(landing_dir: Path) -> set[str]:
    """Hash prefixes of the files in accepted/ (what was accepted, even if its log entry
    was lost in a crash)."""
    folder = landing_dir / ACCEPTED
    if not folder.is_dir():
        return set()
    return {p.name.split("_", 1)[0] for p in folder.glob("*/*_*") if p.is_file()}


def original_name(path: Path) -> str:
    """The name a file landed with (accepted files carry a hash prefix)."""
    if path.parent.parent.name == ACCEPTED and "_" in path.name:
        return path.name.split("_", 1)[1]
    return path.name


def set_aside(path: Path, landing_dir: Path, where: str, reason: str | None = None) -> Path:
    """Move a file to duplicates/ or failed/ under the name it landed with (with the reason
    in a .error.txt beside it); a name already used there gets " (2)", " (3)"…"""
    target = _move(path, landing_dir / where, original_name(path))
    if reason:
        target.with_name(target.name + ".error.txt").write_text(reason + "\n", encoding="utf-8")
    return target


def accepted_files(landing_dir: Path, entity: str) -> list[Path]:
    """Accepted files of an entity in the order they were accepted (a conflict between two
    goes to the earlier one)."""
    return by_precedence(landed_files(landing_dir / ACCEPTED / entity))
