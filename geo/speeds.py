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
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from geo.errors import Problem, ValidationError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
# pandas and geo.tabular are imported inside the speeds-file functions: geo.osm imports this module, and
# ``download-osm`` must say at once that there is no internet (see planning/cli/download.py)

MPH_TO_KMH = 1.609344
WALK_KMH = 5.0
"""Speed for ``maxspeed=walk``."""
MAXSPEED_RANGE_KMH = (1.0, 200.0)
"""A parsed maxspeed outside this range is treated as a tagging error and ignored."""
FALLBACK_SPEED_KMH = 30.0
"""Speed of a highway class the profile does not list (``road``, misspellings)."""

ZONE_SPEEDS_KMH = {
    # Implicit limits (OSM wiki "Default speed limits"); Kazakhstan follows the Russian rules for towns.
    "ru:urban": 60.0,
    "ru:rural": 90.0,
    "ru:motorway": 110.0,
    "ru:living_street": 20.0,
    "kz:urban": 60.0,
    "kz:rural": 110.0,
    "kz:motorway": 140.0,
    "kz:living_street": 20.0,
}

UNPAVED_SURFACES = frozenset(
    {
        "unpaved",
        "gravel",
        "fine_gravel",
        "dirt",
        "earth",
        "ground",
        "sand",
        "compacted",
        "grass",
        "mud",
        "pebblestone",
        "rock",
        "salt",
        "clay",
    }
)
UNPAVED_BY_DEFAULT = frozenset({"track"})
"""Highway classes that count as unpaved when the way has no ``surface`` tag."""

KAZAKHSTAN_SPEEDS_KMH = {
    "motorway": 100.0,
    "motorway_link": 60.0,
    "trunk": 90.0,
    "trunk_link": 50.0,
    "primary": 80.0,
    "primary_link": 45.0,
    "secondary": 65.0,
    "secondary_link": 40.0,
    "tertiary": 50.0,
    "tertiary_link": 35.0,
    "unclassified": 40.0,
    "residential": 30.0,
    "living_street": 15.0,
    "service": 20.0,
    "track": 25.0,
    "road": 30.0,
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


PROFILE_SOURCES = ("builtin", "region", "file", "deployment")
"""Where a profile's class speeds come from: the built-in table, the region folder's ``speeds.csv``, another file,
or the speeds a planner stored for the region (``planning.store.roads``)."""
DESCRIBED_CLASSES = ("motorway", "trunk", "primary", "secondary", "tertiary", "residential", "track")
"""Classes every description names (others only when their speed differs from the built-in one)."""


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
        Whether a parsable ``maxspeed`` replaces the class speed (on every class but ``maxspeed_ignored``).
    maxspeed_ignored : frozenset of str
        Highway classes whose ``maxspeed`` tags are ignored (the class speed applies), e.g. ``{"track"}`` where
        signed limits say nothing about the state of a dirt road.
    source : {"builtin", "region", "file"}
        Where the class speeds come from (:data:`PROFILE_SOURCES`); stated with every result.
    """

    name: str = "kazakhstan"
    speeds_kmh: Mapping[str, float] = field(default_factory=lambda: dict(KAZAKHSTAN_SPEEDS_KMH))
    unpaved_factor: float = 0.6
    adjustments: tuple[str, ...] = ()
    use_maxspeed: bool = True
    maxspeed_ignored: frozenset[str] = frozenset()
    source: str = "builtin"

    def __post_init__(self) -> None:
        unknown = [a for a in self.adjustments if a not in ADJUSTMENTS]
        if unknown:
            raise ValueError(f"`adjustments` has unknown names {unknown}; known: {sorted(ADJUSTMENTS)}")
        bad = {k: v for k, v in self.speeds_kmh.items() if not (v > 0 and math.isfinite(v))}
        if bad or not 0 < self.unpaved_factor <= 1:
            raise ValueError(
                f"speeds must be positive km/h and 0 < unpaved_factor <= 1; got {bad}, "
                f"unpaved_factor={self.unpaved_factor}"
            )
        if self.source not in PROFILE_SOURCES:
            raise ValueError(f"`source` must be one of {PROFILE_SOURCES}; got {self.source!r}")
        if isinstance(self.maxspeed_ignored, str):
            raise ValueError(
                f"`maxspeed_ignored` must be a set of highway classes; got the string {self.maxspeed_ignored!r}"
            )
        object.__setattr__(self, "maxspeed_ignored", frozenset(self.maxspeed_ignored))

    def with_adjustments(self, *names: str) -> SpeedProfile:
        """A copy with the named adjustments switched on (in addition to those already on)."""
        merged = tuple(dict.fromkeys(self.adjustments + tuple(names)))
        return replace(self, adjustments=merged)

    def drives(self, highway: object) -> bool:
        """Whether ways of this ``highway`` class are part of the driving network."""
        return _first(highway) in self.speeds_kmh

    def uses_maxspeed(self, highway: object) -> bool:
        """Whether a parsable ``maxspeed`` tag replaces the class speed on ways of this ``highway`` class."""
        return self.use_maxspeed and _first(highway) not in self.maxspeed_ignored

    def speed_kmh(self, highway: object, *, maxspeed: object = None, surface: object = None) -> float:
        """Travel speed on one way, km/h.

        Parameters
        ----------
        highway : str
            OSM ``highway`` value (a list: the first is used).
        maxspeed : str, optional
            OSM ``maxspeed`` value; replaces the class speed when it parses and :meth:`uses_maxspeed` says so
            for the class.
        surface : str, optional
            OSM ``surface`` value; an unpaved surface applies ``unpaved_factor``.
        """
        road_class = _first(highway)
        limit = parse_maxspeed(maxspeed) if self.uses_maxspeed(road_class) else None
        speed = limit if limit is not None else self.speeds_kmh.get(road_class or "", FALLBACK_SPEED_KMH)
        surface_value = _first(surface)
        unpaved = surface_value in UNPAVED_SURFACES or (surface_value is None and road_class in UNPAVED_BY_DEFAULT)
        if unpaved:
            speed *= self.unpaved_factor
        for name in self.adjustments:
            adjustment = ADJUSTMENTS[name]
            speed *= adjustment.class_factors.get(road_class or "", 1.0)
            if unpaved:
                speed *= adjustment.unpaved_factor
        return speed

    def described_classes(self) -> tuple[str, ...]:
        """The classes a description names: :data:`DESCRIBED_CLASSES`, then any other whose speed is not the
        built-in one (so two profiles that route differently are described differently)."""
        main = [k for k in DESCRIBED_CLASSES if k in self.speeds_kmh]
        changed = [
            k
            for k in self.speeds_kmh
            if k not in DESCRIBED_CLASSES and self.speeds_kmh[k] != KAZAKHSTAN_SPEEDS_KMH.get(k)
        ]
        return tuple(main + changed)

    def maxspeed_ignored_classes(self) -> tuple[str, ...]:
        """Driven classes whose ``maxspeed`` tags are ignored, in the profile's order (all when ``use_maxspeed``
        is off)."""
        return tuple(k for k in self.speeds_kmh if not self.uses_maxspeed(k))

    def describe(self) -> str:
        """One line saying which speeds produced a result (shown with every result)."""
        main = ", ".join(f"{k} {self.speeds_kmh[k]:g}" for k in self.described_classes())
        origin = {
            "builtin": "built-in",
            "region": "from the region folder",
            "file": "from a file",
            "deployment": "set for the region on the Roads page",
        }[self.source]
        ignored = self.maxspeed_ignored_classes()
        if not ignored:
            maxspeed = "maxspeed tags used"
        elif len(ignored) == len(self.speeds_kmh):
            maxspeed = "maxspeed tags ignored"
        else:
            maxspeed = f"maxspeed tags used except on {', '.join(ignored)}"
        text = f"speed profile '{self.name}' ({origin}): {main} km/h; unpaved ×{self.unpaved_factor:g}; {maxspeed}"
        for name in self.adjustments:
            text += f"; {ADJUSTMENTS[name].description}"
        return text

    def cache_key(self) -> str:
        """A short hash of everything that changes travel times or their description (for the network cache,
        which keeps the description with the network)."""
        payload = {
            "speeds": sorted(self.speeds_kmh.items()),
            "unpaved": self.unpaved_factor,
            "adjustments": list(self.adjustments),
            "maxspeed": self.use_maxspeed,
            "zones": sorted(ZONE_SPEEDS_KMH.items()),
            "maxspeed_ignored": sorted(self.maxspeed_ignored),
            "name": self.name,
            "source": self.source,
        }
        return hashlib.sha256(json.dumps(payload).encode()).hexdigest()[:16]


def _first(value: object) -> str | None:
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    return value if isinstance(value, str) else None


DEFAULT_PROFILE = SpeedProfile()


# --- speeds.csv: the class speeds of a region, as a planner edits them ----------------------------------------------
SPEEDS_FILE_NAME = "speeds.csv"
"""The file of a region folder whose class speeds replace the built-in ones."""
SPEEDS_COLUMNS = ("highway", "speed_kmh", "use_maxspeed")
"""Columns of a speeds file; ``use_maxspeed`` (yes/no, default yes) is optional."""
KNOWN_HIGHWAY_CLASSES = tuple(KAZAKHSTAN_SPEEDS_KMH)
"""The OSM ``highway`` classes a speeds file may list: the driven ones (footways and paths are not driven)."""
SPEED_RANGE_KMH = (1.0, 200.0)
"""Travel speeds a speeds file may give, km/h; outside is taken for a typing error (600 for 60, 0.6 for 60)."""
YES_WORDS = frozenset({"yes", "y", "true", "1", "да", "иә"})
NO_WORDS = frozenset({"no", "n", "false", "0", "нет", "жоқ"})
_MAX_LISTED = 10
"""Values named in one problem at most."""


def folder_speed_profile(folder: str | Path) -> SpeedProfile:
    """The class speeds of a region folder: its ``speeds.csv`` when there is one, else :data:`DEFAULT_PROFILE`.

    Raises
    ------
    ValidationError
        When the folder's ``speeds.csv`` cannot be used (every problem, see :func:`load_speed_profile`).
    """
    path = Path(folder) / SPEEDS_FILE_NAME
    return load_speed_profile(path, source="region") if path.is_file() else DEFAULT_PROFILE


def load_speed_profile(path: str | Path, *, source: str = "file", base: SpeedProfile = DEFAULT_PROFILE) -> SpeedProfile:
    """Read a speeds file (CSV or XLSX, any encoding and delimiter :func:`geo.tabular.read_table` accepts).

    Parameters
    ----------
    path : str or Path
        A table with the columns ``highway`` (OSM class), ``speed_kmh`` (km/h) and optionally ``use_maxspeed``
        (yes/no: whether ``maxspeed`` tags replace the class speed on that class; default yes).
    source : {"file", "region"}
        What the profile says it comes from: a file given by path, or the region folder's ``speeds.csv``.
    base : SpeedProfile
        Gives the speeds of the classes the file does not list, and the unpaved factor.

    Returns
    -------
    SpeedProfile
        Named after the file; no adjustments switched on.

    Raises
    ------
    ValidationError
        With every problem of the file (file, lines, column, what was expected, the fix).
    """
    from geo.tabular import read_table

    path = Path(path)
    if not path.is_file():
        raise ValidationError(
            [
                Problem(
                    str(path),
                    "no such file.",
                    "give the path of a speeds CSV with the columns highway, speed_kmh and, optionally, use_maxspeed.",
                    key="speeds_no_file",
                )
            ]
        )
    table, problems = read_table(path, name=path.name)
    if table is None:
        raise ValidationError(problems)
    return speed_profile_from_table(table, name=path.name, source=source, base=base)


def speed_profile_from_table(
    table: pd.DataFrame, *, name: str = SPEEDS_FILE_NAME, source: str = "file", base: SpeedProfile = DEFAULT_PROFILE
) -> SpeedProfile:
    """Validate a speeds table and make the profile it gives (see :func:`load_speed_profile`).

    Parameters
    ----------
    table : DataFrame
        Columns of :data:`SPEEDS_COLUMNS`; cells as text (as :func:`geo.tabular.read_table` gives them) or as an
        editor gives them (numbers, booleans, None). The index is taken for line numbers in messages.
    name : str
        The file name used in messages and as the profile's name.
    source, base
        As in :func:`load_speed_profile`.

    Raises
    ------
    ValidationError
        With every problem found; nothing is half-applied.
    """
    import pandas as pd

    from geo.tabular import parse_numbers

    columns = [str(c).strip().lower() for c in table.columns]
    cells = table.set_axis(columns, axis=1).map(_cell_text)
    problems: list[Problem] = []
    missing = [c for c in SPEEDS_COLUMNS[:2] if c not in columns]
    if missing:
        got = ", ".join(columns)
        problems.append(
            Problem(
                name,
                f"needs the columns {', '.join(missing)}; got columns: {got}.",
                "name the columns highway, speed_kmh and, optionally, use_maxspeed.",
                key="speeds_columns",
                params=(("missing", ", ".join(missing)), ("got", got)),
            )
        )
    unknown_columns = [c for c in columns if c not in SPEEDS_COLUMNS]
    if unknown_columns:
        listed = ", ".join(unknown_columns)
        problems.append(
            Problem(
                name,
                f"has columns a speeds file does not have: {listed}.",
                "remove them, or rename them to highway, speed_kmh or use_maxspeed.",
                key="speeds_unknown_columns",
                params=(("columns", listed),),
            )
        )
    if problems:
        raise ValidationError(problems)

    lines = [int(i) if isinstance(i, (int, float)) else i for i in cells.index]
    classes = cells["highway"].str.lower()

    def rows_of(mask: np.ndarray) -> tuple:
        return tuple(line for line, bad in zip(lines, mask) if bad)

    def named(mask: np.ndarray) -> str:
        chosen = list(dict.fromkeys(c for c, bad in zip(classes, mask) if bad and c))
        more = f" (+{len(chosen) - _MAX_LISTED})" if len(chosen) > _MAX_LISTED else ""
        return ", ".join(chosen[:_MAX_LISTED]) + more or "—"

    def flag(mask: np.ndarray, message: str, fix: str, *, column: str, key: str, params: tuple = ()) -> None:
        """Add the problem ``key`` on the rows ``mask`` marks, if any; ``{classes}`` in ``message`` names their
        highway classes, and then the catalog text gets them too (parameter ``classes``, before ``params``)."""
        if not mask.any():
            return
        listed = named(mask)
        problems.append(
            Problem(
                name,
                message.format(classes=listed),
                fix,
                column=column,
                rows=rows_of(mask),
                key=key,
                params=(("classes", listed), *params) if "{classes}" in message else params,
            )
        )

    blank = (classes == "").to_numpy()
    flag(
        blank,
        "rows without a highway class.",
        "fill in an OSM highway value, e.g. primary.",
        column="highway",
        key="speeds_class_blank",
    )
    known = ", ".join(KNOWN_HIGHWAY_CLASSES)
    flag(
        (~classes.isin(KNOWN_HIGHWAY_CLASSES)).to_numpy() & ~blank,
        f"unknown highway classes: {{classes}}; known: {known}.",
        "use one of the known OSM highway values (footways and paths are not driven).",
        column="highway",
        key="speeds_class_unknown",
        params=(("known", known),),
    )
    flag(
        classes.duplicated(keep=False).to_numpy() & ~blank,
        "highway classes listed more than once: {classes}.",
        "keep one row per class.",
        column="highway",
        key="speeds_class_repeated",
    )

    speeds, empty, bad = parse_numbers(cells["speed_kmh"])
    not_number = empty | bad
    flag(
        not_number,
        "speeds that are empty or not numbers (classes: {classes}).",
        "write the speed in km/h as a number, e.g. 60 or 62.5.",
        column="speed_kmh",
        key="speeds_not_number",
    )
    with_number = ~not_number
    flag(
        with_number & ~(speeds > 0),
        "speeds of zero or below (classes: {classes}).",
        "give every class a positive speed in km/h.",
        column="speed_kmh",
        key="speeds_not_positive",
    )
    low, high = SPEED_RANGE_KMH
    flag(
        with_number & (speeds > 0) & ~((speeds >= low) & (speeds <= high)),
        f"speeds outside {low:g}–{high:g} km/h (classes: {{classes}}).",
        f"give a travel speed between {low:g} and {high:g} km/h (a typing error such as 600 for 60?).",
        column="speed_kmh",
        key="speeds_absurd",
        params=(("low", low), ("high", high)),
    )

    answers = cells["use_maxspeed"].str.lower() if "use_maxspeed" in columns else pd.Series("", index=cells.index)
    flag(
        (~answers.isin(YES_WORDS | NO_WORDS) & (answers != "")).to_numpy(),
        "use_maxspeed must be yes or no (classes: {classes}).",
        "write yes (maxspeed tags replace the class speed) or no (the class speed applies).",
        column="use_maxspeed",
        key="speeds_yes_no",
    )
    if problems:
        raise ValidationError(problems)

    speeds_kmh = dict(base.speeds_kmh)
    ignored = {k for k in speeds_kmh if not base.uses_maxspeed(k)}
    for road_class, speed, answer in zip(classes, speeds, answers):
        speeds_kmh[road_class] = float(speed)
        if answer in NO_WORDS:
            ignored.add(road_class)
        else:
            ignored.discard(road_class)
    return SpeedProfile(
        name=name,
        speeds_kmh=speeds_kmh,
        unpaved_factor=base.unpaved_factor,
        use_maxspeed=True,
        maxspeed_ignored=frozenset(ignored),
        source=source,
    )


def speeds_table(profile: SpeedProfile) -> pd.DataFrame:
    """The class speeds of ``profile`` as a table: ``highway``, ``speed_kmh`` (float, km/h) and ``use_maxspeed``
    (bool), one row per driven class in the profile's order (what a speeds file holds; adjustments are not in it).
    """
    import pandas as pd

    classes = list(profile.speeds_kmh)
    return pd.DataFrame(
        {
            "highway": classes,
            "speed_kmh": [float(profile.speeds_kmh[c]) for c in classes],
            "use_maxspeed": [profile.uses_maxspeed(c) for c in classes],
        }
    )


def write_speeds_csv(profile: SpeedProfile, path: str | Path) -> Path:
    """Write the class speeds of ``profile`` as a speeds file that :func:`load_speed_profile` reads back equal.

    UTF-8, comma-separated, ``yes``/``no``; written to a temporary file beside ``path`` first and then moved
    into place, so a failed write leaves the old file as it was.

    Returns
    -------
    Path
    """
    path = Path(path)
    table = speeds_table(profile)
    lines = [",".join(SPEEDS_COLUMNS)]
    lines += [
        f"{road_class},{_number_text(speed)},{'yes' if use else 'no'}"
        for road_class, speed, use in table.itertuples(index=False)
    ]
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_text("\n".join(lines) + "\n", encoding="utf-8")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def _number_text(value: float) -> str:
    text = f"{value:.15g}"
    return text if float(text) == value else repr(float(value))


def _cell_text(value: object) -> str:
    """A table cell as text: blanks (None, NaN) as '', booleans as yes/no, numbers without a trailing '.0'."""
    import pandas as pd

    if value is None or (not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value)):
        return ""
    if isinstance(value, (bool,)) or type(value).__name__ == "bool_":
        return "yes" if value else "no"
    if isinstance(value, (int, float)) or pd.api.types.is_number(value):
        return _number_text(float(value))  # type: ignore[arg-type]  # is_number: a numpy scalar
    return str(value).strip()
