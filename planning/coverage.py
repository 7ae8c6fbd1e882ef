"""Coverage, gaps and scenario comparison: the answers Qorgau exists for.

A pure core on arrays (``nearest``, ``coverage``, ``compare``, ``summary_sentence``) under thin adapters for
the canonical frames of ``geo.schema`` (``reach_minutes_of``, ``gaps``, ``hex_gaps``, ``changed_settlements``).

Conventions
-----------
- ``minutes`` is a site x settlement travel-time matrix in minutes, ``np.inf`` where a settlement cannot be
  reached from a site.
- A settlement is *covered* within a threshold when the minutes to its nearest service are ``<=`` the
  threshold (inclusive).
- Population is a float per settlement: known, or estimated (:mod:`planning.estimates`, flagged by ``estimated``)
  so that the figures read "known + estimated" with the estimated people stated (``population_estimated_total``).
  ``NaN`` = unknown and not estimable (a region that knows no population): it adds nothing to population sums or
  to the weighted percentiles and is counted in ``settlements_unknown_population`` (and ``..._covered``).
- Incidents are non-negative integer counts per settlement (never points). ``Figures`` hold raw counts for
  computing only; every incident figure that is shown comes from the protected release the coverage carries
  (``Coverage.release``, :mod:`planning.release`): ``gaps`` and ``compare`` give a settlement's incidents as its
  released cell, and pages, exports and the CLI ask the release for any other cell.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field

import geopandas as gpd
import h3
import numpy as np
import numpy.typing as npt
import pandas as pd
from shapely.geometry import Polygon

from geo.errors import QorgauError
from geo.settings import DEFAULT_GAP_MINUTES, STORAGE_CRS
from geo.traveltime import METHOD_ESTIMATE, METHOD_NETWORK
from planning.i18n import fmt_number, t
from planning.release import IncidentRelease

DEFAULT_THRESHOLDS_MINUTES = (30.0, 60.0)
"""The thresholds every coverage reports figures at, minutes (it holds :data:`DEFAULT_GAP_MINUTES`)."""
MEDIAN_QUANTILE = 0.5
P90_QUANTILE = 0.9
DEFAULT_HEX_RESOLUTION = 6
"""H3 resolution 6: hexagons of about 36 km² (edge about 3.7 km), a few villages each."""
NO_DISTRICT_ID = "unknown"
"""District key for settlements without a district."""
NO_SITE_INDEX = -1
"""``nearest`` site index of a settlement no site reaches."""
MOBILE_KIND = "mobile"
_QUANTILE_REL_TOL = 1e-12
"""Relative slack on the cumulative-weight target so float rounding cannot skip a value."""


class CoverageInputError(QorgauError, ValueError):
    """Arrays that do not fit together (shapes, NaN where a number is required, negative counts)."""


# --------------------------------------------------------------------------------------------------------------
# the one rule of being covered
# --------------------------------------------------------------------------------------------------------------
def is_within(minutes: npt.ArrayLike, threshold_minutes: npt.ArrayLike) -> np.ndarray:
    """Where ``minutes`` are within ``threshold_minutes``: the one rule of being covered (or reached by a mobile
    team within its reach), ``minutes <= threshold`` (inclusive: a village at exactly 30 minutes is covered
    within 30). Every coverage, gap, export, map and siting model asks this function.

    Parameters
    ----------
    minutes : array_like of float
        Travel times, minutes; ``np.inf`` = unreachable (never within).
    threshold_minutes : float or array_like of float
        The threshold, minutes; broadcast against ``minutes`` (one per draw or per site).

    Returns
    -------
    ndarray of bool
        The broadcast shape of the two.
    """
    return np.less_equal(np.asarray(minutes, dtype=np.float64), threshold_minutes)


def is_beyond(minutes: npt.ArrayLike, threshold_minutes: npt.ArrayLike) -> np.ndarray:
    """Where ``minutes`` are not :func:`is_within` ``threshold_minutes`` (the gaps: farther than the threshold)."""
    return np.logical_not(is_within(minutes, threshold_minutes))


# --------------------------------------------------------------------------------------------------------
# nearest service
# --------------------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Nearest:
    """Nearest service per settlement.

    Attributes
    ----------
    minutes : ndarray of float64, shape (n_settlements,)
        Minutes to the nearest service that serves the settlement; ``inf`` when none does.
    site_index : ndarray of int64, shape (n_settlements,)
        Row of that service in the minutes matrix; ``NO_SITE_INDEX`` (-1) when none serves it.
    estimated : ndarray of bool, shape (n_settlements,)
        True where that minimum is a straight-line estimate (the chosen row's method); False where it is over the
        road network or no service serves the settlement.
    """

    minutes: np.ndarray
    site_index: np.ndarray
    estimated: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))

    @property
    def methods(self) -> np.ndarray:
        """Per settlement ``"estimate"`` or ``"network"`` (:data:`METHOD_ESTIMATE`, :data:`METHOD_NETWORK`)."""
        estimated = self.estimated if len(self.estimated) == len(self.minutes) else np.zeros(len(self.minutes), bool)
        return np.where(estimated, METHOD_ESTIMATE, METHOD_NETWORK).astype(object)


def nearest(
    minutes_matrix: np.ndarray, *, reach_minutes: np.ndarray | None = None, estimated: np.ndarray | None = None
) -> Nearest:
    """Minutes to the nearest service, and which service, for every settlement.

    Parameters
    ----------
    minutes_matrix : array_like, shape (n_sites, n_settlements)
        Travel time in minutes from each site to each settlement; ``inf`` = unreachable. Not modified.
    reach_minutes : array_like, shape (n_sites,), optional
        A site's own reach in minutes (a mobile team): beyond it the site does not serve the settlement at
        all, as if unreachable. ``NaN`` = no own limit (a permanent service). ``None`` = no site has one.
    estimated : array_like of bool, shape (n_sites, n_settlements), optional
        True where a pair's minutes are a straight-line estimate
        (:meth:`planning.analysis.SiteMinutes.rows_with_method`); the result carries the value of each
        settlement's chosen row. ``None`` = every pair over the network.

    Returns
    -------
    Nearest
        Ties go to the lowest site index.
    """
    matrix = np.asarray(minutes_matrix)
    if matrix.ndim != 2:
        raise CoverageInputError(
            f"`minutes_matrix` must be 2-D (sites x settlements); got an array of shape {matrix.shape}."
        )
    if np.isnan(matrix).any():
        raise CoverageInputError("`minutes_matrix` has NaN values; use inf for an unreachable settlement.")
    n_sites, n_settlements = matrix.shape
    if estimated is not None and np.shape(estimated) != matrix.shape:
        raise CoverageInputError(
            f"`estimated` must have the shape of `minutes_matrix` {matrix.shape}; got {np.shape(estimated)}."
        )
    if n_sites == 0:
        return Nearest(
            np.full(n_settlements, np.inf),
            np.full(n_settlements, NO_SITE_INDEX, dtype=np.int64),
            np.zeros(n_settlements, dtype=bool),
        )
    if reach_minutes is not None:
        reach = np.asarray(reach_minutes, dtype=np.float64)
        if reach.shape != (n_sites,):
            raise CoverageInputError(f"`reach_minutes` needs one value per site ({n_sites}); got shape {reach.shape}.")
        beyond_reach = is_beyond(matrix, np.where(np.isnan(reach), np.inf, reach)[:, None])
        if beyond_reach.any():
            matrix = np.where(beyond_reach, np.inf, matrix)
    site_index = np.argmin(matrix, axis=0).astype(np.int64)
    minutes = matrix[site_index, np.arange(n_settlements)].astype(np.float64)
    chosen_estimated = (
        np.zeros(n_settlements, dtype=bool)
        if estimated is None
        else np.asarray(estimated, dtype=bool)[site_index, np.arange(n_settlements)]
    )
    site_index[np.isinf(minutes)] = NO_SITE_INDEX
    return Nearest(minutes, site_index, chosen_estimated & (site_index != NO_SITE_INDEX))


def reach_minutes_of(services: pd.DataFrame) -> np.ndarray:
    """Per-site own reach in minutes for ``nearest``: a mobile team's ``reach_minutes``, NaN otherwise.

    Parameters
    ----------
    services : DataFrame
        Services frame per ``geo.schema`` (``kind``, ``reach_minutes``), in matrix row order.

    Returns
    -------
    ndarray of float64, shape (n_sites,)
        A mobile team without its own reach (NaN) is limited by the analysis threshold only.
    """
    is_mobile = (services["kind"] == MOBILE_KIND).to_numpy(dtype=bool)
    reach = pd.to_numeric(services["reach_minutes"], errors="coerce").to_numpy(dtype=np.float64)
    return np.where(is_mobile, reach, np.nan)


# --------------------------------------------------------------------------------------------------------
# coverage figures
# --------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Figures:
    """Coverage within one threshold for one area (region or district). Populations in people."""

    population_covered: float
    population_total: float
    settlements_covered: int
    settlements_total: int
    incidents_covered: int
    incidents_total: int
    settlements_unknown_population: int
    settlements_unknown_population_covered: int
    settlements_time_estimated: int = 0
    """Settlements of the area whose minutes are a straight-line estimate (whatever the threshold)."""
    population_time_estimated: float = 0.0
    """People (known or estimated) living in them."""
    settlements_estimated_population: int = 0
    """Settlements whose population counted here is an estimate (:mod:`planning.estimates`)."""
    settlements_estimated_population_covered: int = 0
    """Of ``settlements_estimated_population``, those within the threshold."""
    population_estimated_covered: float = 0.0
    """People of ``population_covered`` who are estimated, not known."""
    population_estimated_total: float = 0.0
    """People of ``population_total`` who are estimated, not known."""

    @property
    def settlements_without_known_population(self) -> int:
        """Settlements whose population is not known: estimated (:mod:`planning.estimates`) or unknown."""
        return self.settlements_unknown_population + self.settlements_estimated_population

    @property
    def estimated_share(self) -> float:
        """Share (0..1) of ``population_total`` that is estimated; NaN when no population is counted."""
        return self.population_estimated_total / self.population_total if self.population_total > 0 else math.nan

    @property
    def population_share(self) -> float:
        """Covered share of the known population, 0..1; NaN when no population is known."""
        return self.population_covered / self.population_total if self.population_total > 0 else math.nan


@dataclass(frozen=True)
class AreaCoverage:
    """Figures per threshold and the population-weighted minutes to the nearest service for one area.

    Attributes
    ----------
    within : dict of str to Figures
        Keyed by ``threshold_key(minutes)``, e.g. ``"30"``.
    median_minutes, p90_minutes : float
        Population-weighted percentiles (see ``weighted_quantile``); ``inf`` = that share of people cannot
        reach any service; ``NaN`` = no settlement with a known positive population.
    """

    within: dict[str, Figures]
    median_minutes: float
    p90_minutes: float


@dataclass(frozen=True, eq=False)
class Coverage:
    """Coverage of a whole region: region totals, per district, and the per-settlement inputs kept for
    ``compare``. Serialise with ``to_dict``."""

    thresholds_minutes: tuple[float, ...]
    region: AreaCoverage
    districts: dict[str, AreaCoverage]
    nearest_minutes: np.ndarray = field(repr=False)
    population: np.ndarray = field(repr=False)
    incidents: np.ndarray = field(repr=False)
    district_ids: np.ndarray = field(repr=False)
    release: IncidentRelease | None = field(default=None, repr=False)
    """The protected release the incident figures are shown from (None without incident data)."""
    estimated: np.ndarray | None = field(default=None, repr=False)
    """Per settlement, True where its minutes are a straight-line estimate (None: not known, taken as none)."""
    estimated_population: np.ndarray | None = field(default=None, repr=False)
    """Settlements whose population is an estimate (:mod:`planning.estimates`); None = none."""

    def without_known_population(self) -> np.ndarray:
        """Boolean mask of the settlements whose population is not known: estimated, or unknown (NaN)."""
        guessed = (
            np.zeros(self.population.shape, dtype=bool)
            if self.estimated_population is None
            else self.estimated_population
        )
        return np.isnan(self.population) | guessed

    def covered(self, threshold_minutes: float) -> np.ndarray:
        """Boolean mask of settlements within ``threshold_minutes`` of a service."""
        return is_within(self.nearest_minutes, threshold_minutes)

    def to_dict(self) -> dict:
        """Plain JSON-ready dict; non-finite minutes become ``None`` (unreachable or undefined)."""
        return {
            "thresholds_minutes": [float(t) for t in self.thresholds_minutes],
            "region": _area_to_dict(self.region),
            "districts": {key: _area_to_dict(area) for key, area in self.districts.items()},
        }


def default_threshold_index(thresholds_minutes: Sequence[float]) -> int:
    """Position of :data:`geo.settings.DEFAULT_GAP_MINUTES` in ``thresholds_minutes`` (the threshold a page's
    choice starts on), else of the nearest one."""
    steps = [float(step) for step in thresholds_minutes]
    return min(range(len(steps)), key=lambda i: abs(steps[i] - DEFAULT_GAP_MINUTES)) if steps else 0


def estimated_sentence(area: AreaCoverage, lang: str) -> str | None:
    """ "Of 940 settlements, 412 (96 000 people) have straight-line estimated times." in ``lang``; None when no
    settlement of ``area`` has an estimated time."""
    figures = next(iter(area.within.values()), None)
    if figures is None or not figures.settlements_time_estimated:
        return None
    return t(
        "coverage.estimated_sentence",
        lang,
        count=figures.settlements_time_estimated,
        people=fmt_number(round(figures.population_time_estimated), lang),
        total=figures.settlements_total,
    )


def threshold_key(threshold_minutes: float) -> str:
    """Key of a threshold in figures and JSON: ``30.0`` -> ``"30"``, ``22.5`` -> ``"22.5"``."""
    value = float(threshold_minutes)
    return str(int(value)) if value.is_integer() else str(value)


def weighted_quantile(minutes: np.ndarray, weights: np.ndarray, quantile: float) -> float:
    """Population-weighted quantile of minutes (inverted weighted CDF, no interpolation).

    The result is the smallest value ``m`` among ``minutes`` such that the settlements with minutes ``<= m``
    hold at least ``quantile`` of the total weight. ``inf`` minutes are ordinary values (unreachable), so the
    result is ``inf`` when more than ``1 - quantile`` of the people cannot reach a service. Settlements with
    unknown (NaN) or zero weight are left out.

    Parameters
    ----------
    minutes : ndarray, shape (n,)
        Minutes to the nearest service.
    weights : ndarray, shape (n,)
        Population, NaN = unknown.
    quantile : float
        In [0, 1]; 0.5 is the weighted median.

    Returns
    -------
    float
        Minutes; NaN when no settlement has a known positive weight.
    """
    if not 0.0 <= quantile <= 1.0:
        raise CoverageInputError(f"`quantile` must be within [0, 1]; got {quantile}.")
    weights = np.asarray(weights, dtype=np.float64)
    usable = np.isfinite(weights) & (weights > 0)
    if not usable.any():
        return math.nan
    values = np.asarray(minutes, dtype=np.float64)[usable]
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[usable][order])
    target = quantile * cumulative[-1] * (1.0 - _QUANTILE_REL_TOL)
    position = min(int(np.searchsorted(cumulative, target, side="left")), len(cumulative) - 1)
    return float(values[order][position])


def coverage(
    nearest_minutes: np.ndarray,
    population: np.ndarray,
    incidents: np.ndarray | None,
    district_ids: Sequence[str | None] | np.ndarray,
    *,
    thresholds: Iterable[float] = DEFAULT_THRESHOLDS_MINUTES,
    release: IncidentRelease | None = None,
    estimated: np.ndarray | None = None,
    estimated_population: np.ndarray | None = None,
) -> Coverage:
    """Population, settlements and incidents within each threshold, region-wide and per district.

    Parameters
    ----------
    nearest_minutes : array_like, shape (n_settlements,)
        Minutes to the nearest service (``Nearest.minutes``); ``inf`` = unreachable, NaN not allowed.
    population : array_like, shape (n_settlements,)
        People per settlement; NaN = unknown (counted in ``settlements_unknown_population``).
    incidents : array_like of int, shape (n_settlements,), or None
        Reported incidents per settlement; ``None`` = no incident data (all zero).
    district_ids : sequence of str or None, shape (n_settlements,)
        District of each settlement; None/NaN/empty are grouped under ``NO_DISTRICT_ID``.
    thresholds : iterable of float
        Thresholds in minutes (default 30 and 60).
    release : IncidentRelease, optional
        The protected release of ``incidents`` (its ``counts``), kept for showing any incident figure.
    estimated : array_like of bool, shape (n_settlements,), optional
        True where a settlement's minutes are a straight-line estimate (``Nearest.estimated``); counted in
        ``Figures.settlements_time_estimated`` and ``population_time_estimated``. None: none is.
    estimated_population : array_like of bool, shape (n_settlements,), optional
        Settlements whose ``population`` is an estimate (:func:`planning.estimates.population_is_estimated`);
        default none.

    Returns
    -------
    Coverage
    """
    minutes = np.asarray(nearest_minutes, dtype=np.float64)
    n = minutes.shape[0] if minutes.ndim == 1 else -1
    if n < 0:
        raise CoverageInputError(f"`nearest_minutes` must be 1-D; got shape {np.shape(nearest_minutes)}.")
    if np.isnan(minutes).any():
        raise CoverageInputError("`nearest_minutes` has NaN values; use inf for an unreachable settlement.")
    people = _aligned_float(population, n, "population")
    if (people < 0).any():
        raise CoverageInputError("`population` has negative values.")
    counts = np.zeros(n, dtype=np.int64) if incidents is None else _aligned_counts(incidents, n)
    timed = _aligned_mask(estimated, n, "estimated")
    guessed = _aligned_mask(estimated_population, n, "estimated_population")
    districts = _district_keys(district_ids, n)
    steps = tuple(sorted({float(t) for t in thresholds}))
    if not steps or any(not math.isfinite(t) or t < 0 for t in steps):
        raise CoverageInputError(f"`thresholds` must be finite non-negative minutes; got {steps}.")

    def area(mask: np.ndarray) -> AreaCoverage:
        return _area_coverage(minutes[mask], people[mask], counts[mask], steps, timed[mask], guessed[mask])

    return Coverage(
        thresholds_minutes=steps,
        region=area(np.ones(n, dtype=bool)),
        districts={key: area(districts == key) for key in sorted(set(districts.tolist()))},
        nearest_minutes=minutes,
        population=people,
        incidents=counts,
        district_ids=districts,
        release=release,
        estimated=timed,
        estimated_population=guessed,
    )


def _aligned_mask(values: np.ndarray | None, n: int, name: str) -> np.ndarray:
    """``values`` as a boolean array of ``n`` (all False when None); else :class:`CoverageInputError` naming it."""
    mask = np.zeros(n, dtype=bool) if values is None else np.asarray(values, dtype=bool)
    if mask.shape != (n,):
        raise CoverageInputError(f"`{name}` must have one value per settlement ({n}); got shape {mask.shape}.")
    return mask


def _area_coverage(
    minutes: np.ndarray,
    people: np.ndarray,
    counts: np.ndarray,
    steps: Iterable[float],
    timed: np.ndarray,
    guessed: np.ndarray,
) -> AreaCoverage:
    unknown = np.isnan(people)
    known_people = np.where(unknown, 0.0, people)  # NaN only where no estimate exists: counted in `unknown`
    guessed_people = np.where(guessed, known_people, 0.0)
    within = {}
    for step in steps:
        covered = is_within(minutes, step)
        within[threshold_key(step)] = Figures(
            population_covered=float(known_people[covered].sum()),
            population_total=float(known_people.sum()),
            settlements_covered=int(covered.sum()),
            settlements_total=int(minutes.size),
            incidents_covered=int(counts[covered].sum()),
            incidents_total=int(counts.sum()),
            settlements_unknown_population=int(unknown.sum()),
            settlements_unknown_population_covered=int((unknown & covered).sum()),
            settlements_time_estimated=int(timed.sum()),
            population_time_estimated=float(known_people[timed].sum()),
            settlements_estimated_population=int(guessed.sum()),
            settlements_estimated_population_covered=int((guessed & covered).sum()),
            population_estimated_covered=float(guessed_people[covered].sum()),
            population_estimated_total=float(guessed_people.sum()),
        )
    return AreaCoverage(
        within=within,
        median_minutes=weighted_quantile(minutes, people, MEDIAN_QUANTILE),
        p90_minutes=weighted_quantile(minutes, people, P90_QUANTILE),
    )


def _area_to_dict(area: AreaCoverage) -> dict:
    return {
        "within": {key: asdict(figures) for key, figures in area.within.items()},
        "median_minutes": _finite_or_none(area.median_minutes),
        "p90_minutes": _finite_or_none(area.p90_minutes),
    }


def _finite_or_none(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _aligned_float(values: npt.ArrayLike, n: int, name: str) -> np.ndarray:
    series = pd.to_numeric(pd.Series(np.asarray(values, dtype=object).ravel()), errors="coerce")
    array = series.to_numpy(dtype=np.float64, na_value=np.nan).reshape(np.shape(values))
    if array.shape != (n,):
        raise CoverageInputError(f"`{name}` needs one value per settlement ({n}); got shape {array.shape}.")
    return array


def _aligned_counts(values: npt.ArrayLike, n: int) -> np.ndarray:
    array = np.asarray(values)
    if array.shape != (n,):
        raise CoverageInputError(f"`incidents` needs one count per settlement ({n}); got shape {array.shape}.")
    as_float = array.astype(np.float64)
    if np.isnan(as_float).any() or (as_float < 0).any() or (as_float != np.round(as_float)).any():
        raise CoverageInputError("`incidents` must be non-negative whole counts (0 where none).")
    return as_float.astype(np.int64)


def _district_keys(district_ids: Iterable[object], n: int) -> np.ndarray:
    keys = np.array([NO_DISTRICT_ID if _is_missing(d) else str(d) for d in list(district_ids)], dtype=object)
    if keys.shape != (n,):
        raise CoverageInputError(f"`district_ids` needs one value per settlement ({n}); got {keys.shape[0]}.")
    return keys


def _is_missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)) or value == ""


# --------------------------------------------------------------------------------------------------------
# gaps
# --------------------------------------------------------------------------------------------------------
GAP_COLUMNS = [
    "settlement_id",
    "name",
    "district_id",
    "minutes",
    "nearest_service_id",
    "population",
    "incidents",
]


def gaps(
    settlements: pd.DataFrame,
    nearest_minutes: np.ndarray,
    nearest_service_ids: Sequence[str | None],
    release: IncidentRelease | None,
    *,
    threshold_minutes: float,
) -> pd.DataFrame:
    """Settlements farther than ``threshold_minutes`` from any service, most pressing first.

    Parameters
    ----------
    settlements : DataFrame
        Settlements per ``geo.schema`` (``settlement_id``, ``name``, ``district_id``, ``population``).
    nearest_minutes : array_like, shape (n_settlements,)
        Minutes to the nearest service; ``inf`` = unreachable.
    nearest_service_ids : sequence, shape (n_settlements,)
        ``service_id`` of that service, None where none is reachable.
    release : IncidentRelease or None
        The protected release of the incidents (aligned with ``settlements``); None: no incident data ("0").
    threshold_minutes : float
        A settlement is a gap when its minutes exceed this.

    Returns
    -------
    DataFrame
        Columns ``GAP_COLUMNS``, one row per uncovered settlement, ranked by population (unknown last), then
        by incidents, then by minutes (farthest first), then name. ``incidents`` are strings already
        each settlement's released cell (``"<5"`` when hidden); the ranking uses the released values only (hidden
        ones rank as equal), so the order reveals nothing the cells do not.
    """
    n = len(settlements)
    minutes = np.asarray(nearest_minutes, dtype=np.float64)
    if minutes.shape != (n,) or len(nearest_service_ids) != n:
        raise CoverageInputError(
            f"`nearest_minutes` and `nearest_service_ids` need one value per settlement ({n}); "
            f"got {minutes.shape[0] if minutes.ndim else 0} and {len(nearest_service_ids)}."
        )
    if release is not None and len(release) != n:
        raise CoverageInputError(f"`release` needs one settlement per row of `settlements` ({n}); got {len(release)}.")
    texts = np.full(n, "0", dtype=object) if release is None else release.settlement_texts()
    values = np.zeros(n) if release is None else release.settlement_values()
    ranked_counts = np.where(np.isnan(values), 1.0, values)  # hidden cells share one rank, below any shown one
    people = _aligned_float(settlements["population"].to_numpy(), n, "population")
    uncovered = np.flatnonzero(is_beyond(minutes, threshold_minutes))
    table = pd.DataFrame(
        {
            "settlement_id": settlements["settlement_id"].to_numpy()[uncovered],
            "name": settlements["name"].to_numpy()[uncovered],
            "district_id": settlements["district_id"].to_numpy()[uncovered],
            "minutes": minutes[uncovered],
            "nearest_service_id": np.asarray(list(nearest_service_ids), dtype=object)[uncovered],
            "population": people[uncovered],
            "_rank_incidents": ranked_counts[uncovered],
            "incidents": texts[uncovered],
        }
    )
    table = table.sort_values(
        ["population", "_rank_incidents", "minutes", "name"],
        ascending=[False, False, False, True],
        na_position="last",
        kind="stable",
    )
    return table[GAP_COLUMNS].reset_index(drop=True)


def hex_gaps(
    settlements: gpd.GeoDataFrame,
    nearest_minutes: np.ndarray,
    population: np.ndarray,
    *,
    threshold_minutes: float,
    resolution: int = DEFAULT_HEX_RESOLUTION,
    estimated: np.ndarray | None = None,
) -> gpd.GeoDataFrame:
    """Unserved population on an H3 hexagon grid, for a gap layer that reads at a glance.

    Parameters
    ----------
    settlements : GeoDataFrame
        Settlement points in EPSG:4326 (any CRS is converted).
    nearest_minutes : array_like, shape (n_settlements,)
        Minutes to the nearest service; settlements above ``threshold_minutes`` are unserved.
    population : array_like, shape (n_settlements,)
        People per settlement, known or estimated; NaN = unknown (adds no people).
    threshold_minutes : float
    resolution : int
        H3 resolution (0..15).
    estimated : array_like of bool, shape (n_settlements,), optional
        Settlements whose population is an estimate (:attr:`Coverage.estimated_population`); they count, with the
        NaN ones, in
        ``settlements_unknown_population`` (settlements without a known population).

    Returns
    -------
    GeoDataFrame
        Columns ``h3_cell``, ``unserved_population`` (people), ``settlements_unserved``,
        ``settlements_unknown_population``, geometry (hexagon, EPSG:4326); only cells with an unserved
        settlement, largest unserved population first.
    """
    n = len(settlements)
    minutes = np.asarray(nearest_minutes, dtype=np.float64)
    if minutes.shape != (n,):
        raise CoverageInputError(f"`nearest_minutes` needs one value per settlement ({n}); got {minutes.shape}.")
    people = _aligned_float(population, n, "population")
    not_known = np.isnan(people) | (np.zeros(n, dtype=bool) if estimated is None else np.asarray(estimated, dtype=bool))
    points = settlements.geometry.to_crs(STORAGE_CRS) if settlements.crs else settlements.geometry
    unserved = np.flatnonzero(is_beyond(minutes, threshold_minutes))
    cells = [h3.latlng_to_cell(points.iloc[i].y, points.iloc[i].x, resolution) for i in unserved]
    per_cell = (
        pd.DataFrame(
            {
                "h3_cell": pd.Series(cells, dtype=object),
                "unserved_population": np.nan_to_num(people[unserved], nan=0.0),  # NaN: nothing to estimate from
                "settlements_unserved": 1,
                "settlements_unknown_population": not_known[unserved].astype(np.int64),
            }
        )
        .groupby("h3_cell", sort=True, as_index=False)
        .sum()
        .sort_values(["unserved_population", "h3_cell"], ascending=[False, True], kind="stable")
        .reset_index(drop=True)
    )
    geometry = [Polygon([(lng, lat) for lat, lng in h3.cell_to_boundary(c)]) for c in per_cell["h3_cell"]]
    return gpd.GeoDataFrame(per_cell, geometry=geometry, crs=STORAGE_CRS)


# --------------------------------------------------------------------------------------------------------
# comparing two scenarios
# --------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FigureChange:
    """One figure in scenario A and B; ``difference`` is B minus A."""

    a: float
    b: float
    difference: float


@dataclass(frozen=True)
class SettlementChange:
    """A settlement that gains or loses coverage within a threshold (``index`` = row in the settlements)."""

    index: int
    change: str  # "gained" | "lost"
    minutes_a: float
    minutes_b: float
    population: float
    incidents: str
    """The settlement's released cell (``"<5"`` when hidden)."""


@dataclass(frozen=True)
class ThresholdComparison:
    """Key figures with differences and the settlements that change, within one threshold."""

    threshold_minutes: float
    figures: dict[str, FigureChange]
    population_share_pp: FigureChange
    """Covered share of the known population, in percentage points."""
    districts: dict[str, dict[str, FigureChange]]
    changes: tuple[SettlementChange, ...]

    @property
    def gained(self) -> tuple[SettlementChange, ...]:
        return tuple(c for c in self.changes if c.change == "gained")

    @property
    def lost(self) -> tuple[SettlementChange, ...]:
        return tuple(c for c in self.changes if c.change == "lost")


@dataclass(frozen=True)
class Comparison:
    """Scenario B against scenario A, per threshold (keyed by ``threshold_key``)."""

    within: dict[str, ThresholdComparison]
    median_minutes: FigureChange
    p90_minutes: FigureChange

    def to_dict(self) -> dict:
        """Plain JSON-ready dict; non-finite minutes become ``None``."""
        return {field_name: _jsonable(value) for field_name, value in asdict(self).items()}


def compare(cov_a: Coverage, cov_b: Coverage) -> Comparison:
    """Compare two coverages of the same settlements (scenario A, then B).

    Parameters
    ----------
    cov_a, cov_b : Coverage
        From ``coverage`` on the same settlements, population, incidents and thresholds; a changed settlement's
        incidents come out as its released cell (``cov_a.release``).

    Returns
    -------
    Comparison
        Differences are B minus A. ``changes`` lists settlements that gain or lose coverage, ranked by
        population (unknown last) then row.
    """
    if cov_a.thresholds_minutes != cov_b.thresholds_minutes:
        raise CoverageInputError(
            f"Both coverages need the same thresholds; got {cov_a.thresholds_minutes} and {cov_b.thresholds_minutes}."
        )
    if cov_a.nearest_minutes.shape != cov_b.nearest_minutes.shape or not (
        np.array_equal(cov_a.population, cov_b.population, equal_nan=True)
        and np.array_equal(cov_a.district_ids, cov_b.district_ids)
    ):
        raise CoverageInputError("Both coverages must be computed on the same settlements.")
    within = {}
    for step in cov_a.thresholds_minutes:
        key = threshold_key(step)
        fig_a, fig_b = cov_a.region.within[key], cov_b.region.within[key]
        within[key] = ThresholdComparison(
            threshold_minutes=step,
            figures=_figure_changes(fig_a, fig_b),
            population_share_pp=_change(_share_pp(fig_a), _share_pp(fig_b)),
            districts={
                district: _figure_changes(cov_a.districts[district].within[key], area.within[key])
                for district, area in cov_b.districts.items()
            },
            changes=_settlement_changes(cov_a, cov_b, step),
        )
    return Comparison(
        within=within,
        median_minutes=_change(cov_a.region.median_minutes, cov_b.region.median_minutes),
        p90_minutes=_change(cov_a.region.p90_minutes, cov_b.region.p90_minutes),
    )


def changed_settlements(settlements: pd.DataFrame, comparison: Comparison, *, threshold_minutes: float) -> pd.DataFrame:
    """The settlements that gain or lose coverage within a threshold, as a table with names.

    Returns
    -------
    DataFrame
        ``settlement_id``, ``name``, ``district_id``, ``change``, ``minutes_a``, ``minutes_b``,
        ``population``, ``incidents`` (released cells), in ``compare``'s order.
    """
    changes = comparison.within[threshold_key(threshold_minutes)].changes
    rows = [c.index for c in changes]
    return pd.DataFrame(
        {
            "settlement_id": settlements["settlement_id"].to_numpy()[rows],
            "name": settlements["name"].to_numpy()[rows],
            "district_id": settlements["district_id"].to_numpy()[rows],
            "change": [c.change for c in changes],
            "minutes_a": [c.minutes_a for c in changes],
            "minutes_b": [c.minutes_b for c in changes],
            "population": [c.population for c in changes],
            "incidents": [c.incidents for c in changes],
        }
    )


SUMMARY_TEMPLATES: dict[str, str | tuple[str, str]] = {
    "people_more": (
        "{name_b} covers {count} more person ({pp} pp) within {minutes} minutes",
        "{name_b} covers {count} more people ({pp} pp) within {minutes} minutes",
    ),
    "people_fewer": (
        "{name_b} covers {count} fewer person ({pp} pp) within {minutes} minutes",
        "{name_b} covers {count} fewer people ({pp} pp) within {minutes} minutes",
    ),
    "people_same": "{name_b} covers as many people as {name_a} within {minutes} minutes",
    "villages_more": ("{count} more village", "{count} more villages"),
    "villages_fewer": ("{count} fewer village", "{count} fewer villages"),
    "villages_same": "the same number of villages",
    "nobody_loses": "nobody loses coverage",
    "some_lose": (
        "{count} village with {people} people loses coverage",
        "{count} villages with {people} people lose coverage",
    ),
    "population_unknown": " (population unknown in {count})",
    "sentence": "{people_clause}, {villages_clause}; {loss_clause}.",
}
"""Every phrase of ``summary_sentence`` in English; a pair is (one, other) for a phrase that depends on
``{count}``. Translations come as a ``message`` callable (``planning.render.report.summary_message``)."""


def english_summary_message(name: str, count: int | None = None, **values) -> str:
    """The phrase ``name`` of :data:`SUMMARY_TEMPLATES` with ``values`` (and ``count``, which also picks the
    English singular or plural) filled in; the default ``message`` of :func:`summary_sentence`."""
    template = SUMMARY_TEMPLATES[name]
    if isinstance(template, tuple):
        template = template[0 if count == 1 else 1]
    if count is not None:
        values["count"] = _english_number(count)
    return template.format(**values)


def summary_sentence(
    comparison: Comparison,
    *,
    threshold_minutes: float | None = None,
    name_a: str = "Scenario A",
    name_b: str = "Scenario B",
    message: Callable[..., str] = english_summary_message,
    number: Callable[..., str] | None = None,
) -> str:
    """One sentence a project lead can read aloud: what scenario B buys over A within a threshold.

    Example: "Scenario B covers 12,300 more people (+4.1 pp) within 30 minutes, 9 more villages; nobody
    loses coverage."

    Parameters
    ----------
    comparison : Comparison
    threshold_minutes : float, optional
        Defaults to the smallest threshold compared.
    name_a, name_b : str
        Scenario names as shown to the reader.
    message : callable
        ``message(name, count=None, **values) -> str``: the phrase ``name`` of :data:`SUMMARY_TEMPLATES` in the
        reader's language, its plural form chosen by ``count`` (an int, formatted by ``message``); the other
        values come formatted. English by default.
    number : callable, optional
        ``number(value, decimals=0) -> str`` in the reader's conventions (e.g. ``planning.i18n.fmt_number`` with a
        language); English digit grouping by default.
    """
    number = number or _english_number
    key = threshold_key(threshold_minutes) if threshold_minutes is not None else next(iter(comparison.within))
    result = comparison.within[key]
    people_diff = result.figures["population_covered"].difference
    settlements_diff = int(result.figures["settlements_covered"].difference)
    people_name = _direction_key("people", people_diff)
    people_values = dict(
        name_a=name_a, name_b=name_b, minutes=key, pp=_signed_pp(result.population_share_pp.difference, number)
    )
    people_clause = (
        message(people_name, count=round(abs(people_diff)), **people_values)
        if people_diff
        else message(people_name, **people_values)
    )
    villages_name = _direction_key("villages", settlements_diff)
    villages_clause = (
        message(villages_name, count=abs(settlements_diff)) if settlements_diff else message(villages_name)
    )
    loss_clause = _loss_clause(result.lost, message, number)
    return message("sentence", people_clause=people_clause, villages_clause=villages_clause, loss_clause=loss_clause)


def _loss_clause(lost: Sequence[SettlementChange], message: Callable[..., str], number: Callable[..., str]) -> str:
    if not lost:
        return message("nobody_loses")
    known = [c.population for c in lost if math.isfinite(c.population)]
    clause = message("some_lose", count=len(lost), people=number(round(sum(known))))
    unknown = len(lost) - len(known)
    return clause + (message("population_unknown", count=unknown) if unknown else "")


def _direction_key(prefix: str, difference: float) -> str:
    return f"{prefix}_{'more' if difference > 0 else 'fewer' if difference < 0 else 'same'}"


def _english_number(value: float, decimals: int = 0) -> str:
    return f"{value:,.{decimals}f}"


def _signed_pp(value: float, number: Callable[..., str]) -> str:
    return "—" if not math.isfinite(value) else ("-" if value < 0 else "+") + number(abs(value), decimals=1)


def _change(a: float, b: float) -> FigureChange:
    with np.errstate(invalid="ignore"):
        difference = float(np.float64(b) - np.float64(a))
    return FigureChange(a=float(a), b=float(b), difference=difference)


def _share_pp(figures: Figures) -> float:
    return 100.0 * figures.population_share


def _figure_changes(fig_a: Figures, fig_b: Figures) -> dict[str, FigureChange]:
    a, b = asdict(fig_a), asdict(fig_b)
    return {name: _change(a[name], b[name]) for name in a}


def _settlement_changes(cov_a: Coverage, cov_b: Coverage, step: float) -> tuple[SettlementChange, ...]:
    covered_a, covered_b = cov_a.covered(step), cov_b.covered(step)
    if cov_a.release is None and cov_a.incidents.any():
        raise CoverageInputError(
            "incident figures are shown only from a protected release: compute the coverages "
            "with `release=` (planning.analysis.evaluate does)."
        )
    texts = cov_a.release.settlement_texts() if cov_a.release is not None else None
    changed = np.flatnonzero(covered_a != covered_b)
    order = sorted(changed, key=lambda i: (-np.nan_to_num(cov_a.population[i], nan=-1.0), i))
    return tuple(
        SettlementChange(
            index=int(i),
            change="gained" if covered_b[i] else "lost",
            minutes_a=float(cov_a.nearest_minutes[i]),
            minutes_b=float(cov_b.nearest_minutes[i]),
            population=float(cov_a.population[i]),
            incidents="0" if texts is None else str(texts[i]),
        )
        for i in order
    )


def _jsonable(value: object) -> object:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, float):
        return _finite_or_none(value)
    return value
