"""The one protected release of incident counts: every page, export, PDF and CLI output draws from it.

Method (see ``docs/PRIVACY.md``): cell-key perturbation in the manner of the ABS TableBuilder, on top of a fixed
perturbation of each unit count.

* A **unit** is one stored count: a settlement (or, for records without a settlement, a district) and a fixed
  period (``"2023-H1"``, or ``"2023"`` when only the year is known). Each unit with at least one record gets two
  deterministic draws from an HMAC-SHA256 of its identity under the deployment's secret
  (:func:`planning.store.release.deployment_secret`): a **unit noise** draw and a **record key**.
* The unit's **protected value** is its count plus a unit noise from :data:`UNIT_NOISE` (a count of 1 is never
  changed; 2 and more move by -1, 0 or +1, without bias). It is fixed: every view that contains the unit sees the
  same protected value.
* A released **cell** is any set of units (a district within 30 minutes in 2023, the villages a suggested site newly
  covers, ...). Its key is the sum of its units' record keys modulo 2**32, so it depends only on the set of units;
  its shown value is the sum of the protected values plus a cell noise from :data:`CELL_NOISE` chosen by that key.
  The same set always shows the same value; two sets differing by one unit differ by that unit's protected value
  plus two independent cell noises.
* Display: a cell without records is ``"0"``; a shown value below k is ``"<k"``; else the value.

Everything shown is a function of the protected unit values and the keys, never of a raw count. A unit's protected
value always leaves at least two counts possible (:func:`counts_behind`), so no combination of figures, however many
views or scenarios are differenced, pins a count exactly.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

from geo.errors import QorgauError
from geo.settings import env_value
from planning.privacy import aggregate_to_period, check_k, small_count_k

if TYPE_CHECKING:
    from geo.region import Region

SECRET_ENV_VAR = "QORGAU_RELEASE_SECRET"
"""Configured secret of the release (any text of at least :data:`MIN_SECRET_CHARS` characters); without it the
deployment's database keeps a random one (:class:`planning.store.release.ReleaseSecretStore`)."""
MIN_SECRET_CHARS = 16
KEY_MODULUS = 2**32
"""Record and cell keys are whole numbers modulo this (a key of 0.37 in the ABS papers is 0.37 * 2**32 here)."""
UNIT_NOISE = ((0.25, -1), (0.75, 0), (1.0, 1))
"""Unit noise for counts of 2 or more: (upper limit of the draw, noise) in draw order; -1 and +1 a quarter each.
A count of 1 keeps noise 0 (it can only go up, and going up alone would bias it)."""
CELL_NOISE = ((0.10, -2), (0.30, -1), (0.70, 0), (0.90, 1), (1.0, 2))
"""Cell noise by cell key (the key as a share of :data:`KEY_MODULUS`): (upper limit, noise); mean 0, at most 2."""
MAX_UNIT_NOISE = 1
MAX_CELL_NOISE = 2
CellMask: TypeAlias = npt.ArrayLike
"""The settlements of a cell, as numpy reads it: a boolean array with one value per settlement, or their
positions (an index array or a list of ints)."""


class ReleaseConfigError(QorgauError, ValueError):
    """A configured release secret that would not protect anyone."""


def configured_secret() -> bytes | None:
    """The secret configured in ``QORGAU_RELEASE_SECRET`` (surrounding spaces dropped), None when it is not set
    (the deployment's database then keeps one: :func:`planning.store.release.deployment_secret`).

    Raises
    ------
    ReleaseConfigError
        When the configured value is shorter than :data:`MIN_SECRET_CHARS` characters.
    """
    text = env_value(SECRET_ENV_VAR)
    if not text:
        return None
    if len(text) < MIN_SECRET_CHARS:
        raise ReleaseConfigError(
            f"{SECRET_ENV_VAR} must have at least {MIN_SECRET_CHARS} characters; got "
            f"{len(text)}. A short secret can be guessed, and with it every "
            f"perturbation undone. Fix: set a long random value, or unset it to let the "
            f"database keep one."
        )
    return text.encode("utf-8")


# --------------------------------------------------------------------------------------------------------------
# units, draws and the perturbation tables
# --------------------------------------------------------------------------------------------------------------
def unit_draws(secret: bytes, scope: str, units: list[tuple[str, str, str]]) -> tuple[np.ndarray, np.ndarray]:
    """(unit noise draw in [0, 1), record key in [0, 2**32)) of each unit ``(settlement_id, district_id, period)``.

    ``scope`` (the region id) keeps the draws of two regions of one deployment apart. The draws depend only on the
    secret and the unit's identity, never on its count.
    """
    draws = np.empty(len(units), dtype=np.float64)
    keys = np.empty(len(units), dtype=np.int64)
    for i, (settlement, district, period) in enumerate(units):
        digest = hmac.new(
            secret, f"{scope}\x1f{settlement}\x1f{district}\x1f{period}".encode(), hashlib.sha256
        ).digest()
        draws[i] = int.from_bytes(digest[:8], "big") / 2**64
        keys[i] = int.from_bytes(digest[8:12], "big")
    return draws, keys


def _from_table(table: tuple[tuple[float, int], ...], share: float) -> int:
    return next(noise for limit, noise in table if share < limit)


def protected_count(count: int, draw: float) -> int:
    """A unit's protected value: ``count`` plus its :data:`UNIT_NOISE` (0 for a count of 0 or 1)."""
    return int(count) if count <= 1 else int(count) + _from_table(UNIT_NOISE, float(draw))


def cell_noise(key: int) -> int:
    """The :data:`CELL_NOISE` of a cell with this key (0 <= key < 2**32)."""
    return _from_table(CELL_NOISE, (int(key) % KEY_MODULUS) / KEY_MODULUS)


def counts_behind(protected: int) -> tuple[int, ...]:
    """Every count (1 or more) whose protected value can be ``protected``: what a reader who knew a unit's
    protected value exactly could say about its count. Never a single count."""
    if protected < 1:
        return ()
    possible = {
        c for c in range(max(1, protected - MAX_UNIT_NOISE), protected + MAX_UNIT_NOISE + 1) if c >= 2 or protected == 1
    }
    return tuple(sorted(possible))


def is_shown(value: int, k: int) -> bool:
    """Whether a cell's perturbed ``value`` is shown as a number: the one release rule of small counts, ``value >=
    k`` (a cell of exactly k is shown; 1 to k-1, and 0 or less after the noise, read ``"<k"``). Every display of an
    incident figure goes through :func:`shown_value`, which asks this."""
    return int(value) >= int(k)


def shown_value(protected_sum: int, key: int, *, has_records: bool, k: int) -> int | None:
    """The value a cell shows: 0 without records, None when hidden (not :func:`is_shown`), else the perturbed
    value (>= k)."""
    if not has_records:
        return 0
    value = int(protected_sum) + cell_noise(key)
    return value if is_shown(value, k) else None


def shown_text(value: int | None, k: int) -> str:
    """``"<k"`` for a hidden cell, else the number."""
    return f"<{k}" if value is None else str(int(value))


# --------------------------------------------------------------------------------------------------------------
# the release of one region and period
# --------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class IncidentRelease:
    """Protected incident counts of one region and one fixed period, aligned with the region's settlements.

    Attributes
    ----------
    k : int
        Small-count threshold.
    period : str or None
        The fixed period (``"2023"``, ``"2023-H1"``) or None for all.
    counts : ndarray of int64
        Raw counts per settlement: for the optimiser and for figures that are never shown. Show only cells.
    protected : ndarray of int64
        Sum of the protected values of each settlement's units.
    keys : ndarray of int64
        Sum of each settlement's record keys modulo 2**32.
    has_records : ndarray of bool
        Whether a settlement has any record in the period.
    unplaced : tuple of (int, int, bool)
        Records tied to a district only: (protected sum, key sum, any) over all of them.
    """

    k: int
    period: str | None
    counts: np.ndarray = field(repr=False)
    protected: np.ndarray = field(repr=False)
    keys: np.ndarray = field(repr=False)
    has_records: np.ndarray = field(repr=False)
    unplaced: tuple[int, int, bool] = field(repr=False, default=(0, 0, False))

    def __len__(self) -> int:
        return len(self.counts)

    def value(self, mask: CellMask | None = None, *, with_unplaced: bool = False) -> int | None:
        """The shown value of the cell of the settlements in ``mask`` (boolean or index array; all when None):
        0, None (hidden, ``"<k"``) or a number of at least k."""
        chosen = np.ones(len(self), dtype=bool) if mask is None else _as_mask(mask, len(self))
        protected = int(self.protected[chosen].sum())
        key = int(self.keys[chosen].sum()) % KEY_MODULUS
        records = bool(self.has_records[chosen].any())
        if with_unplaced:
            protected, key = protected + self.unplaced[0], (key + self.unplaced[1]) % KEY_MODULUS
            records = records or self.unplaced[2]
        return shown_value(protected, key, has_records=records, k=self.k)

    def text(self, mask: CellMask | None = None, *, with_unplaced: bool = False) -> str:
        """The cell of ``mask`` as shown: ``"0"``, ``"<k"`` or a number."""
        return shown_text(self.value(mask, with_unplaced=with_unplaced), self.k)

    def settlement_texts(self) -> np.ndarray:
        """Each settlement as a cell of its own, as shown (for the roles that see villages)."""
        return np.array(
            [
                shown_text(shown_value(int(p), int(key), has_records=bool(r), k=self.k), self.k)
                for p, key, r in zip(self.protected, self.keys, self.has_records)
            ],
            dtype=object,
        )

    def settlement_values(self) -> np.ndarray:
        """Each settlement's shown value as a float: NaN when hidden (``"<k"``)."""
        return np.array(
            [
                np.nan if v is None else float(v)
                for v in (
                    shown_value(int(p), int(key), has_records=bool(r), k=self.k)
                    for p, key, r in zip(self.protected, self.keys, self.has_records)
                )
            ],
            dtype=np.float64,
        )


def empty_release(n_settlements: int, *, k: int | None = None) -> IncidentRelease:
    """A release without any record (every cell ``"0"``), for views of a region without incident data."""
    zeros = np.zeros(int(n_settlements), dtype=np.int64)
    return IncidentRelease(
        k=small_count_k() if k is None else check_k(k),
        period=None,
        counts=zeros,
        protected=zeros,
        keys=zeros,
        has_records=zeros.astype(bool),
    )


def _as_mask(mask: CellMask, n: int) -> np.ndarray:
    array = np.asarray(mask)
    if array.dtype == bool:
        if array.shape != (n,):
            raise ValueError(f"a cell mask needs one value per settlement ({n}); got shape {array.shape}.")
        return array
    chosen = np.zeros(n, dtype=bool)
    chosen[array.astype(np.int64)] = True
    return chosen


def release_for(
    incidents: pd.DataFrame,
    settlement_ids: Iterable[str],
    *,
    scope: str,
    secret: bytes,
    period: str | None = None,
    k: int | None = None,
) -> IncidentRelease:
    """The protected release of ``incidents`` for the settlements ``settlement_ids`` (in that order).

    Parameters
    ----------
    incidents : DataFrame
        Incident counts (:data:`geo.schema.INCIDENT_COLUMNS`). Not modified.
    settlement_ids : sequence
        The region's settlement ids, in the order of every array of the release.
    scope : str
        The region id (keys of two regions never coincide).
    secret : bytes
        The deployment's release secret (:func:`planning.store.release.deployment_secret`).
    period : str, optional
        One fixed period (:func:`planning.privacy.available_periods`), or None for all periods.
    k : int, optional
        Default :func:`planning.privacy.small_count_k`.
    """
    k = small_count_k() if k is None else check_k(k)
    ids = pd.Index(pd.Series(list(settlement_ids), dtype=object))
    n = len(ids)
    counts, protected, keys = (np.zeros(n, dtype=np.int64) for _ in range(3))
    unplaced = (0, 0, False)
    units = _units(incidents, period)
    if len(units):
        draws, record_keys = unit_draws(
            secret, scope, list(zip(units["settlement_id"], units["district_id"], units["period"]))
        )
        values = np.array([protected_count(c, d) for c, d in zip(units["count"], draws)], dtype=np.int64)
        placed = units["settlement_id"].to_numpy(dtype=object) != ""
        rows = ids.get_indexer(units["settlement_id"].to_numpy(dtype=object))
        known = placed & (rows >= 0)
        np.add.at(counts, rows[known], units["count"].to_numpy(dtype=np.int64)[known])
        np.add.at(protected, rows[known], values[known])
        np.add.at(keys, rows[known], record_keys[known])
        keys %= KEY_MODULUS
        if (~placed).any():
            unplaced = (int(values[~placed].sum()), int(record_keys[~placed].sum()) % KEY_MODULUS, True)
    return IncidentRelease(
        k=k, period=period, counts=counts, protected=protected, keys=keys, has_records=counts > 0, unplaced=unplaced
    )


def _units(incidents: pd.DataFrame | None, period: str | None) -> pd.DataFrame:
    """One row per unit with records: settlement_id ("" when none), district_id ("" when none), period, count."""
    columns = ["settlement_id", "district_id", "period", "count"]
    if incidents is None or len(incidents) == 0:
        return pd.DataFrame(columns=columns)
    chosen = incidents
    if period is not None:
        aggregate_to_period(incidents, period)  # refuses a period that is not offered
        periods = incidents["period"].astype(str)
        chosen = incidents[(periods == period) | ((periods.str[:4] == period) if len(period) == 4 else False)]
    frame = pd.DataFrame(
        {
            "settlement_id": chosen["settlement_id"]
            .astype(object)
            .where(chosen["settlement_id"].notna(), "")
            .astype(str),
            "district_id": chosen["district_id"].astype(object).where(chosen["district_id"].notna(), "").astype(str),
            "period": chosen["period"].astype(str),
            "count": chosen["count"].to_numpy(dtype=np.int64),
        }
    )
    # a settlement's district is part of its identity only when it has no settlement
    frame.loc[frame["settlement_id"] != "", "district_id"] = ""
    units = frame.groupby(["settlement_id", "district_id", "period"], sort=True, as_index=False)["count"].sum()
    return units[units["count"] > 0].reset_index(drop=True)


def region_release(
    region: Region, *, secret: bytes, period: str | None = None, k: int | None = None
) -> IncidentRelease | None:
    """The release of a region's incidents (None when it has none), aligned with ``region.settlements``."""
    if region.incidents is None or len(region.incidents) == 0:
        return None
    return release_for(
        region.incidents,
        region.settlements["settlement_id"],
        scope=str(region.region_id),
        period=period,
        secret=secret,
        k=k,
    )


def scaled_text(value: int | None, factor: float, k: int, *, number: Callable[[float], str] | None = None) -> str:
    """A released cell times ``factor`` (estimated incidents per reported one): ``"<k·factor"`` when hidden."""
    number = number or (lambda v: f"{v:g}")
    return f"<{number(k * factor)}" if value is None else number(value * factor)
