"""Small-count suppression and fixed periods for incident figures that reach a page, a table or an export.

Two rules protect the people behind the counts:

* **primary suppression**: a count from 1 to k-1 is shown as ``"<k"`` (:func:`suppress_count`);
* **secondary suppression**: where a group total is shown (a district and its villages), the hidden cells must
  not be recoverable from the total and the shown cells. :func:`suppress_table` hides further cells (the
  smallest non-zero shown ones first, shown as :data:`SECONDARY_MARK`) and, when nothing else helps, the total.

The attacker the secondary rule is checked against knows the display rules and this algorithm: a ``"<k"`` cell
holds 1..k-1, a :data:`SECONDARY_MARK` cell holds at least k and at most the smallest non-zero cell still shown
in its group, a shown total is exact and a ``"<k"`` total holds 1..k-1. A hidden cell is safe when at least two
values stay possible for it (:func:`feasible_range`).

Periods are fixed (years and half-years, ``"2023"``, ``"2023-H1"``); free date ranges are not offered, because
two overlapping ranges would reveal the records in their difference.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo.errors import QorgauError
from geo.settings import SMALL_COUNT_K, SMALL_COUNT_K_MIN

SMALL_COUNT_K_ENV_VAR = "QORGAU_SMALL_COUNT_K"
"""Environment variable overriding :data:`geo.settings.SMALL_COUNT_K`."""
SECONDARY_MARK = "x"
"""How a cell hidden only to protect another one (or a hidden total) is shown."""


class PrivacyConfigError(QorgauError, ValueError):
    """A small-count threshold that would not protect anyone."""


def small_count_k() -> int:
    """The configured small-count threshold k.

    ``QORGAU_SMALL_COUNT_K`` when set, else :data:`geo.settings.SMALL_COUNT_K` (5).

    Raises
    ------
    PrivacyConfigError
        When the value is not a whole number or is below :data:`geo.settings.SMALL_COUNT_K_MIN` (3).
    """
    text = os.environ.get(SMALL_COUNT_K_ENV_VAR, "").strip()
    if not text:
        return check_k(SMALL_COUNT_K)
    try:
        value = int(text)
    except ValueError:
        raise PrivacyConfigError(f"{SMALL_COUNT_K_ENV_VAR} must be a whole number of at least {SMALL_COUNT_K_MIN}; "
                                 f"got {text!r}. Fix: set it to {SMALL_COUNT_K} or more, or unset it.") from None
    return check_k(value)


def check_k(k: int) -> int:
    """``k`` itself when it is a whole number of at least 3; else :class:`PrivacyConfigError`."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < SMALL_COUNT_K_MIN:
        raise PrivacyConfigError(f"the small-count threshold k must be a whole number of at least {SMALL_COUNT_K_MIN}; "
                                 f"got {k!r}. Smaller values let a reader single out one or two victims. "
                                 f"Fix: use {SMALL_COUNT_K} (the default) or more.")
    return int(k)


def _resolve_k(k: int | None) -> int:
    return small_count_k() if k is None else check_k(k)


def _check_count(n, what: str = "`n`") -> int:
    if isinstance(n, bool) or n is None or (isinstance(n, float) and math.isnan(n)) or n < 0 or int(n) != n:
        raise ValueError(f"{what} must be a non-negative whole count; got {n!r}.")
    return int(n)


def suppress_count(n: int, k: int | None = None) -> str:
    """An incident count as it may be shown: ``"<k"`` for 1..k-1, the number otherwise.

    Parameters
    ----------
    n : int
        Non-negative count.
    k : int, optional
        Counts from 1 to ``k - 1`` are hidden; at least 3. Default: :func:`small_count_k` (the configuration).

    Returns
    -------
    str
        ``"0"`` for zero, ``"<5"`` for 1..4 with ``k=5``, else ``str(n)``.
    """
    n = _check_count(n)
    k = _resolve_k(k)
    return f"<{k}" if 0 < n < k else str(n)


# --------------------------------------------------------------------------------------------------------------
# secondary suppression
# --------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SuppressedTable:
    """Display strings of a table of counts and of its group totals.

    Attributes
    ----------
    cells : pandas.Series of str
        Indexed like the input frame: a number, ``"<k"`` or :data:`SECONDARY_MARK`.
    totals : pandas.Series of str
        Indexed by group (empty when no totals are shown): a number, ``"<k"`` or :data:`SECONDARY_MARK`.
    k : int
        The threshold used.
    """

    cells: pd.Series
    totals: pd.Series
    k: int


def suppress_table(frame: pd.DataFrame, group_column: str, count_column: str, *, total="sum",
                   k: int | None = None) -> SuppressedTable:
    """Display strings for a whole table of counts, with primary and secondary suppression.

    Parameters
    ----------
    frame : DataFrame
        One row per cell (for instance a village and period), with ``group_column`` (for instance the district)
        and ``count_column`` (non-negative whole numbers). Not modified.
    group_column, count_column : str
    total : {"sum"} or mapping or None
        ``"sum"``: each group's total (the sum of its cells) is shown next to the cells. A mapping group -> count:
        the totals shown are these (at least the sum of the cells; the rest, records tied to no cell, is assumed
        known to the reader). ``None``: no totals are shown, only primary suppression applies.
    k : int, optional
        Small-count threshold (at least 3); default :func:`small_count_k`.

    Returns
    -------
    SuppressedTable

    Raises
    ------
    ValueError
        On a negative or fractional count, or a given total below the sum of its group's cells.
    """
    k = _resolve_k(k)
    for column in (group_column, count_column):
        if column not in frame.columns:
            raise KeyError(f"`frame` needs a {column!r} column; got columns: {', '.join(map(str, frame.columns))}.")
    counts = np.array([_check_count(v, f"`{count_column}` values") for v in frame[count_column]], dtype=np.int64)
    cells = np.array([suppress_count(int(n), k) for n in counts], dtype=object)
    if total is None:
        return SuppressedTable(pd.Series(cells, index=frame.index, dtype=object), pd.Series(dtype=object), k)
    groups = frame[group_column].to_numpy(dtype=object)
    totals = {}
    for group in pd.unique(groups):
        members = np.flatnonzero(groups == group)
        values = counts[members]
        group_total = int(values.sum()) if total == "sum" else _check_count(total[group], "a group total")
        if group_total < values.sum():
            raise ValueError(f"the total of group {group!r} ({group_total}) is below the sum of its cells "
                             f"({int(values.sum())}).")
        secondary, total_hidden = _secondary(values, group_total, k, known_rest=group_total - int(values.sum()))
        cells[members[secondary]] = SECONDARY_MARK
        totals[group] = SECONDARY_MARK if total_hidden else suppress_count(group_total, k)
    return SuppressedTable(pd.Series(cells, index=frame.index, dtype=object), pd.Series(totals, dtype=object), k)


def _secondary(values: np.ndarray, group_total: int, k: int, *, known_rest: int) -> tuple[np.ndarray, bool]:
    """Cells to hide besides the primary ones, and whether the total must be hidden as well."""
    primary = (values > 0) & (values < k)
    secondary = np.zeros(len(values), dtype=bool)
    while True:
        display = _display(values, primary, secondary, k)
        ranges = feasible_ranges(display, suppress_count(group_total, k), k=k, known_rest=known_rest)
        if all(lo < hi for lo, hi in ranges.values()):
            return secondary, False
        candidates = np.flatnonzero(~primary & ~secondary & (values > 0))
        if len(candidates) == 0:
            return secondary, True
        secondary[candidates[np.argmin(values[candidates])]] = True


def _display(values: np.ndarray, primary: np.ndarray, secondary: np.ndarray, k: int) -> list[str]:
    return [f"<{k}" if p else SECONDARY_MARK if s else str(int(v)) for v, p, s in zip(values, primary, secondary)]


def feasible_ranges(display: list[str], total_display: str | None, *, k: int, known_rest: int = 0) -> dict[int, tuple]:
    """What a reader can work out about each hidden cell of one group from what is shown.

    Parameters
    ----------
    display : list of str
        The group's cells as shown (numbers, ``"<k"``, :data:`SECONDARY_MARK`).
    total_display : str or None
        The group total as shown (a number, ``"<k"``, :data:`SECONDARY_MARK`), or None when no total is shown.
    k : int
    known_rest : int
        Part of the total that belongs to no cell and is known to the reader.

    Returns
    -------
    dict
        Position of each hidden cell -> (lowest, highest) value it may hold (highest may be ``math.inf``).
        A cell whose lowest equals its highest is recoverable.
    """
    shown = [int(d) for d in display if d not in (f"<{k}", SECONDARY_MARK)]
    ceiling = min((v for v in shown if v > 0), default=math.inf)
    bounds = {i: ((1, k - 1) if d == f"<{k}" else (k, ceiling)) for i, d in enumerate(display)
              if d in (f"<{k}", SECONDARY_MARK)}
    if total_display is None or total_display == SECONDARY_MARK:
        return bounds
    low_total, high_total = (1, k - 1) if total_display == f"<{k}" else (int(total_display),) * 2
    rest = sum(shown) + known_rest
    low_sum, high_sum = low_total - rest, high_total - rest
    ranges = {}
    for i, (lo, hi) in bounds.items():
        others_lo = sum(b[0] for j, b in bounds.items() if j != i)
        others_hi = sum(b[1] for j, b in bounds.items() if j != i)
        ranges[i] = (max(lo, low_sum - others_hi), min(hi, high_sum - others_lo))
    return ranges


# --------------------------------------------------------------------------------------------------------------
# fixed periods
# --------------------------------------------------------------------------------------------------------------
def _year(period: str) -> str:
    return str(period)[:4]


def available_periods(counts: pd.DataFrame) -> list[str]:
    """The fixed periods a filter may offer for these counts, newest first.

    Every year with records, and each half-year of a year whose records are all by half-year (a year given only
    as a whole cannot be split).

    Parameters
    ----------
    counts : DataFrame
        Incident counts (:data:`geo.schema.INCIDENT_COLUMNS`); ``period`` is ``"2023"`` or ``"2023-H1"``.
    """
    periods = pd.Series(counts["period"], dtype=object).dropna().astype(str)
    result = []
    for year in sorted({_year(p) for p in periods}, reverse=True):
        in_year = set(periods[periods.str[:4] == year])
        result.append(year)
        if year not in in_year:
            result.extend(sorted((p for p in in_year if p != year), reverse=True))
    return result


def aggregate_to_period(counts: pd.DataFrame, period: str, *, level: str = "settlement") -> pd.DataFrame:
    """Counts of one fixed period, per settlement or per district.

    Parameters
    ----------
    counts : DataFrame
        Incident counts (:data:`geo.schema.INCIDENT_COLUMNS`). Not modified.
    period : str
        One of :func:`available_periods` (``"2023"`` adds both half-years and any whole-year records).
    level : {"settlement", "district"}
        ``"settlement"``: columns settlement_id, district_id, count (records given per district only keep
        settlement_id None). ``"district"``: columns district_id, count.

    Returns
    -------
    DataFrame
        Raw counts: apply :func:`suppress_table` or :func:`suppress_count` before showing them.

    Raises
    ------
    ValueError
        For a period not in :func:`available_periods` (free date ranges are not offered).
    """
    if level not in ("settlement", "district"):
        raise ValueError(f"`level` must be 'settlement' or 'district'; got {level!r}.")
    offered = available_periods(counts)
    if period not in offered:
        raise ValueError(f"`period` must be one of the fixed periods with data ({', '.join(offered) or 'none'}); "
                         f"got {period!r}.")
    periods = pd.Series(counts["period"], dtype=object).astype(str)
    chosen = counts[(periods == period) | ((periods.str[:4] == period) if len(period) == 4 else False)]
    keys = ["settlement_id", "district_id"] if level == "settlement" else ["district_id"]
    frame = pd.DataFrame({key: chosen[key].astype(object).where(chosen[key].notna(), "") for key in keys})
    frame["count"] = chosen["count"].to_numpy(dtype=np.int64)
    summed = frame.groupby(keys, sort=True, as_index=False)["count"].sum()
    for key in keys:
        summed[key] = summed[key].astype(object).replace("", None)
    summed["count"] = summed["count"].astype(np.int64)
    return summed[keys + ["count"]]

