"""Installed from a wheel (`pip install .`, not editable), the ledger runs from any folder.

The wheel is built offline from a copy of this checkout (setuptools from the lock, no build
isolation) and installed into a folder of its own, which goes first on the module path, so
the code that runs is the installed copy, not this checkout. It carries `sql/`,
`expectations/`, the bundled inputs and `dagster.yaml` in `ledger/_project/`; the warehouse
and run history go to the folder it runs in.
"""

import os
import shutil
import subprocess
import sys

import pytest

from helpers import PROJECT_DIR, query

pytestmark = pytest.mark.slow

_SOURCES = (
    "pyproject.toml",
    "README.md",
    "dagster.yaml",
    "workspace.yaml",
    "ledger",
    "assets",
    "pipelines",
    "sql",
    "expectations",
)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    root = tmp_path_factory.mktemp("install")
    source = root / "source"
    for name in _SOURCES:
        path = PROJECT_DIR / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            source.mkdir(exist_ok=True)
            shutil.copy(path, source / name)
    shutil.copytree(PROJECT_DIR / "data" / "input", source / "data" / "input")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(root / "dist"), str(source)], check=True)
    (wheel,) = (root / "dist").glob("compute_ledger-*.whl")
    subprocess.run([*pip, "install", "--no-deps", "--target", str(root / "site"), str(wheel)], check=True)
    return root / "site"


def _env(site):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COMPUTE_LEDGER_", "DAGSTER_"))}
    return {**env, "PYTHONPATH": str(site)}


def test_the_installed_wheel_runs_from_another_folder_and_writes_there(installed, tmp_path):
    env = _env(installed)
    where = subprocess.run(
        [sys.executable, "-c", "import ledger.settings as s; print(s.__file__); print(s.RESOURCE_DIR); print(s.PROJECT_DIR)"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert where == [str(installed / "ledger" / "settings.py"), str(installed / "ledger" / "_project"), str(tmp_path)]

    run = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "run"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert "## Money flows" in run.stdout and f"Warehouse: {tmp_path / 'data' / 'warehouse.duckdb'}" in run.stdout
    assert (tmp_path / ".dagster_home" / "dagster.yaml").exists()
    db = tmp_path / "data" / "warehouse.duckdb"
    assert query(db, "select count(*) as n from staging.compute_commitments")[0]["n"] >= 30
    funding = query(db, "select count(*) as n from staging.funding_events")[0]["n"]
    assert funding == sum(1 for _ in (installed / "ledger" / "_project" / "data" / "input" / "funding_events.csv").open()) - 1
