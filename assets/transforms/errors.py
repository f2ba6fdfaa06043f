"""The error a user sees when a whole file cannot be read."""

from __future__ import annotations


class InputFileError(ValueError):
    """A file-level problem: names the file, and the row and column when there is one.

    Rows are counted as a spreadsheet shows them: the header is row 1, the first record row 2.
    """

    def __init__(self, path: str, problem: str, *, row: int | None = None, column: str | None = None):
        self.path, self.problem, self.row, self.column = str(path), problem, row, column
        where = [self.path]
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        super().__init__(f"{', '.join(where)}: {problem}")
