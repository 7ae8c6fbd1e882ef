"""Speed profiles: how fast a car travels on each kind of road in the Turkistan region.

A :class:`SpeedProfile` gives a travel speed in km/h per OpenStreetMap ``highway`` class, a factor for unpaved
surfaces and optional named adjustments (``"winter"``) a planner can switch on. A ``maxspeed`` tag, when it
parses (:func:`parse_maxspeed`), replaces the class speed. The profile in use is described
(:meth:`SpeedProfile.describe`) next to every result so nobody mistakes one assumption for another.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

MPH_TO_KMH = 1.609344
WALK_KMH = 5.0
"""Speed for ``maxspeed=walk``."""
MAXSPEED_RANGE_KMH = (1.0, 200.0)
"""A parsed maxspeed outside this range is treated as a tagging error and ignored."""
FALLBACK_SPEED_KMH = 30.0
"""Speed of a highway class the profile does not list (``road``, misspellings)."""

ZONE_SPEEDS_KMH = {
    # Implicit limits (OSM wiki "Default speed limits"); Kazakhstan follows the Russian rules for towns.
    "ru:urban": 60.0, "ru:rural": 90.0, "ru:motorway": 110.0, "ru:living_street": 20.0,
    "kz:urban": 60.0, "kz:rural": 110.0, "kz:motorway": 140.0, "kz:living_street": 20.0,
}

UNPAVED_SURFACES = frozenset({
    "unpaved", "gravel", "fine_gravel", "dirt", "earth", "ground", "sand", "compacted", "grass", "mud",
    "pebblestone", "rock", "salt", "clay",
})
UNPAVED_BY_DEFAULT = frozenset({"track"})
"""Highway classes that count as unpaved when the way has no ``surface`` tag."""

KAZAKHSTAN_SPEEDS_KMH = {
    "motorway": 100.0, "motorway_link": 60.0,
    "trunk": 90.0, "trunk_link": 50.0,
    "primary": 80.0, "primary_link": 45.0,
    "secondary": 65.0, "secondary_link": 40.0,
    "tertiary": 50.0, "tertiary_link": 35.0,
    "unclassified": 40.0, "residential": 30.0, "living_street": 15.0,
    "service": 20.0, "track": 25.0, "road": 30.0,
}
"""Typical travel speeds (not limits) on Kazakhstan's roads, km/h."""

_SPEED_RE = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(km/h|kmh|kph|mph|knots)?\s*$")
_ZONE_RE = re.compile(r"^[a-z]{2}:zone:?(\d+)$")


@dataclass(frozen=True)
class Adjustment:
    """A named change to a profile a planner can switch on.

    Parameters
    ----------
    name : str
        Short name, e.g. ``"winter"``.
    description : str
        What it changes, in words shown to the user.
    class_factors : Mapping[str, float]
        Speed multiplier per highway class (1.0 when absent).
    unpaved_factor : float
        Extra multiplier for unpaved roads, on top of the profile's own.
    """

    name: str
    description: str
    class_factors: Mapping[str, float] = field(default_factory=dict)
    unpaved_factor: float = 1.0


ADJUSTMENTS = {
    "winter": Adjustment(
        name="winter",
        description="winter: unpaved roads ×0.7, tertiary/unclassified ×0.8, tracks ×0.7",
        class_factors={"tertiary": 0.8, "tertiary_link": 0.8, "unclassified": 0.8, "track": 0.7},
        unpaved_factor=0.7,
    ),
    "spring_mud": Adjustment(
        name="spring_mud",
        description="spring mud: unpaved roads ×0.5",
        unpaved_factor=0.5,
    ),
}
"""Adjustments known by name."""


def parse_maxspeed(text: object) -> float | None:
    """Parse an OSM ``maxspeed`` value into km/h.

    Parameters
    ----------
    text : object
        The tag value: ``"60"``, ``"60 km/h"``, ``"30 mph"``, ``"RU:rural"``, ``"KZ:urban"``, ``"walk"``,
        ``"60;80"`` (the lowest is used), ``"none"``/``"signals"``/``"variable"`` or anything else.
        A list (as OSMnx gives after merging ways) is treated like ``;``.

    Returns
    -------
    float or None
        Speed limit in km/h, or None when the value does not state one (the class speed then applies).
    """
    if isinstance(text, (list, tuple)):
        text = ";".join(str(t) for t in text)
    if not isinstance(text, str):
        return None
    parsed = [_parse_one_maxspeed(part) for part in text.split(";")]
    speeds = [s for s in parsed if s is not None]
    return min(speeds) if speeds else None


def _parse_one_maxspeed(part: str) -> float | None:
    value = part.strip().lower()
    if value == "walk":
        return WALK_KMH
    if value in ZONE_SPEEDS_KMH:
        return ZONE_SPEEDS_KMH[value]
    zone = _ZONE_RE.match(value)
    match = _SPEED_RE.match(value) if zone is None else None
    if zone is not None:
        speed = float(zone.group(1))
    elif match is not None:
        speed = float(match.group(1).replace(",", "."))
        unit = match.group(2)
        if unit == "mph":
            speed *= MPH_TO_KMH
        elif unit == "knots":
            speed *= 1.852
    else:
        return None  # "none", "signals", "variable", garbage
    low, high = MAXSPEED_RANGE_KMH
    return speed if low <= speed <= high and math.isfinite(speed) else None


@dataclass(frozen=True)
class SpeedProfile:
    """Travel speeds for routing.

    Parameters
    ----------
    name : str
        Name shown with results.
    speeds_kmh : Mapping[str, float]
        Travel speed per OSM ``highway`` class, km/h. Ways of other classes (footways, paths) are not driven.
    unpaved_factor : float
        Multiplier for ways with an unpaved ``surface`` (and tracks without one).
    adjustments : tuple of str
        Names of active :data:`ADJUSTMENTS`.
    use_maxspeed : bool
        Whether a parsable ``maxspeed`` replaces the class speed.
    """

    name: str = "kazakhstan"
    speeds_kmh: Mapping[str, float] = field(default_factory=lambda: dict(KAZAKHSTAN_SPEEDS_KMH))
    unpaved_factor: float = 0.6
    adjustments: tuple[str, ...] = ()
    use_maxspeed: bool = True

    def __post_init__(self) -> None:
        unknown = [a for a in self.adjustments if a not in ADJUSTMENTS]
        if unknown:
            raise ValueError(f"`adjustments` has unknown names {unknown}; known: {sorted(ADJUSTMENTS)}")
        bad = {k: v for k, v in self.speeds_kmh.items() if not (v > 0 and math.isfinite(v))}
        if bad or not 0 < self.unpaved_factor <= 1:
            raise ValueError(f"speeds must be positive km/h and 0 < unpaved_factor <= 1; got {bad}, "
                             f"unpaved_factor={self.unpaved_factor}")

    def with_adjustments(self, *names: str) -> SpeedProfile:
        """A copy with the named adjustments switched on (in addition to those already on)."""
        merged = tuple(dict.fromkeys(self.adjustments + tuple(names)))
        return replace(self, adjustments=merged)

    def drives(self, highway: object) -> bool:
        """Whether ways of this ``highway`` class are part of the driving network."""
        return _first(highway) in self.speeds_kmh

    def speed_kmh(self, highway: object, *, maxspeed: object = None, surface: object = None) -> float:
        """Travel speed on one way, km/h.

        Parameters
        ----------
        highway : str
            OSM ``highway`` value (a list: the first is used).
        maxspeed : str, optional
            OSM ``maxspeed`` value; replaces the class speed when it parses and ``use_maxspeed`` is on.
        surface : str, optional
            OSM ``surface`` value; an unpaved surface applies ``unpaved_factor``.
        """
        road_class = _first(highway)
        limit = parse_maxspeed(maxspeed) if self.use_maxspeed else None
        speed = limit if limit is not None else self.speeds_kmh.get(road_class, FALLBACK_SPEED_KMH)
        surface_value = _first(surface)
        unpaved = (surface_value in UNPAVED_SURFACES
                   or (surface_value is None and road_class in UNPAVED_BY_DEFAULT))
        if unpaved:
            speed *= self.unpaved_factor
        for name in self.adjustments:
            adjustment = ADJUSTMENTS[name]
            speed *= adjustment.class_factors.get(road_class, 1.0)
            if unpaved:
                speed *= adjustment.unpaved_factor
        return speed

    def describe(self) -> str:
        """One line saying which speeds produced a result (shown with every result)."""
        main = ", ".join(f"{k} {self.speeds_kmh[k]:g}" for k in
                         ("motorway", "trunk", "primary", "secondary", "tertiary", "residential", "track")
                         if k in self.speeds_kmh)
        text = (f"speed profile '{self.name}': {main} km/h; unpaved ×{self.unpaved_factor:g}; "
                f"maxspeed tags {'used' if self.use_maxspeed else 'ignored'}")
        for name in self.adjustments:
            text += f"; {ADJUSTMENTS[name].description}"
        return text

    def cache_key(self) -> str:
        """A short hash of everything that changes travel times (for the network cache)."""
        payload = {
            "speeds": sorted(self.speeds_kmh.items()), "unpaved": self.unpaved_factor,
            "adjustments": list(self.adjustments), "maxspeed": self.use_maxspeed,
            "zones": sorted(ZONE_SPEEDS_KMH.items()),
        }
        return hashlib.sha256(json.dumps(payload).encode()).hexdigest()[:16]


def _first(value: object) -> str | None:
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    return value if isinstance(value, str) else None


DEFAULT_PROFILE = SpeedProfile()
