"""Expectation suites as we write them: YAML, one per staged table, with our severities."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from ledger.settings import RESOURCE_DIR

EXPECTATIONS_DIR = RESOURCE_DIR / "expectations"
SEVERITIES = ("error", "warn")
DIMENSIONS = (
    "completeness",
    "validity",
    "uniqueness",
    "consistency",
    "referential_integrity",
    "plausibility",
    "freshness",
    "accuracy",
)


@dataclass(frozen=True)
class ExpectationSpec:
    """One expectation: a Great Expectations type and its arguments, with our severity.

    `error` blocks the marts built from the table; `warn` reports only.
    """

    name: str
    expect: str
    kwargs: dict
    severity: str
    dimension: str
    description: str


@dataclass(frozen=True)
class Suite:
    """The expectations for one staged table; `query` (a file in sql/) adds the derived
    columns some expectations read (joins to reference tables, per-round sums)."""

    table: str
    description: str
    expectations: list[ExpectationSpec] = field(default_factory=list)
    query: str | None = None

    @property
    def name(self) -> str:
        return self.table.split(".")[-1]


class SuiteError(ValueError):
    """A suite file that does not say what we need (named with file and entry)."""


def load_suite(path: Path) -> Suite:
    """Read and check one suite file. `like: <suite>` takes another suite's expectations
    (a table with the same columns, such as the daily quotes and the curated prices)."""
    data = _read_yaml(path) or {}
    if "like" in data and "expectations" not in data:
        other = _read_yaml(path.parent / f"{data['like']}.yaml")
        data["expectations"] = other["expectations"]
    for key in ("table", "expectations"):
        if key not in data:
            raise SuiteError(f"{path}: missing {key!r}")
    seen: set[str] = set()
    specs = []
    for i, entry in enumerate(data["expectations"], start=1):
        where = f"{path}: expectation {i} ({entry.get('name', '?')})"
        for key in ("name", "expect", "severity", "dimension", "description"):
            if not entry.get(key):
                raise SuiteError(f"{where}: missing {key!r}")
        if entry["severity"] not in SEVERITIES:
            raise SuiteError(f"{where}: severity must be one of {', '.join(SEVERITIES)}")
        if entry["dimension"] not in DIMENSIONS:
            raise SuiteError(f"{where}: dimension must be one of {', '.join(DIMENSIONS)}")
        if entry["name"] in seen:
            raise SuiteError(f"{where}: the name is used twice")
        seen.add(entry["name"])
        specs.append(
            ExpectationSpec(
                name=entry["name"],
                expect=entry["expect"],
                kwargs=dict(entry.get("kwargs") or {}),
                severity=entry["severity"],
                dimension=entry["dimension"],
                description=" ".join(entry["description"].split()),
            )
        )
    return Suite(
        table=data["table"],
        description=" ".join(str(data.get("description", "")).split()),
        expectations=specs,
        query=data.get("query"),
    )


def _read_yaml(path: Path):
    return yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def load_suites(folder: Path = EXPECTATIONS_DIR) -> list[Suite]:
    """Every suite in `expectations/`, by file name."""
    return list(_load_suites(folder))


@lru_cache(maxsize=8)
def _load_suites(folder: Path) -> tuple[Suite, ...]:
    """Read once per process: the code location and the marts' metadata both need them."""
    return tuple(load_suite(p) for p in sorted(folder.glob("*.yaml")))
