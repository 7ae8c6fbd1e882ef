"""Expected need and the demand basis every figure is computed on.

Reported incidents measure need badly: districts far from any service report less, so planning on reports sends
services to where services already are. Expected need is the other measure: a rate of family violence per 1,000
residents, set by a planner with its source in words and a low-high range, times each settlement's people (known or
estimated, :mod:`planning.estimates`): ``expected cases = people × rate / 1000``.

A region folder may carry a default rate in its ``region.json``::

    "need_rate": {"per_1000": 12.0, "low": 8.0, "high": 16.0,
                  "source": "the publication, table and year the rate comes from"}

The bundled default region carries none: no published figure for Kazakhstan could be cited exactly here, and a
rate is never invented. Without a rate, demand = need cannot be computed and says so.

The demand basis (:data:`DEMAND_BASES`) is one choice for every figure of a view: ``people`` (residents),
``need`` (expected cases) or ``incidents`` (reported incidents, the protected release's values); it is named
beside every figure (:func:`basis_label`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo.errors import QorgauError
from planning.estimates import people_range

DEMAND_BASES = ("people", "need", "incidents")
"""What a figure counts: residents, expected cases of family violence, or reported incidents."""
PER_RESIDENTS = 1000.0
"""A rate is expected cases per this many residents."""
META_KEY = "need_rate"
"""The key of the default rate in a region's ``region.json``."""


class NeedRateError(QorgauError, ValueError):
    """A rate that cannot be used (negative, low above high, no source), or need asked for without a rate."""


@dataclass(frozen=True)
class NeedRate:
    """Expected cases of family violence per :data:`PER_RESIDENTS` residents over the planning period.

    Attributes
    ----------
    per_1000 : float
        Central rate, cases per 1,000 residents.
    low, high : float
        The range of the rate (cases per 1,000 residents), ``low <= per_1000 <= high``.
    source : str
        Where the rate comes from, in words (publication, table, year), shown beside every need figure.
    """

    per_1000: float
    low: float
    high: float
    source: str

    def __post_init__(self) -> None:
        values = (self.per_1000, self.low, self.high)
        if not all(isinstance(v, int | float) and math.isfinite(v) and v >= 0 for v in values):
            raise NeedRateError(f"a rate and its range must be non-negative numbers per 1,000 residents; got {values}.")
        if not self.low <= self.per_1000 <= self.high:
            raise NeedRateError(
                f"the rate's range must hold the rate: low {self.low} <= rate {self.per_1000} <= high {self.high}; "
                "give --rate-low and --rate-high around --rate."
            )
        if not str(self.source).strip():
            raise NeedRateError("a rate needs its source in words (publication, table, year); got none.")


def need_rate(per_1000: float, *, low: float | None = None, high: float | None = None, source: str) -> NeedRate:
    """A :class:`NeedRate`; ``low`` and ``high`` default to the rate itself (no range given)."""
    return NeedRate(
        float(per_1000), float(per_1000 if low is None else low), float(per_1000 if high is None else high), source
    )


def rate_from_meta(meta: dict) -> NeedRate | None:
    """The region's default rate from its ``region.json`` (:data:`META_KEY`); None when it has none.

    Raises
    ------
    NeedRateError
        When ``need_rate`` is there but not usable; the message names region.json, the field and the fix.
    """
    value = meta.get(META_KEY)
    if value is None:
        return None
    if not isinstance(value, dict) or "per_1000" not in value or "source" not in value:
        raise NeedRateError(
            f'region.json: "{META_KEY}" must be an object with "per_1000" (cases per 1,000 residents), "source" '
            f'(in words) and optionally "low" and "high"; got {value!r}.'
        )
    try:
        return need_rate(value["per_1000"], low=value.get("low"), high=value.get("high"), source=str(value["source"]))
    except (TypeError, ValueError, NeedRateError) as error:
        raise NeedRateError(f'region.json: "{META_KEY}": {error}') from error


def expected_cases(people: np.ndarray, rate_per_1000: float) -> np.ndarray:
    """Expected cases per settlement: ``people × rate / 1000`` (cases; people known or estimated)."""
    return np.asarray(people, dtype=np.float64) * (float(rate_per_1000) / PER_RESIDENTS)


def demand_of(
    settlements: pd.DataFrame,
    basis: str,
    *,
    rate: NeedRate | None = None,
    incidents: np.ndarray | None = None,
) -> np.ndarray:
    """Demand per settlement on ``basis`` (central values; never NaN, no unknown population as zero).

    Parameters
    ----------
    settlements : DataFrame
        The region's settlements (populations known or estimated, :mod:`planning.estimates`).
    basis : {"people", "need", "incidents"}
    rate : NeedRate, optional
        Required for ``basis="need"``.
    incidents : ndarray, optional
        Protected incident values per settlement (:attr:`planning.release.IncidentRelease.protected`), required
        for ``basis="incidents"``; never raw counts.

    Returns
    -------
    ndarray of float, shape (n_settlements,)
        People, expected cases or protected reported incidents.
    """
    if basis not in DEMAND_BASES:
        raise NeedRateError(f"`basis` must be one of {DEMAND_BASES}; got {basis!r}.")
    central, _, _ = people_range(settlements)
    if basis == "people":
        return central
    if basis == "need":
        if rate is None:
            raise NeedRateError(
                'demand = need needs a rate: give --rate (with its source, --rate-source) or set "need_rate" in the '
                "region's region.json."
            )
        return expected_cases(central, rate.per_1000)
    if incidents is None:
        raise NeedRateError("demand = incidents needs the region's incident counts; this region has none.")
    values = np.asarray(incidents, dtype=np.float64)
    if values.shape != central.shape:
        raise NeedRateError(f"`incidents` must have one value per settlement ({central.size}); got {values.size}.")
    return values
