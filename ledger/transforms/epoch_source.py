"""Where Epoch AI exports come from: a folder, or a base URL for users online."""

from __future__ import annotations

import urllib.request
from pathlib import Path

from ledger.transforms.errors import InputFileError


def epoch_file(location: str, name: str, cache_dir: Path) -> Path | None:
    """The local path of Epoch export `name`: in the folder `location`, or downloaded from
    `<location>/<name>` into `cache_dir` when `location` is an http(s) URL. None when
    `location` is blank (Epoch data not enabled)."""
    if not location:
        return None
    if location.startswith(("http://", "https://")):
        cache_dir.mkdir(parents=True, exist_ok=True)
        target = cache_dir / name
        with urllib.request.urlopen(f"{location.rstrip('/')}/{name}", timeout=60) as response:
            target.write_bytes(response.read())
        return target
    path = Path(location) / name
    if path.is_symlink():  # the rule for every folder we read: a link could lead anywhere
        raise InputFileError(path, "is a symbolic link: copy the export into the folder instead")
    return path
