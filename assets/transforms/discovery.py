"""Which files in a folder hold which entity."""

from __future__ import annotations

from pathlib import Path

from assets.transforms.entities import ENTITIES


def entity_of(path: Path) -> str | None:
    """The entity a file holds, from its name: `<entity>*.csv`."""
    if path.suffix.lower() != ".csv":
        return None
    for name in sorted(ENTITIES, key=len, reverse=True):
        if path.name.startswith(name):
            return name
    return None


def entity_files(folder: Path, entity: str) -> list[Path]:
    """Regular files (not symlinks) directly in `folder` that hold `entity`, sorted."""
    if not folder.is_dir():
        return []
    return sorted(
        p for p in folder.iterdir() if p.is_file() and not p.is_symlink() and entity_of(p) == entity
    )
