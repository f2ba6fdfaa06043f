"""Steps every entity normalizer shares: vocabularies, names, dates and the source."""

from __future__ import annotations

import polars as pl

from ledger.transforms.dates import date_problem, implausible_date, is_implausible, parse_date_column
from ledger.transforms.problems import Check, nonempty, one_of, required
from ledger.transforms.reference import canonical_names

CONFIDENCE = ("high", "medium", "low")

#: Columns that say where a staged row came from, kept on every staged table.
LINEAGE = ("dataset", "source_file", "row_number", "raw_row_id")


def _token_of(text: pl.Expr) -> pl.Expr:
    t = text.str.strip_chars().str.to_lowercase().str.replace_all(r"[\s\-/]+", "_")
    return pl.when(t == "").then(None).otherwise(t)


def token(column: str) -> pl.Expr:
    """A vocabulary cell compared case-insensitively, spaces and dashes as underscores."""
    return _token_of(pl.col(column))


def tokens(frame: pl.DataFrame, *columns: str) -> pl.DataFrame:
    """`token` applied to whole columns in place, once per distinct value (vocabulary
    columns hold a handful of values however many rows there are)."""
    out = []
    for column in columns:
        distinct = frame.get_column(column).drop_nulls().unique()
        mapped = pl.DataFrame({"v": distinct}).select(_token_of(pl.col("v"))).to_series()
        out.append(pl.col(column).replace_strict(distinct, mapped, default=None, return_dtype=pl.String).alias(column))
    return frame.with_columns(out)


def vocabulary(
    column: str, allowed: tuple[str, ...], *, is_required: bool = True, tokenized: bool = False
) -> tuple[pl.Expr, list[Check]]:
    """The normalized token and the checks that it is present (if required) and allowed.
    `tokenized`: the column already holds tokens (see `tokens`)."""
    expr = pl.col(column) if tokenized else token(column)
    checks = [one_of(column, expr, allowed)]
    if is_required:
        checks.insert(0, required(column))
    return expr.alias(column), checks


def add_dates(frame: pl.DataFrame, columns: list[str], required_columns: list[str]) -> tuple[pl.DataFrame, list[Check]]:
    """Parse date columns in place (text kept as `<column>_text` for messages). A date that
    cannot be read, is ambiguous, or lies outside the plausible window is a problem."""
    frame = frame.with_columns(*[pl.col(c).alias(f"{c}_text") for c in columns])
    for c in columns:
        frame = parse_date_column(frame, f"{c}_text", c)
    checks = [required(f"{c}_text") for c in required_columns]
    checks = [Check(c, chk.failed, chk.reason) for c, chk in zip(required_columns, checks)]
    for c in columns:
        text, parsed = pl.col(f"{c}_text"), pl.col(c)
        checks.append(Check(c, _has_text(f"{c}_text") & parsed.is_null(), date_problem(text, parsed)))
        checks.append(Check(c, is_implausible(parsed), implausible_date(text, parsed)))
    return frame, checks


def _has_text(column: str) -> pl.Expr:
    text = pl.col(column).str.strip_chars()
    return text.is_not_null() & (text != "")


def _add_canonical(
    frame: pl.DataFrame,
    column: str,
    aliases: pl.DataFrame,
    name_column: str,
    what: str,
    file: str,
    is_required: bool,
    also: dict[str, str] | None = None,
    explained: dict[str, str] | None = None,
) -> tuple[pl.DataFrame, list[Check]]:
    """Replace `column` by the canonical name from an alias table (and add the `also`
    columns of the lookup); an unknown name is a problem (never a guess), a blank one too
    when required. `explained`: names that are no name, each with the problem it is (a
    catalog's CPU-only instance)."""
    explained = explained or {}
    given_column = f"{column}_as_given"
    frame = canonical_names(frame.rename({column: given_column}), given_column, aliases, column, name_column, also=also)
    given = pl.col(given_column).str.strip_chars()
    checks = [
        Check(
            column,
            given.is_not_null() & (given != "") & pl.col(column).is_null() & ~given.is_in(list(explained)),
            pl.format(f"unknown {what} {{}} (add it or an alias to reference/{file})", given),
        ),
        *(Check(column, given == name, reason) for name, reason in explained.items()),
    ]
    if is_required:
        checks.insert(0, Check(column, given.is_null() | (given == ""), "required value is missing"))
    return frame, checks


def add_company(
    frame: pl.DataFrame, column: str, aliases: pl.DataFrame, *, is_required: bool = True
) -> tuple[pl.DataFrame, list[Check]]:
    """Replace `column` by the canonical company name; an unknown name is a problem."""
    return _add_canonical(frame, column, aliases, "company", "company", "company_aliases.csv", is_required)


#: What a cloud catalog's reader writes as the GPU of a CPU-only instance
#: (ledger/transforms/catalogs.py): a row it counts and quarantines with that reason.
CPU_ONLY = "(none: a CPU-only instance)"


def add_gpu_model(
    frame: pl.DataFrame, column: str, aliases: pl.DataFrame, *, is_required: bool = True, variant: str | None = None
) -> tuple[pl.DataFrame, list[Check]]:
    """Replace `column` by the canonical GPU model (the family: H100 for an "H100 PCIe"),
    and add the variant as the column `variant` names, if it names one; an unknown model is
    a problem."""
    also = {"gpu_variant": variant} if variant else None
    explained = {CPU_ONLY: "a CPU-only instance: no GPU to price (the catalog row is counted, not loaded)"}
    return _add_canonical(frame, column, aliases, "gpu_model", "GPU model", "gpu_catalog.csv", is_required, also, explained)


def source_checks(*, tokenized: bool = False) -> tuple[list[pl.Expr], list[Check]]:
    """Every figure carries its source: a URL or a publication; confidence if given is known."""
    url = pl.col("source_url").str.strip_chars()
    publication = pl.col("source_publication").str.strip_chars()
    missing = (url.is_null() | (url == "")) & (publication.is_null() | (publication == ""))
    confidence = pl.col("confidence") if tokenized else token("confidence")
    return [confidence.alias("confidence")], [
        Check("source_url", missing, "no source: give source_url or source_publication"),
        one_of("confidence", confidence, CONFIDENCE),
    ]


def positive_number(column: str, text_column: str | None = None) -> tuple[pl.Expr, Check]:
    """A count or a power figure: a plain non-negative number (thousands separators allowed).

    Reads `text_column` (default `column`); the check names `column`. Write the value to a
    column other than `text_column`: the check reads the text when it is evaluated."""
    source = pl.col(text_column or column)
    text = source.str.strip_chars().str.replace_all(",", "")
    value = text.cast(pl.Float64, strict=False)
    bad = text.is_not_null() & (text != "") & (value.is_null() | (value < 0))
    return value, Check(column, bad, pl.format("{} is not a non-negative number", source))


_TRUE, _FALSE = ["true", "yes", "1"], ["false", "no", "0"]


def _binding_given() -> pl.Expr:
    return nonempty(pl.col("binding_text").str.strip_chars().str.to_lowercase())


def binding_given_true() -> pl.Expr:
    """Whether the `binding` cell (kept as `binding_text` by `add_binding`) says true."""
    return _binding_given().is_in(_TRUE)


def add_binding(frame: pl.DataFrame, default: pl.Expr) -> tuple[pl.DataFrame, list[Check]]:
    """`binding` as a boolean: the cell (true/false, yes/no, 1/0) where given, else `default`
    (an expression of the row's status). The text stays in `binding_text` for messages."""
    frame = frame.rename({"binding": "binding_text"})
    given = _binding_given()
    value = pl.when(given.is_in(_TRUE)).then(True).when(given.is_in(_FALSE)).then(False).when(given.is_null()).then(default)
    check = Check("binding", given.is_not_null() & ~given.is_in(_TRUE + _FALSE), "binding is true or false")
    return frame.with_columns(value.alias("binding")), [check]


def blank_to_null(column: str) -> pl.Expr:
    """The cell stripped of spaces; blank is missing."""
    return nonempty(pl.col(column).str.strip_chars()).alias(column)


def link_checks(id_column: str) -> list[Check]:
    """`part_of` and `superseded_by` name another row, never the row itself."""
    return [
        Check("superseded_by", pl.col("superseded_by") == pl.col(id_column), "a row cannot supersede itself"),
        Check("part_of", pl.col("part_of") == pl.col(id_column), "a row cannot be part of itself"),
        Check(
            "part_of",
            pl.col("part_of").is_not_null() & pl.col("superseded_by").is_not_null(),
            "part_of or superseded_by, not both",
        ),
    ]
