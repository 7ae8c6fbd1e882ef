"""Suggested sites: maximal coverage, set cover and p-median on a travel-time matrix, each model one object.

A pure core on arrays (in the spirit of ``spopt``'s ``from_cost_matrix``); a thin adapter for GeoDataFrames and
scenarios sits elsewhere. Every model keeps the existing sites of a scenario fixed: they are given as their own
rows of travel times (``fixed_minutes``), always count, and are never among the suggested sites.

Shapes and conventions
----------------------
``minutes``        (n_candidates, n_settlements) float; travel time from each candidate site to each settlement,
                   ``np.inf`` where the site cannot reach the settlement (or beyond the matrix cutoff).
``fixed_minutes``  (n_fixed, n_settlements), same meaning for the existing sites; ``None`` or zero rows = none.
``demand``         (n_settlements,) non-negative weights, see :func:`demand_weights`.

All the models share one view of the problem: each settlement has a *loss* (1 when outside ``T`` minutes of
every service and 0 inside, for the coverage models; minutes to the nearest service, for p-median), a site
lowers the loss of the settlements it serves, and the greedy picks the site that lowers the weighted loss most.
The exact solver builds the matching integer programme with PuLP and solves it with CBC (PuLP's bundled one)
unless another PuLP solver is given.

Models as objects
-----------------
Each model is one :class:`SitingModel` (:data:`MCLP`, :data:`LSCP`, :data:`PMEDIAN`, registered in :data:`MODELS`
by name): its docstring writes out its formulation; the object carries its integer programme (``build``), the bound
from its LP relaxation, its greedy, its objective, whether it takes K, whether its gains count demand (shown as
released cells when demand = incidents), its catalog keys and its solver. The pages, the command line,
:mod:`planning.suggest` and :mod:`planning.robust` read these properties; nothing outside :data:`MODELS` looks at a
model's name. To add a model: a subclass here, its instance in :data:`MODELS`, and its three texts
(:attr:`SitingModel.label_key`, :attr:`SitingModel.help_key`, :attr:`SitingModel.objective_key`) in the three
``.po`` files.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, fields, replace
from types import MappingProxyType
from typing import ClassVar, Self, TypedDict, Unpack

import numpy as np
import pulp
from numpy.typing import ArrayLike, NDArray

from geo.errors import QorgauError

METHODS = ("greedy", "exact")

EXACT_TIME_LIMIT_S = 60.0
"""Seconds the solver (CBC) may spend on one exact model or LP bound; past it the best solution found is returned
as "feasible"."""

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
    model : str
        The model's name, a key of :data:`MODELS`.
    solver : str
        "greedy", "greedy+swap", "cbc", or the name of another PuLP solver the model was given.
    status : str
        "optimal" (proved by the solver), "feasible" (the solver stopped at its time limit with a solution) or
        "heuristic".
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


SolverFactory = Callable[[float], pulp.LpSolver]
"""Makes the PuLP solver of one exact solve or LP bound from its time limit (seconds), e.g. :func:`cbc`."""


class SitingOptions(TypedDict, total=False):
    """The keyword options every model takes; the meaning of each is given in :func:`maximal_coverage`."""

    fixed_minutes: np.ndarray | None
    method: str
    district_of_site: np.ndarray | None
    district_of_fixed: np.ndarray | None
    require_districts: Collection[int] | None
    lp_bound: bool
    time_limit_s: float
    solver: SolverFactory | None


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


# --- the models -------------------------------------------------------------------------------------------------


def cbc(time_limit_s: float) -> pulp.LpSolver:
    """PuLP's bundled CBC, quiet, stopped after ``time_limit_s`` seconds: the solver every model uses by default."""
    return pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit_s)


@dataclass(frozen=True)
class SitingModel(ABC):
    """A siting model: its formulation, its integer programme, its bound, its greedy and how pages show it.

    Every model picks sites ``S`` among the candidates ``J`` (beside the existing sites ``F``, always open) to lower
    a *loss*: settlement ``i`` has loss ``loss[j, i]`` when served from candidate ``j`` and ``base[i]`` with the
    existing sites only; with ``S`` open its loss is ``min(base[i], min over j in S of loss[j, i])``. The greedy
    (:meth:`greedy`) adds each time the candidate that lowers the weighted loss most, and stops at K sites or when
    no candidate lowers it by more than a tolerance; required districts are given a site while picks remain. The
    exact answer is the integer programme of :meth:`build`, solved by :attr:`solver`.

    Subclasses set the class attributes below and write their formulation in their docstring (sets, variables,
    objective, constraints). The settings of a model (its solver, and e.g. p-median's swap pass) are the fields of
    the object: ``dataclasses.replace(PMEDIAN, swap=False)`` or :meth:`with_solver`.

    Attributes
    ----------
    name : str
        The key in :data:`MODELS`, the ``--model`` choice of the command line and the page's radio value.
    takes_k : bool
        The model adds at most K sites (``add``); False: it adds as few as it needs and ignores ``add``.
    maximise : bool
        The objective is maximised (else minimised); a bound is then an upper bound (else a lower one).
    counts_released_cells : bool
        Each pick's gain is demand newly within the threshold, so with demand = incidents it is shown as the
        released cell of the settlements it brings in (:mod:`planning.suggest`); else the gain is shown as the
        number computed on protected values.
    objective_counts_demand : bool
        The objective is demand within the threshold (shown as a released cell when demand = incidents).
    objective_counts_sites : bool
        The objective is a number of sites (shown without decimals whatever the demand).
    robust : bool
        :mod:`planning.robust` offers this model's choice across the draws of the assumptions.
    function : str or None
        The function of this module that solves the model with keywords (for error messages).
    solver : SolverFactory
        Makes the PuLP solver for the exact model and the LP bound; default :func:`cbc`.
    """

    name: ClassVar[str]
    takes_k: ClassVar[bool]
    maximise: ClassVar[bool]
    counts_released_cells: ClassVar[bool]
    objective_counts_demand: ClassVar[bool]
    objective_counts_sites: ClassVar[bool]
    robust: ClassVar[bool] = False
    function: ClassVar[str | None] = None

    solver: SolverFactory = cbc

    @property
    def label_key(self) -> str:
        """Catalog key of the model's name on the page (``suggest.model.<name>``)."""
        return f"suggest.model.{self.name}"

    @property
    def help_key(self) -> str:
        """Catalog key of the caption that says what the model does (``suggest.model_help.<name>``)."""
        return f"suggest.model_help.{self.name}"

    @property
    def objective_key(self) -> str:
        """Catalog key of the sentence giving the objective (``suggest.objective.<name>``; ``{minutes}``,
        ``{value}``)."""
        return f"suggest.objective.{self.name}"

    def with_solver(self, solver: SolverFactory) -> Self:
        """This model solved by ``solver`` (e.g. ``lambda s: pulp.HiGHS(timeLimit=s, msg=False)``)."""
        return replace(self, solver=solver)

    # --- what each model gives ----------------------------------------------------------------------------------

    @abstractmethod
    def _reduce(
        self, minutes: np.ndarray, fixed: np.ndarray, demand: np.ndarray, threshold_minutes: float | None
    ) -> _Instance:
        """The model's losses for checked inputs (``fixed`` has zero rows when there are no existing sites)."""

    @abstractmethod
    def _terms(
        self, problem: pulp.LpProblem, sites: list[pulp.LpVariable], instance: _Instance
    ) -> list[tuple[pulp.LpVariable, float]]:
        """Adds the model's own variables and constraints to ``problem``; returns the objective's terms."""

    @abstractmethod
    def objective(self, instance: _Instance, chosen: list[int], final: np.ndarray) -> float:
        """The objective of ``chosen`` given the final loss of each included settlement."""

    @abstractmethod
    def relaxation_bound(self, instance: _Instance, value: float) -> float:
        """The bound on the objective that the optimum ``value`` of the LP relaxation of :meth:`build` gives."""

    def greedy(self, instance: _Instance, limit: int | None, districts: _Districts) -> tuple[list[int], str]:
        """The greedy's picks in order, and the name of the method ("greedy")."""
        return _greedy(instance, limit, districts), "greedy"

    def greedy_bound(self, instance: _Instance, objective: float, districts: _Districts) -> float | None:
        """A bound the greedy's answer guarantees by itself (none by default)."""
        return None

    # --- the same for every model -------------------------------------------------------------------------------

    def instance(
        self,
        minutes: np.ndarray,
        demand: np.ndarray | None,
        fixed_minutes: np.ndarray | None,
        threshold_minutes: float | None,
    ) -> _Instance:
        """The inputs checked and reduced to the model's losses (see :class:`SitingModel`)."""
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
        return self._reduce(minutes, fixed, demand, threshold_minutes)

    def build(
        self, instance: _Instance, limit: int | None, districts: _Districts, *, relax: bool
    ) -> tuple[pulp.LpProblem, list[pulp.LpVariable]]:
        """The integer programme (or its LP relaxation) of ``instance``; returns (problem, site variables).

        The site variables ``x_j`` (binary, or in [0, 1] when relaxed), the model's own variables and constraints
        (its docstring), at most ``limit`` sites when given, and one site in each required district.
        """
        category = pulp.LpContinuous if relax else pulp.LpBinary
        problem = pulp.LpProblem(self.name, pulp.LpMaximize if self.maximise else pulp.LpMinimize)
        sites = [problem.add_variable(f"x_{j}", 0, 1, category) for j in range(instance.loss.shape[0])]
        problem += pulp.LpAffineExpression(self._terms(problem, sites, instance))
        if limit is not None:
            problem += pulp.lpSum(sites) <= limit
        for d in districts.needed:
            problem += pulp.lpSum(sites[j] for j in np.flatnonzero(districts.members[d])) >= 1
        return problem, sites

    def exact(
        self,
        instance: _Instance,
        limit: int | None,
        districts: _Districts,
        *,
        time_limit_s: float,
        solver: SolverFactory | None = None,
    ) -> tuple[list[int], str, str]:
        """The integer programme solved: (chosen rows, "optimal" or "feasible", the solver's name)."""
        problem, sites = self.build(instance, limit, districts, relax=False)
        status, label = _run(problem, solver or self.solver, time_limit_s)
        chosen = [j for j, x in enumerate(sites) if (x.varValue or 0.0) > 0.5]
        return chosen, "optimal" if status == pulp.LpSolutionOptimal else "feasible", label

    def lp_bound(
        self,
        instance: _Instance,
        limit: int | None,
        districts: _Districts,
        *,
        time_limit_s: float,
        solver: SolverFactory | None = None,
    ) -> float:
        """The bound of the LP relaxation of :meth:`build` (see :meth:`relaxation_bound`)."""
        problem, _ = self.build(instance, limit, districts, relax=True)
        _run(problem, solver or self.solver, time_limit_s)
        return self.relaxation_bound(instance, float(pulp.value(problem.objective) or 0.0))

    def solve(
        self,
        minutes: np.ndarray,
        demand: np.ndarray | None = None,
        *,
        add: int | None = None,
        threshold_minutes: float | None = None,
        **options: Unpack[SitingOptions],
    ) -> SitingResult:
        """This model solved as asked.

        Parameters
        ----------
        minutes, demand
            See the module text; ``demand`` None counts every settlement as 1.
        add : int, optional
            K, the sites to add; required when :attr:`takes_k`, ignored otherwise.
        threshold_minutes : float, optional
            T; required by the coverage models, ignored by p-median.
        **options
            :class:`SitingOptions`, described in :func:`maximal_coverage`; ``solver`` overrides :attr:`solver`.
        """
        for key in options:
            if key not in SitingOptions.__annotations__:
                owners = [m.function or m.name for m in MODELS.values() if key in {f.name for f in fields(m)}]
                where = f"; it is a setting of {' and '.join(owners)} only" if owners else ""
                raise TypeError(f"{self.function or self.name}() got an unexpected keyword argument {key!r}{where}.")
        return self._solve(minutes, demand, add=add, threshold_minutes=threshold_minutes, **options)

    def _solve(
        self,
        minutes: np.ndarray,
        demand: np.ndarray | None,
        *,
        add: int | None,
        threshold_minutes: float | None,
        fixed_minutes: np.ndarray | None = None,
        method: str = "greedy",
        district_of_site: np.ndarray | None = None,
        district_of_fixed: np.ndarray | None = None,
        require_districts: Collection[int] | None = None,
        lp_bound: bool = False,
        time_limit_s: float = EXACT_TIME_LIMIT_S,
        solver: SolverFactory | None = None,
    ) -> SitingResult:
        if method not in METHODS:
            raise SitingError(f"`method` must be one of {METHODS}; got {method!r}.")
        instance = self.instance(minutes, demand, fixed_minutes, threshold_minutes)
        n_candidates = instance.loss.shape[0]
        districts = _districts(
            district_of_site,
            district_of_fixed,
            require_districts,
            n_candidates,
            0 if fixed_minutes is None else np.asarray(fixed_minutes).shape[0],
        )
        limit = None
        if self.takes_k:
            if add is None:
                raise SitingError(f"`model={self.name!r}` needs `add`, the number of sites to add (K).")
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
            chosen, status, solver_name = self.exact(
                instance, limit, districts, time_limit_s=time_limit_s, solver=solver
            )
            chosen = _prune(instance, _order(instance, chosen), districts)
        else:
            chosen, solver_name = self.greedy(instance, limit, districts)
            status = "heuristic"
        gain, gain_settlements, final = _gains(instance, chosen)
        objective = self.objective(instance, chosen, final)
        bound = bound_kind = None
        if status == "optimal":
            bound, bound_kind = objective, "optimal"
        elif method == "greedy":
            bound = self.greedy_bound(instance, objective, districts)
            bound_kind = None if bound is None else "greedy_guarantee"
            if lp_bound:
                lp = self.lp_bound(instance, limit, districts, time_limit_s=time_limit_s, solver=solver)
                if bound is None or (lp < bound if self.maximise else lp > bound):
                    bound, bound_kind = lp, "lp"
            if limit is not None and limit == n_candidates and not districts.needed:
                bound, bound_kind = objective, "optimal"  # every candidate is open: nothing better exists
        unserved = instance.included[final >= instance.unserved_loss]
        return SitingResult(
            model=self.name,
            solver=solver_name,
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


@dataclass(frozen=True)
class _CoverageModel(SitingModel):
    """A model on coverage: a settlement's loss is 0 within ``T`` minutes of a service, 1 beyond."""

    weighs_demand: ClassVar[bool]
    """The choice weighs each settlement by its demand (else every settlement counts 1)."""

    def _reduce(
        self, minutes: np.ndarray, fixed: np.ndarray, demand: np.ndarray, threshold_minutes: float | None
    ) -> _Instance:
        if threshold_minutes is None or not threshold_minutes >= 0:
            raise SitingError(f"`threshold_minutes` must be a number >= 0; got {threshold_minutes!r}.")
        from planning.coverage import is_within  # here: the module loads geopandas, which the CLI's parsers avoid

        covers = is_within(minutes, threshold_minutes)
        fixed_covers = np.asarray(is_within(fixed, threshold_minutes).any(axis=0))  # 1-D: one per settlement
        included = np.flatnonzero(covers.any(axis=0) | fixed_covers)
        return _Instance(
            loss=np.where(covers[:, included], 0.0, 1.0),
            base=np.where(fixed_covers[included], 0.0, 1.0),
            select_weight=demand[included] if self.weighs_demand else np.ones(included.size),
            demand=demand[included],
            included=included,
            unreachable=_unreachable(included, minutes.shape[1]),
            constant=float(demand[fixed_covers].sum()),
            unserved_loss=1.0,
            penalty_minutes=None,
        )


@dataclass(frozen=True)
class MaximalCoverage(_CoverageModel):
    r"""Maximal covering location problem (MCLP): at most K added sites, the most demand within T minutes.

    Sets
        ``I`` settlements some candidate or existing site reaches within ``T``; ``O ⊆ I`` those no existing site
        covers and whose demand is above 0; ``J`` candidates; ``N_i = {j ∈ J : t_ij ≤ T}``; ``J_g`` the candidates
        of district ``g``; ``G`` the required districts that hold no existing site but some candidate.
    Data
        ``d_i`` demand, ``t_ij`` minutes, ``T`` threshold, ``K`` sites to add, ``C`` the demand the existing sites
        already cover.
    Variables
        ``x_j ∈ {0, 1}``: candidate ``j`` is added; ``y_i ∈ [0, 1]``: settlement ``i ∈ O`` is newly covered
        (integral at the optimum, since the ``x_j`` are).
    Objective
        maximise ``C + Σ_{i∈O} d_i y_i``.
    Constraints
        ``y_i ≤ Σ_{j∈N_i} x_j`` for ``i ∈ O``; ``Σ_j x_j ≤ K``; ``Σ_{j∈J_g} x_j ≥ 1`` for ``g ∈ G``.
    Greedy
        The site that newly covers the most demand, while it covers more than the tolerance; the answer is at
        least ``1 - 1/e`` of the best added coverage (:data:`GREEDY_GUARANTEE`, submodularity), which gives an upper
        bound when no district is required. LP bound: ``C +`` the relaxation's optimum.
    """

    name: ClassVar[str] = "mclp"
    takes_k: ClassVar[bool] = True
    maximise: ClassVar[bool] = True
    counts_released_cells: ClassVar[bool] = True
    objective_counts_demand: ClassVar[bool] = True
    objective_counts_sites: ClassVar[bool] = False
    robust: ClassVar[bool] = True
    function: ClassVar[str | None] = "maximal_coverage"
    weighs_demand: ClassVar[bool] = True

    def _terms(
        self, problem: pulp.LpProblem, sites: list[pulp.LpVariable], instance: _Instance
    ) -> list[tuple[pulp.LpVariable, float]]:
        terms = []
        for i in np.flatnonzero(instance.base > 0):  # settlements the existing sites leave outside T
            if instance.demand[i] == 0:
                continue
            cover = pulp.LpAffineExpression([(sites[j], 1.0) for j in np.flatnonzero(instance.loss[:, i] == 0)])
            covered = problem.add_variable(f"y_{i}", 0, 1)
            problem += cover - covered >= 0
            terms.append((covered, instance.demand[i]))
        return terms

    def objective(self, instance: _Instance, chosen: list[int], final: np.ndarray) -> float:
        return float(instance.demand @ (1.0 - final))

    def relaxation_bound(self, instance: _Instance, value: float) -> float:
        return instance.constant + value

    def greedy_bound(self, instance: _Instance, objective: float, districts: _Districts) -> float | None:
        if districts.needed:
            return None
        added = objective - instance.constant
        return min(instance.constant + added / GREEDY_GUARANTEE, float(instance.demand.sum()))


@dataclass(frozen=True)
class SetCover(_CoverageModel):
    r"""Location set covering problem (LSCP): the fewest added sites that bring every reachable settlement
    within T minutes.

    Sets
        ``I`` settlements some candidate or existing site reaches within ``T`` (the others are reported as
        unreachable); ``O ⊆ I`` those no existing site covers; ``J``, ``N_i``, ``J_g``, ``G`` as in
        :class:`MaximalCoverage`.
    Variables
        ``x_j ∈ {0, 1}``: candidate ``j`` is added.
    Objective
        minimise ``Σ_j x_j``.
    Constraints
        ``Σ_{j∈N_i} x_j ≥ 1`` for ``i ∈ O``; ``Σ_{j∈J_g} x_j ≥ 1`` for ``g ∈ G``. No K: the model adds as many
        sites as it needs.
    Greedy
        The site that newly covers the most settlements (each counts 1, whatever its demand) until all are
        covered; the demand only serves to report each site's gain. LP bound: the relaxation's optimum rounded up.
    """

    name: ClassVar[str] = "lscp"
    takes_k: ClassVar[bool] = False
    maximise: ClassVar[bool] = False
    counts_released_cells: ClassVar[bool] = True
    objective_counts_demand: ClassVar[bool] = False
    objective_counts_sites: ClassVar[bool] = True
    function: ClassVar[str | None] = "set_cover"
    weighs_demand: ClassVar[bool] = False

    def _terms(
        self, problem: pulp.LpProblem, sites: list[pulp.LpVariable], instance: _Instance
    ) -> list[tuple[pulp.LpVariable, float]]:
        for i in np.flatnonzero(instance.base > 0):  # settlements the existing sites leave outside T
            problem += pulp.LpAffineExpression([(sites[j], 1.0) for j in np.flatnonzero(instance.loss[:, i] == 0)]) >= 1
        return [(x, 1.0) for x in sites]

    def objective(self, instance: _Instance, chosen: list[int], final: np.ndarray) -> float:
        return float(len(chosen))

    def relaxation_bound(self, instance: _Instance, value: float) -> float:
        return float(math.ceil(value - 1e-6))


@dataclass(frozen=True)
class PMedian(SitingModel):
    r"""p-median: at most K added sites, the least demand-weighted minutes to the nearest service.

    Sets
        ``I`` settlements some candidate or existing site reaches at all (finite minutes; the others are reported
        as unreachable); ``O ⊆ I`` those whose demand is above 0 and whose cost with the existing sites only is
        above 0; ``B_i = {j ∈ J : c_ij < c_i}`` the candidates that would serve ``i`` better; ``J_g``, ``G`` as
        in :class:`MaximalCoverage`.
    Data
        ``P`` the minutes of an unserved settlement (:attr:`unserved_minutes`, default
        :data:`UNSERVED_PENALTY_FACTOR` × the longest finite travel time); ``c_ij = min(t_ij, P)``;
        ``c_i = min(P, min_{f∈F} t_if)`` the cost with the existing sites only.
    Variables
        ``x_j ∈ {0, 1}``: candidate ``j`` is added; ``z_ij ∈ [0, 1]`` for ``j ∈ B_i``: ``i`` is served from ``j``;
        ``s_i ∈ [0, 1]``: ``i`` stays with the existing sites (or unserved, at ``P``).
    Objective
        minimise ``Σ_{i∈O} d_i (c_i s_i + Σ_{j∈B_i} c_ij z_ij)``.
    Constraints
        ``s_i + Σ_{j∈B_i} z_ij = 1`` for ``i ∈ O``; ``z_ij ≤ x_j``; ``Σ_j x_j ≤ K``; ``Σ_{j∈J_g} x_j ≥ 1`` for
        ``g ∈ G``.
    Greedy
        The site that saves the most demand-weighted minutes, then (when :attr:`swap`) one pass that replaces each
        chosen site by the candidate that saves most in its place. LP bound: the relaxation's optimum.

    Attributes
    ----------
    swap : bool
        Greedy only: after adding, try once to replace each chosen site by the best other candidate.
    unserved_minutes : float, optional
        ``P``, minutes; must exceed the longest finite travel time.
    """

    name: ClassVar[str] = "pmedian"
    takes_k: ClassVar[bool] = True
    maximise: ClassVar[bool] = False
    counts_released_cells: ClassVar[bool] = False
    objective_counts_demand: ClassVar[bool] = False
    objective_counts_sites: ClassVar[bool] = False
    function: ClassVar[str | None] = "p_median"

    swap: bool = True
    unserved_minutes: float | None = None

    def _reduce(
        self, minutes: np.ndarray, fixed: np.ndarray, demand: np.ndarray, threshold_minutes: float | None
    ) -> _Instance:
        reach = np.isfinite(minutes).any(axis=0) | np.isfinite(fixed).any(axis=0)
        finite_max = max(
            (float(m[np.isfinite(m)].max()) for m in (minutes, fixed) if np.isfinite(m).any()), default=0.0
        )
        penalty = (
            UNSERVED_PENALTY_FACTOR * max(finite_max, 1.0) if self.unserved_minutes is None else self.unserved_minutes
        )
        if not penalty > finite_max:
            raise SitingError(
                f"`unserved_minutes` must exceed the longest finite travel time ({finite_max:.1f} min); "
                f"got {self.unserved_minutes!r}."
            )
        included = np.flatnonzero(reach)
        return _Instance(
            loss=np.minimum(minutes[:, included], penalty),
            base=np.minimum(fixed[:, included].min(axis=0, initial=np.inf), penalty),
            select_weight=demand[included],
            demand=demand[included],
            included=included,
            unreachable=_unreachable(included, minutes.shape[1]),
            constant=0.0,
            unserved_loss=float(penalty),
            penalty_minutes=float(penalty),
        )

    def _terms(
        self, problem: pulp.LpProblem, sites: list[pulp.LpVariable], instance: _Instance
    ) -> list[tuple[pulp.LpVariable, float]]:
        terms = []
        for i in np.flatnonzero(instance.base > 0):  # settlements with a cost left by the existing sites
            if instance.demand[i] == 0:
                continue
            better = np.flatnonzero(instance.loss[:, i] < instance.base[i])  # finite pairs that can help
            stay = problem.add_variable(f"s_{i}", 0, 1)  # served by an existing site, or unserved (penalty)
            assign = [problem.add_variable(f"z_{i}_{j}", 0, 1) for j in better]
            problem += pulp.LpAffineExpression([(stay, 1.0)] + [(z, 1.0) for z in assign]) == 1
            for z, j in zip(assign, better):
                problem += z <= sites[j]
            terms.append((stay, instance.demand[i] * instance.base[i]))
            terms.extend((z, instance.demand[i] * instance.loss[j, i]) for z, j in zip(assign, better))
        return terms

    def objective(self, instance: _Instance, chosen: list[int], final: np.ndarray) -> float:
        return float(instance.demand @ final)

    def relaxation_bound(self, instance: _Instance, value: float) -> float:
        return value

    def greedy(self, instance: _Instance, limit: int | None, districts: _Districts) -> tuple[list[int], str]:
        chosen = _greedy(instance, limit, districts)
        if not (self.swap and chosen):
            return chosen, "greedy"
        return _prune(instance, _order(instance, _swap_pass(instance, chosen, districts)), districts), "greedy+swap"


MCLP = MaximalCoverage()
LSCP = SetCover()
PMEDIAN = PMedian()

MODELS: Mapping[str, SitingModel] = MappingProxyType({m.name: m for m in (MCLP, LSCP, PMEDIAN)})
"""Every siting model by its name, in the order the page and the command line offer them."""


def model_of(model: str | SitingModel) -> SitingModel:
    """The model named ``model`` in :data:`MODELS` (a model object is returned as it is).

    Raises
    ------
    SitingError
        For a name that is not in :data:`MODELS`.
    """
    if isinstance(model, SitingModel):
        return model
    found = MODELS.get(model)
    if found is None:
        raise SitingError(f"`model` must be one of {tuple(MODELS)}; got {model!r}.")
    return found


# --- the models as functions ------------------------------------------------------------------------------------


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
            Exact only (and the LP bound): the solver's time limit in seconds; default :data:`EXACT_TIME_LIMIT_S`.
        solver : SolverFactory, optional
            Makes the PuLP solver of the exact model and the LP bound from the time limit; default the model's
            (:func:`cbc`).

    Returns
    -------
    SitingResult
    """
    return MCLP.solve(minutes, demand, add=add, threshold_minutes=threshold_minutes, **options)


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
    return LSCP.solve(minutes, demand, threshold_minutes=threshold_minutes, **options)


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
    return replace(PMEDIAN, swap=swap, unserved_minutes=unserved_minutes).solve(minutes, demand, add=add, **options)


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

    loss: np.ndarray  # (n_candidates, n_included) float64
    base: np.ndarray  # (n_included,) loss with the existing sites only
    select_weight: np.ndarray  # (n_included,) weight the choice optimises
    demand: np.ndarray  # (n_included,) demand, for reporting
    included: np.ndarray  # (n_included,) settlement indices
    unreachable: tuple[int, ...]
    constant: float  # mclp: demand the existing sites already cover (part of the objective, not a variable)
    unserved_loss: float  # a settlement whose final loss is at least this is unserved
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


def _unreachable(included: np.ndarray, n_settlements: int) -> tuple[int, ...]:
    return tuple(int(i) for i in np.setdiff1d(np.arange(n_settlements), included))


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


def _gap(objective: float, bound: float) -> float:
    if bound == objective:
        return 0.0
    return abs(objective - bound) / abs(bound) if bound else math.inf


# --- exact ----------------------------------------------------------------------------------------------------


def _run(problem: pulp.LpProblem, solver: SolverFactory, time_limit_s: float) -> tuple[int, str]:
    """Solves ``problem`` with the solver ``solver`` makes; returns (PuLP's solution status, the solver's name)."""
    made = solver(time_limit_s)
    name = "cbc" if isinstance(made, pulp.COIN_CMD) else str(getattr(made, "name", type(made).__name__)).lower()
    problem.solve(made)
    if problem.sol_status not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
        raise SitingError(
            f"The solver ({name}) found no solution for {problem.name} ({pulp.LpSolution[problem.sol_status]}). "
            f"Raise `time_limit_s` (was {time_limit_s} s) or use method='greedy'."
        )
    return problem.sol_status, name


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
