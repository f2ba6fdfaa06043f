"""Running a suite with Great Expectations' pandas datasource, chunk by chunk.

GX 1.x cannot validate DuckDB through its SQL datasource (every expectation fails with
`MetricResolutionError: list index out of range`, GX issues #10738 and #11579), so tables
are read from DuckDB into pandas frames and validated there. Large tables are validated in
chunks and the counts added up: every expectation in our suites is row-wise (cross-row
facts such as duplicates or round totals are computed into columns by the suite's SQL
query first), so chunking does not change any result.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from assets.quality.suites import ExpectationSpec, Suite

SAMPLE_SIZE = 10


@dataclass
class Outcome:
    """What one expectation found over the whole table."""

    spec: ExpectationSpec
    element_count: int = 0
    missing_count: int = 0
    unexpected_count: int = 0
    sample: list[str] = field(default_factory=list)
    chunk_failed: bool = False
    error: str | None = None
    docs_url: str | None = None

    @property
    def unexpected_percent(self) -> float:
        checked = self.element_count - self.missing_count
        return 100.0 * self.unexpected_count / checked if checked else 0.0

    @property
    def passed(self) -> bool:
        if self.error:
            return False
        mostly = self.spec.kwargs.get("mostly")
        if mostly is not None:
            return self.unexpected_percent <= 100.0 * (1 - float(mostly)) + 1e-9
        return self.unexpected_count == 0 and not self.chunk_failed

    def add(self, result) -> None:
        """Fold in one chunk's GX result."""
        if result.exception_info and result.exception_info.get("raised_exception"):
            self.error = str(result.exception_info.get("exception_message"))
            return
        details = result.result or {}
        self.element_count += int(details.get("element_count") or 0)
        self.missing_count += int(details.get("missing_count") or 0)
        self.unexpected_count += int(details.get("unexpected_count") or 0)
        if "unexpected_count" not in details and not result.success:
            self.chunk_failed = True
        for value in details.get("partial_unexpected_list") or []:
            if len(self.sample) < SAMPLE_SIZE:
                self.sample.append(_show(value))


def _show(value) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "null"
    if isinstance(value, tuple):
        return "(" + ", ".join(_show(v) for v in value) + ")"
    return str(getattr(value, "item", lambda: value)())


@lru_cache(maxsize=4)
def _context(docs_dir: str | None):
    """One ephemeral GX context per process (creating one takes seconds)."""
    import great_expectations as gx

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}
    if docs_dir:
        context.add_data_docs_site(
            "compute_ledger",
            {
                "class_name": "SiteBuilder",
                "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": docs_dir},
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            },
        )
    context.data_sources.add_pandas("warehouse")
    return context


def _checkpoint(suite: Suite, docs_dir: str | None):
    """A GX checkpoint for `suite` over a whole-dataframe batch."""
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    context = _context(docs_dir)
    unique = f"{suite.table}-{uuid.uuid4().hex[:8]}"
    asset = context.data_sources.get("warehouse").add_dataframe_asset(unique)
    batch = asset.add_batch_definition_whole_dataframe("whole table")
    gx_suite = context.suites.add(gx.ExpectationSuite(name=unique))
    for spec in suite.expectations:
        config = ExpectationConfiguration(
            type=spec.expect,
            kwargs=spec.kwargs,
            meta={"name": spec.name, "severity": spec.severity, "dimension": spec.dimension, "notes": spec.description},
        )
        gx_suite.add_expectation(config.to_domain_obj())
    definition = context.validation_definitions.add(gx.ValidationDefinition(name=unique, data=batch, suite=gx_suite))
    actions = [gx.checkpoint.UpdateDataDocsAction(name="data_docs", site_names=["compute_ledger"])] if docs_dir else []
    return context, context.checkpoints.add(
        gx.Checkpoint(name=unique, validation_definitions=[definition], actions=actions, result_format="SUMMARY")
    )


def validate_chunks(suite: Suite, chunks: Iterable[pd.DataFrame], docs_dir: Path | None = None) -> list[Outcome]:
    """Validate every chunk of a table against `suite`; one `Outcome` per expectation."""
    docs = str(docs_dir) if docs_dir else None
    context, checkpoint = _checkpoint(suite, docs)
    outcomes = {spec.name: Outcome(spec) for spec in suite.expectations}
    by_position = list(outcomes.values())
    last_id = None
    for chunk in chunks:
        run = checkpoint.run(batch_parameters={"dataframe": chunk})
        for identifier, result in run.run_results.items():
            last_id = identifier
            for position, expectation_result in enumerate(result.results):
                name = (expectation_result.expectation_config.meta or {}).get("name")
                outcome = outcomes.get(name) or by_position[position]
                outcome.add(expectation_result)
    if docs and last_id is not None:
        urls = context.get_docs_sites_urls(resource_identifier=last_id, site_names=["compute_ledger"])
        url = urls[0]["site_url"] if urls else None
        for outcome in outcomes.values():
            outcome.docs_url = url
    return list(outcomes.values())


def validate_frame(suite: Suite, frame: pd.DataFrame, docs_dir: Path | None = None) -> list[Outcome]:
    """Validate one in-memory frame (tests call checks this way on good and bad frames)."""
    return validate_chunks(suite, [frame], docs_dir)
