"""The error a user sees when a whole file cannot be read."""

from __future__ import annotations

import unicodedata

#: The longest problem text an error carries. A message quotes at most short excerpts of a
#: file (a header it lists, a value it found); this is the backstop when a value is huge.
MAX_PROBLEM_CHARS = 1500


def excerpt(text: str, limit: int = 40) -> str:
    """A short, printable excerpt of text read from a file, safe to put in a message: line
    breaks and other control characters written as escapes (a message stays one line and
    cannot move a terminal's cursor), cut to `limit` characters with "…"."""
    shown = "".join(
        ch.encode("unicode_escape").decode("ascii") if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch
        for ch in text[: limit + 1]
    )
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


class InputFileError(ValueError):
    """A file-level problem: names the file, and the row and column when there is one.

    Rows are counted as a spreadsheet shows them: the header is row 1, the first record row 2.
    The column and the problem are made printable and cut short (see `excerpt`): they may
    carry text from the file, and the message is read on a terminal and in the UI.
    """

    def __init__(self, path: str, problem: str, *, row: int | None = None, column: str | None = None):
        self.path, self.row = str(path), row
        self.problem = excerpt(problem, MAX_PROBLEM_CHARS)
        # a column name is only cut: the message shows it with repr(), which escapes
        self.column = column if column is None or len(column) <= 80 else column[:79] + "…"
        where = [self.path]
        if row is not None:
            where.append(f"row {row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        super().__init__(f"{', '.join(where)}: {self.problem}")
