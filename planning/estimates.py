"""Estimated populations for settlements whose population is unknown, labelled as estimates, with a range.

No figure and no solver may count an unknown population as zero people: a village with no known population still
has people, and counting it as empty sends services away from the places the statistics missed. Every settlement
without a known population gets an estimate here, from the region's own settlements of known population:

1. the settlements of the same place type (``kind``: hamlet, village, town, city...) in the same district, where at
   least :data:`MIN_KNOWN_SAME_DISTRICT` of them are known (``population_basis = "kind_district"``);
2. else the settlements of the same place type anywhere in the region, widened to the neighbouring place types
   of :data:`KIND_ORDER` (one step smaller, then one step larger, ...) until at least :data:`MIN_KNOWN_SAME_KIND`
   are known (``population_basis = "kind_region"``); a settlement of unknown kind uses every known settlement.

The central estimate is the **median** of that group and the range (``population_low`` .. ``population_high``) its
**interquartile range** (25th to 75th percentile, linear interpolation), so half the known settlements of the group
lie inside it. Known populations keep their value, with ``population_low = population_high = population``.

When the region knows no population at all, nothing can be estimated from it: the population stays NaN
(``population_source = "unknown"``, ``population_basis = "none"``), and :func:`people` counts each such settlement
as one unit of demand (:data:`UNIT_PER_SETTLEMENT`), never as zero.

The akimat's uploaded table (``planning.intake.population``) is laid over the folder's figures *before* this runs,
so an uploaded population replaces an estimate; a new upload re-estimates the rest from the larger known set.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

SOURCE_ESTIMATE = "estimate"
"""``population_source`` of an estimated population."""
SOURCE_UNKNOWN = "unknown"
"""``population_source`` of a population that is unknown and could not be estimated."""
SOURCE_FILE = "file"
"""``population_source`` of a known population when the frame carries no source."""

MIN_KNOWN_SAME_DISTRICT = 8
"""Settlements of known population (same place type, same district) needed to estimate from the district alone."""
MIN_KNOWN_SAME_KIND = 3
"""Settlements of known population a region-wide group needs before it stops widening to neighbouring kinds."""
KIND_ORDER = ("isolated_dwelling", "hamlet", "village", "suburb", "locality", "town", "city")
"""Place types from smallest to largest; a group short of known populations widens to its neighbours here."""
LOW_QUANTILE, HIGH_QUANTILE = 0.25, 0.75
"""The range of an estimate: the interquartile range of the known populations of its group."""
UNIT_PER_SETTLEMENT = 1.0
"""Demand of a settlement in a region that knows no population at all (people unknown: one unit per settlement)."""

BASES = ("known", "kind_district", "kind_region", "none")
"""``population_basis``: known; estimated from the district's settlements of the kind; from the region's; none."""
ESTIMATE_COLUMNS = ["population", "population_low", "population_high", "population_source", "population_basis"]
"""Columns :func:`estimate_populations` writes."""


def estimate_populations(
    settlements: pd.DataFrame,
    *,
    min_known_same_district: int = MIN_KNOWN_SAME_DISTRICT,
    min_known_same_kind: int = MIN_KNOWN_SAME_KIND,
) -> pd.DataFrame:
    """``settlements`` (a copy) with every unknown population estimated and labelled (see the module text).

    Parameters
    ----------
    settlements : DataFrame
        ``population`` (people, NaN = unknown), ``kind``, ``district_id``; ``population_source`` if present
        ("file", "upload", "geonames"...) is kept for known populations.
    min_known_same_district, min_known_same_kind : int
        See :data:`MIN_KNOWN_SAME_DISTRICT` and :data:`MIN_KNOWN_SAME_KIND`.

    Returns
    -------
    DataFrame
        The same rows with :data:`ESTIMATE_COLUMNS`: ``population`` (people: known, or the estimate's median),
        ``population_low`` and ``population_high`` (people: the interquartile range of the group, equal to the
        population where it is known), ``population_source`` ("estimate" where estimated) and ``population_basis``
        (one of :data:`BASES`). An earlier estimate in the frame is recomputed, never taken as known.
    """
    out = settlements.copy()
    population = out["population"].to_numpy(dtype=float).copy()
    if "population_source" in out.columns:
        source = out["population_source"].astype(object).to_numpy().copy()
        population[source == SOURCE_ESTIMATE] = np.nan  # re-estimate, from the known ones only
    else:
        source = np.full(len(out), SOURCE_FILE, dtype=object)
    known = np.isfinite(population)
    source[known & ~_is_text(source)] = SOURCE_FILE
    kinds = _text_column(out, "kind")
    districts = _text_column(out, "district_id")
    low, high = population.copy(), population.copy()
    basis = np.where(known, "known", "none").astype(object)
    groups: dict[tuple[str, str], tuple[float, float, float, str] | None] = {}
    for i in np.flatnonzero(~known):
        key = (kinds[i], districts[i])
        if key not in groups:
            groups[key] = _group_estimate(
                population, known, kinds, districts, key, min_known_same_district, min_known_same_kind
            )
        estimate = groups[key]
        if estimate is None:
            source[i] = SOURCE_UNKNOWN
            continue
        population[i], low[i], high[i], basis[i] = estimate
        source[i] = SOURCE_ESTIMATE
    out["population"] = population
    out["population_low"] = low
    out["population_high"] = high
    out["population_source"] = source
    out["population_basis"] = basis
    return out


def population_is_estimated(settlements: pd.DataFrame) -> np.ndarray:
    """Boolean mask of the settlements whose population is an estimate (``population_source == "estimate"``)."""
    if "population_source" not in settlements.columns:
        return np.zeros(len(settlements), dtype=bool)
    return (settlements["population_source"].astype(object) == SOURCE_ESTIMATE).to_numpy(dtype=bool)


def with_estimates(settlements: pd.DataFrame) -> pd.DataFrame:
    """``settlements`` as they are when already estimated (they carry ``population_low``), else estimated now."""
    return settlements if "population_low" in settlements.columns else estimate_populations(settlements)


def people(settlements: pd.DataFrame) -> np.ndarray:
    """People per settlement for every demand and figure: known, else estimated (:func:`estimate_populations`);
    where the region knows no population at all, :data:`UNIT_PER_SETTLEMENT` per settlement. Never NaN, never an
    unknown counted as zero.

    Returns
    -------
    ndarray of float, shape (n_settlements,)
    """
    central, _, _ = people_range(settlements)
    return central


def people_range(settlements: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(central, low, high) people per settlement as :func:`people` gives them; low = high = central where the
    population is known (or counted as one unit)."""
    frame = with_estimates(settlements)
    central = frame["population"].to_numpy(dtype=float)
    low = frame["population_low"].to_numpy(dtype=float)
    high = frame["population_high"].to_numpy(dtype=float)
    missing = ~np.isfinite(central)
    if missing.any():
        central, low, high = (np.where(missing, UNIT_PER_SETTLEMENT, a) for a in (central, low, high))
    return central, low, high


def estimated_share(settlements: pd.DataFrame, mask: np.ndarray | None = None) -> float:
    """Share (0..1) of the people counted (known + estimated) that are estimated, over ``mask`` (default all);
    NaN when no people are counted."""
    frame = with_estimates(settlements)
    central = np.nan_to_num(frame["population"].to_numpy(dtype=float), nan=0.0)  # uncountable: no people to share
    chosen = np.ones(len(frame), dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    total = float(central[chosen].sum())
    return float(central[chosen & population_is_estimated(frame)].sum()) / total if total > 0 else float("nan")


# --- helpers ----------------------------------------------------------------------------------------------------


def _is_text(values: np.ndarray) -> np.ndarray:
    return np.array([isinstance(v, str) and v not in ("", SOURCE_UNKNOWN, SOURCE_ESTIMATE) for v in values], dtype=bool)


def _text_column(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame.columns:
        return np.full(len(frame), "", dtype=object)
    return np.array([str(v) if pd.notna(v) else "" for v in frame[column]], dtype=object)


def _summary(values: np.ndarray, basis: str) -> tuple[float, float, float, str]:
    low, median, high = np.quantile(values, [LOW_QUANTILE, 0.5, HIGH_QUANTILE])
    return float(median), float(low), float(high), basis


def _group_estimate(
    population: np.ndarray,
    known: np.ndarray,
    kinds: np.ndarray,
    districts: np.ndarray,
    key: tuple[str, str],
    min_district: int,
    min_kind: int,
) -> tuple[float, float, float, str] | None:
    """(median, low, high, basis) for an unknown settlement of kind and district ``key``; None: nothing known."""
    kind, district = key
    if not known.any():
        return None
    if kind in KIND_ORDER:
        same = known & (kinds == kind) & (districts == district)
        if district and same.sum() >= min_district:
            return _summary(population[same], "kind_district")
        for pool in _widening(kind):
            chosen = known & np.isin(kinds, pool)
            if chosen.sum() >= min_kind:
                return _summary(population[chosen], "kind_region")
    return _summary(population[known], "kind_region")


def _widening(kind: str) -> list[Sequence[str]]:
    """The kind alone, then with one neighbour more at a time (smaller first), up to every kind."""
    position = KIND_ORDER.index(kind)
    lo = hi = position
    pools: list[Sequence[str]] = [KIND_ORDER[lo : hi + 1]]
    while lo > 0 or hi < len(KIND_ORDER) - 1:
        if lo > 0:
            lo -= 1
            pools.append(KIND_ORDER[lo : hi + 1])
        if hi < len(KIND_ORDER) - 1:
            hi += 1
            pools.append(KIND_ORDER[lo : hi + 1])
    return pools


SHOWN_SOURCES = ("file", "upload", SOURCE_ESTIMATE, SOURCE_UNKNOWN)
"""Sources a table names (``population.source.<source>``); any other known source reads as "file"."""


def population_source_of(settlements: pd.DataFrame) -> np.ndarray:
    """Each settlement's population source as a table names it: one of :data:`SHOWN_SOURCES`."""
    frame = with_estimates(settlements)
    return np.array(
        [s if s in SHOWN_SOURCES else SOURCE_FILE for s in frame["population_source"].astype(object)], dtype=object
    )
