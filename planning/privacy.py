"""The small-count threshold k and the fixed periods of incident figures.

Incident figures reach a page, a table or an export only through the one protected release
(:mod:`planning.release`); this module holds what that release is configured with: k (``QORGAU_SMALL_COUNT_K``)
and the fixed periods (years and half-years, ``"2023"``, ``"2023-H1"``). Free date ranges are not offered.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.errors import QorgauError
from geo.settings import SMALL_COUNT_K, SMALL_COUNT_K_MIN, env_value

SMALL_COUNT_K_ENV_VAR = "QORGAU_SMALL_COUNT_K"
"""Environment variable overriding :data:`geo.settings.SMALL_COUNT_K`."""


class PrivacyConfigError(QorgauError, ValueError):
    """A small-count threshold that would not protect anyone."""


def small_count_k() -> int:
    """The configured small-count threshold k.

    ``QORGAU_SMALL_COUNT_K`` when set, else :data:`geo.settings.SMALL_COUNT_K` (5).

    Raises
    ------
    PrivacyConfigError
        When the value is not a whole number or is below :data:`geo.settings.SMALL_COUNT_K_MIN` (3).
    """
    text = env_value(SMALL_COUNT_K_ENV_VAR)
    if not text:
        return check_k(SMALL_COUNT_K)
    try:
        value = int(text)
    except ValueError:
        raise PrivacyConfigError(
            f"{SMALL_COUNT_K_ENV_VAR} must be a whole number of at least {SMALL_COUNT_K_MIN}; "
            f"got {text!r}. Fix: set it to {SMALL_COUNT_K} or more, or unset it."
        ) from None
    return check_k(value)


def check_k(k: int) -> int:
    """``k`` itself when it is a whole number of at least 3; else :class:`PrivacyConfigError`."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < SMALL_COUNT_K_MIN:
        raise PrivacyConfigError(
            f"the small-count threshold k must be a whole number of at least {SMALL_COUNT_K_MIN}; "
            f"got {k!r}. Smaller values let a reader single out one or two victims. "
            f"Fix: use {SMALL_COUNT_K} (the default) or more."
        )
    return int(k)


# --------------------------------------------------------------------------------------------------------------
# fixed periods
# --------------------------------------------------------------------------------------------------------------
def _year(period: str) -> str:
    return str(period)[:4]


def available_periods(counts: pd.DataFrame) -> list[str]:
    """The fixed periods a filter may offer for these counts, newest first.

    Every year with records, and each half-year of a year whose records are all by half-year (a year given only
    as a whole cannot be split).

    Parameters
    ----------
    counts : DataFrame
        Incident counts (:data:`geo.schema.INCIDENT_COLUMNS`); ``period`` is ``"2023"`` or ``"2023-H1"``.
    """
    periods = pd.Series(counts["period"], dtype=object).dropna().astype(str)
    result = []
    for year in sorted({_year(p) for p in periods}, reverse=True):
        in_year = set(periods[periods.str[:4] == year])
        result.append(year)
        if year not in in_year:
            result.extend(sorted((p for p in in_year if p != year), reverse=True))
    return result


def aggregate_to_period(counts: pd.DataFrame, period: str, *, level: str = "settlement") -> pd.DataFrame:
    """Counts of one fixed period, per settlement or per district.

    Parameters
    ----------
    counts : DataFrame
        Incident counts (:data:`geo.schema.INCIDENT_COLUMNS`). Not modified.
    period : str
        One of :func:`available_periods` (``"2023"`` adds both half-years and any whole-year records).
    level : {"settlement", "district"}
        ``"settlement"``: columns settlement_id, district_id, count (records given per district only keep
        settlement_id None). ``"district"``: columns district_id, count.

    Returns
    -------
    DataFrame
        Raw counts: show them only through :mod:`planning.release`.

    Raises
    ------
    ValueError
        For a period not in :func:`available_periods` (free date ranges are not offered).
    """
    if level not in ("settlement", "district"):
        raise ValueError(f"`level` must be 'settlement' or 'district'; got {level!r}.")
    offered = available_periods(counts)
    if period not in offered:
        raise ValueError(
            f"`period` must be one of the fixed periods with data ({', '.join(offered) or 'none'}); got {period!r}."
        )
    periods = pd.Series(counts["period"], dtype=object).astype(str)
    chosen = counts[(periods == period) | ((periods.str[:4] == period) if len(period) == 4 else False)]
    keys = ["settlement_id", "district_id"] if level == "settlement" else ["district_id"]
    frame = pd.DataFrame({key: chosen[key].astype(object).where(chosen[key].notna(), "") for key in keys})
    frame["count"] = chosen["count"].to_numpy(dtype=np.int64)
    summed = frame.groupby(keys, sort=True, as_index=False)["count"].sum()
    for key in keys:
        summed[key] = summed[key].astype(object).replace("", None)
    summed["count"] = summed["count"].astype(np.int64)
    return summed[keys + ["count"]]
