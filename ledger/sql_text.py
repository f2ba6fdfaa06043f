"""What a SQL file says about itself: its header comment, and the tables it reads.

No Dagster here. The marts take their descriptions and upstream assets from these, so a
SQL file is the one place a mart is defined.
"""

from __future__ import annotations

import re

#: String literals, quoted identifiers and comments, in the order they open.
_LEXEMES = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|/\*.*?\*/", re.DOTALL)
_TABLE = re.compile(r"\b(staging|ref|marts|raw|audit|quarantine)\.([a-z_][a-z0-9_]*)\b", re.IGNORECASE)


def header_comment(sql: str) -> str:
    """The `--` lines a SQL file begins with, as prose (one line each)."""
    lines = []
    for line in sql.splitlines():
        if not line.startswith("--"):
            break
        lines.append(line.removeprefix("--").strip())
    return "\n".join(lines).strip()


def code_only(sql: str) -> str:
    """`sql` with comments and string literals blanked: `'--'` in a string is not a comment,
    and `'staging.x'` in a string is not a table."""
    return _LEXEMES.sub(lambda m: "''" if m.group(0).startswith("'") else " " if m.group(0)[0] in "-/" else m.group(0), sql)


def tables_read(sql: str) -> list[str]:
    """`schema.table` names the SQL text reads, sorted (a CTE has no schema, so is not one)."""
    return sorted({f"{schema.lower()}.{name.lower()}" for schema, name in _TABLE.findall(code_only(sql))})
