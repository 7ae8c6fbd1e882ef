"""The rate of expected need a planner sets for a region, kept in the deployment's settings, never in the folder.

A region folder may carry a default rate in its ``region.json`` (``"need_rate"``, :mod:`planning.need`); the
bundled default region carries none. A planner (or an admin) sets the deployment's own rate on the Need page or with
``python -m planning need-rate set``: it is stored in :class:`planning.store.settings.RegionSettingsStore` under
:data:`NEED_RATE_KEY`, audited in the keyed chain like every other setting (the settings table is sealed by the
audit log, :data:`planning.store.chain.COVERED`).

The stored value is ``{"per_1000", "low", "high", "source", "basis"}``: cases a year per 1,000 of the basis's
people, its range and its source in words. The basis is ``"residents"``, or ``"women_18_75"`` where the region's
``region.json`` gives the share of its residents who are women aged 18 to 75 (:data:`WOMEN_SHARE_KEY`, a fraction
between 0 and 1); a rate per 1,000 women is turned into a rate per 1,000 residents by that share.

:func:`with_stored_rate` lays the stored rate over ``region.meta["need_rate"]`` (a stored rate wins over
region.json's; removing it brings region.json's back), so that :func:`planning.need.rate_from_meta` of
``region.meta`` is the one rate in use on every page, in every export and on the command line.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planning.need import META_KEY, NeedRate, NeedRateError
from planning.store.settings import RegionSettingsStore

if TYPE_CHECKING:
    from geo.region import Region

NEED_RATE_KEY = META_KEY
"""Setting key of the rate a planner set (the same name as region.json's field it replaces)."""
RATE_BASES = ("residents", "women_18_75")
"""What a stored rate counts per 1,000: all residents, or women aged 18 to 75."""
WOMEN_SHARE_KEY = "women_18_75_share"
"""region.json field: the share (0 to 1) of the region's residents who are women aged 18 to 75."""
SET_ACTION = "set need rate"
"""Audit action of storing a rate."""
REMOVE_ACTION = "remove need rate"
"""Audit action of removing the stored rate."""
MAX_SOURCE_CHARS = 500
"""Longest source text kept (characters)."""
STORED_MARK = "stored"
"""Key that :func:`with_stored_rate` adds to ``region.meta["need_rate"]``: who set the rate and when (UTC)."""


@dataclass(frozen=True)
class StoredRate:
    """The rate stored for a region, as entered, with who set it and when.

    Attributes
    ----------
    per_1000, low, high : float
        Cases a year per 1,000 of ``basis``'s people, and the range.
    source : str
        Where the rate comes from, in words.
    basis : {"residents", "women_18_75"}
    updated_at : str
        When it was set (UTC, ISO 8601).
    updated_by : str
        Who set it.
    """

    per_1000: float
    low: float
    high: float
    source: str
    basis: str
    updated_at: str
    updated_by: str

    def value(self) -> dict[str, Any]:
        """The stored JSON object (without who and when)."""
        return {
            "per_1000": self.per_1000,
            "low": self.low,
            "high": self.high,
            "source": self.source,
            "basis": self.basis,
        }


def women_share(meta: dict) -> float | None:
    """The share of residents who are women aged 18 to 75 from ``region.json`` (:data:`WOMEN_SHARE_KEY`), or None.

    Raises
    ------
    NeedRateError
        When the field is there but not a number in (0, 1]; the message names region.json, the field and the fix.
    """
    value = meta.get(WOMEN_SHARE_KEY)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or not 0 < value <= 1:
        raise NeedRateError(
            f'region.json: "{WOMEN_SHARE_KEY}" must be the share of residents who are women aged 18 to 75, a number '
            f"above 0 and at most 1 (e.g. 0.33); got {value!r}. Fix the value or remove the field."
        )
    return float(value)


def rate_bases(meta: dict) -> tuple[str, ...]:
    """The bases a rate may be given on for this region: residents, and women aged 18 to 75 where region.json gives
    their share (an unusable share offers residents only)."""
    try:
        share = women_share(meta)
    except NeedRateError:
        return RATE_BASES[:1]
    return RATE_BASES if share is not None else RATE_BASES[:1]


class RateFieldError(NeedRateError):
    """One field of a rate as entered that cannot be used.

    Attributes
    ----------
    field : {"per_1000", "low", "high", "source", "basis"}
        The field concerned (:data:`FIELD_OPTIONS` names its command-line option).
    key : str
        Catalog entry of the message: msgctxt ``needrate.err.<key>`` (a page names the field by its label, the
        command line by its option); the exception's own text is the English message.
    params : dict
        The values filled into the catalog text.
    """

    def __init__(self, field: str, key: str, message: str, **params: Any):
        super().__init__(message)
        self.field, self.key, self.params = field, key, params


FIELD_OPTIONS = {
    "per_1000": "--rate",
    "low": "--rate-low",
    "high": "--rate-high",
    "source": "--rate-source",
    "basis": "--basis",
}
"""The command-line option of each field of a rate."""


def checked_rate(
    meta: dict, *, per_1000: Any, low: Any = None, high: Any = None, source: Any, basis: str = "residents"
) -> dict[str, Any]:
    """The value to store for a rate as entered, checked: ``low``/``high`` default to the rate itself.

    Raises
    ------
    RateFieldError
        A field that cannot be used; the message names the field (``per_1000``/``--rate``, ``low``/``--rate-low``,
        ``high``/``--rate-high``, ``source``/``--rate-source``, ``basis``/``--basis``) and the fix.
    """
    if basis not in RATE_BASES:
        raise RateFieldError(
            "basis",
            "bad_basis",
            f"basis (--basis) must be one of {', '.join(RATE_BASES)}; got {basis!r}.",
            bases=", ".join(RATE_BASES),
        )
    if basis not in rate_bases(meta):
        raise RateFieldError(
            "basis",
            "basis_no_share",
            f'basis "{basis}" needs the share of women aged 18 to 75 among the residents ("{WOMEN_SHARE_KEY}" in '
            'region.json); this region gives none. Fix: give the rate per 1,000 residents (basis "residents").',
        )
    values: dict[str, float] = {}
    for name, given in (("per_1000", per_1000), ("low", low), ("high", high)):
        option = f"{name} ({FIELD_OPTIONS[name]})"
        if given is None or (isinstance(given, str) and not given.strip()):
            if name == "per_1000":
                raise RateFieldError(
                    name, "missing", f"the rate, {option}, is missing. Fix: give cases a year per 1,000."
                )
            continue
        try:
            number = float(str(given).replace(",", ".").replace("\u00a0", "").replace(" ", ""))
        except ValueError:
            raise RateFieldError(
                name, "not_number", f"{option} must be a number per 1,000; got {given!r}.", given=str(given)
            ) from None
        if not math.isfinite(number) or number < 0:
            raise RateFieldError(
                name,
                "negative",
                f"{option} must be a non-negative number per 1,000; got {given!r}. Fix: give 0 or more.",
                given=str(given),
            )
        values[name] = number
    text = " ".join(str(source if source is not None else "").split())
    if not text:
        raise RateFieldError(
            "source",
            "no_source",
            "the source, source (--rate-source), is missing. Fix: name the publication, table and year the rate "
            "comes from.",
        )
    if len(text) > MAX_SOURCE_CHARS:
        raise RateFieldError(
            "source",
            "source_long",
            f"the source (--rate-source) is longer than {MAX_SOURCE_CHARS} characters. Fix: shorten it.",
            n=MAX_SOURCE_CHARS,
        )
    rate = values["per_1000"]
    low_value, high_value = values.get("low", rate), values.get("high", rate)
    if not low_value <= rate <= high_value:
        raise RateFieldError(
            "low" if low_value > rate else "high",
            "range",
            f"the range must hold the rate: low {low_value:g} <= rate {rate:g} <= high {high_value:g}. Fix: give "
            "low (--rate-low) at most the rate and high (--rate-high) at least the rate.",
            low=low_value,
            rate=rate,
            high=high_value,
        )
    NeedRate(rate, low_value, high_value, text)  # the one validation every rate passes
    return {"per_1000": rate, "low": low_value, "high": high_value, "source": text, "basis": basis}


def stored_rate(region_id: str, db_path: str | Path | None = None) -> StoredRate | None:
    """The rate stored for ``region_id``, or None."""
    setting = RegionSettingsStore(db_path).get(region_id, NEED_RATE_KEY)
    if setting is None:
        return None
    value = setting.value
    return StoredRate(
        float(value.get("per_1000", math.nan)),
        float(value.get("low", value.get("per_1000", math.nan))),
        float(value.get("high", value.get("per_1000", math.nan))),
        str(value.get("source", "")),
        str(value.get("basis", "residents")),
        setting.updated_at,
        setting.updated_by,
    )


def save_rate(region: Region, value: dict[str, Any], *, user: str, db_path: str | Path | None = None) -> None:
    """Store ``value`` (checked again by :func:`checked_rate`) as the rate of ``region``, audited
    :data:`SET_ACTION` by ``user``; the folder is not written."""
    checked = checked_rate(region.meta, **value)
    RegionSettingsStore(db_path).set(region.region_id, NEED_RATE_KEY, checked, user=user, action=SET_ACTION)


def remove_rate(region: Region, *, user: str, db_path: str | Path | None = None) -> bool:
    """Drop the stored rate of ``region`` (audited :data:`REMOVE_ACTION`), so that region.json's (or none) applies
    again; False when none was stored."""
    return RegionSettingsStore(db_path).remove(region.region_id, NEED_RATE_KEY, user=user, action=REMOVE_ACTION)


def residents_rate(stored: StoredRate, meta: dict) -> dict[str, Any]:
    """``stored`` as region.json's ``need_rate`` (per 1,000 residents), with :data:`STORED_MARK` (who, when, the
    basis and the rate as entered).

    A rate per 1,000 women aged 18 to 75 is multiplied by their share of the residents.

    Raises
    ------
    NeedRateError
        When the stored rate no longer passes :func:`checked_rate` (e.g. region.json lost the women's share).
    """
    checked = checked_rate(
        meta, per_1000=stored.per_1000, low=stored.low, high=stored.high, source=stored.source, basis=stored.basis
    )
    factor = women_share(meta) if stored.basis == "women_18_75" else 1.0
    assert factor is not None  # checked_rate refused women_18_75 without a share
    return {
        "per_1000": checked["per_1000"] * factor,
        "low": checked["low"] * factor,
        "high": checked["high"] * factor,
        "source": checked["source"],
        STORED_MARK: {"by": stored.updated_by, "at": stored.updated_at, "entered": checked},
    }


def stored_rate_problem(region: Region, db_path: str | Path | None = None) -> str | None:
    """Why the rate stored for ``region`` is not in use (it no longer passes the checks), or None."""
    stored = stored_rate(region.region_id, db_path)
    if stored is None:
        return None
    try:
        residents_rate(stored, region.meta)
    except NeedRateError as error:
        return str(error)
    return None


def with_stored_rate(region: Region, db_path: str | Path | None = None) -> Region:
    """``region`` with the stored rate in place of region.json's ``need_rate`` (when one is stored and usable);
    ``region`` itself is not changed. A stored rate that no longer passes the checks is left out (region.json's
    applies; :func:`stored_rate_problem` says why)."""
    stored = stored_rate(region.region_id, db_path)
    if stored is None:
        return region
    try:
        entry = residents_rate(stored, region.meta)
    except NeedRateError:
        return region
    return dataclasses.replace(region, meta={**region.meta, META_KEY: entry})


def rate_set_by(meta: dict) -> dict[str, Any] | None:
    """Who set the rate in use and when (``{"by", "at", "entered"}``) when it is the deployment's stored rate; None
    when it is region.json's or there is none."""
    value = meta.get(META_KEY)
    mark = value.get(STORED_MARK) if isinstance(value, dict) else None
    return mark if isinstance(mark, dict) else None


SET_RATE_ACTIONS = ("edit_scenarios", "manage_users")
"""A role that may perform one of these (planning.store.access.PERMISSIONS: planners, admins) may set the rate."""


def may_set_rate(role: str | None) -> bool:
    """Whether ``role`` may set or remove the region's rate on the Need page (planners and admins)."""
    from planning.store.access import can

    return any(can(role, action) for action in SET_RATE_ACTIONS)
