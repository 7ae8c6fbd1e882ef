"""Mobile-team circuits: which villages each team visits on which day, in which order (issue 20).

Pure core, no streamlit. The problem is a vehicle-routing problem on a square travel-time matrix over *nodes*: one
node per team base (``0 .. n_teams-1``) followed by the villages to visit (``n_teams ..``). Every working day of a
team is one vehicle that leaves the team's base, visits villages (``visit_minutes`` each) and is back at the base
within ``day_minutes``. Objective, in this order: every village visited once per cycle; in the fewest team-days;
where not every village fits, the most demand (population) visited; then the least driving.

Two engines solve it: OR-Tools' routing library (:func:`solve_ortools`: a time dimension, one vehicle per team-day
with a fixed cost, optional visits with penalties) and VROOM (:func:`solve_vroom`). ``bench/bench_circuits.py``
compares both on the bundled region against :func:`lower_bound_days` and :func:`nearest_neighbour`.
Villages that no team can reach and return from within a day are left out before solving, with the reason.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from geo.errors import QorgauError

ENGINE_ORTOOLS = "ortools"
ENGINE_VROOM = "vroom"
ENGINE_NEAREST = "nearest"
ENGINES = (ENGINE_ORTOOLS, ENGINE_VROOM)
DEFAULT_ENGINE = ENGINE_VROOM
"""The engine the CLI and the page use (the better one on the bundled region; see bench/bench_circuits.py)."""

REASON_TOO_FAR = "too_far"
"""Driving out, one visit and driving back takes longer than the working day of every team."""
REASON_UNREACHABLE = "unreachable"
"""No travel time from any base (no road and no estimate)."""
REASON_NO_TIME = "no_time"
"""Reachable, but the cycle's team-days are used up by villages of more demand."""
REASONS = (REASON_TOO_FAR, REASON_UNREACHABLE, REASON_NO_TIME)

MINUTES_PER_HOUR = 60.0
MAX_DAY_HOURS = 24.0
MAX_CYCLE_DAYS = 366
TIME_SCALE = 10
"""Integer units per minute handed to the engines (0.1 min resolution)."""
DEFAULT_TIME_LIMIT_S = 20.0
"""OR-Tools' local-search budget per solve, seconds (VROOM stops by itself)."""
VROOM_EXPLORATION = 5
"""VROOM's exploration level (0..5)."""
VROOM_THREADS = 2


class TeamError(QorgauError, ValueError):
    """A team's settings are invalid; the message names the row, the column and the fix."""

    def __init__(
        self, message: str, *, row: int | None = None, column: str | None = None, key: str = "", params: tuple = ()
    ):
        super().__init__(message)
        self.row = row
        self.column = column
        self.key = key
        self.params = params

    def message(self, lang: str) -> str:
        """The message in ``lang`` (catalog entry ``circuits.err.<key>``), with the row and column."""
        from planning.i18n import t

        if not self.key:
            return str(self)
        text = t(f"circuits.err.{self.key}", lang, column=self.column or "", **dict(self.params))
        return t("circuits.err.row", lang, row=self.row, text=text) if self.row is not None else text


@dataclass(frozen=True)
class Team:
    """A mobile team.

    Attributes
    ----------
    name : str
    base : str
        The base as given (settlement or service id or name); resolved to a point by the caller.
    day_minutes : float
        Length of a working day, drive out and back included, minutes.
    visit_minutes : float
        Time spent in each village, minutes.
    days : int
        Working days in a cycle (e.g. 10 in two weeks).
    """

    name: str
    base: str
    day_minutes: float
    visit_minutes: float
    days: int


def check_team(team: Team, *, row: int | None = None) -> Team:
    """``team`` if its settings make sense, else :class:`TeamError` naming ``row`` and the column.

    Raises
    ------
    TeamError
        A day not longer than 0 or than 24 h, a visit of 0 minutes or longer than the day, days not in 1..366.
    """
    where = f"row {row}: " if row is not None else ""
    if not team.name.strip():
        raise TeamError(
            f"{where}column 'name' is empty; give each team a name", row=row, column="name", key="name_empty"
        )
    if not (0 < team.day_minutes <= MAX_DAY_HOURS * MINUTES_PER_HOUR) or math.isnan(team.day_minutes):
        raise TeamError(
            f"{where}column 'day_hours' is {team.day_minutes / MINUTES_PER_HOUR:g}; give hours in (0, 24]",
            row=row,
            column="day_hours",
            key="day_hours",
            params=(("value", f"{team.day_minutes / MINUTES_PER_HOUR:g}"),),
        )
    if not (team.visit_minutes > 0) or math.isnan(team.visit_minutes):
        raise TeamError(
            f"{where}column 'visit_minutes' is {team.visit_minutes:g}; give a positive number of minutes",
            row=row,
            column="visit_minutes",
            key="visit_minutes",
            params=(("value", f"{team.visit_minutes:g}"),),
        )
    if team.visit_minutes > team.day_minutes:
        raise TeamError(
            f"{where}the day ({team.day_minutes / MINUTES_PER_HOUR:g} h, column 'day_hours') is shorter than one visit "
            f"({team.visit_minutes:g} min, column 'visit_minutes'); lengthen the day or shorten the visit",
            row=row,
            column="day_hours",
            key="day_shorter",
            params=(("hours", f"{team.day_minutes / MINUTES_PER_HOUR:g}"), ("visit", f"{team.visit_minutes:g}")),
        )
    if not (1 <= team.days <= MAX_CYCLE_DAYS) or int(team.days) != team.days:
        raise TeamError(
            f"{where}column 'days' is {team.days}; give a whole number of working days in 1..{MAX_CYCLE_DAYS}",
            row=row,
            column="days",
            key="days",
            params=(("value", f"{team.days}"), ("max", MAX_CYCLE_DAYS)),
        )
    return team


@dataclass(frozen=True)
class Instance:
    """What the engines solve.

    Attributes
    ----------
    minutes : ndarray of float, shape (n_teams + n_villages, n_teams + n_villages)
        Driving minutes from node to node (``inf`` = no way); nodes are the teams' bases, then the villages.
    teams : tuple of Team
    weight : ndarray of float, shape (n_villages,)
        Demand of each village (population; unknown ones filled by the caller, never 0 for unknown).
    """

    minutes: np.ndarray
    teams: tuple[Team, ...]
    weight: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.teams) + len(self.weight)
        if self.minutes.shape != (n, n):
            raise ValueError(f"`minutes` must be {n}x{n} (bases then villages); got {self.minutes.shape}")

    @property
    def n_teams(self) -> int:
        return len(self.teams)

    @property
    def n_villages(self) -> int:
        return len(self.weight)

    def round_trip(self) -> np.ndarray:
        """Minutes to drive from each base to each village, visit it and drive back, shape (n_teams, n_villages)."""
        k = self.n_teams
        out = self.minutes[:k, k:] + self.minutes[k:, :k].T
        return out + np.array([t.visit_minutes for t in self.teams])[:, None]


@dataclass(frozen=True)
class Stop:
    """One village of a day: its position in the instance's villages and the minute of arrival after leaving base."""

    village: int
    arrival_minutes: float


@dataclass(frozen=True)
class Day:
    """One team-day: the team (position), the day of the cycle (1-based), the stops in order, minutes driven and the
    minute of return to base."""

    team: int
    day: int
    stops: tuple[Stop, ...]
    drive_minutes: float
    total_minutes: float


@dataclass(frozen=True)
class Plan:
    """A circuit plan.

    Attributes
    ----------
    days : tuple of Day
        The used team-days only.
    left_out : dict
        Village position → reason (one of :data:`REASONS`).
    engine : str
    seconds : float
        Wall time of the solve.
    """

    days: tuple[Day, ...]
    left_out: dict[int, str]
    engine: str
    seconds: float = 0.0
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def team_days(self) -> int:
        return len(self.days)

    @property
    def visited(self) -> list[int]:
        return [s.village for d in self.days for s in d.stops]

    def drive_minutes(self) -> float:
        return float(sum(d.drive_minutes for d in self.days))


ProgressFn = Callable[[float], None]


# ----------------------------------------------------------------------------------------------------------------
# screening, bounds, checks
# ----------------------------------------------------------------------------------------------------------------
def screen(instance: Instance) -> tuple[np.ndarray, dict[int, str]]:
    """Villages some team can visit in one day (positions) and the others with their reason."""
    trip = instance.round_trip()
    day = np.array([t.day_minutes for t in instance.teams])[:, None]
    fits = (trip <= day).any(axis=0) if instance.n_teams else np.zeros(instance.n_villages, bool)
    finite = np.isfinite(trip).any(axis=0) if instance.n_teams else np.zeros(instance.n_villages, bool)
    left = {int(v): (REASON_TOO_FAR if finite[v] else REASON_UNREACHABLE) for v in np.flatnonzero(~fits)}
    return np.flatnonzero(fits), left


def lower_bound_days(instance: Instance, villages: Sequence[int] | np.ndarray | None = None) -> int:
    """A lower bound on the team-days that visit ``villages`` (default: all that fit a day).

    Each visited village costs at least its visit plus the shortest drive into it from any village or base; a day
    holds at most the longest day budget of the teams. The bound is the ceiling of the sum over that budget.
    """
    chosen = screen(instance)[0] if villages is None else np.asarray(villages, dtype=np.int64)
    if not len(chosen) or not instance.n_teams:
        return 0
    k = instance.n_teams
    nodes = np.concatenate([np.arange(k), k + chosen])
    sub = instance.minutes[np.ix_(nodes, k + chosen)].astype(float).copy()
    sub[k + np.arange(len(chosen)), np.arange(len(chosen))] = np.inf  # no self loops
    into = sub.min(axis=0)
    visit = min(t.visit_minutes for t in instance.teams)
    budget = max(t.day_minutes for t in instance.teams)
    return int(math.ceil(float(np.sum(into + visit)) / budget - 1e-9))


def check_plan(instance: Instance, plan: Plan, *, tolerance_minutes: float = 0.5) -> list[str]:
    """Every problem of ``plan`` as a sentence (empty: the plan is sound): a day over its budget, a team using more
    days than it has, a village visited twice, a village neither visited nor left out, arrival times that do not add
    up."""
    problems = []
    k = instance.n_teams
    seen: dict[int, int] = {}
    used: dict[int, set[int]] = {}
    for d in plan.days:
        team = instance.teams[d.team]
        used.setdefault(d.team, set()).add(d.day)
        if not (1 <= d.day <= team.days):
            problems.append(f"{team.name}: day {d.day} outside 1..{team.days}")
        clock, node, drive = 0.0, d.team, 0.0
        for s in d.stops:
            leg = float(instance.minutes[node, k + s.village])
            clock += leg
            drive += leg
            if abs(clock - s.arrival_minutes) > tolerance_minutes:
                problems.append(f"{team.name} day {d.day}: arrival {s.arrival_minutes:.1f} != {clock:.1f}")
            clock += team.visit_minutes
            node = k + s.village
            seen[s.village] = seen.get(s.village, 0) + 1
        leg = float(instance.minutes[node, d.team])
        clock += leg
        drive += leg
        if clock > team.day_minutes + tolerance_minutes:
            problems.append(f"{team.name} day {d.day}: {clock:.1f} min > day of {team.day_minutes:g}")
        if abs(clock - d.total_minutes) > tolerance_minutes or abs(drive - d.drive_minutes) > tolerance_minutes:
            problems.append(f"{team.name} day {d.day}: totals {d.total_minutes:.1f}/{d.drive_minutes:.1f} wrong")
    for v, n in seen.items():
        if n > 1:
            problems.append(f"village {v} visited {n} times")
        if v in plan.left_out:
            problems.append(f"village {v} both visited and left out")
    missing = set(range(instance.n_villages)) - set(seen) - set(plan.left_out)
    if missing:
        problems.append(f"villages neither visited nor left out: {sorted(missing)}")
    return problems


def _day(instance: Instance, team: int, day: int, order: Sequence[int]) -> Day:
    """A :class:`Day` with times recomputed from the matrix (the engines' integer times are not reported)."""
    k = instance.n_teams
    visit = instance.teams[team].visit_minutes
    clock, node, drive, stops = 0.0, team, 0.0, []
    for v in order:
        leg = float(instance.minutes[node, k + v])
        clock += leg
        drive += leg
        stops.append(Stop(int(v), round(clock, 1)))
        clock += visit
        node = k + int(v)
    leg = float(instance.minutes[node, team])
    return Day(team, day, tuple(stops), round(drive + leg, 1), round(clock + leg, 1))


def _finish(
    instance: Instance, routes: dict[int, list[list[int]]], left: dict[int, str], engine: str, t0: float
) -> Plan:
    """Number each team's non-empty days 1.. and mark unvisited screened villages as :data:`REASON_NO_TIME`."""
    days: list[Day] = []
    for team in sorted(routes):
        non_empty = [r for r in routes[team] if r]
        days.extend(_day(instance, team, i + 1, r) for i, r in enumerate(non_empty))
    visited = {s.village for d in days for s in d.stops}
    left = dict(left)
    for v in range(instance.n_villages):
        if v not in visited and v not in left:
            left[v] = REASON_NO_TIME
    return Plan(tuple(days), left, engine, round(time.perf_counter() - t0, 2))


def _weights(instance: Instance, villages: np.ndarray) -> np.ndarray:
    w = np.asarray(instance.weight, float)[villages]
    return np.where(np.isfinite(w) & (w > 0), w, 0.0)


def _penalties(instance: Instance, villages: np.ndarray, day_cost: int) -> list[int]:
    """Penalty for leaving each village out: more than a whole day's cost (so dropping a village never beats adding
    a day), doubled for the village of most demand (so when days run out, demand decides)."""
    w = _weights(instance, villages)
    top = float(w.max()) if len(w) and w.max() > 0 else 1.0
    base = 4 * day_cost
    return [int(base + base * x / top) for x in w]


def _routing_input(instance: Instance, fits: np.ndarray) -> tuple[np.ndarray, int, np.ndarray]:
    """What both routing engines see: the nodes (the teams' bases, then the villages ``fits`` that fit a day), the
    longest day (scaled minutes) and the nodes' integer travel times, a missing leg costing more than ten days."""
    nodes = np.concatenate([np.arange(instance.n_teams), instance.n_teams + fits])
    max_day = int(max(t.day_minutes for t in instance.teams) * TIME_SCALE)
    return nodes, max_day, _int_matrix(instance, nodes, 10 * max_day + 1)


def _int_matrix(instance: Instance, nodes: np.ndarray, big: int) -> np.ndarray:
    m = instance.minutes[np.ix_(nodes, nodes)].astype(float)
    out = np.where(np.isfinite(m), np.round(m * TIME_SCALE), big)
    return np.minimum(out, big).astype(np.int64)


# ----------------------------------------------------------------------------------------------------------------
# engines
# ----------------------------------------------------------------------------------------------------------------
def solve(
    instance: Instance,
    *,
    engine: str = DEFAULT_ENGINE,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    progress: ProgressFn | None = None,
) -> Plan:
    """A plan by ``engine`` (:data:`ENGINES` or :data:`ENGINE_NEAREST`)."""
    if engine == ENGINE_ORTOOLS:
        return solve_ortools(instance, time_limit_s=time_limit_s, progress=progress)
    if engine == ENGINE_VROOM:
        return solve_vroom(instance, progress=progress)
    if engine == ENGINE_NEAREST:
        return nearest_neighbour(instance)
    raise ValueError(f"`engine` must be one of {(*ENGINES, ENGINE_NEAREST)}; got {engine!r}")


def solve_ortools(
    instance: Instance, *, time_limit_s: float = DEFAULT_TIME_LIMIT_S, progress: ProgressFn | None = None
) -> Plan:
    """OR-Tools routing: one vehicle per team-day (start = end = the team's base, fixed cost = a day), a time
    dimension capped at the day (drive + visit), optional visits with demand-weighted penalties; cheapest-arc start,
    guided local search for ``time_limit_s`` seconds."""
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    t0 = time.perf_counter()
    fits, left = screen(instance)
    k = instance.n_teams
    if not len(fits):
        return _finish(instance, {}, left, ENGINE_ORTOOLS, t0)
    nodes, max_day, matrix = _routing_input(instance, fits)
    n = len(nodes)
    vehicle_team = [ti for ti, t in enumerate(instance.teams) for _ in range(int(t.days))]
    manager = pywrapcp.RoutingIndexManager(n, len(vehicle_team), vehicle_team, vehicle_team)
    routing = pywrapcp.RoutingModel(manager)
    mat = matrix.tolist()

    def drive(i: int, j: int) -> int:
        return mat[manager.IndexToNode(i)][manager.IndexToNode(j)]

    drive_cb = routing.RegisterTransitCallback(drive)
    routing.SetArcCostEvaluatorOfAllVehicles(drive_cb)
    callbacks = []
    for team in instance.teams:
        visit = int(round(team.visit_minutes * TIME_SCALE))

        def timed(i: int, j: int, visit: int = visit) -> int:
            a = manager.IndexToNode(i)
            return mat[a][manager.IndexToNode(j)] + (visit if a >= k else 0)

        callbacks.append(routing.RegisterTransitCallback(timed))
    routing.AddDimensionWithVehicleTransitAndCapacity(
        [callbacks[ti] for ti in vehicle_team],
        0,
        [int(instance.teams[ti].day_minutes * TIME_SCALE) for ti in vehicle_team],
        True,
        "time",
    )
    day_cost = 2 * max_day
    routing.SetFixedCostOfAllVehicles(day_cost)
    for node, penalty in zip(range(k, n), _penalties(instance, fits, day_cost)):
        routing.AddDisjunction([manager.NodeToIndex(node)], penalty)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(int(time_limit_s * 1000))
    if progress is not None:
        started = time.perf_counter()

        def tick() -> None:
            progress(min(1.0, (time.perf_counter() - started) / max(time_limit_s, 1e-3)))

        routing.AddAtSolutionCallback(tick)
    solution = routing.SolveWithParameters(params)
    routes: dict[int, list[list[int]]] = {}
    if solution is not None:
        for vehicle, ti in enumerate(vehicle_team):
            order = []
            index = routing.Start(vehicle)
            while not routing.IsEnd(index):
                node = manager.IndexToNode(index)
                if node >= k:
                    order.append(int(fits[node - k]))
                index = solution.Value(routing.NextVar(index))
            routes.setdefault(ti, []).append(order)
    if progress is not None:
        progress(1.0)
    return _finish(instance, routes, left, ENGINE_ORTOOLS, t0)


def solve_vroom(instance: Instance, *, progress: ProgressFn | None = None) -> Plan:
    """VROOM: one vehicle per team-day (type = team, so each team's visit time is its own), a time window of the day,
    a fixed cost per day; jobs of higher demand get a higher priority for when not all fit."""
    import vroom

    t0 = time.perf_counter()
    fits, left = screen(instance)
    k = instance.n_teams
    if not len(fits):
        return _finish(instance, {}, left, ENGINE_VROOM, t0)
    nodes, max_day, matrix = _routing_input(instance, fits)
    problem = vroom.Input()
    problem.set_durations_matrix(profile="car", matrix_input=matrix)
    vehicle_team = [ti for ti, t in enumerate(instance.teams) for _ in range(int(t.days))]
    for vid, ti in enumerate(vehicle_team):
        team = instance.teams[ti]
        problem.add_vehicle(
            vroom.Vehicle(
                id=vid,
                start=ti,
                end=ti,
                time_window=vroom.TimeWindow(0, int(team.day_minutes * TIME_SCALE)),
                costs=vroom.VehicleCosts(fixed=2 * max_day, per_hour=3600),
                type=f"t{ti}",
            )
        )
    w = _weights(instance, fits)
    top = float(w.max()) if len(w) and w.max() > 0 else 1.0
    service = {f"t{ti}": int(round(t.visit_minutes * TIME_SCALE)) for ti, t in enumerate(instance.teams)}
    for j in range(len(fits)):
        problem.add_job(
            vroom.Job(
                id=j,
                location=k + j,
                default_service=max(service.values()),
                service_per_type=service,
                priority=int(1 + 99 * w[j] / top),
            )
        )
    solution = problem.solve(exploration_level=VROOM_EXPLORATION, nb_threads=VROOM_THREADS)
    routes: dict[int, list[list[int]]] = {ti: [] for ti in range(k)}
    frame = solution.routes
    for vid, group in frame[frame["type"] == "job"].groupby("vehicle_id", sort=False):
        ordered = group.sort_values("arrival") if "arrival" in group else group
        routes[vehicle_team[int(vid)]].append([int(fits[int(j)]) for j in ordered["id"]])
    if progress is not None:
        progress(1.0)
    return _finish(instance, routes, left, ENGINE_VROOM, t0)


def nearest_neighbour(instance: Instance) -> Plan:
    """The baseline: team by team, day by day, from the base drive to the nearest unvisited village from which the
    day can still end at the base; a day ends when none fits."""
    t0 = time.perf_counter()
    fits, left = screen(instance)
    k = instance.n_teams
    todo = set(int(v) for v in fits)
    routes: dict[int, list[list[int]]] = {}
    for ti, team in enumerate(instance.teams):
        for _ in range(int(team.days)):
            order: list[int] = []
            clock, node = 0.0, ti
            while todo:
                best, best_leg = -1, math.inf
                for v in todo:
                    leg = float(instance.minutes[node, k + v])
                    back = float(instance.minutes[k + v, ti])
                    if leg < best_leg and clock + leg + team.visit_minutes + back <= team.day_minutes:
                        best, best_leg = v, leg
                if best < 0:
                    break
                order.append(best)
                todo.discard(best)
                clock += best_leg + team.visit_minutes
                node = k + best
            routes.setdefault(ti, []).append(order)
            if not order:
                break
    return _finish(instance, routes, left, ENGINE_NEAREST, t0)


# ----------------------------------------------------------------------------------------------------------------
# how many teams, and where
# ----------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Sizing:
    """The result of :func:`fewest_teams`: the chosen candidate positions (bases), their plan and the tries."""

    bases: tuple[int, ...]
    plan: Plan | None
    tried: tuple[tuple[int, int], ...]
    """(number of teams, villages left out) for each count tried."""


def fewest_teams(
    minutes: np.ndarray,
    weight: np.ndarray,
    n_candidates: int,
    template: Team,
    *,
    engine: str = DEFAULT_ENGINE,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    max_teams: int = 20,
    progress: ProgressFn | None = None,
) -> Sizing:
    """The smallest number of teams like ``template`` (bases chosen among candidates) that visits every village that
    some candidate base can reach and return from within a day, once per cycle.

    Parameters
    ----------
    minutes : ndarray, shape (n_candidates + n_villages, n_candidates + n_villages)
        Candidate bases first (villages themselves may be candidates too, as extra nodes), then the villages.
    weight : ndarray, shape (n_villages,)
    n_candidates : int
    template : Team
        Day length, visit time and days per cycle of every team.

    Notes
    -----
    Counts from the lower bound (:func:`lower_bound_days` over the days per team) upwards. For a count ``p`` the bases
    are chosen greedily (p-median on round-trip minutes, each village counted once by its nearest chosen base) and the
    routing engine decides whether they visit every reachable village; the first ``p`` that does is returned.
    """
    v = len(weight)
    c = n_candidates
    trip = minutes[:c, c:] + minutes[c:, :c].T + template.visit_minutes
    reachable = np.flatnonzero((trip <= template.day_minutes).any(axis=0))
    if not len(reachable):
        return Sizing((), None, ())
    everyone = Instance(minutes, tuple(template for _ in range(c)), weight)
    need_days = lower_bound_days(everyone, reachable)
    start = max(1, math.ceil(need_days / template.days))
    cost = np.where(trip[:, reachable] <= template.day_minutes, trip[:, reachable], 1e6)
    tried = []
    for p in range(start, max_teams + 1):
        chosen: list[int] = []
        best_now = np.full(len(reachable), 1e7)
        for _ in range(p):
            totals = np.minimum(best_now[None, :], cost).sum(axis=1)
            totals[chosen] = np.inf
            pick = int(np.argmin(totals))
            chosen.append(pick)
            best_now = np.minimum(best_now, cost[pick])
        nodes = np.concatenate([np.array(chosen), c + np.arange(v)])
        sub = Instance(
            minutes[np.ix_(nodes, nodes)],
            tuple(
                Team(f"{i + 1}", str(b), template.day_minutes, template.visit_minutes, template.days)
                for i, b in enumerate(chosen)
            ),
            weight,
        )
        plan = solve(sub, engine=engine, time_limit_s=time_limit_s)
        missed = sum(1 for r in plan.left_out.values() if r == REASON_NO_TIME) + len(
            set(reachable) & {x for x, r in plan.left_out.items() if r != REASON_NO_TIME}
        )
        tried.append((p, missed))
        if progress is not None:
            progress(min(1.0, (p - start + 1) / max(1, max_teams - start + 1)))
        if missed == 0:
            return Sizing(tuple(chosen), plan, tuple(tried))
    return Sizing((), None, tuple(tried))
