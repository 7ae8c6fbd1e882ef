"""Suggested sites: maximal coverage, set cover and p-median on a travel-time matrix.

A pure core on arrays (in the spirit of ``spopt``'s ``from_cost_matrix``); a thin adapter for GeoDataFrames and
scenarios sits elsewhere. Every model keeps the existing sites of a scenario fixed: they are given as their own
rows of travel times (``fixed_minutes``), always count, and are never among the suggested sites.

Shapes and conventions
----------------------
``minutes``        (n_candidates, n_settlements) float; travel time from each candidate site to each settlement,
                   ``np.inf`` where the site cannot reach the settlement (or beyond the matrix cutoff).
``fixed_minutes``  (n_fixed, n_settlements), same meaning for the existing sites; ``None`` or zero rows = none.
``demand``         (n_settlements,) non-negative weights, see :func:`demand_weights`.

All three models share one view of the problem: each settlement has a *loss* (1 when outside ``T`` minutes of
every service and 0 inside, for the coverage models; minutes to the nearest service, for p-median), a site
lowers the loss of the settlements it serves, and the greedy picks the site that lowers the demand-weighted
loss most. The exact solver builds the matching integer programme with PuLP and its bundled CBC.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from typing import TypedDict, Unpack

import numpy as np
import pulp
from numpy.typing import ArrayLike, NDArray

from geo.errors import QorgauError

MODELS = ("mclp", "lscp", "pmedian")
METHODS = ("greedy", "exact")

EXACT_TIME_LIMIT_S = 60.0
"""Seconds CBC may spend on one exact model; past it the best solution found is returned as "feasible"."""

GREEDY_GUARANTEE = 1.0 - 1.0 / math.e
"""Greedy maximal coverage adds at least this share of the best possible added coverage (submodularity)."""

UNSERVED_PENALTY_FACTOR = 2.0
"""p-median: a settlement that no chosen or existing service reaches counts as this many times the longest finite
travel time of the instance (minutes), so serving it always beats leaving it unserved."""

DEFAULT_INCIDENT_WEIGHT = 0.5
"""Blend: share of the demand given to (estimated) incidents; the rest goes to population."""

DEFAULT_UNDERREPORTING_FACTOR = 1.0
"""Reported incidents are multiplied by this to estimate all incidents (1.0 = take reports at face value)."""

_GAIN_TOLERANCE = 1e-9
"""Relative to the total weight: a gain below this is treated as no gain."""

DEMAND_MODES = {
    "population": (
        "Demand = people living in the settlement. Every resident counts the same; a settlement whose "
        "population is unknown counts with its estimate (from the region's settlements of the same kind), never "
        "as 0; upload the akimat's figures to replace the estimates."
    ),
    "need": (
        "Demand = expected cases of family violence: the settlement's people (known or estimated) times the rate "
        "per 1,000 residents the planner set, with its source. It does not depend on where reports were made."
    ),
    "incidents": (
        "Demand = reported incidents of family violence in the settlement, multiplied by the under-reporting "
        "factor to estimate all incidents. Settlements with no reports count as 0, so this favours places "
        "where victims already reach the police; the factor changes the figures, not which sites are chosen."
    ),
    "blend": (
        "Demand = a mix of each settlement's share of the region's population and its share of the "
        "(estimated) incidents. The incident weight (0 to 1) is how much of the total the incidents carry: "
        "0.5 means half from population, half from incidents. Figures are shares of the blended total, "
        "not people."
    ),
}
"""Human-readable meaning of each demand choice, for the page where the choice is made."""


class SitingError(QorgauError, ValueError):
    """Siting inputs that cannot be used, or a model that cannot be solved."""


@dataclass(frozen=True)
class DemandWeights:
    """Demand per settlement and what had to be assumed to get it.

    Parameters
    ----------
    weights : numpy.ndarray
        (n_settlements,) float64, non-negative.
    mode : str
        One of :data:`DEMAND_MODES`.
    unknown_population : int
        Settlements whose population was NaN and were counted as 0 people.
    unknown_incidents : int
        Settlements whose incident count was NaN and were counted as 0 incidents.
    explanation : str
        :data:`DEMAND_MODES` text for ``mode``.
    """

    weights: np.ndarray
    mode: str
    unknown_population: int
    unknown_incidents: int
    explanation: str


@dataclass(frozen=True)
class SitingResult:
    """Sites to add, why each one, and how good the answer is.

    Parameters
    ----------
    model : {"mclp", "lscp", "pmedian"}
    solver : str
        "greedy", "greedy+swap" or "cbc".
    status : str
        "optimal" (proved by CBC), "feasible" (CBC stopped at its time limit with a solution) or "heuristic".
    chosen : tuple of int
        Candidate row indices in the order picked (exact solutions: ordered by marginal gain).
    gain : tuple of float
        Per chosen site, in order: demand newly within the threshold (coverage models) or demand-weighted
        minutes saved (p-median), given the existing sites and the sites before it.
    gain_settlements : tuple of int
        Per chosen site: settlements newly covered (coverage models) or whose nearest service it becomes.
    objective : float
        mclp: demand within the threshold of any service, existing included; lscp: number of added sites;
        pmedian: sum of demand × minutes to the nearest service (unserved settlements at the penalty).
    bound : float or None
        Best known bound on the optimal objective (upper for mclp, lower for lscp and pmedian).
    bound_kind : str or None
        "optimal" (the bound is the optimum), "lp" (LP relaxation), "greedy_guarantee" (objective / (1 - 1/e)).
    gap : float or None
        ``|objective - bound| / |bound|`` (0 when both are 0); exact distance from the optimum when
        ``bound_kind == "optimal"``, an upper limit on it otherwise.
    unreachable : tuple of int
        Settlements no candidate and no existing site can serve (within the threshold for the coverage
        models, at any finite time for p-median); they are left out of the model.
    unserved : tuple of int
        Reachable settlements that the solution still leaves unserved (outside the threshold, or for p-median
        with no finite travel time to any chosen or existing service).
    districts_without_candidates : tuple of int
        Required districts with no existing site and no candidate: the district constraint skips them.
    unserved_penalty_minutes : float or None
        p-median only: the minutes an unserved settlement counts as.
    """

    model: str
    solver: str
    status: str
    chosen: tuple[int, ...]
    gain: tuple[float, ...]
    gain_settlements: tuple[int, ...]
    objective: float
    bound: float | None
    bound_kind: str | None
    gap: float | None
    unreachable: tuple[int, ...]
    unserved: tuple[int, ...]
    districts_without_candidates: tuple[int, ...]
    unserved_penalty_minutes: float | None = None


class SitingOptions(TypedDict, total=False):
    """The keyword options every model takes; the meaning of each is given in :func:`maximal_coverage`."""

    fixed_minutes: np.ndarray | None
    method: str
    district_of_site: np.ndarray | None
    district_of_fixed: np.ndarray | None
    require_districts: Collection[int] | None
    lp_bound: bool
    time_limit_s: float


def demand_weights(
    population: ArrayLike,
    incidents: ArrayLike | None = None,
    *,
    mode: str = "population",
    incident_weight: float = DEFAULT_INCIDENT_WEIGHT,
    underreporting_factor: float = DEFAULT_UNDERREPORTING_FACTOR,
    rate_per_1000: float | None = None,
) -> DemandWeights:
    """Demand per settlement for the siting models.

    Parameters
    ----------
    population : array-like of float
        People per settlement, known or estimated (:func:`planning.estimates.people`, which never leaves one
        unknown). A NaN left here is counted as 0 people and reported in ``unknown_population``: callers with a
        region pass ``planning.estimates.people(settlements)``.
    incidents : array-like of float, optional
        Reported incidents per settlement over the chosen period (counts, never points); NaN = no record,
        counted as 0. Required for ``mode="incidents"`` and ``"blend"``.
    mode : {"population", "need", "incidents", "blend"}
        ``"population"``: people. ``"need"``: people × ``rate_per_1000`` / 1000 (expected cases).
        ``"incidents"``: reported incidents × ``underreporting_factor``.
        ``"blend"``: ``(1 - incident_weight) × population share + incident_weight × incident share``; the
        weights sum to 1 (or 0 when there is no population and no incident). See :data:`DEMAND_MODES`.
    incident_weight : float
        Blend only; in [0, 1].
    underreporting_factor : float
        Estimated incidents per reported incident, >= 1.
    rate_per_1000 : float, optional
        Expected cases per 1,000 residents; required for ``mode="need"``.

    Returns
    -------
    DemandWeights
    """
    if mode not in DEMAND_MODES:
        raise SitingError(f"`mode` must be one of {sorted(DEMAND_MODES)}; got {mode!r}.")
    if not 0.0 <= incident_weight <= 1.0:
        raise SitingError(f"`incident_weight` must be between 0 and 1; got {incident_weight!r}.")
    if not underreporting_factor >= 1.0:
        raise SitingError(
            f"`underreporting_factor` must be at least 1 (estimated incidents per reported one); "
            f"got {underreporting_factor!r}."
        )
    people, unknown_population = _counts(population, "population")
    if mode == "need" and (rate_per_1000 is None or not rate_per_1000 >= 0):
        raise SitingError(
            f"`mode='need'` needs `rate_per_1000` (expected cases per 1,000 residents); got {rate_per_1000!r}."
        )
    if incidents is None:
        if mode not in ("population", "need"):
            raise SitingError(f"`mode={mode!r}` needs `incidents` (counts per settlement); got None.")
        reports, unknown_incidents = np.zeros_like(people), 0
    else:
        reports, unknown_incidents = _counts(incidents, "incidents")
        if reports.shape != people.shape:
            raise SitingError(f"`incidents` must have one value per settlement ({people.size}); got {reports.size}.")
    estimated = reports * underreporting_factor
    if mode == "population":
        weights = people
    elif mode == "need":
        weights = people * (float(rate_per_1000 or 0.0) / 1000.0)
    elif mode == "incidents":
        weights = estimated
    else:
        weights = (1.0 - incident_weight) * _shares(people) + incident_weight * _shares(estimated)
    return DemandWeights(
        weights=weights,
        mode=mode,
        unknown_population=unknown_population,
        unknown_incidents=unknown_incidents,
        explanation=DEMAND_MODES[mode],
    )


def maximal_coverage(
    minutes: np.ndarray,
    demand: np.ndarray,
    *,
    add: int,
    threshold_minutes: float,
    **options: Unpack[SitingOptions],
) -> SitingResult:
    """Add at most ``add`` sites to maximise the demand within ``threshold_minutes`` of a service (MCLP).

    Parameters
    ----------
    minutes : numpy.ndarray
        (n_candidates, n_settlements) travel minutes, ``np.inf`` = unreachable.
    demand : numpy.ndarray
        (n_settlements,) non-negative demand.
    add : int
        Sites to add (K). Fewer are returned when more would cover nothing more; all candidates when K exceeds
        them.
    threshold_minutes : float
        A settlement is covered when a service is at most this many minutes away.
    **options
        The options every model takes (:class:`SitingOptions`):

        fixed_minutes : numpy.ndarray, optional
            (n_fixed, n_settlements) travel minutes from the existing sites, kept open.
        method : {"greedy", "exact"}
            Default "greedy".
        district_of_site, district_of_fixed : numpy.ndarray of int, optional
            District of each candidate / existing site.
        require_districts : collection of int, optional
            Districts that must end with at least one service. One already holding an existing site is
            satisfied; one without candidates is reported in ``districts_without_candidates``.
        lp_bound : bool
            Greedy only: also solve the LP relaxation for an upper bound (the (1 - 1/e) guarantee is always
            given when no district is required). Default False.
        time_limit_s : float
            Exact only: CBC time limit in seconds; default :data:`EXACT_TIME_LIMIT_S`.

    Returns
    -------
    SitingResult
    """
    return _solve("mclp", minutes, demand, add=add, threshold_minutes=threshold_minutes, **options)


def set_cover(
    minutes: np.ndarray,
    demand: np.ndarray | None = None,
    *,
    threshold_minutes: float,
    **options: Unpack[SitingOptions],
) -> SitingResult:
    """The fewest added sites that bring every reachable settlement within ``threshold_minutes`` (LSCP).

    Settlements already within the threshold of an existing site need nothing; settlements no candidate and
    no existing site can reach within the threshold are listed in ``unreachable``. ``demand`` (optional) only
    serves to report each site's gain in demand; every settlement counts the same for the choice.
    See :func:`maximal_coverage` for the other parameters; ``lp_bound`` gives a lower bound on the number of
    sites (the LP optimum rounded up).
    """
    return _solve("lscp", minutes, demand, add=None, threshold_minutes=threshold_minutes, **options)


def p_median(
    minutes: np.ndarray,
    demand: np.ndarray,
    *,
    add: int,
    swap: bool = True,
    unserved_minutes: float | None = None,
    **options: Unpack[SitingOptions],
) -> SitingResult:
    """Add at most ``add`` sites to minimise the demand-weighted minutes to the nearest service (p-median).

    Each settlement goes to its nearest service among the existing and the chosen sites. Settlements that no
    site at all can reach (``np.inf`` in every row) are left out and listed in ``unreachable``; a settlement
    that only unchosen candidates reach counts as ``unserved_minutes`` and is listed in ``unserved``. The exact
    model only creates assignments for finite pairs.

    Parameters
    ----------
    swap : bool
        Greedy only: after adding, try once to replace each chosen site by the best other candidate.
    unserved_minutes : float, optional
        Minutes an unserved settlement counts as; default :data:`UNSERVED_PENALTY_FACTOR` × the longest finite
        travel time of the instance.

    See :func:`maximal_coverage` for the other parameters; ``lp_bound`` gives a lower bound.
    """
    return _solve(
        "pmedian",
        minutes,
        demand,
        add=add,
        threshold_minutes=None,
        swap=swap,
        unserved_minutes=unserved_minutes,
        **options,
    )


def with_exact_gap(result: SitingResult, exact: SitingResult) -> SitingResult:
    """``result`` (greedy) with its gap to the proven optimum ``exact`` of the same instance.

    Raises
    ------
    SitingError
        When the models differ or ``exact`` is not proven optimal.
    """
    if exact.model != result.model or exact.status != "optimal":
        raise SitingError(
            f"`exact` must be a proven optimum of the same model ({result.model}); "
            f"got model {exact.model!r} with status {exact.status!r}."
        )
    return replace(result, bound=exact.objective, bound_kind="optimal", gap=_gap(result.objective, exact.objective))


# --- instance -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Instance:
    """One model reduced to losses: minimise ``weight · min(base, loss[chosen rows])`` over included columns."""

    model: str
    loss: np.ndarray  # (n_candidates, n_included) float64
    base: np.ndarray  # (n_included,) loss with the existing sites only
    select_weight: np.ndarray  # (n_included,) weight the choice optimises
    demand: np.ndarray  # (n_included,) demand, for reporting
    included: np.ndarray  # (n_included,) settlement indices
    unreachable: tuple[int, ...]
    constant: float  # mclp: demand the existing sites already cover (part of the objective, not a variable)
    penalty_minutes: float | None


@dataclass(frozen=True)
class _Districts:
    """Required districts still needing an added site, as candidate masks."""

    needed: tuple[int, ...]
    members: dict[int, np.ndarray]
    without_candidates: tuple[int, ...]

    def unsatisfied(self, chosen: Iterable[int]) -> list[int]:
        picked = np.zeros(self.members[self.needed[0]].size, bool) if self.needed else None
        if picked is not None:
            picked[list(chosen)] = True
        return [d for d in self.needed if not (self.members[d] & picked).any()]


def _solve(
    model: str,
    minutes: np.ndarray,
    demand: np.ndarray | None,
    *,
    add: int | None,
    threshold_minutes: float | None,
    swap: bool = False,
    unserved_minutes: float | None = None,
    fixed_minutes: np.ndarray | None = None,
    method: str = "greedy",
    district_of_site: np.ndarray | None = None,
    district_of_fixed: np.ndarray | None = None,
    require_districts: Collection[int] | None = None,
    lp_bound: bool = False,
    time_limit_s: float = EXACT_TIME_LIMIT_S,
) -> SitingResult:
    """``model`` solved as asked: the one solver behind :func:`maximal_coverage`, :func:`set_cover` and
    :func:`p_median`, whose docstrings give the options."""
    if model != "pmedian" and (swap or unserved_minutes is not None):
        raise TypeError(f"`swap` and `unserved_minutes` are options of p_median only; got them for {model!r}.")
    if method not in METHODS:
        raise SitingError(f"`method` must be one of {METHODS}; got {method!r}.")
    instance = _instance(model, minutes, demand, fixed_minutes, threshold_minutes, unserved_minutes)
    n_candidates = instance.loss.shape[0]
    districts = _districts(
        district_of_site,
        district_of_fixed,
        require_districts,
        n_candidates,
        0 if fixed_minutes is None else np.asarray(fixed_minutes).shape[0],
    )
    limit = None
    if add is not None:
        if isinstance(add, bool) or int(add) != add or add < 0:
            raise SitingError(f"`add` must be a whole number >= 0; got {add!r}.")
        limit = min(int(add), n_candidates)
        if len(districts.needed) > limit:
            raise SitingError(
                f"{len(districts.needed)} required districts have no existing site (districts "
                f"{list(districts.needed)}), more than the {limit} sites to add. Add at least "
                f"{len(districts.needed)} sites, or require fewer districts."
            )
    if method == "exact":
        chosen, status = _exact(instance, limit, districts, time_limit_s=time_limit_s)
        chosen = _prune(instance, _order(instance, chosen), districts)
        solver = "cbc"
    else:
        chosen = _greedy(instance, limit, districts)
        solver, status = "greedy", "heuristic"
        if swap and model == "pmedian" and chosen:
            chosen = _prune(instance, _order(instance, _swap_pass(instance, chosen, districts)), districts)
            solver = "greedy+swap"
    gain, gain_settlements, final = _gains(instance, chosen)
    objective = _objective(instance, chosen, final)
    bound = bound_kind = None
    if status == "optimal":
        bound, bound_kind = objective, "optimal"
    elif method == "greedy":
        if model == "mclp" and not districts.needed:
            added = objective - instance.constant
            bound = min(instance.constant + added / GREEDY_GUARANTEE, float(instance.demand.sum()))
            bound_kind = "greedy_guarantee"
        if lp_bound:
            lp = _lp_bound(instance, limit, districts, time_limit_s=time_limit_s)
            if bound is None or (lp < bound if model == "mclp" else lp > bound):
                bound, bound_kind = lp, "lp"
        if limit is not None and limit == n_candidates and not districts.needed and model != "lscp":
            bound, bound_kind = objective, "optimal"  # every candidate is open: nothing better exists
    unserved = instance.included[final >= (1.0 if model != "pmedian" else instance.penalty_minutes)]
    return SitingResult(
        model=model,
        solver=solver,
        status=status,
        chosen=tuple(int(j) for j in chosen),
        gain=tuple(float(g) for g in gain),
        gain_settlements=tuple(int(g) for g in gain_settlements),
        objective=float(objective),
        bound=None if bound is None else float(bound),
        bound_kind=bound_kind,
        gap=None if bound is None else _gap(objective, bound),
        unreachable=instance.unreachable,
        unserved=tuple(int(i) for i in unserved),
        districts_without_candidates=districts.without_candidates,
        unserved_penalty_minutes=instance.penalty_minutes,
    )


def _instance(
    model: str,
    minutes: np.ndarray,
    demand: np.ndarray | None,
    fixed_minutes: np.ndarray | None,
    threshold_minutes: float | None,
    unserved_minutes: float | None,
) -> _Instance:
    minutes = _matrix(minutes, "minutes")
    n_settlements = minutes.shape[1]
    if fixed_minutes is None:
        fixed = np.empty((0, n_settlements))
    else:
        fixed = _matrix(fixed_minutes, "fixed_minutes")
        if fixed.shape[1] != n_settlements:
            raise SitingError(
                f"`fixed_minutes` must have one column per settlement ({n_settlements}, like `minutes`); "
                f"got shape {fixed.shape}."
            )
    if demand is None:
        demand = np.ones(n_settlements)
    demand = np.asarray(demand, dtype=np.float64)
    if demand.shape != (n_settlements,) or not np.isfinite(demand).all() or (demand < 0).any():
        raise SitingError(
            f"`demand` must be {n_settlements} finite values >= 0 (one per settlement, see `demand_weights`); "
            f"got shape {demand.shape}."
        )
    if model == "pmedian":
        reach = np.isfinite(minutes).any(axis=0) | np.isfinite(fixed).any(axis=0)
        finite_max = max(
            (float(m[np.isfinite(m)].max()) for m in (minutes, fixed) if np.isfinite(m).any()), default=0.0
        )
        penalty = UNSERVED_PENALTY_FACTOR * max(finite_max, 1.0) if unserved_minutes is None else unserved_minutes
        if not penalty > finite_max:
            raise SitingError(
                f"`unserved_minutes` must exceed the longest finite travel time ({finite_max:.1f} min); "
                f"got {unserved_minutes!r}."
            )
        included = np.flatnonzero(reach)
        loss = np.minimum(minutes[:, included], penalty)
        base = np.minimum(fixed[:, included].min(axis=0, initial=np.inf), penalty)
        select_weight = demand[included]
        constant = 0.0
    else:
        if threshold_minutes is None or not threshold_minutes >= 0:
            raise SitingError(f"`threshold_minutes` must be a number >= 0; got {threshold_minutes!r}.")
        from planning.coverage import is_within  # here: the module loads geopandas, which the CLI's parsers avoid

        covers = is_within(minutes, threshold_minutes)
        fixed_covers = np.asarray(is_within(fixed, threshold_minutes).any(axis=0))  # 1-D: one per settlement
        included = np.flatnonzero(covers.any(axis=0) | fixed_covers)
        loss = np.where(covers[:, included], 0.0, 1.0)
        base = np.where(fixed_covers[included], 0.0, 1.0)
        select_weight = demand[included] if model == "mclp" else np.ones(included.size)
        constant = float(demand[fixed_covers].sum())
        penalty = None
    unreachable = np.setdiff1d(np.arange(n_settlements), included)
    return _Instance(
        model=model,
        loss=loss,
        base=base,
        select_weight=select_weight,
        demand=demand[included],
        included=included,
        unreachable=tuple(int(i) for i in unreachable),
        constant=constant,
        penalty_minutes=None if penalty is None else float(penalty),
    )


def _matrix(values: ArrayLike, name: str) -> NDArray[np.float64]:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 2:
        raise SitingError(f"`{name}` must be a 2-D array (sites × settlements); got {array.ndim} dimension(s).")
    if np.isnan(array).any() or (array < 0).any():
        raise SitingError(f"`{name}` must hold minutes >= 0 or np.inf (unreachable); found NaN or negative values.")
    return array


def _districts(
    district_of_site: np.ndarray | None,
    district_of_fixed: np.ndarray | None,
    require_districts: Collection[int] | None,
    n_candidates: int,
    n_fixed: int,
) -> _Districts:
    if not require_districts:
        return _Districts(needed=(), members={}, without_candidates=())
    if district_of_site is None or np.asarray(district_of_site).shape != (n_candidates,):
        raise SitingError(
            f"`require_districts` needs `district_of_site` with one district per candidate ({n_candidates})."
        )
    if n_fixed and (district_of_fixed is None or np.asarray(district_of_fixed).shape != (n_fixed,)):
        raise SitingError(
            f"`require_districts` needs `district_of_fixed` with one district per existing site ({n_fixed})."
        )
    site_districts = np.asarray(district_of_site)
    fixed_districts = set() if not n_fixed else {int(d) for d in np.asarray(district_of_fixed)}
    open_districts = sorted({int(d) for d in require_districts} - fixed_districts)
    members = {d: site_districts == d for d in open_districts}
    return _Districts(
        needed=tuple(d for d in open_districts if members[d].any()),
        members={d: m for d, m in members.items() if m.any()},
        without_candidates=tuple(d for d in open_districts if not members[d].any()),
    )


# --- greedy ---------------------------------------------------------------------------------------------------


def _greedy(instance: _Instance, limit: int | None, districts: _Districts) -> list[int]:
    """Pick the largest gain each time; switch to unsatisfied districts when they need the remaining picks."""
    loss, weight = instance.loss, instance.select_weight
    current = instance.base.copy()
    tolerance = _GAIN_TOLERANCE * max(float(weight @ current), 1.0)
    chosen: list[int] = []
    while limit is None or len(chosen) < limit:
        gains = np.maximum(current - loss, 0.0) @ weight
        gains[chosen] = -np.inf
        unsatisfied = districts.unsatisfied(chosen) if districts.needed else []
        best = int(np.argmax(gains)) if gains.size else -1
        forced = unsatisfied and (
            (limit is not None and len(unsatisfied) >= limit - len(chosen)) or best < 0 or gains[best] <= tolerance
        )
        if forced:
            allowed = np.logical_or.reduce([districts.members[d] for d in unsatisfied])
            best = int(np.argmax(np.where(allowed, gains, -np.inf)))
        elif best < 0 or gains[best] <= tolerance:
            break
        chosen.append(best)
        current = np.minimum(current, loss[best])
    return chosen


def _swap_pass(instance: _Instance, chosen: list[int], districts: _Districts) -> list[int]:
    """One pass: replace each chosen site by the candidate that lowers the weighted loss most, if any does."""
    loss, weight = instance.loss, instance.select_weight
    chosen = list(chosen)
    tolerance = _GAIN_TOLERANCE * max(float(weight @ instance.base), 1.0)
    for position in range(len(chosen)):
        others = chosen[:position] + chosen[position + 1 :]
        without = np.minimum(instance.base, loss[others].min(axis=0, initial=np.inf))
        gains = np.maximum(without - loss, 0.0) @ weight
        gains[others] = -np.inf
        lost = districts.unsatisfied(others) if districts.needed else []
        if lost:
            gains = np.where(np.logical_or.reduce([districts.members[d] for d in lost]), gains, -np.inf)
        best = int(np.argmax(gains))
        if gains[best] > gains[chosen[position]] + tolerance:
            chosen[position] = best
    return chosen


def _order(instance: _Instance, chosen: Iterable[int]) -> list[int]:
    """The sites of ``chosen`` in greedy order of marginal gain (zero-gain sites last)."""
    remaining = list(chosen)
    current = instance.base.copy()
    ordered = []
    while remaining:
        gains = np.maximum(current - instance.loss[remaining], 0.0) @ instance.select_weight
        best = remaining.pop(int(np.argmax(gains)))
        ordered.append(best)
        current = np.minimum(current, instance.loss[best])
    return ordered


def _prune(instance: _Instance, ordered: list[int], districts: _Districts) -> list[int]:
    """Drop trailing sites that add nothing and no required district needs (exact may open spare sites)."""
    ordered = list(ordered)
    _, _, final = _gains(instance, ordered)
    for site in reversed(list(ordered)):
        rest = [j for j in ordered if j != site]
        without = np.minimum(instance.base, instance.loss[rest].min(axis=0, initial=np.inf))
        adds_nothing = float(instance.select_weight @ (without - final)) <= 0.0
        if not (adds_nothing and not (districts.needed and districts.unsatisfied(rest))):
            break
        ordered = rest
    return ordered


def _gains(instance: _Instance, ordered: Iterable[int]) -> tuple[list[float], list[int], np.ndarray]:
    current = instance.base.copy()
    gain, count = [], []
    for site in ordered:
        better = instance.loss[site] < current
        gain.append(float(instance.demand[better] @ (current - instance.loss[site])[better]))
        count.append(int(better.sum()))
        current = np.minimum(current, instance.loss[site])
    return gain, count, current


def _objective(instance: _Instance, chosen: list[int], final: np.ndarray) -> float:
    if instance.model == "mclp":
        return float(instance.demand @ (1.0 - final))
    if instance.model == "lscp":
        return float(len(chosen))
    return float(instance.demand @ final)


def _gap(objective: float, bound: float) -> float:
    if bound == objective:
        return 0.0
    return abs(objective - bound) / abs(bound) if bound else math.inf


# --- exact ----------------------------------------------------------------------------------------------------


def _build(
    instance: _Instance, limit: int | None, districts: _Districts, *, relax: bool
) -> tuple[pulp.LpProblem, list[pulp.LpVariable]]:
    """The integer programme (or its LP relaxation) of ``instance``; returns (problem, site variables)."""
    category = pulp.LpContinuous if relax else pulp.LpBinary
    sense = pulp.LpMaximize if instance.model == "mclp" else pulp.LpMinimize
    problem = pulp.LpProblem(instance.model, sense)
    n_candidates = instance.loss.shape[0]
    sites = [problem.add_variable(f"x_{j}", 0, 1, category) for j in range(n_candidates)]
    objective = []
    open_columns = np.flatnonzero(instance.base > 0)  # settlements the existing sites leave with a loss
    if instance.model == "pmedian":
        for i in open_columns:
            if instance.demand[i] == 0:
                continue
            better = np.flatnonzero(instance.loss[:, i] < instance.base[i])  # finite pairs that can help
            stay = problem.add_variable(f"s_{i}", 0, 1)  # served by an existing site, or unserved (penalty)
            assign = [problem.add_variable(f"z_{i}_{j}", 0, 1) for j in better]
            problem += pulp.LpAffineExpression([(stay, 1.0)] + [(z, 1.0) for z in assign]) == 1
            for z, j in zip(assign, better):
                problem += z <= sites[j]
            objective.append((stay, instance.demand[i] * instance.base[i]))
            objective.extend((z, instance.demand[i] * instance.loss[j, i]) for z, j in zip(assign, better))
    else:
        for i in open_columns:
            if instance.model == "mclp" and instance.demand[i] == 0:
                continue
            cover = pulp.LpAffineExpression([(sites[j], 1.0) for j in np.flatnonzero(instance.loss[:, i] == 0)])
            if instance.model == "lscp":
                problem += cover >= 1
            else:
                covered = problem.add_variable(f"y_{i}", 0, 1)
                problem += cover - covered >= 0
                objective.append((covered, instance.demand[i]))
        if instance.model == "lscp":
            objective = [(x, 1.0) for x in sites]
    problem += pulp.LpAffineExpression(objective)
    if limit is not None:
        problem += pulp.lpSum(sites) <= limit
    for d in districts.needed:
        problem += pulp.lpSum(sites[j] for j in np.flatnonzero(districts.members[d])) >= 1
    return problem, sites


def _run(problem: pulp.LpProblem, time_limit_s: float) -> int:
    problem.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit_s))
    if problem.sol_status not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
        raise SitingError(
            f"CBC found no solution for {problem.name} ({pulp.LpSolution[problem.sol_status]}). "
            f"Raise `time_limit_s` (was {time_limit_s} s) or use method='greedy'."
        )
    return problem.sol_status


def _exact(
    instance: _Instance, limit: int | None, districts: _Districts, *, time_limit_s: float
) -> tuple[list[int], str]:
    problem, sites = _build(instance, limit, districts, relax=False)
    status = _run(problem, time_limit_s)
    chosen = [j for j, x in enumerate(sites) if (x.varValue or 0.0) > 0.5]
    return chosen, "optimal" if status == pulp.LpSolutionOptimal else "feasible"


def _lp_bound(instance: _Instance, limit: int | None, districts: _Districts, *, time_limit_s: float) -> float:
    problem, _ = _build(instance, limit, districts, relax=True)
    _run(problem, time_limit_s)
    value = float(pulp.value(problem.objective) or 0.0)
    if instance.model == "mclp":
        return instance.constant + value
    if instance.model == "lscp":
        return float(math.ceil(value - 1e-6))
    return value


# --- demand helpers -------------------------------------------------------------------------------------------


def _counts(values: ArrayLike, name: str) -> tuple[np.ndarray, int]:
    array = np.asarray(values, dtype=np.float64).reshape(-1)
    unknown = np.isnan(array)
    if (array[~unknown] < 0).any() or np.isinf(array).any():
        raise SitingError(f"`{name}` must be finite numbers >= 0 (NaN = unknown); found negative or infinite values.")
    return np.where(unknown, 0.0, array), int(unknown.sum())


def _shares(values: np.ndarray) -> np.ndarray:
    total = values.sum()
    return values / total if total > 0 else np.zeros_like(values)
