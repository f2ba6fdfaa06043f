"""Which files in a folder hold which entity, and which file wins when two disagree."""

from __future__ import annotations

from pathlib import Path

from ledger.transforms.entities import ENTITIES
from ledger.transforms.stable_files import is_partial_name


def entity_of(path: Path) -> str | None:
    """The entity a file holds, from its name: `<entity>*.csv`."""
    if path.suffix.lower() != ".csv":
        return None
    for name in sorted(ENTITIES, key=len, reverse=True):
        if path.name.startswith(name):
            return name
    return None


def by_precedence(paths: list[Path], first: str | None = None) -> list[Path]:
    """Files in the order their rows win a conflict (the same id with other values): the
    file named `first` (the curated `<entity>.csv`), then the others oldest-modified first,
    by name when two were modified at the same moment. Name order alone would let a
    browser's copy `funding_events (1).csv` win over `funding_events.csv`."""
    return sorted(paths, key=lambda p: (p.name != first, p.stat().st_mtime_ns, p.name))


def entity_files(folder: Path, entity: str) -> list[Path]:
    """Regular files (not symlinks, not still being written) directly in `folder` that hold
    `entity`, in precedence order (`by_precedence`)."""
    if not folder.is_dir():
        return []
    found = [
        p for p in folder.iterdir() if p.is_file() and not p.is_symlink() and not is_partial_name(p) and entity_of(p) == entity
    ]
    return by_precedence(found, first=f"{entity}.csv")
