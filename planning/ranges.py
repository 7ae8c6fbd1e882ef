"""Ranges instead of false precision: every headline figure with a low-high range under stated assumptions.

Three things a plan's figures rest on are uncertain, and a planner sets how much:

- **road speeds**: every road's speed changes by one factor drawn uniformly in ``1 + speed_low .. 1 + speed_high``
  (default :data:`DEFAULT_SPEED_LOW` -20 % .. :data:`DEFAULT_SPEED_HIGH` +10 %). A uniform change of speeds
  divides every travel time by the factor, so a draw is a division of the minutes vector: no new graph search,
  and the nearest service stays the nearest;
- **unknown populations**: every estimated settlement (:mod:`planning.estimates`) takes the same position within
  its range in a draw (one ``u`` uniform in 0..1 per draw: ``u = 0`` the low end, ``0.5`` the central estimate,
  ``1`` the high end, linear in between on each side). The estimates share one method, so their errors go
  together: drawn independently they would cancel out over hundreds of villages and the range would say the
  estimated total is known to within a few per cent, which it is not. Known populations stay;
- **the rate** of expected need (:mod:`planning.need`): one rate per draw, uniform within its low-high range.

The draws are seeded (:func:`numpy.random.default_rng`), so the same seed gives the same draws and the same ranges.
A figure's ``low`` and ``high`` are the :data:`LOW_QUANTILE` and :data:`HIGH_QUANTILE` quantiles of its values over
the draws (a 90 % interval); ``value`` is the figure at the central values (no draw).

With demand = incidents the demand is the protected release (:mod:`planning.release`): each draw's incident figure
is a released cell (``None`` = hidden, shown ``"<k"``), so a range of incidents reveals no more than the cells do.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo.errors import QorgauError
from planning.coverage import is_beyond
from planning.estimates import people_range, population_is_estimated
from planning.need import DEMAND_BASES, NeedRate, NeedRateError, demand_of, expected_cases
from planning.release import IncidentRelease

DEFAULT_DRAWS = 200
"""Draws of the assumptions per range."""
DEFAULT_SEED = 20170101
"""Seed of the draws when none is given (any fixed number: the same seed, the same ranges)."""
DEFAULT_SPEED_LOW = -0.20
"""Road speeds may be up to 20 % lower than the profile says (relative change)."""
DEFAULT_SPEED_HIGH = 0.10
"""Road speeds may be up to 10 % higher than the profile says (relative change)."""
LOW_QUANTILE, HIGH_QUANTILE = 0.05, 0.95
"""A range is the 5th to 95th percentile of a figure over the draws (a 90 % interval)."""
HEADLINE_KEYS = ("share_within", "settlements_beyond", "demand_beyond")
"""The headline figures: share of demand within T minutes (0..1), settlements beyond T, demand beyond T."""


class RangeError(QorgauError, ValueError):
    """Assumptions that cannot be drawn from (no draws, speed range not around 0 or below -100 %)."""


@dataclass(frozen=True)
class Assumptions:
    """What the ranges vary, and by how much.

    Attributes
    ----------
    speed_low, speed_high : float
        Relative change of road speeds (``-0.2`` = 20 % slower), ``-1 < speed_low <= 0 <= speed_high``.
    populations : bool
        Draw estimated populations within their ranges.
    rate : bool
        Draw the rate within its range (demand = need).
    draws : int
        Number of draws, at least 1.
    seed : int
        Seed of the random draws.
    """

    speed_low: float = DEFAULT_SPEED_LOW
    speed_high: float = DEFAULT_SPEED_HIGH
    populations: bool = True
    rate: bool = True
    draws: int = DEFAULT_DRAWS
    seed: int = DEFAULT_SEED

    def __post_init__(self) -> None:
        if not -1.0 < self.speed_low <= 0.0 <= self.speed_high:
            raise RangeError(
                f"road speeds must change by -100 % < low <= 0 <= high; got low {self.speed_low}, high "
                f"{self.speed_high} (e.g. -0.2 and 0.1 for -20 % .. +10 %)."
            )
        if int(self.draws) < 1:
            raise RangeError(f"`draws` must be at least 1; got {self.draws}.")


DEFAULT_ASSUMPTIONS = Assumptions()
"""The default assumptions: speeds -20 % .. +10 %, populations and rate within their ranges, 200 seeded draws."""


@dataclass(frozen=True, eq=False)
class Draws:
    """The drawn assumptions: one speed factor and one demand vector per draw.

    Attributes
    ----------
    speed_factor : ndarray, shape (n_draws,)
        Speeds are multiplied by it, so minutes are divided by it.
    demand : ndarray, shape (n_draws, n_settlements)
        Demand per settlement in each draw (people, expected cases, or protected incidents).
    central : ndarray, shape (n_settlements,)
        Demand at the central values.
    basis : str
        One of :data:`planning.need.DEMAND_BASES`.
    """

    speed_factor: np.ndarray
    demand: np.ndarray
    central: np.ndarray
    basis: str


@dataclass(frozen=True)
class Figure:
    """A headline figure with its range: ``value`` at the central values, ``low``/``high`` over the draws.

    With demand = incidents an incident figure is a released cell: ``None`` = hidden (``"<k"``)."""

    value: float | None
    low: float | None
    high: float | None

    def to_dict(self) -> dict:
        return {"value": self.value, "low": self.low, "high": self.high}


def draw(
    settlements: pd.DataFrame,
    basis: str,
    *,
    assumptions: Assumptions = DEFAULT_ASSUMPTIONS,
    rate: NeedRate | None = None,
    incidents: IncidentRelease | None = None,
) -> Draws:
    """Seeded draws of the assumptions (see the module text).

    Parameters
    ----------
    settlements : DataFrame
        Populations known or estimated (:func:`planning.estimates.estimate_populations`; estimated here if not).
    basis : {"people", "need", "incidents"}
    assumptions : Assumptions
    rate : NeedRate, optional
        Required for ``basis="need"``.
    incidents : IncidentRelease, optional
        Required for ``basis="incidents"``: its protected values are the demand (they do not vary by draw).
    """
    if basis not in DEMAND_BASES:
        raise NeedRateError(f"`basis` must be one of {DEMAND_BASES}; got {basis!r}.")
    rng = np.random.default_rng(int(assumptions.seed))
    n_draws = int(assumptions.draws)
    factor = rng.uniform(1.0 + assumptions.speed_low, 1.0 + assumptions.speed_high, size=n_draws)
    central = demand_of(
        settlements, basis, rate=rate, incidents=None if incidents is None else incidents.protected.astype(float)
    )
    if basis == "incidents":
        return Draws(factor, np.broadcast_to(central, (n_draws, central.size)), central, basis)
    mid, low, high = people_range(settlements)
    people = np.broadcast_to(mid, (n_draws, mid.size)).copy()
    if assumptions.populations:
        vary = population_is_estimated(settlements) & (high > low)
        if vary.any():
            position = rng.uniform(0.0, 1.0, size=n_draws)[:, None]
            below = low[vary] + 2.0 * position * (mid[vary] - low[vary])
            above = mid[vary] + (2.0 * position - 1.0) * (high[vary] - mid[vary])
            people[:, vary] = np.where(position <= 0.5, below, above)
    if basis == "people":
        return Draws(factor, people, central, basis)
    assert rate is not None  # demand_of asked for it
    rates = (
        rng.uniform(rate.low, rate.high, size=n_draws)
        if assumptions.rate and rate.high > rate.low
        else np.full(n_draws, rate.per_1000)
    )
    return Draws(factor, expected_cases(people, 1.0) * rates[:, None], central, basis)


def headline(
    nearest_minutes: np.ndarray,
    draws: Draws,
    *,
    threshold_minutes: float,
    mask: np.ndarray | None = None,
    incidents: IncidentRelease | None = None,
) -> dict[str, Figure]:
    """The headline figures of :data:`HEADLINE_KEYS` with their ranges, over the settlements in ``mask``.

    Parameters
    ----------
    nearest_minutes : ndarray, shape (n_settlements,)
        Minutes to the nearest service at the profile's speeds (``inf`` = unreachable).
    draws : Draws
    threshold_minutes : float
        T, minutes (inclusive).
    mask : ndarray of bool, optional
        The area (a district); default every settlement.
    incidents : IncidentRelease, optional
        Required when ``draws.basis == "incidents"``: ``demand_beyond`` is then the released cell of each draw's
        settlements beyond T, and ``share_within`` the share of two released cells (None when either is hidden).

    Returns
    -------
    dict of str to Figure
        ``share_within`` (0..1 of demand), ``settlements_beyond`` (count), ``demand_beyond`` (basis units).
    """
    minutes = np.asarray(nearest_minutes, dtype=np.float64)
    area = np.ones(minutes.size, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    beyond_central = area & is_beyond(minutes, threshold_minutes)
    # one (n_draws, n) comparison: a speed factor f turns m minutes into m / f
    beyond_drawn = area[None, :] & is_beyond(minutes[None, :], threshold_minutes * draws.speed_factor[:, None])
    counts = beyond_drawn.sum(axis=1).astype(float)
    figures = {"settlements_beyond": _figure(float(beyond_central.sum()), counts)}
    if draws.basis == "incidents":
        if incidents is None:
            raise NeedRateError("demand = incidents needs the protected release of the incidents; got None.")
        figures.update(_incident_figures(incidents, area, beyond_central, beyond_drawn))
        return figures
    demand = np.where(area, draws.demand, 0.0)
    total = demand.sum(axis=1)
    out = (demand * beyond_drawn).sum(axis=1)
    central_total = float(draws.central[area].sum())
    central_out = float(draws.central[beyond_central].sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.where(total > 0, 1.0 - out / total, np.nan)
    figures["share_within"] = _figure(1.0 - central_out / central_total if central_total > 0 else math.nan, shares)
    figures["demand_beyond"] = _figure(central_out, out)
    return figures


def speed_scaled(minutes: np.ndarray, factor: float) -> np.ndarray:
    """Travel times when every road speed is multiplied by ``factor``: ``minutes / factor`` (``inf`` stays)."""
    return np.asarray(minutes, dtype=np.float64) / float(factor)


# --- helpers ----------------------------------------------------------------------------------------------------


def _figure(value: float, values: np.ndarray) -> Figure:
    finite = values[np.isfinite(values)]
    if not finite.size:
        return Figure(_number(value), None, None)
    low, high = np.quantile(finite, [LOW_QUANTILE, HIGH_QUANTILE], method="inverted_cdf")  # values of draws
    return Figure(_number(value), float(low), float(high))


def _number(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _incident_figures(
    release: IncidentRelease, area: np.ndarray, beyond_central: np.ndarray, beyond_drawn: np.ndarray
) -> dict[str, Figure]:
    """Released cells only: each draw's cell of the settlements beyond T and of the area."""
    total = release.value(area)
    central_out = release.value(beyond_central)
    outs = [release.value(row) for row in beyond_drawn]
    shown = np.array([np.nan if v is None else float(v) for v in outs])
    hidden = any(v is None for v in outs)

    def share(out: int | None) -> float:
        return 1.0 - out / total if out is not None and total else math.nan

    shares = np.array([share(v) for v in outs])
    return {
        "demand_beyond": Figure(
            None if central_out is None else float(central_out),
            None if hidden else float(np.quantile(shown, LOW_QUANTILE, method="inverted_cdf")),  # a released value
            None if hidden else float(np.quantile(shown, HIGH_QUANTILE, method="inverted_cdf")),
        ),
        "share_within": _figure(share(central_out), shares)
        if not hidden
        else Figure(_number(share(central_out)), None, None),
    }


def headline_ranges(
    nearest_minutes: np.ndarray,
    settlements: pd.DataFrame,
    basis: str,
    *,
    thresholds: tuple[float, ...],
    assumptions: Assumptions = DEFAULT_ASSUMPTIONS,
    rate: NeedRate | None = None,
    incidents: IncidentRelease | None = None,
    mask: np.ndarray | None = None,
) -> dict[str, dict[str, Figure]]:
    """:func:`headline` for each threshold, from one set of draws (the same draws for every threshold).

    Returns
    -------
    dict
        ``{threshold_key: {"share_within": Figure, "settlements_beyond": Figure, "demand_beyond": Figure}}``, keys
        as :func:`planning.coverage.threshold_key` gives them ("30", "22.5").
    """
    drawn = draw(settlements, basis, assumptions=assumptions, rate=rate, incidents=incidents)
    return {
        _key(step): headline(nearest_minutes, drawn, threshold_minutes=step, mask=mask, incidents=incidents)
        for step in thresholds
    }


def _key(minutes: float) -> str:
    value = float(minutes)
    return str(int(value)) if value.is_integer() else str(value)


def range_text(figure: Figure, lang: str, *, share: bool = False, scale: float = 1.0, hidden: str = "—") -> str:
    """A figure with its range as shown: "62 % (55–68 %)" (``share``: a 0..1 share, in per cent) or
    "530 (489–615)"; numbers divided by ``scale`` (1000: in thousands, the label says so) and rounded; ``hidden``
    where the value is None (a hidden released cell, or nothing to count)."""
    from planning.i18n import fmt_number  # light; kept local so the core's arrays do not need the catalogs

    def one(value: float | None) -> str:
        if value is None:
            return hidden
        return f"{fmt_number(100.0 * value, lang)} %" if share else fmt_number(round(value / scale), lang)

    text = one(figure.value)
    if figure.low is None or figure.high is None:
        return text
    if share:
        return f"{text} ({fmt_number(100.0 * figure.low, lang)}–{fmt_number(100.0 * figure.high, lang)} %)"
    return f"{text} ({one(figure.low)}–{one(figure.high)})"


FIGURE_TABLE_COLUMNS = ("demand_basis", "minutes", "figure", "value", "low", "high")
"""Columns of :func:`figure_table`: one headline figure of one threshold per row."""


def figure_table(figures: dict[str, dict[str, Figure]], basis: str) -> pd.DataFrame:
    """The headline figures of :func:`headline_ranges` as rows for an export: ``demand_basis``, ``minutes`` (T),
    ``figure`` (one of :data:`HEADLINE_KEYS`), ``value``, ``low``, ``high`` (shares 0..1, counts, demand in the
    basis's units; empty where a released incident cell is hidden or there is no range)."""
    if basis not in DEMAND_BASES:
        raise NeedRateError(f"`basis` must be one of {DEMAND_BASES}; got {basis!r}.")
    rows = [
        (basis, minutes, name, row[name].value, row[name].low, row[name].high)
        for minutes, row in figures.items()
        for name in HEADLINE_KEYS
        if name in row
    ]
    return pd.DataFrame(rows, columns=list(FIGURE_TABLE_COLUMNS))


def settlement_demand(
    settlements: pd.DataFrame,
    basis: str,
    *,
    rate: NeedRate | None = None,
    incidents: IncidentRelease | None = None,
) -> np.ndarray:
    """Each settlement's demand on ``basis`` as an export may carry it (central values, object array).

    People and expected cases are numbers (people known or estimated, never 0 for an unknown population). With
    demand = incidents each settlement is a released cell of its own (:meth:`IncidentRelease.settlement_texts`:
    ``"0"``, ``"<k"`` or a number): suppressed cells stay suppressed, and no raw count is ever written. Pass
    ``incidents=None`` for a reader who may not see settlements' incidents: the cells are then empty (None).
    """
    if basis == "incidents":
        if incidents is None:
            return np.full(len(settlements), None, dtype=object)
        return np.asarray(incidents.settlement_texts(), dtype=object)
    values = demand_of(settlements, basis, rate=rate)
    return np.array([round(float(v), 3) for v in values], dtype=object)
