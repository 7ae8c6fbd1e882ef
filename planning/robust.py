"""Robust suggestions: which sites stay good when the assumptions move.

The suggestion for the central values (road speeds as profiled, estimated populations at their medians, the rate at
its central value) can hinge on one of them. Here maximal coverage (MCLP, :data:`MODEL`) is solved once per draw of
the assumptions (:func:`planning.ranges.draw`), and the choices are compared across the draws. The pages and the
command line offer it for the models whose :attr:`planning.siting.SitingModel.robust` is true: that one model.

The model, stated once
----------------------
- **Covered in a draw.** A draw multiplies every road speed by one factor ``f`` and gives each settlement its demand
  of that draw. A settlement is covered in the draw when a service (existing or chosen) is within
  ``threshold_minutes × f`` of it at the profile's minutes, ``is_within(minutes, T × f)``: the rule
  :func:`planning.ranges.headline` counts the ranges with (speeds times f divide the minutes by f).
- **Each draw's choice.** The greedy of :func:`planning.siting.maximal_coverage` in every draw: the same gains (the
  draw's demand newly covered), the same tie-break (the first candidate row), the same stop (a gain at or below
  the tolerance adds nothing) and the same district rule. :func:`robust_maximal_coverage` runs it for all the draws
  at once (see *Speed*); a test checks it against ``maximal_coverage`` draw by draw. (Exactly equal gains,
  e.g. two villages that cover the same settlements, go to the first row here; ``maximal_coverage``'s dense sums
  may order them the other way by rounding. ``bench/bench_ranges.py`` counts the draws where the two differ.)
- **Counts.** Each candidate gets the number of draws whose choice holds it ("chosen in 184 of 200 draws").
- **Expected covered demand** of a choice: the demand covered in each draw, averaged over the draws.
- **The robust choice** is, among the *compared choices*, the one with the most expected covered demand (the
  central one when nothing beats it). The compared choices are: the central choice (the greedy at the central
  values, or the choice the caller already solved, e.g. exactly), every draw's choice, and the **pooled greedy**,
  which adds each time the site that raises the expected covered demand over all the draws most (a greedy on the
  average of the draws, itself a coverage objective, so the (1 - 1/e) guarantee of greedy coverage holds for it).
  This is the best of those choices, not a proof that no other set of K sites does better on average: that would be
  an integer programme over every draw's settlements, minutes where this takes a second.

A choice is scored over the same draws that produced the candidates: a plain and reproducible rule (seeded), and the
central choice is always among the compared ones, so the robust choice is never worse than it on average over the
draws. ``bench/bench_ranges.py --robust`` also scores both on fresh draws (another seed).

Speed
-----
The coverage matrix is not recomputed per draw: a pair (candidate, settlement) is kept once, with its minutes, when
the candidate can cover the settlement in some draw (minutes ≤ T × the largest factor) *and* reaches it faster than
every existing site (else the existing sites cover the settlement whenever the candidate would, so the pair never
adds anything: a sound bound, it changes no gain). A draw then only compares the pairs' minutes with its own
``T × f``, and the greedy step of every draw is one sparse product (candidates × pairs) with a (pairs × draws) block.

With demand = incidents the models weigh the protected release's values (never raw counts), as
:mod:`planning.suggest` does; the covered incident demand is then not given as a number (``None``): only the counts of
draws and the choices are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Unpack

import numpy as np
import pandas as pd
from scipy import sparse

from geo.settings import STORAGE_CRS
from planning.coverage import is_within
from planning.need import NeedRate, demand_of
from planning.ranges import DEFAULT_ASSUMPTIONS, Assumptions, Draws, draw
from planning.release import IncidentRelease
from planning.siting import _GAIN_TOLERANCE, MCLP, SitingError, SitingModel, SitingOptions, _districts

if TYPE_CHECKING:
    import geopandas as gpd

    from geo.region import Region
    from planning.analysis import SiteMinutes
    from planning.suggest import Pick

MODEL: SitingModel = MCLP
"""The model whose choice this module makes across the draws (its :attr:`~planning.siting.SitingModel.robust` is
true; a test checks it is the only such model of :data:`planning.siting.MODELS`)."""

_TIE_TOLERANCE = 1e-9
"""Relative: a choice must beat the central one's expected covered demand by more than this to replace it."""

BLOCK_CELLS = 2_000_000
"""Draws are solved in blocks of at most this many (draw, pair) cells (8 bytes each: 16 MB a block)."""

KEEP_CELLS = 8_000_000
"""Up to this many (draw, pair) cells (9 bytes each: 72 MB) the blocks are computed once for the draws' greedy and the
pooled one; beyond, the pooled greedy computes them again at each step (slower, in bounded memory)."""

Progress = Callable[[float], None]
"""Called with the share done (0..1) as the draws are solved; a page shows it as a progress bar."""


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
    pooled : tuple of int
        Candidate rows of the pooled greedy (most expected covered demand added at each step), in the order picked.
    central_covered, best_covered : ndarray, shape (n_draws,)
        Demand within T of a service in each draw, for the central and for the robust choice.
    n_draws : int
    n_compared : int
        Distinct choices compared (the central one, the draws' and the pooled greedy's).
    draw_choices : ndarray of int, shape (n_draws, K)
        Each draw's choice in the order picked; -1 where a draw stopped early (nothing more to cover).
    """

    counts: np.ndarray
    central: tuple[int, ...]
    best: tuple[int, ...]
    pooled: tuple[int, ...]
    central_covered: np.ndarray
    best_covered: np.ndarray
    n_draws: int
    n_compared: int
    draw_choices: np.ndarray


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
    nearest = _nearest(np.asarray(fixed_minutes, dtype=np.float64), draws.demand.shape[1])
    if chosen:
        nearest = np.minimum(nearest, np.asarray(candidate_minutes, dtype=np.float64)[list(chosen)].min(axis=0))
    covered = is_within(nearest[None, :], threshold_minutes * draws.speed_factor[:, None])
    return (draws.demand * covered).sum(axis=1)


@dataclass(frozen=True, eq=False)
class _Pairs:
    """The (candidate, settlement) pairs that can add coverage in some draw, grouped by candidate (CSR order).

    ``incidence`` is the (n_candidates, n_pairs) 0/1 matrix: ``incidence @ values`` sums each candidate's pairs."""

    site: np.ndarray  # (n_pairs,) candidate row
    settlement: np.ndarray  # (n_pairs,) settlement column
    minutes: np.ndarray  # (n_pairs,) minutes at the profile's speeds
    start: np.ndarray  # (n_candidates + 1,) the pairs of candidate j are start[j]:start[j + 1]
    incidence: sparse.csr_matrix


def _nearest(fixed_minutes: np.ndarray, n_settlements: int) -> np.ndarray:
    if fixed_minutes.size == 0:
        return np.full(n_settlements, np.inf)
    return fixed_minutes.min(axis=0)


def _pairs(minutes: np.ndarray, fixed_nearest: np.ndarray, reach_minutes: float) -> _Pairs:
    """Pairs within ``reach_minutes`` (T × the largest factor) that the candidate reaches sooner than every
    existing site (the others never add coverage: the existing sites cover the settlement whenever they would)."""
    useful = is_within(minutes, reach_minutes) & (minutes < fixed_nearest[None, :])
    site, settlement = np.nonzero(useful)  # row-major: grouped by candidate, settlements ascending
    n_candidates, n_pairs = minutes.shape[0], site.size
    start = np.searchsorted(site, np.arange(n_candidates + 1))
    incidence = sparse.csr_matrix((np.ones(n_pairs), np.arange(n_pairs), start), shape=(n_candidates, n_pairs))
    return _Pairs(site, settlement, minutes[site, settlement], start, incidence)


def robust_maximal_coverage(
    candidate_minutes: np.ndarray,
    central_demand: np.ndarray,
    draws: Draws,
    *,
    add: int,
    threshold_minutes: float,
    central: tuple[int, ...] | None = None,
    progress: Progress | None = None,
    **options: Unpack[SitingOptions],
) -> RobustChoice:
    """Greedy maximal coverage at the central values and in every draw; the counts and the robust choice.

    See the module text for the model (coverage in a draw, the compared choices, the robust choice).

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
    central : tuple of int, optional
        The central choice when the caller has it already (the Suggest page's, greedy or exact); default the greedy
        of :func:`planning.siting.maximal_coverage` at the central values.
    progress : callable, optional
        Called with the share done (0..1) after each block of draws.
    **options
        As :func:`planning.siting.maximal_coverage` (``fixed_minutes``, the district options); ``method`` is
        greedy.
    """
    minutes = np.asarray(candidate_minutes, dtype=np.float64)
    fixed = options.get("fixed_minutes")
    fixed_minutes = np.zeros((0, minutes.shape[1])) if fixed is None else np.asarray(fixed, dtype=np.float64)
    options = {**options, "method": "greedy"}
    if central is None:
        central = tuple(
            MODEL.solve(minutes, central_demand, add=add, threshold_minutes=threshold_minutes, **options).chosen
        )
    limit = _limit(add, minutes.shape[0])
    districts = _districts(
        options.get("district_of_site"),
        options.get("district_of_fixed"),
        options.get("require_districts"),
        minutes.shape[0],
        fixed_minutes.shape[0],
    )
    if len(districts.needed) > limit:
        raise SitingError(
            f"{len(districts.needed)} required districts have no existing site, more than the {limit} sites to add. "
            f"Add at least {len(districts.needed)} sites, or require fewer districts."
        )
    report = progress or (lambda share: None)
    factors = np.asarray(draws.speed_factor, dtype=np.float64)
    fixed_nearest = _nearest(fixed_minutes, minutes.shape[1])
    reach = threshold_minutes * float(factors.max()) if factors.size else -np.inf
    pairs = _pairs(minutes, fixed_nearest, reach)
    members = np.array([districts.members[d] for d in districts.needed], dtype=bool).reshape(-1, minutes.shape[0])
    solver = _Greedy(minutes, pairs, fixed_nearest, members, limit=limit, threshold_minutes=threshold_minutes)
    n_draws = factors.size
    size = max(1, min(n_draws, BLOCK_CELLS // max(pairs.site.size, 1)))
    blocks = [slice(first, first + size) for first in range(0, n_draws, size)]
    kept = (
        [solver.values(factors[b], draws.demand[b]) for b in blocks]
        if pairs.site.size * n_draws <= KEEP_CELLS
        else None
    )
    draw_choices = np.full((n_draws, limit), -1, dtype=np.int64)
    for number, rows in enumerate(blocks):
        values, within, base = kept[number] if kept is not None else solver.values(factors[rows], draws.demand[rows])
        draw_choices[rows] = solver.each(values.copy() if kept is not None else values, within, base)
        report(0.6 * min(rows.stop, n_draws) / n_draws)
    pooled = solver.pooled(factors, draws.demand, blocks, kept)
    report(0.9)
    counts = np.bincount(draw_choices[draw_choices >= 0], minlength=minutes.shape[0]).astype(np.int64)
    choices: dict[frozenset[int], tuple[int, ...]] = {frozenset(central): tuple(central)}
    for chosen in (*(tuple(int(j) for j in row[row >= 0]) for row in draw_choices), pooled):
        choices.setdefault(frozenset(chosen), chosen)
    scored = [
        (float(covered_demand(minutes, fixed_minutes, chosen, draws, threshold_minutes=threshold_minutes).mean()), key)
        for key, chosen in choices.items()
    ]
    report(1.0)
    central_score = scored[0][0]
    best_score, best_key = max(scored, key=lambda item: item[0])  # the first of equals: the central one
    better = best_score > central_score + _TIE_TOLERANCE * abs(central_score)
    best = tuple(sorted(best_key, key=lambda row: (-counts[row], row))) if better else tuple(central)
    return RobustChoice(
        counts=counts,
        central=tuple(central),
        best=tuple(int(j) for j in best),
        pooled=pooled,
        central_covered=covered_demand(minutes, fixed_minutes, central, draws, threshold_minutes=threshold_minutes),
        best_covered=covered_demand(minutes, fixed_minutes, best, draws, threshold_minutes=threshold_minutes),
        n_draws=n_draws,
        n_compared=len(choices),
        draw_choices=draw_choices,
    )


def _limit(add: int, n_candidates: int) -> int:
    if isinstance(add, bool) or int(add) != add or add < 0:
        raise SitingError(f"`add` must be a whole number >= 0; got {add!r}.")
    return min(int(add), n_candidates)


class _Greedy:
    """The greedy of :func:`planning.siting.maximal_coverage` for many draws at once, on the pairs.

    A block of draws is a (n_pairs, d) matrix of *values*: the demand of the pair's settlement in the draw when the
    pair is within T × f and the settlement still open (no existing or chosen site covers it), else 0. A candidate's
    gain in a draw is the sum of its pairs' values: one sparse product (candidates × pairs) for every draw of the
    block. A pick closes the settlements it covers: their pairs' values in that draw become 0."""

    def __init__(
        self,
        minutes: np.ndarray,
        pairs: _Pairs,
        fixed_nearest: np.ndarray,
        members: np.ndarray,
        *,
        limit: int,
        threshold_minutes: float,
    ) -> None:
        self.pairs = pairs
        self.fixed_nearest = fixed_nearest
        self.members = members  # (n_needed_districts, n_candidates) bool
        self.limit = limit
        self.threshold = float(threshold_minutes)
        self.n_candidates = pairs.start.size - 1
        self.minutes = minutes
        # the shortest pair of each settlement: a candidate covers it in a draw when this is within T × f
        self.nearest_pair = np.full(fixed_nearest.size, np.inf)
        np.minimum.at(self.nearest_pair, pairs.settlement, pairs.minutes)
        # the pairs of each settlement: by_settlement[settlement_start[i]:settlement_start[i + 1]]
        self.by_settlement = np.argsort(pairs.settlement, kind="stable")
        self.settlement_start = np.searchsorted(pairs.settlement[self.by_settlement], np.arange(fixed_nearest.size + 1))

    def values(
        self, factors: np.ndarray, demand: np.ndarray, chosen: tuple[int, ...] = ()
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Draws as columns, with ``chosen`` sites open: (values (n_pairs, d), pairs within T × f (n_pairs, d) bool,
        the weight each draw's tolerance is relative to (d,): the open demand some candidate covers, as
        ``_greedy``'s ``weight @ base``)."""
        limits = self.threshold * factors[None, :]
        nearest = self.fixed_nearest
        if chosen:
            nearest = np.minimum(nearest, self.minutes[list(chosen)].min(axis=0))
        open_demand = np.where(is_within(nearest[:, None], limits), 0.0, np.asarray(demand).T)
        within = is_within(self.pairs.minutes[:, None], limits)
        values = open_demand[self.pairs.settlement]
        values *= within
        reachable = is_within(self.nearest_pair[:, None], limits)
        return values, within, (open_demand * reachable).sum(axis=0)

    def _gains(self, values: np.ndarray) -> np.ndarray:
        """(n_candidates, d): each candidate's open demand within T × f in each draw."""
        return np.asarray(self.pairs.incidence @ values)

    def _close(self, values: np.ndarray, within: np.ndarray, columns: np.ndarray, sites: np.ndarray) -> None:
        """In each column, the settlements its site covers are closed: every pair of them gets value 0."""
        starts, ends = self.pairs.start[sites], self.pairs.start[sites + 1]
        pair, column = _spans(starts, ends - starts), np.repeat(columns, ends - starts)
        covers = within[pair, column]
        settlement, column = self.pairs.settlement[pair[covers]], column[covers]
        starts, ends = self.settlement_start[settlement], self.settlement_start[settlement + 1]
        values[self.by_settlement[_spans(starts, ends - starts)], np.repeat(column, ends - starts)] = 0.0

    def _pick(
        self, gains: np.ndarray, tolerance: np.ndarray, unsatisfied: np.ndarray, step: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each row's pick and whether it picks at all (``_greedy``'s rule: the best gain, the first row of equal
        ones; or the best in the districts still needing a site when they need the remaining picks or nothing else
        gains; none when nothing gains more than the tolerance)."""
        best = gains.argmax(axis=1)
        top = gains[np.arange(len(gains)), best]
        n_unsatisfied = unsatisfied.sum(axis=1)
        forced = (n_unsatisfied > 0) & ((n_unsatisfied >= self.limit - step) | (top <= tolerance))
        if forced.any():
            allowed = (unsatisfied[forced].astype(np.float64) @ self.members.astype(np.float64)) > 0
            best[forced] = np.where(allowed, gains[forced], -np.inf).argmax(axis=1)
        return best, forced | (top > tolerance)

    def each(self, values: np.ndarray, within: np.ndarray, base: np.ndarray) -> np.ndarray:
        """Each draw's own choice from :meth:`values` of a block (``values`` is changed), shape (n_draws, limit),
        -1 after a draw stops."""
        tolerance = _GAIN_TOLERANCE * np.maximum(base, 1.0)
        n_draws = values.shape[1]
        picks = np.full((n_draws, self.limit), -1, dtype=np.int64)
        chosen = np.zeros((n_draws, self.n_candidates), dtype=bool)
        satisfied = np.zeros((n_draws, len(self.members)), dtype=bool)
        active = np.arange(n_draws)  # the draws still picking: the columns of values and within
        for step in range(self.limit):
            gains = self._gains(values).T  # (active draws, n_candidates)
            gains[chosen[active]] = -np.inf
            best, picks_one = self._pick(gains, tolerance[active], ~satisfied[active], step)
            if not picks_one.all():  # these draws stop: nothing more to cover
                values, within = values[:, picks_one], within[:, picks_one]
                active, best = active[picks_one], best[picks_one]
            if not active.size:
                break
            picks[active, step] = best
            chosen[active, best] = True
            if len(self.members):
                satisfied[active] |= self.members[:, best].T
            self._close(values, within, np.arange(active.size), best)
        return picks

    def pooled(
        self, factors: np.ndarray, demand: np.ndarray, blocks: list[slice], kept: list[tuple] | None
    ) -> tuple[int, ...]:
        """One choice for all the draws: each step adds the site that raises the covered demand averaged over the
        draws most (the rule of :meth:`each` on the mean gain, its tolerance relative to the mean weight).

        ``kept``: the :meth:`values` of the blocks, changed here as sites are chosen; None when they would take too
        much memory: each step then computes them again with the sites chosen so far."""
        n_draws = max(len(factors), 1)
        chosen: list[int] = []
        satisfied = np.zeros((1, len(self.members)), dtype=bool)
        tolerance = np.zeros(1)
        for step in range(self.limit):
            total = np.zeros(self.n_candidates)
            weight = 0.0
            for number, rows in enumerate(blocks):
                values, _, base = (
                    kept[number] if kept is not None else self.values(factors[rows], demand[rows], tuple(chosen))
                )
                total += self._gains(values).sum(axis=1)
                weight += float(base.sum())
            if step == 0:
                tolerance[0] = _GAIN_TOLERANCE * max(weight / n_draws, 1.0)
            gains = (total / n_draws).reshape(1, -1)
            gains[0, chosen] = -np.inf
            best, picks_one = self._pick(gains, tolerance, ~satisfied, step)
            if not picks_one[0]:
                break
            site = int(best[0])
            chosen.append(site)
            if len(self.members):
                satisfied[0] |= self.members[:, site]
            for values, within, _ in kept or ():  # the site closes what it covers in every draw
                columns = np.arange(values.shape[1])
                self._close(values, within, columns, np.full(columns.size, site))
        return tuple(chosen)


def _spans(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """``concatenate([arange(s, s + n) for s, n in zip(starts, lengths)])`` without a Python loop."""
    total = int(lengths.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    return np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(total)


# --------------------------------------------------------------------------------------------------------------
# adapter: a region, its scenario and candidates
# --------------------------------------------------------------------------------------------------------------
BASIS_OF_MODE = {"population": "people", "need": "need", "incidents": "incidents"}
"""The demand basis of the robust choice for each demand of :mod:`planning.suggest` that has one (the blend has none:
its shares have no range)."""

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
    picks : tuple of planning.suggest.Pick
        The robust choice as picks (most often chosen first), each with what it newly brings within T at the central
        values, as the central suggestion's picks: what the page lists and saves as a scenario.
    basis : str
        The demand basis (:data:`planning.need.DEMAND_BASES`).
    central_mean, robust_mean : float or None
        Expected demand within T over the draws (basis units); None with demand = incidents (incident-derived).
    assumptions : Assumptions
        What the draws varied, how many, and their seed.
    """

    choice: RobustChoice
    table: pd.DataFrame
    picks: tuple[Pick, ...]
    basis: str
    central_mean: float | None
    robust_mean: float | None
    assumptions: Assumptions


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
    central: tuple[int, ...] | None = None,
    progress: Progress | None = None,
) -> RobustSuggestion:
    """:func:`robust_maximal_coverage` for a region: the scenario's sites fixed, the candidates of
    :func:`planning.suggest.candidate_sites`, demand on ``basis`` (people known or estimated, expected need, or the
    protected incidents), draws of ``assumptions``; ``central``: the candidate rows the Suggest page already chose
    at the central values (its :attr:`planning.suggest.Suggestion.result` ``.chosen``), else the greedy's."""
    from planning.suggest import _district_index, _fixed_minutes, _service_districts, picks_of

    if len(candidates) == 0:
        raise SitingError("there are no candidate sites; lower the population limit or upload a list of sites.")
    settlements = region.settlements
    protected = None if incidents is None else incidents.protected.astype(float)
    central_demand = demand_of(settlements, basis, rate=rate, incidents=protected)
    draws = draw(settlements, basis, assumptions=assumptions, rate=rate, incidents=incidents)
    candidate_minutes = np.asarray(site_minutes.rows(candidates), dtype=np.float64)
    fixed_minutes = _fixed_minutes(services, site_minutes)
    options: SitingOptions = {"fixed_minutes": fixed_minutes}
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
        candidate_minutes,
        central_demand,
        draws,
        add=add,
        threshold_minutes=threshold_minutes,
        central=central,
        progress=progress,
        **options,
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
    picks = picks_of(
        choice.best,
        _central_gains(candidate_minutes, fixed_minutes, choice.best, central_demand, threshold_minutes),
        candidates,
        candidate_minutes,
        fixed_minutes,
        settlements,
        incidents,
        threshold_minutes=threshold_minutes,
        factor=None if shown else 1.0,
    )
    return RobustSuggestion(
        choice=choice,
        table=table,
        picks=picks,
        basis=basis,
        central_mean=float(choice.central_covered.mean()) if shown else None,
        robust_mean=float(choice.best_covered.mean()) if shown else None,
        assumptions=assumptions,
    )


def _central_gains(
    candidate_minutes: np.ndarray,
    fixed_minutes: np.ndarray,
    chosen: tuple[int, ...],
    demand: np.ndarray,
    threshold_minutes: float,
) -> list[float]:
    """Demand each chosen site newly brings within T at the central values, in the order given."""
    covered = is_within(fixed_minutes, threshold_minutes).any(axis=0)
    gains = []
    for row in chosen:
        new = is_within(candidate_minutes[row], threshold_minutes) & ~covered
        gains.append(float(demand[new].sum()))
        covered = covered | new
    return gains
