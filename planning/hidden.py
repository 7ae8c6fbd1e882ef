"""Hidden need: expected cases against reported incidents, district by district.

Districts far from any service report less; where the reports fall far below what the district's people and the
rate lead one to expect, the district is marked "likely under-reported". Expected need is people (known or
estimated, :mod:`planning.estimates`) times the rate (:mod:`planning.need`), with its range: the low end takes every
estimated population at its low end and the rate at its low end, the high end both at their high ends.

Privacy (DESIGN.md, "Sensitive data"): the reported incidents of a district are the protected release's cell of that
district's settlements (:meth:`planning.release.IncidentRelease.text`), exactly as every other view shows them. The
ratio and the flag are computed only from that released value and only where it is shown as a number: where the
cell is hidden ("<k") both are left empty, so the ratio never reveals a small count. The rate must be per the
release's period (per year for a yearly release).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from planning.estimates import people_range
from planning.need import NeedRate, expected_cases
from planning.release import IncidentRelease

UNDER_REPORTED_RATIO = 0.5
"""A district is "likely under-reported" when its released reports are below this share of its expected cases at the
low end of their range (people and rate both at their low ends): far below, even on the cautious side."""
TOTAL_ROW_ID = "__total__"
"""``district_id`` of the whole region's row."""
HIDDEN_COLUMNS = [
    "district_id",
    "expected",
    "expected_low",
    "expected_high",
    "reported",
    "ratio",
    "under_reported",
]
"""Columns of :func:`hidden_need_table`."""


def hidden_need_table(
    settlements: pd.DataFrame,
    rate: NeedRate,
    release: IncidentRelease,
    *,
    district_order: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Expected need, reported incidents (released cells) and their ratio per district, then the whole region.

    Parameters
    ----------
    settlements : DataFrame
        ``district_id`` and the populations (known or estimated; estimated here when not yet).
    rate : NeedRate
        Expected cases per 1,000 residents over the release's period, with its range.
    release : IncidentRelease
        The protected release of the period, aligned with ``settlements``.
    district_order : sequence of str, optional
        The districts' order (default: sorted); districts without settlements are left out.

    Returns
    -------
    DataFrame
        :data:`HIDDEN_COLUMNS`: ``expected``, ``expected_low``, ``expected_high`` (cases, float); ``reported`` (the
        released cell as shown: "0", "<k" or a number); ``ratio`` (released reports / expected, float; NaN where the
        cell is hidden or nothing is expected); ``under_reported`` (True, False, or None where the cell is hidden).
        The last row (``district_id == TOTAL_ROW_ID``) is the whole region.
    """
    central, low, high = people_range(settlements)
    expected = expected_cases(central, rate.per_1000)
    expected_low = expected_cases(low, rate.low)
    expected_high = expected_cases(high, rate.high)
    districts = np.array([str(d) if pd.notna(d) else "" for d in settlements["district_id"]], dtype=object)
    present = set(districts.tolist()) - {""}
    order = [d for d in (district_order or sorted(present)) if d in present]
    rows = [_row(d, districts == d, expected, expected_low, expected_high, release) for d in order]
    rows.append(_row(TOTAL_ROW_ID, np.ones(len(districts), dtype=bool), expected, expected_low, expected_high, release))
    return pd.DataFrame(rows, columns=HIDDEN_COLUMNS)


def _row(
    district_id: str,
    mask: np.ndarray,
    expected: np.ndarray,
    expected_low: np.ndarray,
    expected_high: np.ndarray,
    release: IncidentRelease,
) -> dict:
    shown = release.value(mask)  # the released cell: None when hidden ("<k")
    cases = float(expected[mask].sum())
    cautious = float(expected_low[mask].sum())
    ratio = float(shown) / cases if shown is not None and cases > 0 else float("nan")
    flag = None if shown is None or cautious <= 0 else bool(shown < UNDER_REPORTED_RATIO * cautious)
    return {
        "district_id": district_id,
        "expected": cases,
        "expected_low": cautious,
        "expected_high": float(expected_high[mask].sum()),
        "reported": release.text(mask),
        "ratio": ratio,
        "under_reported": flag,
    }
