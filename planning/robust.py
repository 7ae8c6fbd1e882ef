"""Robust suggestions: which sites stay good when the assumptions move.

The suggestion for the central values (road speeds as profiled, estimated populations at their medians, the rate at
its central value) can hinge on one of them. Here maximal coverage (MCLP, greedy) is solved once per draw of the
assumptions (:mod:`planning.ranges`: a speed factor divides every travel time, the demand of the draw), and:

- each candidate site gets the **number of draws** that choose it ("chosen in 184 of 200 draws");
- every distinct choice (the central one and each draw's) is scored by its **expected covered demand**: the demand
  within T of a service (existing or chosen), averaged over all the draws; the **robust choice** is the best of them.

A choice is scored over the same draws that produced the candidates: a plain and reproducible rule (seeded), and the
central choice is always among the candidates, so the robust choice is never worse than it on average over the draws.

With demand = incidents the models weigh the protected release's values (never raw counts), as
:mod:`planning.suggest` does; the covered incident demand is then not given as a number (``None``): only the counts of
draws and the choices are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Unpack

import numpy as np
import pandas as pd

from geo.settings import STORAGE_CRS
from planning.coverage import is_within
from planning.need import NeedRate, demand_of
from planning.ranges import DEFAULT_ASSUMPTIONS, Assumptions, Draws, draw
from planning.release import IncidentRelease
from planning.siting import SitingError, SitingOptions, maximal_coverage

if TYPE_CHECKING:
    import geopandas as gpd

    from geo.region import Region
    from planning.analysis import SiteMinutes

_TIE_TOLERANCE = 1e-9
"""Relative: a choice must beat the central one's expected covered demand by more than this to replace it."""


@dataclass(frozen=True, eq=False)
class RobustChoice:
    """Maximal coverage across the draws.

    Attributes
    ----------
    counts : ndarray of int, shape (n_candidates,)
        Draws in which each candidate is chosen.
    central : tuple of int
        Candidate rows chosen at the central values, in the order picked.
    best : tuple of int
        Candidate rows of the choice with the most expected covered demand over the draws (sorted by how often
        each is chosen, then row).
    central_covered, best_covered : ndarray, shape (n_draws,)
        Demand within T of a service in each draw, for the central and for the robust choice.
    n_draws : int
    """

    counts: np.ndarray
    central: tuple[int, ...]
    best: tuple[int, ...]
    central_covered: np.ndarray
    best_covered: np.ndarray
    n_draws: int


def covered_demand(
    candidate_minutes: np.ndarray,
    fixed_minutes: np.ndarray,
    chosen: tuple[int, ...],
    draws: Draws,
    *,
    threshold_minutes: float,
) -> np.ndarray:
    """Demand within ``threshold_minutes`` of a fixed or chosen site in each draw, shape (n_draws,).

    A settlement is covered in a draw when its nearest site's minutes at the profile's speeds are at most
    ``threshold_minutes × speed_factor`` (speeds times f divide the minutes by f)."""
    rows = [np.asarray(fixed_minutes, dtype=np.float64), np.asarray(candidate_minutes, dtype=np.float64)[list(chosen)]]
    stacked = np.vstack([r for r in rows if r.size]) if any(r.size for r in rows) else None
    n = draws.demand.shape[1]
    nearest = np.full(n, np.inf) if stacked is None or not len(stacked) else stacked.min(axis=0)
    covered = is_within(nearest[None, :], threshold_minutes * draws.speed_factor[:, None])
    return (draws.demand * covered).sum(axis=1)


def robust_maximal_coverage(
    candidate_minutes: np.ndarray,
    central_demand: np.ndarray,
    draws: Draws,
    *,
    add: int,
    threshold_minutes: float,
    **options: Unpack[SitingOptions],
) -> RobustChoice:
    """Greedy maximal coverage at the central values and in every draw; the counts and the robust choice.

    Parameters
    ----------
    candidate_minutes : ndarray, shape (n_candidates, n_settlements)
        Minutes at the profile's speeds (``inf`` = unreachable).
    central_demand : ndarray, shape (n_settlements,)
        Demand at the central values.
    draws : Draws
        From :func:`planning.ranges.draw`.
    add : int
        Sites to add (K).
    threshold_minutes : float
        T, minutes.
    **options
        As :func:`planning.siting.maximal_coverage` (``fixed_minutes``, the district options); ``method`` is
        greedy.
    """
    minutes = np.asarray(candidate_minutes, dtype=np.float64)
    fixed = options.get("fixed_minutes")
    fixed_minutes = np.zeros((0, minutes.shape[1])) if fixed is None else np.asarray(fixed, dtype=np.float64)
    options = {**options, "method": "greedy"}
    central = tuple(
        maximal_coverage(minutes, central_demand, add=add, threshold_minutes=threshold_minutes, **options).chosen
    )
    counts = np.zeros(len(minutes), dtype=np.int64)
    choices: dict[frozenset[int], tuple[int, ...]] = {frozenset(central): tuple(central)}
    for factor, demand in zip(draws.speed_factor, draws.demand):
        drawn = {**options, "fixed_minutes": fixed_minutes / factor}
        result = maximal_coverage(minutes / factor, demand, add=add, threshold_minutes=threshold_minutes, **drawn)
        chosen = result.chosen
        counts[list(chosen)] += 1
        choices.setdefault(frozenset(chosen), tuple(chosen))
    scored = [
        (float(covered_demand(minutes, fixed_minutes, chosen, draws, threshold_minutes=threshold_minutes).mean()), key)
        for key, chosen in choices.items()
    ]
    central_score = scored[0][0]
    best_score, best_key = max(scored, key=lambda item: item[0])  # the first of equals: the central one
    better = best_score > central_score + _TIE_TOLERANCE * abs(central_score)
    best = tuple(sorted(best_key, key=lambda row: (-counts[row], row))) if better else tuple(central)
    return RobustChoice(
        counts=counts,
        central=tuple(central),
        best=tuple(best),
        central_covered=covered_demand(minutes, fixed_minutes, central, draws, threshold_minutes=threshold_minutes),
        best_covered=covered_demand(minutes, fixed_minutes, best, draws, threshold_minutes=threshold_minutes),
        n_draws=len(draws.speed_factor),
    )


# --------------------------------------------------------------------------------------------------------------
# adapter: a region, its scenario and candidates
# --------------------------------------------------------------------------------------------------------------
ROBUST_COLUMNS = ["settlement_id", "name", "district_id", "lat", "lon", "draws_chosen", "central", "robust"]
"""Columns of :attr:`RobustSuggestion.table`."""


@dataclass(frozen=True, eq=False)
class RobustSuggestion:
    """The robust choice for a region, as tables and ids.

    Attributes
    ----------
    choice : RobustChoice
        The core's answer (candidate rows).
    table : DataFrame
        :data:`ROBUST_COLUMNS`, one row per candidate chosen in the central choice, the robust choice or any
        draw; most often chosen first. ``draws_chosen`` of ``n_draws``.
    basis : str
        The demand basis (:data:`planning.need.DEMAND_BASES`).
    central_mean, robust_mean : float or None
        Expected demand within T over the draws (basis units); None with demand = incidents (incident-derived).
    """

    choice: RobustChoice
    table: pd.DataFrame
    basis: str
    central_mean: float | None
    robust_mean: float | None


def robust_suggest(
    region: Region,
    services: gpd.GeoDataFrame,
    site_minutes: SiteMinutes,
    candidates: gpd.GeoDataFrame,
    *,
    add: int,
    threshold_minutes: float,
    basis: str = "people",
    rate: NeedRate | None = None,
    incidents: IncidentRelease | None = None,
    assumptions: Assumptions = DEFAULT_ASSUMPTIONS,
    every_district: bool = False,
) -> RobustSuggestion:
    """:func:`robust_maximal_coverage` for a region: the scenario's sites fixed, the candidates of
    :func:`planning.suggest.candidate_sites`, demand on ``basis`` (people known or estimated, expected need, or the
    protected incidents), draws of ``assumptions``."""
    from planning.suggest import _district_index, _fixed_minutes, _service_districts

    if len(candidates) == 0:
        raise SitingError("there are no candidate sites; lower the population limit or upload a list of sites.")
    settlements = region.settlements
    protected = None if incidents is None else incidents.protected.astype(float)
    central = demand_of(settlements, basis, rate=rate, incidents=protected)
    draws = draw(settlements, basis, assumptions=assumptions, rate=rate, incidents=incidents)
    candidate_minutes = np.asarray(site_minutes.rows(candidates), dtype=np.float64)
    options: SitingOptions = {"fixed_minutes": _fixed_minutes(services, site_minutes)}
    district_ids = [str(d) for d in region.districts["district_id"]]
    if every_district and district_ids:
        options.update(
            {
                "district_of_site": _district_index(candidates["district_id"], district_ids),
                "district_of_fixed": _district_index(_service_districts(region, services), district_ids),
                "require_districts": range(len(district_ids)),
            }
        )
    choice = robust_maximal_coverage(
        candidate_minutes, central, draws, add=add, threshold_minutes=threshold_minutes, **options
    )
    rows = sorted(
        set(np.flatnonzero(choice.counts)) | set(choice.central) | set(choice.best),
        key=lambda row: (-choice.counts[row], row),
    )
    points = candidates.geometry.to_crs(STORAGE_CRS)
    table = pd.DataFrame(
        [
            {
                "settlement_id": str(candidates["settlement_id"].iloc[row]),
                "name": str(candidates["name"].iloc[row]),
                "district_id": None
                if pd.isna(candidates["district_id"].iloc[row])
                else str(candidates["district_id"].iloc[row]),
                "lat": float(points.iloc[row].y),
                "lon": float(points.iloc[row].x),
                "draws_chosen": int(choice.counts[row]),
                "central": row in choice.central,
                "robust": row in choice.best,
            }
            for row in rows
        ],
        columns=ROBUST_COLUMNS,
    )
    shown = basis != "incidents"
    return RobustSuggestion(
        choice=choice,
        table=table,
        basis=basis,
        central_mean=float(choice.central_covered.mean()) if shown else None,
        robust_mean=float(choice.best_covered.mean()) if shown else None,
    )
