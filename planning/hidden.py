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


RATIO_CLASS_LIMITS = (0.5, 1.0)
"""Released reports per expected case that split the districts into classes for the map: below half of the expected,
half to all of it, at least all of it."""
RATIO_CLASSES = ("under_reported", "below_half", "half_to_expected", "at_least_expected", "hidden", "none_expected")
"""The map's classes of a district (:func:`ratio_class`), in the legend's order."""


def ratio_class(row: pd.Series | dict) -> str:
    """The map class of one row of :func:`hidden_need_table`.

    ``"hidden"`` where the released cell is not a number ("<k": nothing about the ratio is shown), ``"none_expected"``
    where no case is expected, ``"under_reported"`` where the district is marked likely under-reported, else the
    ratio's class by :data:`RATIO_CLASS_LIMITS`.
    """
    ratio = float(row["ratio"])
    if row["under_reported"] is None and not np.isfinite(ratio):
        return "hidden" if str(row["reported"]).startswith("<") else "none_expected"
    if not np.isfinite(ratio):
        return "none_expected"
    if row["under_reported"]:
        return "under_reported"
    if ratio < RATIO_CLASS_LIMITS[0]:
        return "below_half"
    return "half_to_expected" if ratio < RATIO_CLASS_LIMITS[1] else "at_least_expected"


DISPLAY_FIELDS = ("district", "expected", "reported", "ratio", "assessment")
"""Columns of :func:`hidden_need_display` (their headings are ``hidden.col.<field>`` in the catalog)."""
RATIO_DECIMALS = 2
"""Decimals of a ratio as shown."""
CASES_DECIMALS = 0
"""Decimals of expected cases as shown (whole cases)."""


def hidden_need_display(table: pd.DataFrame, names: dict[str, str], lang: str) -> pd.DataFrame:
    """:func:`hidden_need_table` as a page shows it: one text per cell, the district's name (``names``: district id
    -> name; the total row is "whole region"), expected cases with their range, the released cell as it is, the
    ratio only where :func:`hidden_need_table` gives one, and the assessment (:func:`ratio_class`) in words.

    Columns are :data:`DISPLAY_FIELDS`, plus ``class`` (the map class) and ``district_id`` for the map; no raw
    count is in it.
    """
    from planning.i18n import fmt_number, t

    rows = []
    for _, row in table.iterrows():
        district = str(row["district_id"])
        cls = ratio_class(row)
        rows.append(
            {
                "district": t("hidden.total", lang) if district == TOTAL_ROW_ID else names.get(district, district),
                "expected": t(
                    "hidden.expected_range",
                    lang,
                    value=fmt_number(row["expected"], lang, decimals=CASES_DECIMALS),
                    low=fmt_number(row["expected_low"], lang, decimals=CASES_DECIMALS),
                    high=fmt_number(row["expected_high"], lang, decimals=CASES_DECIMALS),
                ),
                "reported": str(row["reported"]),
                "ratio": fmt_number(row["ratio"], lang, decimals=RATIO_DECIMALS),  # "—" where hidden
                "assessment": t(f"hidden.class.{cls}", lang),
                "class": cls,
                "district_id": district,
            }
        )
    return pd.DataFrame(rows, columns=[*DISPLAY_FIELDS, "class", "district_id"])
