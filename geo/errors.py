"""Exceptions and the validation problem record shared by every loader."""

from __future__ import annotations

from dataclasses import dataclass, field


class QorgauError(Exception):
    """Base class of every error Qorgau raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth knowing) about an input file.

    Parameters
    ----------
    file : str
        File name inside the region folder (never a full path from an upload).
    message : str
        What was expected and what came.
    fix : str
        How to fix it, in one sentence.
    column : str, optional
        Column concerned.
    rows : tuple of int
        Line numbers as a spreadsheet shows them (the header is line 1, the first data row line 2; for GeoJSON
        the 1-based feature number); empty when the problem is about the whole file.
    severity : {"error", "warning"}
    unit : {"line", "feature"}
        What ``rows`` count.
    key : str, optional
        Catalog entry of the message: msgctxt ``problem.<key>`` and ``problem.<key>.fix`` in planning/translations,
        so that pages show it in the reader's language (``message`` and ``fix`` stay the English text for the CLI
        and logs).
    params : tuple of (str, value) pairs
        The values filled into the catalog text (counts, column lists, kinds, sizes; never a cell of an incident
        file).
    """

    file: str
    message: str
    fix: str = ""
    column: str | None = None
    rows: tuple[int, ...] = field(default_factory=tuple)
    severity: str = "error"
    unit: str = "line"
    key: str | None = None
    params: tuple = ()

    def format(self, *, max_rows: int = 10) -> str:
        parts = [self.file]
        if self.rows:
            shown = ", ".join(str(r) for r in self.rows[:max_rows])
            more = f" (+{len(self.rows) - max_rows} more)" if len(self.rows) > max_rows else ""
            parts.append(f"{self.unit}{'s' if len(self.rows) > 1 else ''} {shown}{more}")
        if self.column:
            parts.append(f"column '{self.column}'")
        text = f"{': '.join(parts)}: {self.message}"
        if self.fix:
            text += f" Fix: {self.fix}"
        return text


class ValidationError(QorgauError, ValueError):
    """Input that cannot be used; carries every problem found, not only the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = [p for p in problems if p.severity == "error"] or list(problems)
        super().__init__("\n".join(p.format() for p in self.problems))


class RegionError(ValidationError):
    """A region folder that cannot be loaded."""


class CrsError(QorgauError, ValueError):
    """Coordinates in an unexpected reference system."""
